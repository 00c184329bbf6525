"""The Batsim sync: the decision process that turns a Batsim run into Kubernetes objects.

It binds the REP socket Batsim (or the embedded engine) connects to, applies each
message to the :class:`~fakekube.store.Store` at the message's simulated time, holds the
reply until the scheduler is quiescent (:mod:`fakekube.batsim.quiescence`), and answers
with the decisions the scheduler made through the API: bindings become EXECUTE_JOB.
It talks to the store only, never to HTTP internals.

Decisions take zero simulated time: the reply's ``now`` is the request's, so results do
not depend on how fast the machine runs the scheduler.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import zmq
import zmq.asyncio

from fakekube.batsim.protocol import BATSIM_EVENTS, Message, ProtocolError, event
from fakekube.batsim.quiescence import Quiescence
from fakekube.batsim.results import Results
from fakekube.batsim.translate import Translator
from fakekube.store import Store
from fakekube.store.entry import MODIFIED, Event

__all__ = ["BatsimSync", "SimClock", "DEFAULT_ENDPOINT"]

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "tcp://127.0.0.1:28000"
#: Simulated time 0 as wall-clock seconds: 2025-01-01T00:00:00Z. Objects carry readable
#: timestamps and every run of a workload stamps the same ones.
EPOCH = 1_735_689_600.0


@dataclass
class SimClock:
    """Simulated time; the store stamps objects with ``EPOCH + now``."""

    now: float = 0.0

    def wall(self) -> float:
        return EPOCH + self.now


class BatsimSync:
    def __init__(
        self,
        store: Store,
        gate: Quiescence,
        translator: Translator,
        clock: SimClock,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        results: Results | None = None,
        context: zmq.asyncio.Context | None = None,
        on_step: Callable[[BatsimSync], None] | None = None,
        receive_timeout: float | None = None,
    ) -> None:
        self.store = store
        self.gate = gate
        self.translator = translator
        self.clock = clock
        self.endpoint = endpoint
        self.results = results or Results()
        self.on_step = on_step
        self.receive_timeout = receive_timeout
        self._ctx = context or zmq.asyncio.Context.instance()
        self._sock: zmq.asyncio.Socket | None = None
        self._ready: list[str] = []  # jobs whose pods are all bound, in binding order
        self._calls: set[float] = set()
        self.nb_resources = 0
        self.finished = False

    # -- lifecycle ---------------------------------------------------------------------
    def bind(self) -> str:
        """Bind the REP socket (before the engine connects); returns the bound endpoint."""
        sock = self._ctx.socket(zmq.REP)
        sock.setsockopt(zmq.LINGER, 0)
        sock.bind(self.endpoint)
        self._sock = sock
        self.endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        return self.endpoint

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close(0)
            self._sock = None

    async def run(self) -> Results:
        """Serve Batsim until SIMULATION_ENDS; returns the per-job results."""
        if self._sock is None:
            self.bind()
        assert self._sock is not None
        undo = self.store.add_listener(self._on_store_event)
        started = time.monotonic()
        try:
            while not self.finished:
                if self.receive_timeout is not None and not await self._sock.poll(
                    self.receive_timeout * 1000
                ):
                    raise TimeoutError(
                        f"no message from Batsim on {self.endpoint} within "
                        f"{self.receive_timeout:g}s"
                    )
                msg = Message.decode(await self._sock.recv(), known=BATSIM_EVENTS)
                reply = await self.step(msg)
                await self._sock.send(reply.encode())
                self.results.messages += 1
                if self.on_step is not None:
                    self.on_step(self)
        finally:
            undo()
            self.results.wall_time = time.monotonic() - started
            self.results.steps = self.gate.steps
            self.results.fallback_steps = self.gate.fallbacks
            self.close()
        return self.results

    # -- one exchange -------------------------------------------------------------------
    async def step(self, msg: Message) -> Message:
        """Apply one Batsim message, wait for quiescence, and build the reply."""
        self.clock.now = max(self.clock.now, msg.now)
        decisions: list[dict[str, Any]] = []
        for ev in msg.events:
            self._apply(ev, decisions)
        if self.finished:
            return Message(msg.now, [])
        while True:
            await self.gate.wait()
            if not self._ready:
                break
            ready, self._ready = self._ready, []
            for job_id in ready:
                decisions.append(self._execute(job_id, msg.now))
        return Message(msg.now, decisions)

    def call_me_later(self, at: float) -> dict[str, Any] | None:
        """A CALL_ME_LATER for ``at``, or None if it is not in the future or already asked."""
        if at <= self.clock.now or at in self._calls:
            return None
        self._calls.add(at)
        return event(self.clock.now, "CALL_ME_LATER", {"timestamp": at})

    # -- Batsim → store ----------------------------------------------------------------
    def _apply(self, ev: dict[str, Any], decisions: list[dict[str, Any]]) -> None:
        etype, data, now = ev["type"], ev["data"], self.clock.now
        if etype == "SIMULATION_BEGINS":
            self._begin(data)
        elif etype == "JOB_SUBMITTED":
            self._submit(data, decisions)
        elif etype == "JOB_COMPLETED":
            self._complete(data["job_id"], data["job_state"], int(data["return_code"]))
        elif etype == "JOB_KILLED":
            for job_id in data.get("job_ids", []):
                self._complete(job_id, "COMPLETED_KILLED", -2)
        elif etype == "REQUESTED_CALL":
            self._calls.discard(float(ev["timestamp"]))
        elif etype == "SIMULATION_ENDS":
            self.finished = True
        elif etype == "NOTIFY":
            log.debug("t=%g NOTIFY %s", now, data.get("type"))
        else:
            log.debug("t=%g ignoring %s", now, etype)

    def _begin(self, data: dict[str, Any]) -> None:
        self.translator.allow_compute_sharing = bool(data.get("allow_compute_sharing"))
        resources = data.get("compute_resources") or []
        if not resources:
            raise ProtocolError("SIMULATION_BEGINS has no compute_resources")
        self.nb_resources = len(resources)
        self.results.nb_resources = self.nb_resources
        for res in sorted(resources, key=lambda r: int(r["id"])):
            node = self.translator.node(res)
            self.store.create("nodes", node, keep_status=True)
            self.results.resource_names[int(res["id"])] = str(res["name"])

    def _submit(self, data: dict[str, Any], decisions: list[dict[str, Any]]) -> None:
        job_id = data["job_id"]
        job = data.get("job") or {"res": 1}
        rec = self.results.submitted(job_id, job, self.clock.now)
        res = int(job.get("res", 1))
        if res <= 0 or res > self.nb_resources:
            log.warning(
                "rejecting %s: it requests %d resources, the platform has %d",
                job_id,
                res,
                self.nb_resources,
            )
            rec.state = "REJECTED"
            decisions.append(event(self.clock.now, "REJECT_JOB", {"job_id": job_id}))
            return
        for pod in self.translator.pods(job_id, job):
            self.store.create("pods", pod)
        rec.pods = self.translator.pods_of(job_id)

    def _complete(self, job_id: str, state: str, return_code: int) -> None:
        rec = self.results.jobs.get(job_id)
        if rec is None or not self.translator.has_job(job_id):
            return
        rec.finish, rec.state = self.clock.now, state
        if rec.start is None:  # killed before it ran
            rec.start = None
        phase = "Succeeded" if state == "COMPLETED_SUCCESSFULLY" else "Failed"
        reason = {
            "COMPLETED_SUCCESSFULLY": "Completed",
            "COMPLETED_FAILED": "Error",
            "COMPLETED_WALLTIME_REACHED": "DeadlineExceeded",
            "COMPLETED_KILLED": "Killed",
        }.get(state, "Error")
        now = self.store.now()
        for name in self.translator.pods_of(job_id):
            pod = self.store.try_get("pods", name, self.translator.namespace)
            if pod is None:
                continue
            status = pod.setdefault("status", {})
            status["phase"] = phase
            if state == "COMPLETED_WALLTIME_REACHED":
                status["reason"] = "DeadlineExceeded"
                status["message"] = "Pod was active on the node longer than the walltime."
            started = status.get("startTime", now)
            status["conditions"] = _conditions(status, ready=False, now=now)
            status["containerStatuses"] = [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "imageID": "",
                    "ready": False,
                    "restartCount": 0,
                    "started": False,
                    "state": {
                        "terminated": {
                            "exitCode": return_code if return_code >= 0 else 137,
                            "reason": reason,
                            "startedAt": started,
                            "finishedAt": now,
                        }
                    },
                }
                for c in pod.get("spec", {}).get("containers", [])
            ]
            self.store.update("pods", pod, subresource="status")

    # -- store → Batsim ------------------------------------------------------------------
    def _on_store_event(self, ev: Event) -> None:
        """Spot bindings as they are committed (synchronously: no write from here)."""
        if ev.type != MODIFIED or ev.entry.rt.plural != "pods" or ev.entry.rt.group != "":
            return
        node = ev.entry.obj.get("spec", {}).get("nodeName")
        if not node or ev.prev is None or ev.prev.obj.get("spec", {}).get("nodeName"):
            return
        job_id = self.translator.bound(ev.entry.obj["metadata"]["name"], node)
        if job_id is not None:
            self._ready.append(job_id)

    def _execute(self, job_id: str, now: float) -> dict[str, Any]:
        alloc = self.translator.allocation(job_id)
        rec = self.results.jobs[job_id]
        rec.start, rec.state, rec.alloc = now, "RUNNING", alloc.alloc
        wall = self.store.now()
        for name in self.translator.pods_of(job_id):
            pod = self.store.try_get("pods", name, self.translator.namespace)
            if pod is None:
                continue
            status = pod.setdefault("status", {})
            status["phase"] = "Running"
            status["startTime"] = wall
            status["hostIP"] = status["podIP"] = _node_ip(self.translator, pod)
            status["conditions"] = _conditions(status, ready=True, now=wall)
            status["containerStatuses"] = [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "imageID": "",
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": wall}},
                }
                for c in pod.get("spec", {}).get("containers", [])
            ]
            self.store.update("pods", pod, subresource="status")
        return event(now, "EXECUTE_JOB", alloc.data(job_id))


def _conditions(status: dict[str, Any], *, ready: bool, now: str) -> list[dict[str, Any]]:
    keep = [c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"]
    value = "True" if ready else "False"
    for ctype, v in (("Initialized", "True"), ("ContainersReady", value), ("Ready", value)):
        keep.append({"type": ctype, "status": v, "lastProbeTime": None, "lastTransitionTime": now})
    return keep


def _node_ip(tr: Translator, pod: dict[str, Any]) -> str:
    rid = tr.resource_of_node.get(pod.get("spec", {}).get("nodeName", ""), 0)
    return f"10.{rid >> 16 & 255}.{rid >> 8 & 255}.{rid & 255}"
