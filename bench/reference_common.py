"""What the side-by-side benchmarks share: the two systems, the machine, the tables.

Both systems run as separate processes, as a scheduler sees them: fakekube as
``fakekube serve`` (plain HTTP), the reference as the real kube-apiserver v1.35 with etcd
(:mod:`fakekube.reference`, TLS and a bearer token). They are measured one after the other
in the same run, never at the same time, so they do not compete for the two cores. The
client is the same aiohttp code for both; every number is a wall-clock time measured by it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from fakekube.reference import ReferenceControlPlane

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class System:
    """A running API server: where it is, how to reach it, which processes hold it."""

    name: str
    url: str
    kubeconfig: Path
    headers: dict[str, str]
    ssl: Any
    pids: dict[str, int] = field(default_factory=dict)

    def session(self, limit: int = 100) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(ssl=self.ssl, limit=limit)
        return aiohttp.ClientSession(
            connector=connector,
            headers=self.headers,
            timeout=aiohttp.ClientTimeout(total=None, sock_read=600),
        )

    def cpu_s(self) -> dict[str, float]:
        """User + system CPU seconds each process has used so far."""
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def rss_mib(self) -> dict[str, float]:
        """Resident memory of each process, MiB (VmRSS)."""
        out = {}
        for name, pid in self.pids.items():
            text = Path(f"/proc/{pid}/status").read_text()
            kib = int(re.search(r"VmRSS:\s+(\d+)", text).group(1))  # type: ignore[union-attr]
            out[name] = kib / 1024
        return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (``/proc/<pid>/stat``), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def fakekube() -> AsyncIterator[System]:
    """``fakekube serve`` in its own process, as a scheduler would use it."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-fakekube-"))
    kubeconfig = tmp / "kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakekube", "serve", "--port", "0", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        yield System("fakekube", url, kubeconfig, {}, None, {"fakekube": proc.pid})
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@asynccontextmanager
async def reference() -> AsyncIterator[System]:
    """kube-apiserver + etcd (``scripts/build-reference`` builds them)."""
    async with ReferenceControlPlane() as ref:
        yield System(
            "reference",
            ref.url,
            ref.kubeconfig,
            ref.headers,
            ref.ssl_context(),
            {"kube-apiserver": ref.pid("kube-apiserver"), "etcd": ref.pid("etcd")},
        )


SYSTEMS: dict[str, Callable[[], Any]] = {"fakekube": fakekube, "reference": reference}


def machine() -> dict[str, Any]:
    """The machine and toolchain the numbers were measured on."""
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    try:
        go = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        go = ""
    from fakekube.reference import find_binaries

    binaries = find_binaries()
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "go": go,
        "kube_apiserver": binaries.kube_version,
        "etcd": binaries.etcd_version,
        "load_average_at_start": os.getloadavg()[0],
    }


def pod(name: str, *, scheduler: str = "bench-none", cpu: str = "100m") -> dict[str, Any]:
    """A typical small pod (~1 KB stored): labels, one container with requests."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "bench", "tier": "batch"}},
        "spec": {
            "schedulerName": scheduler,
            "containers": [
                {
                    "name": "main",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": cpu, "memory": "128Mi"}},
                }
            ],
        },
    }


def node(name: str) -> dict[str, Any]:
    capacity = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "capacity": capacity,
            "allocatable": capacity,
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


async def ensure_namespace(s: aiohttp.ClientSession, system: System, ns: str) -> None:
    async with s.post(f"{system.url}/api/v1/namespaces", json={"metadata": {"name": ns}}) as r:
        if r.status not in (201, 409):
            raise RuntimeError(f"{system.name}: namespace {ns}: {r.status} {await r.text()}")


async def create_all(
    s: aiohttp.ClientSession,
    url: str,
    bodies: Sequence[dict[str, Any]],
    concurrency: int,
) -> float:
    """POST every body with ``concurrency`` clients; returns the seconds it took."""
    queue = list(reversed(bodies))

    async def client() -> None:
        while queue:
            body = queue.pop()
            async with s.post(url, json=body) as r:
                if r.status != 201:
                    raise RuntimeError(f"create failed: {r.status} {await r.text()}")
                await r.read()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - start


async def for_each_system(
    names: Sequence[str], body: Callable[[System], Awaitable[dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Run ``body`` on each system in turn, each freshly started."""
    out = {}
    for name in names:
        async with SYSTEMS[name]() as system:
            out[name] = await body(system)
    return out


def table(title: str, rows: list[tuple[str, float, float, str]], higher_is_better: bool) -> str:
    """``metric | fakekube | reference | ratio`` where ratio > 1 means fakekube is better."""
    lines = [title, f"{'metric':<38} {'fakekube':>12} {'reference':>12} {'fakekube/ref':>13}"]
    for metric, fk, ref, unit in rows:
        if fk and ref:
            ratio = fk / ref if higher_is_better else ref / fk
            ratio_text = f"{ratio:.2f}x"
        else:
            ratio_text = "n/a"
        spec = ",.3f" if unit == "s" else ",.1f"
        label = f"{metric} ({unit})"
        lines.append(f"{label:<38} {fk:>12{spec}} {ref:>12{spec}} {ratio_text:>13}")
    return "\n".join(lines)


def write_results(name: str, host: dict[str, Any], payload: dict[str, Any]) -> Path:
    """bench/results/<name>.json: the machine (taken at the start) and the numbers."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps({"machine": host, **payload}, indent=2) + "\n")
    return out


def run(
    args: argparse.Namespace,
    measure: Callable[[System, argparse.Namespace], Awaitable[dict[str, Any]]],
    render: Callable[[dict[str, dict[str, Any]]], str],
) -> None:
    """A benchmark's main: measure each system in turn, print the table, write the JSON."""
    host = machine()
    results = asyncio.run(
        for_each_system(args.systems.split(","), lambda system: measure(system, args))
    )
    text = render(results)
    print("\n" + text)
    path = write_results(
        args.name, host, {"parameters": vars(args), "results": results, "table": text}
    )
    print(f"\nwrote {path}")
