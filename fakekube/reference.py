"""The reference control plane: the real kube-apiserver and etcd, on loopback, beside fakekube.

Fidelity and speed can only be claimed against the real thing measured on the same machine in
the same run, so the differential tests (conformance/differential/) and the side-by-side
benchmarks (bench/) start the binaries ``scripts/build-reference`` builds from their Go
modules. Nothing here is simulated: certificates, a static bearer token and the service
account keys are generated per start, etcd keeps its data in a temporary directory.

The settings keep API semantics those of a stock cluster and change only what a control plane
without controllers needs:

* ``--disable-admission-plugins=ServiceAccount``: the plugin rejects every pod until the
  ``default`` ServiceAccount exists, which only kube-controller-manager creates;
* ``--authorization-mode=AlwaysAllow`` and a ``system:masters`` token: fakekube authorises
  nothing, so authorisation must never be the difference;
* ``--etcd-compaction-interval=24h``: etcd is compacted when a caller asks
  (:meth:`ReferenceControlPlane.compact`), so a 410 happens when a test wants one, not every
  five minutes (not 0, which would also stop the apiserver from learning of compactions);
* etcd runs with ``--unsafe-no-fsync``: fakekube keeps nothing on disk, and a benchmark that
  waited for fsync would flatter it.

Startup is synchronous (subprocesses and a readiness poll, no event loop needed), so a
session-scoped pytest fixture can share one control plane between async tests in any loop;
``async with`` runs the same start on a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from fakekube._process import die_with_parent
from fakekube.kube_scheduler import cache_dir

__all__ = [
    "BUILD_SCRIPT",
    "Binaries",
    "ReferenceControlPlane",
    "ReferenceNotBuilt",
    "find_binaries",
]

BUILD_SCRIPT = "scripts/build-reference"
_APISERVER = re.compile(r"^kube-apiserver-v(\d+)\.(\d+)\.(\d+)$")
_ETCD = re.compile(r"^etcd-v(\d+)\.(\d+)\.(\d+)$")
#: Whom the static token authenticates: the group every request is allowed for, as admin.
_TOKEN_USER = ("admin", "admin", "system:masters")


class ReferenceNotBuilt(FileNotFoundError):
    """kube-apiserver or etcd is not built: the message names the script that builds them."""


@dataclass(frozen=True)
class Binaries:
    """The newest built kube-apiserver and etcd, with their versions."""

    kube_apiserver: Path
    etcd: Path
    kube_version: str
    etcd_version: str


def _newest(bindir: Path, pattern: re.Pattern[str]) -> tuple[str, Path] | None:
    found: list[tuple[tuple[int, ...], str, Path]] = []
    if bindir.is_dir():
        for p in bindir.iterdir():
            m = pattern.match(p.name)
            if m and os.access(p, os.X_OK):
                found.append((tuple(int(x) for x in m.groups()), ".".join(m.groups()), p))
    if not found:
        return None
    _, version, path = max(found)
    return version, path


def find_binaries() -> Binaries:
    """The built binaries; :class:`ReferenceNotBuilt` says which is missing and how to build."""
    bindir = cache_dir() / "bin"
    apiserver = _newest(bindir, _APISERVER)
    etcd = _newest(bindir, _ETCD)
    missing = [n for n, v in (("kube-apiserver", apiserver), ("etcd", etcd)) if v is None]
    if apiserver is None or etcd is None:
        raise ReferenceNotBuilt(
            f"the reference control plane is not built ({' and '.join(missing)} missing "
            f"from {bindir}); run {BUILD_SCRIPT}"
        )
    return Binaries(apiserver[1], etcd[1], apiserver[0], etcd[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_pki(directory: Path) -> None:
    """A CA, a serving certificate for 127.0.0.1 signed by it, and the service-account keys."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    def pem_key(key: Any) -> bytes:
        return bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    now = datetime.datetime.now(datetime.UTC)
    validity = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fakekube-reference-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "apiserver.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "apiserver.key").write_bytes(pem_key(key))
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (directory / "sa.key").write_bytes(pem_key(sa_key))
    (directory / "sa.pub").write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


