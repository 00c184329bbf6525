"""SharedIndexInformer: one list+watch, one cache, many handlers (client-go ``shared_informer.go``).

The reflector fills a RealFIFO; one processing task pops it in batches, updates the
indexer first, then hands the change to every registered handler. Each handler has its
own unbounded buffer and task (client-go's ``processorListener``), so a slow handler
delays only itself, and each sees changes in the order they happened. A handler
registered late first gets the cached objects as adds with ``is_in_initial_list=True``,
and its own ``has_synced`` turns true once it has them all.

Resync follows client-go: the informer's period is the default for handlers and the
check period; a handler may ask for a longer one (or a shorter one before start, which
shortens the check period); each check marks the handlers that are due, and only those
receive the ``Sync`` updates and the updates of relisted objects whose resourceVersion
did not change.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, Protocol

from informers.clock import Clock, RealClock
from informers.fifo import Delta, DeltaType, FIFOClosed, RealFIFO
from informers.listwatch import ListerWatcher
from informers.meta import resource_version_of
from informers.reflector import Reflector, WatchErrorHandler
from informers.store import Indexer, IndexFunc

__all__ = [
    "MINIMUM_RESYNC_PERIOD",
    "HandlerRegistration",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
    "SharedIndexInformer",
]

log = logging.getLogger(__name__)

#: A callback's result: awaited if awaitable (async callbacks), otherwise ignored.
MaybeAwaitable = Awaitable[object] | object
#: client-go's ``minimumResyncPeriod``.
MINIMUM_RESYNC_PERIOD = 1.0
#: Deltas processed per batch before other tasks get a turn.
_BATCH = 1000


class ResourceEventHandler(Protocol):
    """Anything with these three callbacks (plain or async) can be registered.

    ``on_delete`` receives the final state the watch reported, or a
    :class:`~informers.store.DeletedFinalStateUnknown` when the deletion was inferred.
    """

    def on_add(self, obj: Any, is_in_initial_list: bool) -> MaybeAwaitable: ...

    def on_update(self, old: Any, new: Any) -> MaybeAwaitable: ...

    def on_delete(self, obj: Any) -> MaybeAwaitable: ...


@dataclass
class ResourceEventHandlerFuncs:
    """Callbacks as fields; a missing one ignores that kind of change."""

    on_add: Callable[[Any, bool], MaybeAwaitable] | None = None
    on_update: Callable[[Any, Any], MaybeAwaitable] | None = None
    on_delete: Callable[[Any], MaybeAwaitable] | None = None


# A notification: (kind, old, new, is_in_initial_list); kind is "add", "update" or "delete".
_Notification = tuple[str, Any, Any, bool]


def determine_resync_period(desired: float, check: float) -> float:
    """A handler's effective period given the informer's check period (0 = never)."""
    if desired <= 0:
        return 0.0
    if check <= 0:
        log.warning("resync period %gs ignored: the informer's resync is disabled", desired)
        return 0.0
    if desired < check:
        log.warning("resync period %gs is below the check period; using %gs", desired, check)
        return check
    return desired


class HandlerRegistration:
    """One handler's buffer and delivery task; ``has_synced()`` is per handler."""

    def __init__(
        self,
        informer: SharedIndexInformer,
        handler: Any,
        requested_resync_period: float,
        resync_period: float,
    ) -> None:
        self._informer = informer
        self.handler = handler
        self._on_add = getattr(handler, "on_add", None)
        self._on_update = getattr(handler, "on_update", None)
        self._on_delete = getattr(handler, "on_delete", None)
        self.requested_resync_period = requested_resync_period
        self.resync_period = resync_period
        self.next_resync = informer.clock.now() + resync_period
        #: Set by the last resync check: this handler receives sync updates until the next.
        self.syncing = False
        self.removed = False
        self._buffer: deque[_Notification] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pending_initial = 0
        self._busy = False
        self._synced = asyncio.Event()

    def has_synced(self) -> bool:
        """The informer has synced and this handler has returned from every initial add."""
        return self._pending_initial == 0 and self._informer.has_synced()

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        """Wait until :meth:`has_synced`; False if ``timeout`` passes first."""
        try:
            async with asyncio.timeout(timeout):
                await self._informer.wait_for_sync()
                self._check_synced()
                await self._synced.wait()
        except TimeoutError:
            return False
        return True

    @property
    def idle(self) -> bool:
        """Nothing buffered and no callback running."""
        return not self._buffer and not self._busy

    def _check_synced(self) -> None:
        if not self._synced.is_set() and self.has_synced():
            self._synced.set()

    def _push(self, n: _Notification) -> None:
        if n[3]:
            self._pending_initial += 1
        self._buffer.append(n)
        self._wake.set()

    def _start(self) -> None:
        if self._task is None and not self.removed:
            self._task = asyncio.create_task(self._run(), name=f"{self._informer.name}-handler")

    async def _run(self) -> None:
        buffer = self._buffer
        delivered = 0
        while True:
            if not buffer:
                self._wake.clear()
                await self._wake.wait()
                continue
            kind, old, new, initial = buffer.popleft()
            self._busy = True
            try:
                if kind == "add":
                    result = self._on_add(new, initial) if self._on_add else None
                elif kind == "update":
                    result = self._on_update(old, new) if self._on_update else None
                else:
                    result = self._on_delete(old) if self._on_delete else None
                if result is not None and isawaitable(result):
                    await result  # async callbacks; a plain one's return value is ignored
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: event handler failed on %s", self._informer.name, kind)
                # As client-go after a handler panic: pause, then carry on with the next.
                await self._informer.clock.sleep(1.0)
            finally:
                self._busy = False
                if initial:
                    self._pending_initial -= 1
                    if self._pending_initial == 0:
                        self._check_synced()
            delivered += 1
            if delivered % _BATCH == 0:
                await asyncio.sleep(0)  # a long buffer must not starve the other tasks

    async def _stop(self) -> None:
        self.removed = True
        self._buffer.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class SharedIndexInformer:
    """``informer.add_event_handler(h)``, ``await informer.start()``, read ``informer.indexer``."""

    def __init__(
        self,
        lw: ListerWatcher,
        *,
        kind: str = "",
        api_version: str = "",
        resync_period: float = 0.0,
        indexers: dict[str, IndexFunc] | None = None,
        use_watch_list: bool = False,
        inactivity_timeout: float | None = 180.0,
        decoder: Callable[[dict[str, Any]], Any] | None = None,
        clock: Clock | None = None,
        name: str = "",
    ) -> None:
        if decoder is not None and getattr(lw, "lazy", False):
            # A decoder builds a model from every object on its way in: it would decode
            # what lazy mode exists not to decode.
            raise ValueError("a model decoder cannot be combined with a lazy ListerWatcher")
        self.lw = lw
        self.kind = kind
        self.api_version = api_version
        self.default_resync_period = resync_period
        self.resync_check_period = resync_period
        self.clock: Clock = clock or RealClock()
        self.name = name or kind or "informer"
        self.indexer = Indexer(indexers=indexers)
        self.use_watch_list = use_watch_list
        self.inactivity_timeout = inactivity_timeout
        self.decoder = decoder
        self._transform: Callable[[Any], Any] | None = None
        self._watch_error_handler: WatchErrorHandler | None = None
        self._handlers: list[HandlerRegistration] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._started_event = asyncio.Event()
        self._stopped = False
        self._stopped_event = asyncio.Event()
        self._processing = False
        self.fifo: RealFIFO | None = None
        self.reflector: Reflector | None = None

    # -- configuration (before start) -------------------------------------------------------
    def set_transform(self, fn: Callable[[Any], Any]) -> None:
        """Trim objects before they are cached (e.g. drop managedFields); only before start.

        It runs once per object from the server, never on a DeletedFinalStateUnknown.
        """
        if self._started:
            raise RuntimeError("informer has already started")
        self._transform = fn

    def set_watch_error_handler(self, fn: WatchErrorHandler) -> None:
        """Called with every error that ends a list/watch round; only before start."""
        if self._started:
            raise RuntimeError("informer has already started")
        self._watch_error_handler = fn

    def add_indexers(self, indexers: dict[str, IndexFunc]) -> None:
        """Add indexes, before or after start (existing objects are indexed at once)."""
        self.indexer.add_indexers(indexers)

    # -- handlers -----------------------------------------------------------------------------
    def add_event_handler(
        self,
        handler: Any = None,
        *,
        on_add: Callable[[Any, bool], MaybeAwaitable] | None = None,
        on_update: Callable[[Any, Any], MaybeAwaitable] | None = None,
        on_delete: Callable[[Any], MaybeAwaitable] | None = None,
        resync_period: float | None = None,
    ) -> HandlerRegistration:
        """Register a handler (an object with ``on_add``/``on_update``/``on_delete``, or the
        callbacks as keywords). Returns its registration, which has its own ``has_synced``.

        Registering after start first delivers the whole cache as initial adds.
        """
        if self._stopped:
            raise RuntimeError("informer has stopped")
        if handler is None:
            handler = ResourceEventHandlerFuncs(on_add, on_update, on_delete)
        period = self.default_resync_period if resync_period is None else resync_period
        if period > 0:
            if period < MINIMUM_RESYNC_PERIOD:
                log.warning("resync period %gs too small; using %gs", period, MINIMUM_RESYNC_PERIOD)
                period = MINIMUM_RESYNC_PERIOD
            if period < self.resync_check_period:
                if self._started:
                    period = self.resync_check_period
                else:
                    self.resync_check_period = period
                    for reg in self._handlers:
                        reg.resync_period = determine_resync_period(
                            reg.requested_resync_period, period
                        )
        reg = HandlerRegistration(
            self, handler, period, determine_resync_period(period, self.resync_check_period)
        )
        self._handlers.append(reg)
        if self._started:
            # Synchronous, so no delta is processed in between: the handler sees the
            # snapshot, then every change after it, none twice.
            for obj in self.indexer.list():
                reg._push(("add", None, obj, True))
            reg._start()
        return reg

    def remove_event_handler(self, reg: HandlerRegistration) -> None:
        """Stop delivering to ``reg``; idempotent, a foreign registration is ignored."""
        if reg not in self._handlers:
            return
        self._handlers.remove(reg)
        reg.removed = True
        reg._buffer.clear()
        if reg._task is not None:
            reg._task.cancel()

    @property
    def handlers(self) -> list[HandlerRegistration]:
        return list(self._handlers)

    # -- state -----------------------------------------------------------------------------------
    def has_synced(self) -> bool:
        """The first list has been fully processed into the cache (and handed to handlers)."""
        return self.fifo is not None and self.fifo.has_synced()

    @property
    def last_sync_resource_version(self) -> str:
        return self.reflector.last_sync_resource_version if self.reflector else ""

    @property
    def started(self) -> bool:
        return self._started

    @property
    def stopped(self) -> bool:
        return self._stopped

    def quiescent(self) -> bool:
        """Every event read so far is in the cache and delivered to every handler."""
        return (
            self.fifo is not None
            and len(self.fifo) == 0
            and not self._processing
            and all(h.idle for h in self._handlers)
        )

    def get_store(self) -> Indexer:
        return self.indexer

    get_indexer = get_store

    # -- running ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Start list+watch and delivery in the background (idempotent, returns at once)."""
        if self._started or self._stopped:
            return
        self._started = True
        self._started_event.set()
        self.fifo = RealFIFO(known_objects=self.indexer, transformer=self._transformer())
        self.reflector = Reflector(
            self.lw,
            self.fifo,
            name=self.name,
            expected_kind=self.kind,
            expected_api_version=self.api_version,
            use_watch_list=self.use_watch_list,
            inactivity_timeout=self.inactivity_timeout,
            resync_period=self.resync_check_period,
            should_resync=self._should_resync,
            clock=self.clock,
            watch_error_handler=self._watch_error_handler,
        )
        for reg in self._handlers:
            reg._start()
        self._tasks = [
            asyncio.create_task(self.reflector.run(), name=f"{self.name}-reflector"),
            asyncio.create_task(self._process_loop(), name=f"{self.name}-process"),
        ]

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        """Wait until :meth:`has_synced` (and for start, if need be); False if ``timeout``
        passes or the informer stops first (client-go's ``WaitForCacheSync``)."""

        async def synced() -> None:
            await self._started_event.wait()
            assert self.fifo is not None
            await self.fifo.synced.wait()

        waiters = [
            asyncio.ensure_future(synced()),
            asyncio.ensure_future(self._stopped_event.wait()),
        ]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        return self.has_synced()

    async def stop(self) -> None:
        """Stop watching and delivering, and wait until every task has ended (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._stopped_event.set()
        if self.reflector is not None:
            await self.reflector.stop()
        if self.fifo is not None:
            self.fifo.close()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(h._stop() for h in self._handlers))

    async def __aenter__(self) -> SharedIndexInformer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- internals ----------------------------------------------------------------------------
    def _transformer(self) -> Callable[[Any], Any] | None:
        decode, transform = self.decoder, self._transform
        if decode is not None and transform is not None:
            return lambda obj: transform(decode(obj))
        return decode or transform

    def _should_resync(self) -> bool:
        """Mark the handlers whose resync is due (client-go ``sharedProcessor.shouldResync``)."""
        now = self.clock.now()
        needed = False
        for reg in self._handlers:
            due = reg.resync_period > 0 and now >= reg.next_resync
            reg.syncing = due
            if due:
                needed = True
                reg.next_resync = now + reg.resync_period
        return needed

    async def _process_loop(self) -> None:
        fifo = self.fifo
        assert fifo is not None
        handle = self._handle_delta
        while True:
            try:
                await fifo.wait()
            except FIFOClosed:
                return
            self._processing = True
            try:
                fifo.pop_batch(handle, _BATCH)
            finally:
                self._processing = False
            if fifo.has_synced():
                for reg in self._handlers:
                    reg._check_synced()
            await asyncio.sleep(0)  # let handlers and the reflector run between batches

    def _handle_delta(self, delta: Delta, initial: bool) -> None:
        dtype, obj = delta
        try:
            if dtype is DeltaType.DELETED:
                # Handlers get the delta's object: the final state the watch reported, or
                # a DeletedFinalStateUnknown carrying the last cached state after a relist.
                self.indexer.delete(obj)
                self._distribute(("delete", obj, None, False), False)
                return
            old = self.indexer.put(obj)
            if old is None:
                self._distribute(("add", None, obj, initial), False)
                return
            sync = dtype is DeltaType.SYNC or (
                dtype is DeltaType.REPLACED and resource_version_of(old) == resource_version_of(obj)
            )
            self._distribute(("update", old, obj, False), sync)
        except Exception:
            log.exception("%s: could not process a %s delta", self.name, dtype)

    def _distribute(self, n: _Notification, sync: bool) -> None:
        for reg in self._handlers:
            if not sync or reg.syncing:
                reg._push(n)
