"""SharedInformerFactory: one informer per resource, shared by every controller in a process
(client-go ``informers/factory.go``).

It also answers the question a simulation must ask before advancing time: *is this
process idle?* :meth:`SharedInformerFactory.quiescent` is true when every informer has
seen the server up to a given resourceVersion (the quiescence gate sends a BOOKMARK at
that version) and has nothing queued or being handled.
"""

from __future__ import annotations

import asyncio
from typing import Any

from informers.clock import Clock
from informers.listers import Lister
from informers.listwatch import _KNOWN, ListWatch
from informers.shared_informer import SharedIndexInformer

__all__ = ["SharedInformerFactory"]

_KINDS = {
    "pods": "Pod",
    "nodes": "Node",
    "namespaces": "Namespace",
    "services": "Service",
    "configmaps": "ConfigMap",
    "secrets": "Secret",
    "persistentvolumes": "PersistentVolume",
    "persistentvolumeclaims": "PersistentVolumeClaim",
    "deployments": "Deployment",
    "replicasets": "ReplicaSet",
    "statefulsets": "StatefulSet",
    "daemonsets": "DaemonSet",
    "jobs": "Job",
    "poddisruptionbudgets": "PodDisruptionBudget",
    "leases": "Lease",
    "priorityclasses": "PriorityClass",
    "storageclasses": "StorageClass",
    "csinodes": "CSINode",
    "csidrivers": "CSIDriver",
}


class SharedInformerFactory:
    """``factory.informer("pods")`` twice returns the same informer."""

    def __init__(
        self,
        api_client: Any,
        *,
        namespace: str | None = None,
        resync_period: float = 0.0,
        use_watch_list: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.api_client = api_client
        self.namespace = namespace
        self.resync_period = resync_period
        self.use_watch_list = use_watch_list
        self.clock = clock
        self._informers: dict[tuple[str, str, str, str], SharedIndexInformer] = {}
        self._started: set[tuple[str, str, str, str]] = set()
        #: Requests of this process's own that are in flight (writes a controller makes).
        self.in_flight = 0

    def informer(
        self,
        resource: str,
        *,
        group: str | None = None,
        version: str | None = None,
        kind: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
    ) -> SharedIndexInformer:
        key = (resource, group or "", label_selector, field_selector)
        inf = self._informers.get(key)
        if inf is None:
            lw = ListWatch(
                self.api_client,
                resource,
                namespace=self.namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                group=group,
                version=version,
            )
            g, v = lw.group or "", lw.version or "v1"
            inf = SharedIndexInformer(
                lw,
                kind=kind or _KINDS.get(resource, ""),
                api_version=f"{g}/{v}" if g else v,
                resync_period=self.resync_period,
                use_watch_list=self.use_watch_list,
                clock=self.clock,
                name=resource,
            )
            self._informers[key] = inf
        return inf

    def lister(self, resource: str, **kw: Any) -> Lister:
        namespaced = _KNOWN.get(resource, ("", "", True))[2]
        return Lister(self.informer(resource, **kw).indexer, resource, namespaced)

    async def start(self) -> None:
        """Start every informer not yet started (idempotent, non-blocking)."""
        for key, inf in self._informers.items():
            if key not in self._started:
                self._started.add(key)
                await inf.start()

    async def wait_for_cache_sync(self, timeout: float | None = None) -> dict[str, bool]:
        started = [(k, self._informers[k]) for k in self._started]
        results = await asyncio.gather(*(inf.wait_for_sync(timeout) for _, inf in started))
        return {
            k[0] + (f"[{k[2]}|{k[3]}]" if k[2] or k[3] else ""): ok
            for (k, _), ok in zip(started, results, strict=True)
        }

    def quiescent(self, resource_version: int | None = None) -> bool:
        """Idle: every informer synced, caught up to ``resource_version``, nothing queued."""
        if self.in_flight:
            return False
        for key in self._started:
            inf = self._informers[key]
            if not inf.has_synced() or not inf.quiescent():
                return False
            if resource_version is not None:
                rv = inf.last_sync_resource_version
                if not rv or int(rv) < resource_version:
                    return False
        return True

    async def shutdown(self) -> None:
        await asyncio.gather(*(self._informers[k].stop() for k in self._started))
        self._started.clear()