class ReferenceControlPlane:
    """etcd plus kube-apiserver on free loopback ports.

    ``with ReferenceControlPlane() as ref:`` (or ``async with``) starts both and waits for
    ``/readyz``; ``ref.url``, ``ref.token``, ``ref.ca_file`` and ``ref.kubeconfig`` reach it.
    """

    def __init__(
        self,
        *,
        apiserver_args: Sequence[str] = (),
        startup_timeout: float = 90.0,
    ) -> None:
        self.binaries = find_binaries()
        self.apiserver_args = list(apiserver_args)
        self.startup_timeout = startup_timeout
        self.token = base64.urlsafe_b64encode(os.urandom(24)).decode().rstrip("=")
        self.dir = Path()
        self.url = ""
        self.etcd_url = ""
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    @property
    def ca_file(self) -> Path:
        return self.dir / "pki" / "ca.crt"

    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @property
    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header every request to the reference needs."""
        return {"Authorization": f"Bearer {self.token}"}

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts exactly this control plane's CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> ReferenceControlPlane:
        self.dir = Path(tempfile.mkdtemp(prefix="fakekube-reference-"))
        try:
            pki = self.dir / "pki"
            pki.mkdir()
            _write_pki(pki)
            user, uid, group = _TOKEN_USER
            (pki / "tokens.csv").write_text(f'{self.token},{user},{uid},"{group}"\n')
            self._start_etcd()
            self._start_apiserver()
            self._write_kubeconfig()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.dir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBERNETES_SERVICE_")}
        self._procs[name] = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=die_with_parent,
        )

    def _start_etcd(self) -> None:
        client, peer = _free_port(), _free_port()
        self.etcd_url = f"http://127.0.0.1:{client}"
        peer_url = f"http://127.0.0.1:{peer}"
        self._spawn(
            "etcd",
            [
                str(self.binaries.etcd),
                "--name=reference",
                f"--data-dir={self.dir / 'etcd'}",
                f"--listen-client-urls={self.etcd_url}",
                f"--advertise-client-urls={self.etcd_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=reference={peer_url}",
                "--unsafe-no-fsync",
                "--log-level=warn",
                "--quota-backend-bytes=8589934592",
            ],
        )

    def _start_apiserver(self) -> None:
        port = _free_port()
        self.url = f"https://127.0.0.1:{port}"
        pki = self.dir / "pki"
        self._spawn(
            "kube-apiserver",
            [
                str(self.binaries.kube_apiserver),
                f"--etcd-servers={self.etcd_url}",
                "--etcd-compaction-interval=24h",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                f"--cert-dir={self.dir / 'certs'}",
                f"--tls-cert-file={pki / 'apiserver.crt'}",
                f"--tls-private-key-file={pki / 'apiserver.key'}",
                f"--token-auth-file={pki / 'tokens.csv'}",
                "--authorization-mode=AlwaysAllow",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                "--service-cluster-ip-range=10.96.0.0/16",
                "--disable-admission-plugins=ServiceAccount",
                "--v=1",
                *self.apiserver_args,
            ],
        )

    def _write_kubeconfig(self) -> None:
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "reference",
                    "cluster": {"server": self.url, "certificate-authority": str(self.ca_file)},
                }
            ],
            "contexts": [
                {
                    "name": "reference",
                    "context": {"cluster": "reference", "user": "admin", "namespace": "default"},
                }
            ],
            "current-context": "reference",
            "users": [{"name": "admin", "user": {"token": self.token}}],
            "preferences": {},
        }
        self.kubeconfig.write_text(yaml.safe_dump(doc, sort_keys=False))

    def _wait_ready(self) -> None:
        """Poll ``/readyz`` until 200; a process exiting meanwhile fails with its log."""
        deadline = time.monotonic() + self.startup_timeout
        ctx = self.ssl_context()
        last = ""
        while True:
            self.check_alive()
            try:
                status, body = self._get(f"{self.url}/readyz", ctx)
                if status == 200:
                    return
                last = f"/readyz answered {status}: {body[-500:]}"
            except (OSError, urllib.error.URLError) as exc:
                last = str(exc)
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"kube-apiserver not ready within {self.startup_timeout:g}s ({last}); "
                    f"log:\n{self.log_tail('kube-apiserver')}"
                )
            time.sleep(0.1)

    def _get(self, url: str, ctx: ssl.SSLContext | None = None) -> tuple[int, str]:
        req = urllib.request.Request(url, headers=self.headers)
        try:
            with urllib.request.urlopen(req, timeout=5, context=ctx) as resp:
                return int(resp.status), resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode(errors="replace")

    def log_tail(self, name: str, lines: int = 40) -> str:
        try:
            text = (self.dir / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        """``RuntimeError`` with the log tail if etcd or kube-apiserver has exited."""
        for name, proc in self._procs.items():
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {proc.returncode}; last log lines:\n"
                    f"{self.log_tail(name)}"
                )

    def pid(self, name: str) -> int:
        """The process id of ``"etcd"`` or ``"kube-apiserver"`` (benchmarks read its RSS)."""
        return self._procs[name].pid

    def stop(self) -> None:
        # The API server first: it would otherwise spend its shutdown retrying etcd.
        for name in ("kube-apiserver", "etcd"):
            proc = self._procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self.dir != Path() and self.dir.exists():
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> ReferenceControlPlane:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> ReferenceControlPlane:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    # -- etcd ----------------------------------------------------------------------------

    def _etcd_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A call to etcd's gRPC-gateway (JSON over HTTP), so no etcd client is needed."""
        req = urllib.request.Request(
            f"{self.etcd_url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return dict(json.loads(resp.read()))

    def etcd_revision(self) -> int:
        """etcd's current revision (what kube-apiserver reports as resourceVersion)."""
        header = self._etcd_post("/v3/kv/range", {"key": base64.b64encode(b"\0").decode()})
        return int(header["header"]["revision"])

    def compact(self, revision: int | None = None, *, wait_for: Sequence[str] = ()) -> int:
        """Compact etcd up to ``revision`` (default: the current one), as kube-apiserver does.

        Like the apiserver's own compactor (``storage/etcd3/compact.go``) it first records the
        revision under ``compact_rev_key``, which is how every apiserver learns of it; each
        resource's watch cache then drops its list snapshots older than it, on a 15 s poll.
        ``wait_for`` names collection paths (``/api/v1/namespaces/x/configmaps``) to wait on
        until a list below the revision reaches etcd and gets 410: only then does the real
        server answer 410 where fakekube would.
        """
        rev = self.etcd_revision() if revision is None else revision
        self._etcd_post(
            "/v3/kv/put",
            {
                "key": base64.b64encode(b"compact_rev_key").decode(),
                "value": base64.b64encode(str(rev).encode()).decode(),
            },
        )
        self._etcd_post("/v3/kv/compaction", {"revision": rev, "physical": True})
        ctx = self.ssl_context()
        for path in wait_for:
            probe = f"{self.url}{path}?resourceVersion={rev - 1}&resourceVersionMatch=Exact"
            deadline = time.monotonic() + 60.0
            while True:
                status, body = self._get(probe, ctx)
                if status == 410:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"kube-apiserver still serves {path} at compacted revision {rev - 1} "
                        f"after 60s ({status}: {body[:200]})"
                    )
                time.sleep(0.2)
        return rev
