"""The schedulers under test, each started as its own process against a kubeconfig.

Every scheduler here is a separate program that knows only a kubeconfig, exactly as it
would run against a real cluster: kube-scheduler built from its Go module, the custom Go
scheduler in ``conformance/go-scheduler``, the bundled Python schedulers through
``python -m``, and the example in ``examples/schedulers``. A missing or stale build is a
test failure that names the script to run, never a skip.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fakekube._process import die_with_parent
from fakekube.kube_scheduler import KubeScheduler, KubeSchedulerNotBuilt, cache_dir

__all__ = [
    "CUSTOM",
    "CommandScheduler",
    "CustomScheduler",
    "KubeSchedulerUnderTest",
    "SchedulerUnderTest",
    "kube_scheduler_versions",
]

ROOT = Path(__file__).resolve().parents[1]
KUBE_SCHEDULER_SRC = ROOT / "conformance" / "kube-scheduler"
GO_SCHEDULER_SRC = ROOT / "conformance" / "go-scheduler"


class SchedulerUnderTest(Protocol):
    """What a conformance environment needs from any scheduler process."""

    #: Manifest file name parts: ``<scheduler>-<version>.json``.
    scheduler: str
    version: str
    #: ``default`` (as it ships) or ``simulation`` (kube-scheduler's fast profile).
    profile: str
    #: The ``spec.schedulerName`` its pods carry.
    scheduler_name: str

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def check_alive(self) -> None: ...
    def log_tail(self, lines: int = 30) -> str: ...


def _k8s_version(mod: Path) -> str:
    m = re.search(r"^\s*(?:require\s+)?k8s\.io/kubernetes v(\S+)", mod.read_text(), re.M)
    if not m:
        raise ValueError(f"no k8s.io/kubernetes requirement in {mod}")
    return m.group(1)


def kube_scheduler_versions() -> list[str]:
    """Every version conformance/kube-scheduler pins (go.mod and go.<minor>.mod), oldest first."""
    mods = [KUBE_SCHEDULER_SRC / "go.mod", *KUBE_SCHEDULER_SRC.glob("go.1.*.mod")]
    versions = {_k8s_version(m): m for m in mods}
    return sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


def _stamp(files: list[Path]) -> str:
    """The digest the build scripts write next to a binary (first 16 hex of sha256)."""
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:16]


def _kube_scheduler_stamp(version: str) -> str:
    for mod in [KUBE_SCHEDULER_SRC / "go.mod", *KUBE_SCHEDULER_SRC.glob("go.1.*.mod")]:
        if _k8s_version(mod) == version:
            return _stamp([mod, mod.with_suffix(".sum"), KUBE_SCHEDULER_SRC / "main.go"])
    raise ValueError(f"conformance/kube-scheduler pins no kube-scheduler {version}")


def _require_fresh(binary: Path, stamp: str, script: str) -> None:
    if not os.access(binary, os.X_OK):
        raise KubeSchedulerNotBuilt(f"{binary} is not built: run {script}")
    built = binary.with_name(binary.name + ".stamp")
    if not built.exists() or built.read_text().strip() != stamp:
        raise KubeSchedulerNotBuilt(f"{binary} is older than its sources: run {script}")


class KubeSchedulerUnderTest(KubeScheduler):
    """kube-scheduler at an exact pinned version, refusing a binary built from other sources."""

    scheduler = "kube-scheduler"

    def __init__(
        self,
        kubeconfig: str | os.PathLike[str],
        version: str,
        *,
        profile: str,
        extra_args: list[str] | None = None,
    ) -> None:
        script = f"scripts/build-kube-scheduler {version}"
        binary = cache_dir() / "bin" / f"kube-scheduler-v{version}"
        _require_fresh(binary, _kube_scheduler_stamp(version), script)
        super().__init__(kubeconfig, profile=profile, version=version, extra_args=extra_args)

    async def start(self) -> KubeSchedulerUnderTest:  # type: ignore[override]
        await super().start()
        await self.wait_healthy()
        return self


class CommandScheduler:
    """Any scheduler program: ``argv`` runs it, with ``{kubeconfig}`` filled in."""

    profile = "default"

    def __init__(
        self,
        scheduler: str,
        version: str,
        argv: list[str],
        kubeconfig: str | os.PathLike[str],
        *,
        scheduler_name: str,
    ) -> None:
        self.scheduler = scheduler
        self.version = version
        self.scheduler_name = scheduler_name
        self.argv = [a.replace("{kubeconfig}", str(kubeconfig)) for a in argv]
        self.log_path = Path(tempfile.mkdtemp(prefix=f"fakekube-{scheduler}-")) / "log"
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                cwd=ROOT,
                preexec_fn=die_with_parent,
            )

    async def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def check_alive(self) -> None:
        if self._proc is not None and self._proc.returncode is not None:
            raise RuntimeError(
                f"{self.scheduler} exited with code {self._proc.returncode}; log:\n"
                + self.log_tail()
            )


@dataclass(frozen=True)
class CustomScheduler:
    """How to start one of the non-kube-scheduler schedulers."""

    scheduler: str
    version: str
    argv: tuple[str, ...]
    scheduler_name: str = "default-scheduler"
    #: Placement policy, for the scenarios that check it: first-fit, best-fit, any.
    policy: str = "any"
    #: Whether it posts events.k8s.io events (kube-scheduler and the Go one do).
    posts_events: bool = False
    #: Whether it honours taints and tolerations (the short example does not).
    handles_taints: bool = True

    def runner(self, kubeconfig: str | os.PathLike[str]) -> CommandScheduler:
        if self.scheduler == "go-scheduler":
            binary = cache_dir() / "bin" / "go-scheduler"
            src = GO_SCHEDULER_SRC
            files = [src / "go.mod", src / "go.sum", *sorted(src.glob("*.go"))]
            _require_fresh(binary, _stamp(files), "scripts/build-go-scheduler")
        return CommandScheduler(
            self.scheduler,
            self.version,
            list(self.argv),
            kubeconfig,
            scheduler_name=self.scheduler_name,
        )


def _client_go_version() -> str:
    m = re.search(r"k8s\.io/client-go (v\S+)", (GO_SCHEDULER_SRC / "go.mod").read_text())
    return f"client-go-{m.group(1) if m else 'unknown'}"


_PY = sys.executable
CUSTOM = [
    CustomScheduler(
        "first-fit",
        "python",
        (_PY, "-m", "fakekube.schedulers.first_fit", "--kubeconfig", "{kubeconfig}"),
        policy="first-fit",
    ),
    CustomScheduler(
        "best-fit",
        "python",
        (_PY, "-m", "fakekube.schedulers.best_fit", "--kubeconfig", "{kubeconfig}"),
        policy="best-fit",
    ),
    CustomScheduler(
        "random",
        "python",
        (_PY, "-m", "fakekube.schedulers.random_scheduler", "--kubeconfig", "{kubeconfig}"),
    ),
    CustomScheduler(
        "least-allocated-example",
        "python",
        (
            _PY,
            "examples/schedulers/least_allocated.py",
            "--kubeconfig",
            "{kubeconfig}",
            "--scheduler-name",
            "least-allocated",
        ),
        scheduler_name="least-allocated",
        policy="least-allocated",
        handles_taints=False,
    ),
    CustomScheduler(
        "go-scheduler",
        _client_go_version(),
        (str(cache_dir() / "bin" / "go-scheduler"), "--kubeconfig", "{kubeconfig}"),
        scheduler_name="fakekube-go-scheduler",
        policy="first-fit",
        posts_events=True,
    ),
]
