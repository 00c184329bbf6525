"""A small scheduler framework on informers/: queue, fit check, bind, idle probe.

A policy only decides *which node* among those that fit; everything a scheduler needs to
be correct around that decision lives here once: informers for pods and nodes, resource
accounting with assumed pods (so two quick decisions never double-book a node before the
watch confirms the first), requeueing unschedulable pods when capacity appears, the
PodScheduled=False status kube-scheduler writes, and the quiescence probe the Batsim sync
uses to end a simulated step.

Everything is deterministic for a given event order: one worker, nodes in name order,
random choices from a seeded generator.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from typing import Any

from kubernetes_asyncio import client

from fakekube.schedulers.quantity import parse_quantity
from informers import SharedInformerFactory
from informers.workqueue import Queue, ShutDown

__all__ = ["NodeInfo", "Scheduler", "pod_requests"]

log = logging.getLogger(__name__)

Obj = dict[str, Any]
TERMINAL = ("Succeeded", "Failed")


def milli(value: str | int | float) -> int:
    """A quantity in thousandths, rounded up as the scheduler rounds requests."""
    return math.ceil(parse_quantity(value) * 1000)


Resources = dict[str, int]  # resource name -> milli-units


def pod_requests(pod: Obj) -> Resources:
    """Summed container requests plus one ``pods`` slot (init containers: their max)."""
    spec = pod.get("spec") or {}
    total: Resources = {"pods": 1000}
    for c in spec.get("containers") or []:
        for k, v in ((c.get("resources") or {}).get("requests") or {}).items():
            total[k] = total.get(k, 0) + milli(v)
    for c in spec.get("initContainers") or []:
        for k, v in ((c.get("resources") or {}).get("requests") or {}).items():
            total[k] = max(total.get(k, 0), milli(v))
    return total


class NodeInfo:
    """A node with what is left of its allocatable resources."""

    def __init__(self, node: Obj) -> None:
        self.requested: Resources = {}
        #: allocatable minus requested, per resource either names: kept up to date by
        #: :meth:`add` because schedulers read it for every node at every attempt.
        self._free: Resources = {}
        self.pods = 0
        self.set_node(node)

    def set_node(self, node: Obj) -> None:
        self.node = node
        self.name: str = node["metadata"]["name"]
        status = node.get("status") or {}
        alloc = status.get("allocatable") or status.get("capacity") or {}
        self.allocatable: Resources = {k: milli(v) for k, v in alloc.items()}
        self.labels: dict[str, str] = node["metadata"].get("labels") or {}
        spec = node.get("spec") or {}
        self.taints = [
            t for t in spec.get("taints") or [] if t.get("effect") in ("NoSchedule", "NoExecute")
        ]
        ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
        #: Schedulable at all: not cordoned and Ready (or no Ready condition reported).
        self.ready = not spec.get("unschedulable") and (
            ready is None or ready.get("status") == "True"
        )
        self._recompute_free()

    def _recompute_free(self) -> None:
        alloc, used = self.allocatable, self.requested
        self._free = {k: alloc.get(k, 0) - used.get(k, 0) for k in alloc.keys() | used.keys()}

    def add(self, req: Resources, sign: int = 1) -> None:
        requested, free, alloc = self.requested, self._free, self.allocatable
        for k, v in req.items():
            used = requested[k] = requested.get(k, 0) + sign * v
            free[k] = alloc.get(k, 0) - used
        self.pods += sign

    def free(self, resource: str) -> int:
        return self._free.get(resource, 0)

    def fits(self, req: Resources) -> bool:
        free = self._free
        for k, v in req.items():  # noqa: SIM110 - a loop: no generator per node and attempt
            if v > 0 and v > free.get(k, 0):
                return False
        return True

    def tolerates(self, pod: Obj) -> bool:
        if not self.taints:
            return True
        tolerations = (pod.get("spec") or {}).get("tolerations") or []
        return all(any(_tolerates(tol, t) for tol in tolerations) for t in self.taints)

    def selects(self, pod: Obj) -> bool:
        selector = (pod.get("spec") or {}).get("nodeSelector")
        return not selector or all(self.labels.get(k) == v for k, v in selector.items())


def _tolerates(tol: Obj, taint: Obj) -> bool:
    if tol.get("effect") and tol["effect"] != taint.get("effect"):
        return False
    if tol.get("operator") == "Exists":
        return not tol.get("key") or tol["key"] == taint.get("key")
    return tol.get("key") == taint.get("key") and tol.get("value", "") == taint.get("value", "")


class Scheduler:
    """Subclass and implement :meth:`select`; run with ``await scheduler.run()``."""

    #: The ``spec.schedulerName`` this scheduler serves.
    scheduler_name = "default-scheduler"
    name = "scheduler"
    #: A policy that always takes the first feasible node lets the search stop there.
    first_feasible_only = False

    def __init__(self, api_client: Any, *, scheduler_name: str | None = None) -> None:
        self.api = api_client
        if scheduler_name:
            self.scheduler_name = scheduler_name
        self.factory = SharedInformerFactory(api_client)
        self.pods = self.factory.informer("pods")
        self.nodes = self.factory.informer("nodes")
        self.queue: Queue[str] = Queue()
        self.unschedulable: dict[str, None] = {}  # insertion-ordered set
        self._assumed: dict[str, str] = {}  # pod key -> node, until the watch shows it
        self._infos: dict[str, NodeInfo] = {}
        self._order: list[str] = []
        self._counted: dict[str, tuple[str, Resources]] = {}  # pod key -> where it counts
        # Bumped on every change of node capacity or usage: derived views are cached per
        # generation, so a long queue of pods that fit nowhere costs O(queue), not
        # O(queue x nodes), each time capacity frees up.
        self._generation = 0
        # Per resource, the most any ready node has free and how many ready nodes have
        # that much (None: to be recomputed). Kept up to date as usage moves, recomputed
        # only when the last node with the most loses some, or a node changes: redone at
        # every attempt, the O(nodes) scan was a quarter of a 1,000-node simulation's CPU.
        self._max_free: Resources | None = None
        self._max_count: dict[str, int] = {}
        self._why: dict[tuple[Any, ...], str] = {}
        self._why_generation = -1
        self._node_generation = 0  # node set or readiness changes only
        self._ready: tuple[int, list[NodeInfo]] = (-1, [])
        self._request_cache: dict[str, Resources] = {}
        self._worker: asyncio.Task[None] | None = None
        self._core = client.CoreV1Api(api_client)
        self.binds = 0
        self.failures = 0

    # -- the policy -------------------------------------------------------------------------
    def select(self, pod: Obj, feasible: Sequence[NodeInfo]) -> NodeInfo:
        """Choose among nodes that fit (never empty, sorted by name)."""
        raise NotImplementedError

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        self.pods.add_event_handler(
            on_add=self._pod_added, on_update=self._pod_updated, on_delete=self._pod_deleted
        )
        self.nodes.add_event_handler(
            on_add=self._node_added, on_update=self._node_updated, on_delete=self._node_deleted
        )
        await self.factory.start()
        await self.factory.wait_for_cache_sync()
        self._worker = asyncio.create_task(self._work(), name=f"{self.name}-worker")

    async def stop(self) -> None:
        self.queue.shut_down()
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        await self.factory.shutdown()

    async def run(self) -> None:
        """Run until cancelled (the ``python -m`` entry points use this)."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    # -- quiescence probe (fakekube.batsim.quiescence.IdleProbe) --------------------------
    async def idle(self, barrier_rv: int) -> bool:
        return self.queue.idle and self.factory.quiescent(barrier_rv)

    def busy_reasons(self, barrier_rv: int) -> list[str]:
        """What keeps :meth:`idle` False, for the message of a step that never ends."""
        reasons = [] if self.queue.idle else [f"work queue not idle ({len(self.queue)} queued)"]
        return reasons + self.factory.busy_reasons(barrier_rv)

    def check_alive(self) -> None:
        if self._worker is not None and self._worker.done() and not self._worker.cancelled():
            exc = self._worker.exception()
            from fakekube.batsim.quiescence import SchedulerStuck

            raise SchedulerStuck(f"{self.name} crashed: {exc!r}")

    # -- event handlers: keep node usage up to date incrementally --------------------------
    def _ours(self, pod: Obj) -> bool:
        spec = pod.get("spec") or {}
        return (
            spec.get("schedulerName", "default-scheduler") == self.scheduler_name
            and not spec.get("nodeName")
            and (pod.get("status") or {}).get("phase") not in TERMINAL
            and not pod["metadata"].get("deletionTimestamp")
        )

    def _count(self, key: str, pod: Obj | None, node: str | None) -> None:
        """Make ``key`` count on ``node`` (None: on nothing) with ``pod``'s requests."""
        counted = self._counted.get(key)
        if counted is not None and pod is not None and counted == (node, self._requests(pod)):
            return  # a status update, say: nothing moves
        self._generation += 1
        old = self._counted.pop(key, None)
        if old is not None and (info := self._infos.get(old[0])) is not None:
            info.add(old[1], -1)
            self._usage_moved(info, old[1], -1)
        if pod is not None and node is not None:
            req = self._requests(pod)
            self._counted[key] = (node, req)
            if (info := self._infos.get(node)) is not None:
                info.add(req)
                self._usage_moved(info, req, 1)

    def _usage_moved(self, info: NodeInfo, req: Resources, sign: int) -> None:
        """Update the most-free figures after ``info.add(req, sign)``."""
        best, count = self._max_free, self._max_count
        if best is None or not info.ready:
            return
        for k, v in req.items():
            if not v or k not in info.allocatable:
                continue
            now = info.free(k)
            was = now + sign * v
            top = best.get(k)
            if top is None:
                self._max_free = None
                return
            if now > top:
                best[k], count[k] = now, 1
            elif now == top:
                count[k] += 1
            elif was == top:
                count[k] -= 1
                if not count[k]:
                    self._max_free = None  # the last node with the most has less now
                    return

    def _account(self, pod: Obj) -> None:
        key = _key(pod)
        node = (pod.get("spec") or {}).get("nodeName") or self._assumed.get(key)
        active = (pod.get("status") or {}).get("phase") not in TERMINAL
        self._count(key, pod, node if active else None)

    def _pod_added(self, pod: Obj, _initial: bool) -> None:
        self._account(pod)
        if self._ours(pod):
            self.queue.add(_key(pod))

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        key = _key(new)
        if (new.get("spec") or {}).get("nodeName"):
            self._assumed.pop(key, None)
        self._account(new)
        was_active = (old.get("status") or {}).get("phase") not in TERMINAL
        if was_active and (new.get("status") or {}).get("phase") in TERMINAL:
            self._requeue_all()  # capacity freed
        elif self._ours(new) and (
            old.get("spec") != new.get("spec")
            or old["metadata"].get("labels") != new["metadata"].get("labels")
        ):
            self.queue.add(key)  # only real changes: our own status writes do not requeue

    def _pod_deleted(self, obj: Any) -> None:
        pod = getattr(obj, "obj", obj)
        self._request_cache.pop(pod["metadata"].get("uid") or _key(pod), None)
        key = _key(pod)
        self._assumed.pop(key, None)
        self.unschedulable.pop(key, None)
        self._count(key, None, None)
        self._requeue_all()

    def _node_added(self, node: Obj, _initial: bool) -> None:
        self._generation += 1
        self._max_free = None
        self._node_generation += 1
        info = NodeInfo(node)
        self._infos[info.name] = info
        for name, req in self._counted.values():
            if name == info.name:
                info.add(req)
        self._order = sorted(self._infos)
        self._requeue_all()

    def _node_updated(self, old: Obj, new: Obj) -> None:
        info = self._infos.get(new["metadata"]["name"])
        if info is None:
            self._node_added(new, False)
            return
        self._generation += 1
        self._max_free = None
        self._node_generation += 1
        info.set_node(new)
        if old.get("spec") != new.get("spec") or (old.get("status") or {}).get("allocatable") != (
            new.get("status") or {}
        ).get("allocatable"):
            self._requeue_all()

    def _node_deleted(self, obj: Any) -> None:
        node = getattr(obj, "obj", obj)
        self._generation += 1
        self._max_free = None
        self._node_generation += 1
        self._infos.pop(node["metadata"]["name"], None)
        self._order = sorted(self._infos)

    def _requeue_all(self) -> None:
        keys, self.unschedulable = list(self.unschedulable), {}
        for key in keys:
            self.queue.add(key)

    # -- scheduling ----------------------------------------------------------------------
    def _fits_somewhere(self, req: Resources) -> bool:
        """False when no ready node has enough of some resource: no scan needed."""
        best = self._max_free
        if best is None:
            best, count = {}, {}
            for n in self._infos.values():
                if n.ready:
                    for k in n.allocatable:
                        free, top = n.free(k), best.get(k)
                        if top is None or free > top:
                            best[k], count[k] = free, 1
                        elif free == top:
                            count[k] += 1
            self._max_free, self._max_count = best, count
        return all(v <= best.get(k, 0) for k, v in req.items() if v > 0)

    def _snapshot(self) -> list[NodeInfo]:
        """Ready nodes in name order, usage included (maintained by the handlers); the list
        is rebuilt only when a node is added, changed or removed."""
        if self._ready[0] != self._node_generation:
            ready = [self._infos[n] for n in self._order if self._infos[n].ready]
            self._ready = (self._node_generation, ready)
        return self._ready[1]

    def _requests(self, pod: Obj) -> Resources:
        """A pod's requests, parsed once per pod (this scheduler does not follow in-place
        resizes)."""
        uid = pod["metadata"].get("uid") or _key(pod)
        req = self._request_cache.get(uid)
        if req is None:
            req = self._request_cache[uid] = pod_requests(pod)
        return req

    async def _work(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                await self._schedule(key)
            except Exception:
                log.exception("%s: scheduling %s failed", self.name, key)
                self.unschedulable[key] = None
            finally:
                self.queue.done(key)

    async def _schedule(self, key: str) -> None:
        pod = self.pods.indexer.get_by_key(key)
        if pod is None or not self._ours(pod) or key in self._assumed:
            return
        req = self._requests(pod)
        nodes = self._snapshot()
        feasible: list[NodeInfo] = []
        for n in nodes if self._fits_somewhere(req) else ():
            if n.fits(req) and n.selects(pod) and n.tolerates(pod):
                feasible.append(n)
                if self.first_feasible_only:
                    break
        if not feasible:
            self.failures += 1
            self.unschedulable[key] = None
            await self._mark_unschedulable(pod, nodes, req)
            return
        target = self.select(pod, feasible)
        ns, name = pod["metadata"].get("namespace", "default"), pod["metadata"]["name"]
        self._assumed[key] = target.name
        self._count(key, pod, target.name)
        try:
            await self._core.create_namespaced_pod_binding(
                name,
                ns,
                {
                    "apiVersion": "v1",
                    "kind": "Binding",
                    "metadata": {"name": name, "uid": pod["metadata"].get("uid")},
                    "target": {"apiVersion": "v1", "kind": "Node", "name": target.name},
                },
                _preload_content=False,
            )
            self.binds += 1
        except client.ApiException as exc:
            self._assumed.pop(key, None)
            self._account(pod)
            if exc.status == 409:  # already bound or gone: the watch will tell us
                return
            raise

    async def _mark_unschedulable(self, pod: Obj, nodes: list[NodeInfo], req: Resources) -> None:
        conds = (pod.get("status") or {}).get("conditions") or []
        spec = pod.get("spec") or {}
        if self._why_generation != self._generation:
            self._why, self._why_generation = {}, self._generation
        selector, tolerations = spec.get("nodeSelector"), spec.get("tolerations")
        why_key = (tuple(req.items()), repr(selector), repr(tolerations))
        if why_key not in self._why:
            self._why[why_key] = f"0/{len(nodes)} nodes are available: " + _why(nodes, pod, req)
        message = self._why[why_key]
        current = next((c for c in conds if c.get("type") == "PodScheduled"), None)
        if current and current.get("status") == "False" and current.get("message") == message:
            return
        ns, name = pod["metadata"].get("namespace", "default"), pod["metadata"]["name"]
        body = {
            "status": {
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": message,
                        "lastProbeTime": None,
                    }
                ]
            }
        }
        try:
            await self._core.patch_namespaced_pod_status(
                name, ns, body, _content_type="application/strategic-merge-patch+json"
            )
        except client.ApiException as exc:
            if exc.status != 404:
                raise


def _why(nodes: list[NodeInfo], pod: Obj, req: Resources) -> str:
    """kube-scheduler's summary: ``2 Insufficient cpu, 1 node(s) had untolerated taint.``"""
    reasons: dict[str, int] = {}
    for n in nodes:
        if not n.selects(pod):
            r = "node(s) didn't match Pod's node affinity/selector"
        elif not n.tolerates(pod):
            r = "node(s) had untolerated taint"
        else:
            short = [k for k, v in req.items() if v > 0 and v > n.free(k)]
            r = f"Insufficient {short[0]}" if short else "node(s) were unschedulable"
        reasons[r] = reasons.get(r, 0) + 1
    if not nodes:
        return "no nodes available to schedule pods."
    return ", ".join(f"{c} {r}" for r, c in sorted(reasons.items())) + "."


def _key(pod: Obj) -> str:
    meta = pod["metadata"]
    ns = meta.get("namespace")
    return f"{ns}/{meta['name']}" if ns else meta["name"]
