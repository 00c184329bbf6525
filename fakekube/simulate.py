"""``fakekube simulate``: a Batsim workload through a real scheduler, reproducibly.

Wiring only: a :class:`~fakekube.cluster.FakeCluster` whose store runs on simulated time,
a scheduler (bundled Python scheduler in this process, kube-scheduler, or any command
given the kubeconfig), the :class:`~fakekube.batsim.sync.BatsimSync` decision process and,
unless real Batsim is used, the embedded engine on the other end of the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

import yaml

from fakekube._process import die_with_parent
from fakekube.api.state import RECORDER, ServerConfig
from fakekube.batsim.engine import EmbeddedBatsim
from fakekube.batsim.platform import load_platform
from fakekube.batsim.quiescence import IdleProbe, Quiescence, SchedulerStuck
from fakekube.batsim.results import Results
from fakekube.batsim.sync import DEFAULT_ENDPOINT, BatsimSync, SimClock
from fakekube.batsim.translate import Translator
from fakekube.batsim.workload import load_workload
from fakekube.cluster import FakeCluster
from fakekube.store import Store
from fakekube.store.entry import DELETED, Event

__all__ = ["SchedulerRunner", "SimulationConfig", "SimulationError", "run_simulation"]


class SimulationInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM mid-run: the results so far were written to ``out`` first.

    An hour-long run stopped by its user still answers "how far did it get, and how fast":
    jobs not finished keep an empty end, and metrics.json says ``"interrupted": true``.
    """

    def __init__(self, results: Results, out: Path | None) -> None:
        super().__init__("interrupted")
        self.results = results
        self.out = out


class SimulationError(RuntimeError):
    """The simulation could not run or finish; the message says why and what to fix."""


class SchedulerRunner(Protocol):
    """Starts a scheduler against a cluster and tells the gate when it is idle."""

    name: str
    scheduler_name: str

    async def start(self, cluster: FakeCluster) -> IdleProbe | None: ...

    async def stop(self) -> None: ...


@dataclass
class SimulationConfig:
    workload: Path
    platform: Path
    out: Path | None = None
    endpoint: str = DEFAULT_ENDPOINT
    batsim: str = "embedded"  # or "external"
    settle: float = 0.05
    step_timeout: float = 120.0
    plots: bool = True
    progress: bool = True
    allow_compute_sharing: bool = False
    extra: dict[str, str] = field(default_factory=dict)


