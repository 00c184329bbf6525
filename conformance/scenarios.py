"""Environments (one cluster + one scheduler process) and scenarios that share them.

Starting a scheduler costs a second or more, so the scenarios of one scheduler build and
profile share one environment. Each scenario gets its own namespace and its own pool of
nodes, labelled with the scenario's name, and its pods select that pool: no scenario can
see another's capacity, so they stay independent without a restart in between. The
state is seeded straight into the store (no HTTP), so every request the server logs
comes from the scheduler under test and is checked against its manifest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

import pytest

from conformance.manifest import Manifest, check, update_mode
from conformance.runners import SchedulerUnderTest
from fakekube.cluster import FakeCluster, format_requests
from fakekube.cluster import node as node_object
from fakekube.kube_scheduler import KubeSchedulerNotBuilt

__all__ = ["POOL", "Env", "Scenario", "open_env"]

Obj = dict[str, Any]
#: The node label a scenario's nodes carry and its pods select.
POOL = "conformance.fakekube.dev/pool"


class Env:
    """A cluster with one scheduler process on it, checked against a manifest."""

    def __init__(
        self, cluster: FakeCluster, scheduler: SchedulerUnderTest, manifest: Manifest
    ) -> None:
        self.cluster = cluster
        self.scheduler = scheduler
        self.manifest = manifest
        self._checked = 0

    @property
    def store(self) -> Any:
        return self.cluster.store

    def verify(self) -> None:
        """Fail on what the scheduler asked since the last check that its manifest lacks,
        on any answer that let it down, and on the process having died."""
        records = self.cluster.requests()
        new, self._checked = records[self._checked :], len(records)
        profile = self.scheduler.profile
        if update_mode():
            self.manifest.merge(new, profile)
        problems = check(new, self.manifest, profile)
        if problems:
            raise AssertionError(
                f"{self.manifest.name} ({profile}) used fakekube outside its manifest:\n  "
                + "\n  ".join(problems)
                + "\n(if the scheduler really needs this, run: python -m conformance.manifest"
                " --update, and review the diff)"
            )
        self.scheduler.check_alive()

    def scenario(self, name: str) -> Scenario:
        return Scenario(self, name)


@contextlib.asynccontextmanager
async def open_env(
    make: Callable[[os.PathLike[str]], SchedulerUnderTest], manifest: Manifest
) -> AsyncIterator[Env]:
    """A fresh cluster with the scheduler ``make(kubeconfig)`` running on it; verified once
    more before it stops, so requests made after the last scenario are checked too."""
    async with FakeCluster() as cluster:
        try:
            scheduler = make(cluster.kubeconfig)
        except KubeSchedulerNotBuilt as exc:
            pytest.fail(str(exc), pytrace=False)
        await scheduler.start()
        env = Env(cluster, scheduler, manifest)
        try:
            yield env
            env.verify()
        finally:
            await scheduler.stop()


class Scenario:
    """A namespace and a node pool of one scenario, and ways to wait on its pods."""

    def __init__(self, env: Env, name: str) -> None:
        self.env = env
        self.name = name
        self.ns = name
        self._undo: list[Callable[[], None]] = []
        self.store.create(
            "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        )

    @property
    def store(self) -> Any:
        return self.env.store

    # -- building the scenario -------------------------------------------------------------
    def node(
        self,
        name: str,
        *,
        cpu: str = "2",
        memory: str = "4Gi",
        labels: Mapping[str, str] | None = None,
        taints: Iterable[Obj] = (),
    ) -> str:
        """Add a Ready node to the pool; returns its full name (``<scenario>-<name>``)."""
        full = f"{self.name}-{name}"
        obj = node_object(full, cpu=cpu, memory=memory)
        obj["metadata"]["labels"].update({POOL: self.name, **(labels or {})})
        if taints:
            obj["spec"] = {"taints": list(taints)}
        self.store.create("nodes", obj, keep_status=True)
        return full

    def pod(
        self,
        name: str,
        *,
        cpu: str = "100m",
        memory: str = "64Mi",
        labels: Mapping[str, str] | None = None,
        priority_class: str | None = None,
        **spec: Any,
    ) -> str:
        """Create a pending pod for the scheduler under test, confined to the pool."""
        container = {
            "name": "main",
            "image": "registry.k8s.io/pause:3.10",
            "resources": {"requests": {"cpu": cpu, "memory": memory}},
        }
        full_spec: Obj = {
            "schedulerName": self.env.scheduler.scheduler_name,
            "containers": [container],
            **spec,
        }
        full_spec["nodeSelector"] = {**(spec.get("nodeSelector") or {}), POOL: self.name}
        if priority_class:
            full_spec["priorityClassName"] = priority_class
        meta: Obj = {"name": name, "namespace": self.ns, "labels": dict(labels or {})}
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": full_spec}
        self.store.create("pods", obj, namespace=self.ns)
        return name

    def complete(self, name: str) -> None:
        """The pod's containers exit 0: the kubelet reports phase Succeeded."""
        self.store.patch(
            "pods",
            name,
            "application/merge-patch+json",
            {"status": {"phase": "Succeeded"}},
            namespace=self.ns,
            subresource="status",
        )

    def history(self) -> list[tuple[str, Obj]]:
        """From now on, every committed change to the scenario's pods as (event type, pod),
        in commit order: the states a poll would miss (a victim's last status before its
        deletion) are all there, until :meth:`close`."""
        changes: list[tuple[str, Obj]] = []

        def on_event(ev: Any) -> None:
            rt = ev.entry.rt
            if rt.group == "" and rt.plural == "pods" and ev.entry.namespace == self.ns:
                changes.append((ev.type, ev.entry.obj))

        self._undo.append(self.store.add_listener(on_event))
        return changes

    def close(self) -> None:
        """Stop recording :meth:`history`; the scenario's objects stay for the scheduler."""
        while self._undo:
            self._undo.pop()()

    # -- reading it back -------------------------------------------------------------------
    def get(self, name: str) -> Obj | None:
        return self.store.try_get("pods", name, self.ns)  # type: ignore[no-any-return]

    def node_of(self, name: str) -> str | None:
        """Where the pod is bound, as a pool-local node name (``None``: not bound)."""
        pod = self.get(name)
        bound = (pod or {}).get("spec", {}).get("nodeName")
        return bound.removeprefix(f"{self.name}-") if bound else None

    def condition(self, name: str, kind: str) -> Obj | None:
        pod = self.get(name) or {}
        conditions = (pod.get("status") or {}).get("conditions") or []
        return next((c for c in conditions if c.get("type") == kind), None)

    def events(self, reason: str | None = None) -> list[Obj]:
        """events.k8s.io/v1 events in the scenario's namespace, oldest first."""
        items = [e.obj for e in self.store.list("events.events.k8s.io", namespace=self.ns).items]
        return [e for e in items if reason is None or e.get("reason") == reason]

    # -- waiting ---------------------------------------------------------------------------
    async def wait(self, predicate: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
        """Wait until ``predicate()`` is truthy and return it. On time-out the failure says
        what was awaited and shows the scheduler's log and the last requests."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (result := predicate()):
            self.env.scheduler.check_alive()
            if loop.time() > deadline:
                raise AssertionError(
                    f"{self.name}: {what} not within {timeout:g}s\n"
                    f"--- scheduler log ---\n{self.env.scheduler.log_tail(40)}\n"
                    f"--- last requests ---\n"
                    f"{format_requests(self.env.cluster.requests()[-25:])}"
                )
            await asyncio.sleep(0.02)
        return result

    async def bound(self, *names: str, timeout: float = 30.0) -> dict[str, str]:
        """Wait until every named pod is bound; returns pod name -> pool-local node name."""

        def placements() -> dict[str, str] | None:
            where = {n: self.node_of(n) for n in names}
            return where if all(where.values()) else None  # type: ignore[return-value]

        return await self.wait(placements, f"pods {', '.join(names)} bound", timeout)  # type: ignore[no-any-return]

    async def unschedulable(self, name: str, timeout: float = 30.0) -> Obj:
        """Wait for the ``PodScheduled=False`` condition the scheduler patches in."""

        def marked() -> Obj | None:
            cond = self.condition(name, "PodScheduled")
            return cond if cond and cond.get("status") == "False" else None

        return await self.wait(marked, f"{name} marked PodScheduled=False", timeout)  # type: ignore[no-any-return]

    async def timed(self, awaitable: Any) -> tuple[Any, float]:
        """Await and return (result, seconds taken): the scenario reports it, never asserts it."""
        start = time.monotonic()
        result = await awaitable
        return result, time.monotonic() - start
