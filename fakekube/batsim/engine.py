"""The embedded engine: Batsim's side of the protocol, in Python, over the same socket.

It plays what real Batsim plays (REQ, connects, strict alternation, message 1 holds only
SIMULATION_BEGINS) and enforces what real Batsim asserts, so the decision process cannot
tell it from Batsim for the profiles it supports. Time is event-driven: the engine jumps
from one event to the next, so a run takes as long as the decisions take, not as long as
the workload.

Not modelled: SimGrid's network (``com`` matrices of parallel profiles are ignored and a
parallel task runs at the speed of its slowest host), energy, storage, dynamic jobs.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import zmq
import zmq.asyncio
from procset import ProcSet

from fakekube.batsim.platform import Platform
from fakekube.batsim.protocol import (
    DECISION_EVENTS,
    Message,
    ProtocolError,
    check_decisions,
    event,
    parse_alloc,
)
from fakekube.batsim.workload import Job, Workload

__all__ = ["EmbeddedBatsim", "EngineStalled", "EngineResult", "job_duration"]

_COMPLETE, _KILLED, _SUBMIT, _CALL = 0, 1, 2, 3


class EngineStalled(RuntimeError):
    """Jobs wait forever: nothing is running and nothing is scheduled to happen."""

    def __init__(self, now: float, waiting: list[str]) -> None:
        shown = ", ".join(waiting[:10]) + (" …" if len(waiting) > 10 else "")
        super().__init__(
            f"simulation stalled at t={now:g}: {len(waiting)} job(s) were never executed "
            f"or rejected and no event is pending ({shown})"
        )
        self.now = now
        self.waiting = waiting


@dataclass
class EngineResult:
    end_time: float
    messages: int
    jobs: int


@dataclass
class _Run:
    job: Job
    start: float
    alloc: ProcSet
    end: float
    state: str
    return_code: int
    hosts: list[int] = field(default_factory=list)


def job_duration(job: Job, profile: dict[str, Any], speeds: list[float]) -> float:
    """How long ``job`` computes on hosts of the given speeds (before its walltime)."""
    ptype = profile["type"]
    if ptype == "delay":
        return float(profile["delay"])
    slowest = min(speeds) if speeds else 1.0
    if ptype == "parallel_homogeneous":
        return float(profile.get("cpu", 0.0)) / slowest
    if ptype == "parallel_homogeneous_total":
        return float(profile.get("cpu", 0.0)) / max(len(speeds), 1) / slowest
    raise ProtocolError(f"profile type {ptype!r} is not simulated by the embedded engine")


class EmbeddedBatsim:
    """Run ``workloads`` on ``platform`` against the decision process at ``endpoint``."""

    def __init__(
        self,
        platform: Platform,
        workloads: list[Workload],
        endpoint: str = "tcp://127.0.0.1:28000",
        *,
        allow_compute_sharing: bool = False,
        sched_config: str = "",
        forward_profiles: bool = False,
        reply_timeout: float | None = 600.0,
        context: zmq.asyncio.Context | None = None,
        on_message: Callable[[Message, Message], None] | None = None,
    ) -> None:
        self.platform = platform
        self.workloads = workloads
        self.endpoint = endpoint
        self.allow_compute_sharing = allow_compute_sharing
        self.sched_config = sched_config
        self.forward_profiles = forward_profiles
        self.reply_timeout = reply_timeout
        self._ctx = context or zmq.asyncio.Context.instance()
        self._on_message = on_message
        self.now = 0.0
        self._seq = itertools.count()
        self._queue: list[tuple[float, int, int, Any]] = []
        self._jobs: dict[str, Job] = {}
        #: Each job's ``res``, for checking decisions: kept beside ``_jobs`` rather than
        #: rebuilt at every message (that was O(jobs) per step: 9% of a 10,000-job run).
        self._job_res: dict[str, int] = {}
        self._profiles: dict[str, dict[str, Any]] = {}
        self._submitted: set[str] = set()  # state SUBMITTED
        self._running: dict[str, _Run] = {}
        self._done: set[str] = set()
        self._busy: dict[int, int] = {}
        self._outbox: list[dict[str, Any]] = []
        self._static_left = 0
        self.messages = 0

    # -- event queue -----------------------------------------------------------------
    def _push(self, t: float, kind: int, payload: Any) -> None:
        heapq.heappush(self._queue, (t, kind, next(self._seq), payload))

    def _begins(self) -> dict[str, Any]:
        return {
            "nb_resources": len(self.platform),
            "nb_compute_resources": len(self.platform),
            "nb_storage_resources": 0,
            "allow_compute_sharing": self.allow_compute_sharing,
            "allow_storage_sharing": True,
            "config": {
                "redis-enabled": False,
                "redis-hostname": "127.0.0.1",
                "redis-port": 6379,
                "redis-prefix": "default",
                "profiles-forwarded-on-submission": self.forward_profiles,
                "dynamic-jobs-enabled": False,
                "dynamic-jobs-acknowledged": False,
                "profile-reuse-enabled": False,
                "sched-config": self.sched_config,
                "forward-unknown-events": False,
            },
            "compute_resources": [h.to_batsim() for h in self.platform.hosts],
            "storage_resources": [],
            "workloads": {w.name: str(w.path.resolve()) for w in self.workloads},
            "profiles": {w.name: w.profiles for w in self.workloads},
        }

    # -- the exchange ------------------------------------------------------------------
    async def run(self) -> EngineResult:
        for w in self.workloads:
            for job in w.jobs:
                self._jobs[job.id] = job
                self._job_res[job.id] = job.res
                self._profiles[job.id] = w.profiles[job.profile]
                self._push(job.subtime, _SUBMIT, job.id)
        self._static_left = len(self._jobs)
        sock = self._ctx.socket(zmq.REQ)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.endpoint)
        try:
            await self._exchange(sock, [event(0.0, "SIMULATION_BEGINS", self._begins())])
            if not self._jobs:
                self._outbox.append(event(0.0, "NOTIFY", {"type": "no_more_static_job_to_submit"}))
            while True:
                events = self._next_events()
                if events is None:
                    break
                await self._exchange(sock, events)
            await self._exchange(sock, [event(self.now, "SIMULATION_ENDS", {})])
        finally:
            sock.close(0)
        return EngineResult(self.now, self.messages, len(self._jobs))

    def _finished(self) -> bool:
        return not self._submitted and not self._running and not self._queue

    def _next_events(self) -> list[dict[str, Any]] | None:
        """The next message's events, or None when the simulation is over."""
        if not self._outbox:
            if not self._queue:
                if self._finished() and len(self._done) == len(self._jobs):
                    return None
                raise EngineStalled(self.now, sorted(self._submitted))
            self.now = max(self.now, self._queue[0][0])
        events, self._outbox = self._outbox, []
        while self._queue and self._queue[0][0] <= self.now:
            t, kind, _, payload = heapq.heappop(self._queue)
            if kind == _SUBMIT:
                job = self._jobs[payload]
                data: dict[str, Any] = {"job_id": job.id, "job": job.to_batsim()}
                if self.forward_profiles:
                    data["profile"] = self._profiles[job.id]
                events.append(event(t, "JOB_SUBMITTED", data))
                self._submitted.add(job.id)
                self._static_left -= 1
                if self._static_left == 0:
                    events.append(event(t, "NOTIFY", {"type": "no_more_static_job_to_submit"}))
            elif kind == _COMPLETE:
                run = self._running.get(payload)
                if run is None or run.end != t:
                    continue  # killed meanwhile
                self._finish(run)
                events.append(
                    event(
                        t,
                        "JOB_COMPLETED",
                        {
                            "job_id": run.job.id,
                            "job_state": run.state,
                            "return_code": run.return_code,
                            "alloc": str(run.alloc),
                        },
                    )
                )
            elif kind == _CALL:
                events.append(event(t, "REQUESTED_CALL", {}))
        return events

    def _finish(self, run: _Run) -> None:
        del self._running[run.job.id]
        self._done.add(run.job.id)
        for h in run.hosts:
            self._busy[h] -= 1
            if not self._busy[h]:
                del self._busy[h]

    async def _exchange(self, sock: zmq.asyncio.Socket, events: list[dict[str, Any]]) -> None:
        request = Message(self.now, events)
        await sock.send(request.encode())
        if self.reply_timeout is not None and not await sock.poll(self.reply_timeout * 1000):
            raise TimeoutError(
                f"the decision process did not reply within {self.reply_timeout:g}s "
                f"(t={self.now:g})"
            )
        reply = Message.decode(await sock.recv(), known=DECISION_EVENTS)
        self.messages += 1
        check_decisions(
            reply,
            now=self.now,
            job_res=self._job_res,
            submitted=self._submitted,
            nb_resources=len(self.platform),
        )
        if self._on_message is not None:
            self._on_message(request, reply)
        for ev in reply.events:
            self._apply(ev)
        self.now = max(self.now, reply.now)

    def _apply(self, ev: dict[str, Any]) -> None:
        etype, data, t = ev["type"], ev["data"], float(ev["timestamp"])
        if etype == "EXECUTE_JOB":
            self._execute(t, data)
        elif etype == "REJECT_JOB":
            self._submitted.discard(data["job_id"])
            self._done.add(data["job_id"])
        elif etype == "KILL_JOB":
            progress: dict[str, Any] = {}
            for job_id in data["job_ids"]:
                run = self._running.get(job_id)
                if run is not None:
                    self._finish(run)
                    span = run.end - run.start
                    progress[job_id] = {
                        "profile_name": run.job.profile,
                        "progress": 1.0 if span <= 0 else min(1.0, (t - run.start) / span),
                    }
                elif job_id in self._submitted:
                    self._submitted.discard(job_id)
                    self._done.add(job_id)
            self._outbox.append(
                event(t, "JOB_KILLED", {"job_ids": list(data["job_ids"]), "job_progress": progress})
            )
        elif etype == "CALL_ME_LATER":
            self._push(float(data["timestamp"]), _CALL, None)

    def _execute(self, t: float, data: dict[str, Any]) -> None:
        job = self._jobs[data["job_id"]]
        alloc = parse_alloc(data["alloc"])
        hosts = list(alloc)
        mapping = data.get("mapping")
        executors = [hosts[int(mapping[str(i)])] for i in range(job.res)] if mapping else hosts
        if not self.allow_compute_sharing:
            busy = [h for h in hosts if self._busy.get(h)]
            if busy:
                raise ProtocolError(
                    f"EXECUTE_JOB {job.id}: machines {ProcSet(*busy)} are already computing "
                    "and compute sharing is disabled (--enable-compute-sharing)"
                )
        for h in hosts:
            self._busy[h] = self._busy.get(h, 0) + 1
        profile = self._profiles[job.id]
        duration = job_duration(job, profile, [self.platform.by_id(h).speed for h in executors])
        state, rc = "COMPLETED_SUCCESSFULLY", 0
        ret = int(profile.get("ret", 0))
        if ret != 0:
            state, rc = "COMPLETED_FAILED", ret
        if job.walltime is not None and duration >= job.walltime:
            duration, state, rc = job.walltime, "COMPLETED_WALLTIME_REACHED", -1
        run = _Run(job, t, alloc, t + duration, state, rc, hosts)
        self._submitted.discard(job.id)
        self._running[job.id] = run
        self._push(run.end, _COMPLETE, job.id)
