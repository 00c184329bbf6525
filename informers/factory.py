"""SharedInformerFactory: one informer per resource and option set, shared by every
controller in a process (client-go ``informers/factory.go``).

It also answers the question a simulation must ask before advancing time: *is this
process idle?* :meth:`SharedInformerFactory.quiescent` is true when every started
informer has put every event it received into its cache and delivered it to every
handler, every work queue the factory tracks is empty with no item in progress, and
(given a resourceVersion) every informer has read the server up to it. The Batsim sync
sends a BOOKMARK at the step's version, so this proves a Python scheduler has seen the
whole step and finished reacting to it, without waiting on a clock.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from informers.clock import Clock
from informers.listers import Lister
from informers.listwatch import ListWatch
from informers.models import ModelDecoder
from informers.resources import Resource, resolve
from informers.shared_informer import SharedIndexInformer
from informers.store import IndexFunc

__all__ = ["SharedInformerFactory"]

log = logging.getLogger(__name__)


class _Idle(Protocol):
    @property
    def idle(self) -> bool: ...


@dataclass(frozen=True)
class _Key:
    resource: Resource
    namespace: str
    label_selector: str
    field_selector: str
    models: bool
    lazy: bool

    def name(self) -> str:
        """``pods``, or ``pods?namespace=a&labelSelector=b`` when options are set."""
        opts = [
            f"{k}={v}"
            for k, v in (
                ("namespace", self.namespace),
                ("labelSelector", self.label_selector),
                ("fieldSelector", self.field_selector),
            )
            if v
        ]
        base = self.resource.plural
        if self.resource.group:
            base += "." + self.resource.group
        if self.models:
            base += "[models]"
        if self.lazy:
            base += "[lazy]"
        return base + ("?" + "&".join(opts) if opts else "")


class SharedInformerFactory:
    """``factory.informer("pods")`` twice returns the same informer.

    ``namespace`` limits every informer to one namespace (``None``: all); ``models=True``
    makes informers cache kubernetes-asyncio models instead of dicts; ``lazy=True`` makes
    them cache :class:`~informers.lazy.LazyObject` instances (JSON bytes, metadata decoded,
    the rest on first read), for large caches of objects that are rarely read in full.
    The two cannot be combined.
    """

    def __init__(
        self,
        api_client: Any,
        *,
        namespace: str | None = None,
        resync_period: float = 0.0,
        use_watch_list: bool = False,
        inactivity_timeout: float | None = 180.0,
        models: bool = False,
        lazy: bool = False,
        clock: Clock | None = None,
    ) -> None:
        _check_shape(models, lazy)
        self.api_client = api_client
        self.namespace = namespace or ""
        self.resync_period = resync_period
        self.use_watch_list = use_watch_list
        self.inactivity_timeout = inactivity_timeout
        self.models = models
        self.lazy = lazy
        self.clock = clock
        self._informers: dict[_Key, SharedIndexInformer] = {}
        self._started: set[_Key] = set()
        self._queues: list[_Idle] = []
        self._shutdown = False

    def informer(
        self,
        resource: str | Resource,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
        models: bool | None = None,
        lazy: bool | None = None,
        indexers: dict[str, IndexFunc] | None = None,
    ) -> SharedIndexInformer:
        """The informer for ``resource`` with these options, created on first use.

        ``namespace=None`` takes the factory's; ``""`` means all namespaces; ``models`` and
        ``lazy`` default to the factory's.
        """
        res = resolve(resource)
        key = _Key(
            res,
            (self.namespace if namespace is None else namespace) if res.namespaced else "",
            label_selector,
            field_selector,
            self.models if models is None else models,
            self.lazy if lazy is None else lazy,
        )
        _check_shape(key.models, key.lazy)
        inf = self._informers.get(key)
        if inf is None:
            lw = ListWatch(
                self.api_client,
                res,
                namespace=key.namespace or None,
                label_selector=label_selector,
                field_selector=field_selector,
                lazy=key.lazy,
            )
            inf = SharedIndexInformer(
                lw,
                kind=res.kind,
                api_version=res.api_version,
                resync_period=self.resync_period,
                indexers=indexers,
                use_watch_list=self.use_watch_list,
                inactivity_timeout=self.inactivity_timeout,
                decoder=ModelDecoder(self.api_client, res.model_name) if key.models else None,
                clock=self.clock,
                name=key.name(),
            )
            self._informers[key] = inf
        elif indexers:
            inf.add_indexers(indexers)
        return inf

    def lister(self, resource: str | Resource, **options: Any) -> Lister[Any]:
        """A lister over ``informer(resource, **options)``'s cache."""
        inf = self.informer(resource, **options)
        return Lister(inf.indexer, resolve(resource))

    def track(self, queue: Any) -> Any:
        """Count ``queue`` (anything with an ``idle`` property) in :meth:`quiescent`."""
        self._queues.append(queue)
        return queue

    @property
    def informers(self) -> dict[str, SharedIndexInformer]:
        return {k.name(): inf for k, inf in self._informers.items()}

    async def start(self) -> None:
        """Start every informer not started yet; idempotent and returns at once."""
        if self._shutdown:
            log.warning("start() after shutdown() is ignored")
            return
        for key, inf in self._informers.items():
            if key not in self._started:
                self._started.add(key)
                await inf.start()

    async def wait_for_cache_sync(self, timeout: float | None = None) -> dict[str, bool]:
        """Wait for every started informer; a bool per informer (False: timed out)."""
        started = [(k, self._informers[k]) for k in self._informers if k in self._started]
        results = await asyncio.gather(*(inf.wait_for_sync(timeout) for _, inf in started))
        return {k.name(): ok for (k, _), ok in zip(started, results, strict=True)}

    def quiescent(self, resource_version: int | str | None = None) -> bool:
        """Idle: every event received is delivered, every tracked queue empty, and (if
        given) every informer has read the server up to ``resource_version``.

        An informer of a resource that did not change learns a newer version only from a
        BOOKMARK, so a caller passing a version must make sure one is sent: the Batsim
        sync sends one at the step's version to every watch before it asks.
        """
        return not self.busy_reasons(resource_version, first_only=True)

    def busy_reasons(
        self, resource_version: int | str | None = None, *, first_only: bool = False
    ) -> list[str]:
        """Why :meth:`quiescent` is False, one line per cause (empty when quiescent): a
        caller that gives up waiting can say which informer or queue held out."""
        reasons: list[str] = []
        for i, q in enumerate(self._queues):
            if not q.idle:
                reasons.append(f"tracked queue #{i} is not idle")
                if first_only:
                    return reasons
        barrier = int(resource_version) if resource_version not in (None, "") else None
        for key, inf in self._informers.items():  # creation order: stable messages
            if key not in self._started:
                continue
            why = ""
            if not inf.has_synced():
                why = "has not synced"
            elif not inf.quiescent():
                why = "has events not yet delivered to every handler"
            elif barrier is not None:
                rv = inf.last_sync_resource_version
                if not rv.isdigit() or int(rv) < barrier:
                    why = f"has read up to resourceVersion {rv or '(none)'}, not {barrier}"
            if why:
                reasons.append(f"informer {key.name()} {why}")
                if first_only:
                    return reasons
        return reasons

    async def shutdown(self) -> None:
        """Stop every informer and wait for them; idempotent."""
        self._shutdown = True
        await asyncio.gather(*(self._informers[k].stop() for k in self._started))


def _check_shape(models: bool, lazy: bool) -> None:
    if models and lazy:
        # Models are built from every object as it arrives, which is the decode lazy
        # objects exist to avoid: asking for both is a mistake, not a preference.
        raise ValueError("models=True and lazy=True cannot be combined: choose one")