class _Progress:
    """One-line progress bar on a terminal: simulated time and jobs done."""

    def __init__(self, total: int, stream: TextIO, enabled: bool) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self._last = 0.0

    def update(self, sync: BatsimSync, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        done = sync.results.done
        width = 30
        filled = int(width * done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(
            f"\r[{bar}] {done}/{self.total} jobs  t={sync.clock.now:,.0f}s sim  "
            f"{sync.gate.steps} steps"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


async def run_simulation(
    config: SimulationConfig,
    runner: SchedulerRunner,
    *,
    stream: TextIO = sys.stderr,
    on_ready: Callable[[str], Awaitable[None] | None] | None = None,
) -> Results:
    """Run one simulation to the end and return its results (written to ``config.out``)."""
    platform = load_platform(config.platform)
    workload = load_workload(config.workload, check_profiles=config.batsim == "embedded")
    too_big = [j.short_id for j in workload.jobs if j.res > len(platform)]
    if too_big:
        stream.write(
            f"fakekube simulate: {len(too_big)} job(s) request more than the platform's "
            f"{len(platform)} resources and will be rejected: {', '.join(too_big[:10])}\n"
        )
    interrupted = False
    clock = SimClock()
    store = Store(clock=clock.wall, uid_factory=_uids())
    cluster = FakeCluster(store=store, config=ServerConfig(bookmark_interval=60.0))
    async with cluster:
        probe = await runner.start(cluster)
        try:
            gate = Quiescence(
                store,
                cluster.server.app[RECORDER],
                probe,
                settle=config.settle,
                timeout=config.step_timeout,
                stable_polls=getattr(probe, "stable_polls", 2),
                alive=getattr(runner, "check_alive", None),
            )
            translator = Translator(
                scheduler_name=runner.scheduler_name,
                allow_compute_sharing=config.allow_compute_sharing,
            )
            progress = _Progress(len(workload.jobs), stream, config.progress)
            sync = BatsimSync(
                store,
                gate,
                translator,
                clock,
                endpoint=config.endpoint,
                on_step=progress.update,
            )
            endpoint = sync.bind()
            tasks: list[asyncio.Task[object]] = [asyncio.create_task(sync.run())]
            if config.batsim == "embedded":
                engine = EmbeddedBatsim(
                    platform,
                    [workload],
                    endpoint,
                    allow_compute_sharing=config.allow_compute_sharing,
                    reply_timeout=None,
                )
                tasks.append(asyncio.create_task(engine.run()))
            else:
                stream.write(
                    f"fakekube simulate: waiting for Batsim on {endpoint}; run e.g.\n"
                    f"  batsim -p {config.platform} -w {config.workload} -s {endpoint}"
                    + (" --enable-compute-sharing" if config.allow_compute_sharing else "")
                    + "\n"
                )
            if on_ready is not None:
                maybe = on_ready(endpoint)
                if maybe is not None:
                    await maybe
            try:
                await _first_failure(tasks)
            except SchedulerStuck as exc:
                raise SimulationError(f"the scheduler is stuck: {exc}") from None
            except (asyncio.CancelledError, KeyboardInterrupt):
                # Ctrl-C and SIGTERM cancel this task (see the CLI).
                interrupted = True
            finally:
                progress.update(sync, force=True)
                progress.close()
            results = sync.results
        finally:
            await runner.stop()
    results.interrupted = interrupted
    if config.out is not None:
        results.write(config.out, plots=config.plots)
    if interrupted:
        raise SimulationInterrupted(results, config.out)
    return results


async def _first_failure(tasks: list[asyncio.Task[object]]) -> None:
    """Wait for all tasks; the first exception cancels the others and is raised."""
    pending = set(tasks)
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            for t in done:
                exc = t.exception()
                if exc is not None:
                    raise exc
    finally:
        for t in pending:
            t.cancel()
        for t in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t


def _uids() -> Callable[[], str]:
    """Deterministic uids, so two runs of one workload create byte-identical objects."""
    counter = iter(range(1, 1 << 62))
    return lambda: f"00000000-0000-4000-8000-{next(counter):012x}"


class CommandRunner:
    """Any scheduler program, started as ``cmd`` with ``KUBECONFIG`` set (no idle probe)."""

    def __init__(self, cmd: str, scheduler_name: str = "default-scheduler") -> None:
        self.name = cmd
        self.scheduler_name = scheduler_name
        self.cmd = cmd
        self._proc: asyncio.subprocess.Process | None = None

    #: How long a command may take to start watching pods.
    ready_timeout = 60.0

    async def start(self, cluster: FakeCluster) -> IdleProbe | None:
        env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
        args = shlex.split(self.cmd.replace("{kubeconfig}", str(cluster.kubeconfig)))
        before = len(cluster.requests())
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *args, env=env, preexec_fn=die_with_parent
            )
        except OSError as exc:
            raise SimulationError(f"cannot start scheduler command {self.cmd!r}: {exc}") from None
        try:
            await self._watching_pods(cluster, before)
        except SimulationError:
            await self.stop()
            raise
        return None

    async def _watching_pods(self, cluster: FakeCluster, before: int) -> None:
        """Wait until the program watches pods: with no idle probe, simulated time only
        waits a settle window per step, so a scheduler still importing its libraries
        would see the whole workload come and go without a pod to bind."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout
        while not any(
            r.verb == "watch" and r.resource == "pods" for r in cluster.requests()[before:]
        ):
            try:
                self.check_alive()
            except SchedulerStuck as exc:
                raise SimulationError(str(exc)) from None
            if loop.time() > deadline:
                raise SimulationError(
                    f"scheduler command {self.cmd!r} did not watch pods within "
                    f"{self.ready_timeout:g}s"
                )
            await asyncio.sleep(0.02)

    def check_alive(self) -> None:
        """A scheduler that exits mid-run can never bind again: stop the run and say so."""
        if self._proc is not None and self._proc.returncode is not None:
            raise SchedulerStuck(
                f"scheduler command {self.cmd!r} exited with code {self._proc.returncode}"
            )

    async def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()


class InProcessRunner:
    """A bundled Python scheduler in this process, talking HTTP to the cluster like any client.

    Its idle probe is provable: the factory reports every informer caught up to the gate's
    bookmark with nothing queued, and the work queue is empty.
    """

    def __init__(self, name: str, *, seed: int = 0) -> None:
        from fakekube.schedulers import BUNDLED

        if name not in BUNDLED:
            raise SimulationError(
                f"unknown scheduler {name!r}; bundled: {', '.join(sorted(BUNDLED))}, "
                "kube-scheduler, or --scheduler-cmd"
            )
        self.name = name
        self._cls = BUNDLED[name]
        self.scheduler_name = self._cls.scheduler_name
        self.seed = seed
        self._scheduler: Any = None

    async def start(self, cluster: FakeCluster) -> IdleProbe | None:
        kw: dict[str, Any] = {"seed": self.seed} if self.name == "random" else {}
        self._scheduler = self._cls(cluster.api_client(), **kw)
        await self._scheduler.start()
        return self._scheduler  # type: ignore[no-any-return]

    async def stop(self) -> None:
        if self._scheduler is not None:
            await self._scheduler.stop()


class PendingPods:
    """Live count of a scheduler's unbound, live pods, kept by a store listener (O(1) reads).

    The kube-scheduler probe compares it with the scheduler's own unschedulable queue, so
    it must reflect exactly what the store holds, including pods removed or bound by others.
    """

    def __init__(self, store: Store, scheduler_name: str) -> None:
        self.scheduler_name = scheduler_name
        self._keys: set[str] = set()
        for entry in store.list("pods").items:
            self._track(entry.key, entry.obj)
        self.undo = store.add_listener(self._on_event)

    def _track(self, key: str, obj: dict[str, Any] | None) -> None:
        spec = (obj or {}).get("spec") or {}
        live = (
            obj is not None
            and spec.get("schedulerName", "default-scheduler") == self.scheduler_name
            and not spec.get("nodeName")
            and not obj["metadata"].get("deletionTimestamp")
            and (obj.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
        )
        if live:
            self._keys.add(key)
        else:
            self._keys.discard(key)

    def _on_event(self, ev: Event) -> None:
        if ev.entry.rt.plural != "pods" or ev.entry.rt.group != "":
            return
        self._track(ev.entry.key, None if ev.type == DELETED else ev.entry.obj)

    def __call__(self) -> int:
        return len(self._keys)


def _load_scheduler_config(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise SimulationError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SimulationError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise SimulationError(f"{path}: expected a KubeSchedulerConfiguration object")
    return doc


class KubeSchedulerRunner:
    """The real kube-scheduler (simulation profile), idle when its ``/metrics`` say so."""

    def __init__(
        self,
        version: str | None = None,
        *,
        scheduler_name: str = "default-scheduler",
        config: Path | None = None,
    ):
        from fakekube.kube_scheduler import find_binary, simulation_config

        self.binary = find_binary(version)  # fail before anything starts
        self.version = version
        self.scheduler_name = scheduler_name
        #: A user's KubeSchedulerConfiguration (the policy under study), checked up front.
        self.config: dict[str, Any] | None = None
        if config is not None:
            self.config = _load_scheduler_config(config)
            try:
                simulation_config(
                    Path("kubeconfig"), scheduler_name=scheduler_name, base=self.config
                )
            except ValueError as exc:
                raise SimulationError(f"{config}: {exc}") from None
        self.name = f"kube-scheduler ({self.binary.name})"
        self._ks: Any = None
        self._pending: PendingPods | None = None

    async def start(self, cluster: FakeCluster) -> IdleProbe | None:
        from fakekube.kube_scheduler import KubeScheduler, KubeSchedulerProbe

        self._ks = KubeScheduler(
            cluster.kubeconfig,
            profile="simulation",
            version=self.version,
            scheduler_name=self.scheduler_name,
            config=self.config,
        )
        await self._ks.start()
        await self._ks.wait_healthy()
        self._pending = PendingPods(cluster.store, self.scheduler_name)
        return KubeSchedulerProbe(self._ks, self._pending)

    async def stop(self) -> None:
        if self._pending is not None:
            self._pending.undo()
        if self._ks is not None:
            await self._ks.stop()
