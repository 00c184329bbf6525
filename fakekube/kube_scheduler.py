"""Run the real kube-scheduler (built by ``scripts/build-kube-scheduler``) against a cluster.

Two profiles, because the two uses want opposite things:

* ``default``: kube-scheduler exactly as a cluster runs it, with nothing but a kubeconfig
  (protobuf bodies, leader election through Leases, QPS 50, watch-list on 1.35). The
  conformance tests use it to prove fakekube needs no special configuration.
* ``simulation``: JSON bodies, QPS 5000 / burst 10000, no leader election, every node
  scored, ``/metrics`` readable: what ``fakekube simulate`` needs to be fast and to probe
  idleness.

Both bind the serving port to loopback on a free port (two instances must coexist for the
leader-election test) and never touch API behaviour otherwise.

The idle probe reads ``/metrics``: kube-scheduler is idle when its active and backoff queues
are empty, no binding goroutine runs, and every pending pod it owns sits in its
unschedulable (or gated) queue. The last clause covers the one window the queue gauges
miss: a pod popped for its scheduling cycle is in no queue at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import re
import socket
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from fakekube._process import die_with_parent

__all__ = [
    "KubeScheduler",
    "KubeSchedulerNotBuilt",
    "KubeSchedulerProbe",
    "SchedulerMetrics",
    "built_versions",
    "cache_dir",
    "find_binary",
]

BUILD_SCRIPT = "scripts/build-kube-scheduler"
_BINARY = re.compile(r"^kube-scheduler-v(\d+)\.(\d+)\.(\d+)$")


class KubeSchedulerNotBuilt(FileNotFoundError):
    """No kube-scheduler binary for the requested version: the message says how to build it."""


def cache_dir() -> Path:
    """Where Go builds live: outside the clone, so a fresh clone on this machine reuses them."""
    if env := os.environ.get("FAKEKUBE_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fakekube"


def built_versions() -> dict[str, Path]:
    """Every built kube-scheduler, ``"1.35.4" -> path``, oldest first."""
    found: list[tuple[tuple[int, ...], str, Path]] = []
    bindir = cache_dir() / "bin"
    if bindir.is_dir():
        for p in bindir.iterdir():
            m = _BINARY.match(p.name)
            if m and os.access(p, os.X_OK):
                key = tuple(int(x) for x in m.groups())
                found.append((key, ".".join(m.groups()), p))
    return {v: p for _, v, p in sorted(found)}


def find_binary(version: str | None = None) -> Path:
    """The binary for ``version`` ("1.35" or "1.35.4"; newest when omitted)."""
    versions = built_versions()
    if version:
        want = version.removeprefix("v")
        matches = [v for v in versions if v == want or v.startswith(want + ".")]
    else:
        matches = list(versions)
    if not matches:
        have = ", ".join(versions) or "none"
        raise KubeSchedulerNotBuilt(
            f"no kube-scheduler{' ' + version if version else ''} built in "
            f"{cache_dir() / 'bin'} (built: {have}); run {BUILD_SCRIPT}"
            + (f" {version}" if version else "")
        )
    return versions[matches[-1]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def simulation_config(
    kubeconfig: Path,
    *,
    scheduler_name: str = "default-scheduler",
    base: Mapping[str, Any] | None = None,
) -> str:
    """The KubeSchedulerConfiguration a simulation runs with (see the module docstring).

    ``base`` is a user's own configuration (the policy under study: plugins, scoring,
    queue settings). What the simulation needs wins over it — the cluster's kubeconfig,
    no leader election — and its other simulation settings fill in only what ``base``
    leaves unset, so a study can still choose, say, ``percentageOfNodesToScore``.
    """
    doc: dict[str, Any] = copy.deepcopy(dict(base)) if base else {}
    if base:
        api, kind = doc.get("apiVersion"), doc.get("kind")
        if (api, kind) != ("kubescheduler.config.k8s.io/v1", "KubeSchedulerConfiguration"):
            raise ValueError(
                f'expected apiVersion "kubescheduler.config.k8s.io/v1" and kind '
                f'"KubeSchedulerConfiguration", got apiVersion {api!r} and kind {kind!r}'
            )
    doc.setdefault("apiVersion", "kubescheduler.config.k8s.io/v1")
    doc.setdefault("kind", "KubeSchedulerConfiguration")
    connection = doc.setdefault("clientConnection", {})
    connection["kubeconfig"] = str(kubeconfig)
    connection.setdefault("contentType", "application/json")
    connection.setdefault("qps", 5000)
    connection.setdefault("burst", 10000)
    doc["leaderElection"] = {"leaderElect": False}
    doc.setdefault("percentageOfNodesToScore", 100)
    doc.setdefault("profiles", [{"schedulerName": scheduler_name}])
    names = [p.get("schedulerName", "default-scheduler") for p in doc["profiles"]]
    if scheduler_name not in names:
        raise ValueError(
            f"no profile has schedulerName {scheduler_name!r} (profiles: {', '.join(names)}); "
            "the simulated pods ask for that scheduler"
        )
    return yaml.safe_dump(doc, sort_keys=False)


@dataclass(frozen=True)
class SchedulerMetrics:
    """The few ``/metrics`` series that say whether kube-scheduler has work."""

    active: int
    backoff: int
    unschedulable: int
    gated: int
    binding: int
    attempts: int

    @classmethod
    def parse(cls, text: str) -> SchedulerMetrics:
        wanted = ("scheduler_pending_pods", "scheduler_goroutines", "scheduler_schedule_attempts")
        values: dict[tuple[str, str], float] = {}
        for line in text.splitlines():
            if not line.startswith(wanted):
                continue
            name, _, value = line.rpartition(" ")
            base, _, labels = name.partition("{")
            values[base, labels] = values.get((base, labels), 0.0) + float(value)

        def series(metric: str, label: str = "", value: str = "") -> int:
            want = f'{label}="{value}"'
            return int(
                sum(v for (b, lb), v in values.items() if b == metric and (not label or want in lb))
            )

        pending = "scheduler_pending_pods"
        return cls(
            active=series(pending, "queue", "active"),
            backoff=series(pending, "queue", "backoff"),
            unschedulable=series(pending, "queue", "unschedulable"),
            gated=series(pending, "queue", "gated"),
            binding=series("scheduler_goroutines", "operation", "binding"),
            attempts=series("scheduler_schedule_attempts_total"),
        )


#: Histograms the simulation never reads: they make up most of a /metrics answer (300 kB
#: on a busy scheduler), and the idle probe reads it several times per simulated step.
SIMULATION_DISABLED_METRICS = (
    "scheduler_plugin_execution_duration_seconds",
    "scheduler_pod_scheduling_sli_duration_seconds",
    "scheduler_framework_extension_point_duration_seconds",
    "scheduler_event_handling_duration_seconds",
    "scheduler_scheduling_attempt_duration_seconds",
    "scheduler_scheduling_algorithm_duration_seconds",
    "scheduler_queueing_hint_execution_duration_seconds",
    "scheduler_plugin_evaluation_total",
    "rest_client_request_duration_seconds",
    "rest_client_rate_limiter_duration_seconds",
    "rest_client_response_size_bytes",
    "rest_client_request_size_bytes",
)


class KubeScheduler:
    """One kube-scheduler process. ``async with KubeScheduler(kubeconfig) as ks:``."""

    def __init__(
        self,
        kubeconfig: str | os.PathLike[str],
        *,
        profile: str = "simulation",
        version: str | None = None,
        scheduler_name: str = "default-scheduler",
        extra_args: list[str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
        verbosity: int = 2,
        env: Mapping[str, str] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        if profile not in ("default", "simulation"):
            raise ValueError(f"unknown kube-scheduler profile {profile!r}: default or simulation")
        if config is not None and profile != "simulation":
            raise ValueError("a KubeSchedulerConfiguration applies to the simulation profile only")
        self.binary = find_binary(version)
        self.version = self.binary.name.removeprefix("kube-scheduler-v")
        self.kubeconfig = Path(kubeconfig)
        self.profile = profile
        self.scheduler_name = scheduler_name
        #: The user's KubeSchedulerConfiguration, merged by :func:`simulation_config`.
        self.config = config
        self.extra_args = list(extra_args or [])
        self.verbosity = verbosity
        self.port = _free_port()
        self._env = dict(env) if env is not None else None
        self._tmp = Path(tempfile.mkdtemp(prefix="fakekube-kube-scheduler-"))
        self.log_path = Path(log_path) if log_path else self._tmp / "kube-scheduler.log"
        self._proc: asyncio.subprocess.Process | None = None
        self._log: Any = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def metrics_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/metrics"

    def args(self) -> list[str]:
        args = [
            str(self.binary),
            f"--secure-port={self.port}",
            "--bind-address=127.0.0.1",
            f"-v={self.verbosity}",
        ]
        if self.profile == "default":
            args.append(f"--kubeconfig={self.kubeconfig}")
        else:
            cfg = self._tmp / "config.yaml"
            cfg.write_text(
                simulation_config(
                    self.kubeconfig, scheduler_name=self.scheduler_name, base=self.config
                )
            )
            args += [
                f"--config={cfg}",
                "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
                "--disabled-metrics=" + ",".join(SIMULATION_DISABLED_METRICS),
            ]
        return args + self.extra_args

    async def start(self) -> KubeScheduler:
        env = dict(self._env if self._env is not None else os.environ)
        # Outside a pod: never try in-cluster config or delegated auth against the fake.
        env.pop("KUBERNETES_SERVICE_HOST", None)
        env.pop("KUBERNETES_SERVICE_PORT", None)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        binary, *args = self.args()
        # argv[0] "kube-scheduler", as a cluster runs it: client-go builds the User-Agent
        # from it ("kube-scheduler/v1.35.4 ..."), and the endpoint manifests record that.
        self._proc = await asyncio.create_subprocess_exec(
            "kube-scheduler",
            *args,
            executable=binary,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            preexec_fn=die_with_parent,
        )
        return self

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.returncode

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        """Raise ``RuntimeError`` with the log tail if the process has exited."""
        if self._proc is not None and self._proc.returncode is not None:
            raise RuntimeError(
                f"kube-scheduler v{self.version} exited with code {self._proc.returncode}; "
                f"last log lines:\n{self.log_tail()}"
            )

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE  # kube-scheduler serves a self-signed certificate
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx))
        return self._session

    async def get(self, path: str, timeout: float = 5.0) -> tuple[int, str]:
        """GET ``path`` on the scheduler's serving port (``/healthz``, ``/metrics``…)."""
        session = await self._http()
        # identity: aiohttp asks for gzip by default, and compressing 100 kB of /metrics
        # per probe reading costs the scheduler CPU it should spend scheduling.
        async with session.get(
            f"https://127.0.0.1:{self.port}{path}",
            headers={"Accept-Encoding": "identity"},
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as resp:
            return resp.status, await resp.text()

    async def wait_healthy(self, timeout: float = 60.0) -> None:
        """Wait for ``/healthz``; the process dying meanwhile is an error with its log."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self.check_alive()
            with contextlib.suppress(aiohttp.ClientError, OSError, asyncio.TimeoutError):
                status, _ = await self.get("/healthz", timeout=2.0)
                if status == 200:
                    return
            if loop.time() > deadline:
                raise TimeoutError(
                    f"kube-scheduler not healthy within {timeout:g}s; log:\n{self.log_tail()}"
                )
            await asyncio.sleep(0.05)

    async def metrics(self) -> SchedulerMetrics:
        status, text = await self.get("/metrics")
        if status != 200:
            raise RuntimeError(
                f"kube-scheduler /metrics answered {status} (profile {self.profile!r}: only "
                "the simulation profile allows it)"
            )
        return SchedulerMetrics.parse(text)

    async def stop(self, timeout: float = 10.0) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), timeout)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._log is not None:
            self._log.close()
            self._log = None

    async def kill(self) -> None:
        """SIGKILL, as a crash would: no lease release, no clean shutdown."""
        if self._proc is not None and self._proc.returncode is None:
            self._proc.kill()
            await self._proc.wait()

    async def __aenter__(self) -> KubeScheduler:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class KubeSchedulerProbe:
    """The quiescence gate's idle probe for kube-scheduler (see the module docstring)."""

    #: The gate may close the step on the first idle answer: :meth:`idle` itself asks
    #: for two identical idle readings taken within the step (each /metrics read takes
    #: milliseconds, so two are also the pause that lets kube-scheduler's informers
    #: consume what the gate has flushed to them).
    stable_polls = 1

    def __init__(self, scheduler: KubeScheduler, pending: Any) -> None:
        #: ``pending()`` counts unbound, live pods this scheduler owns, read from the store.
        self.scheduler = scheduler
        self.pending = pending
        self._last: SchedulerMetrics | None = None
        self._barrier = -1

    async def idle(self, barrier_rv: int) -> bool:
        if barrier_rv != self._barrier:  # a new step: readings from before prove nothing
            self._barrier, self._last = barrier_rv, None
        try:
            m = await self.scheduler.metrics()
        except (aiohttp.ClientError, OSError, TimeoutError):
            # Not answering: dead (say so, with its log) or too busy to answer (not idle).
            self.check_alive()
            self._last = None
            return False
        last, self._last = self._last, m
        quiet = m.active == 0 and m.backoff == 0 and m.binding == 0
        # Attempts must not move between two idle readings: a pod popped and failed in
        # between would otherwise look like it was never touched.
        return quiet and m.unschedulable + m.gated == self.pending() and last == m

    def busy_reasons(self, barrier_rv: int) -> list[str]:
        m = self._last
        if m is None:
            return ["no /metrics reading yet"]
        return [
            f"queues active={m.active} backoff={m.backoff} unschedulable={m.unschedulable} "
            f"gated={m.gated}, binding goroutines={m.binding}, pending pods in the store="
            f"{self.pending()}"
        ]

    def check_alive(self) -> None:
        from fakekube.batsim.quiescence import SchedulerStuck

        try:
            self.scheduler.check_alive()
        except RuntimeError as exc:
            raise SchedulerStuck(str(exc)) from None
