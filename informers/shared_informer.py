"""SharedIndexInformer: one list+watch, one cache, many handlers (client-go ``shared_informer.go``).

The reflector fills a RealFIFO; one processing loop pops it, updates the indexer first,
then hands the change to every registered handler. Each handler has its own unbounded
buffer and task, so a slow handler delays only itself, and each sees changes in the order
they happened. A handler registered late first gets the cached objects as adds with
``is_in_initial_list=True``, and its own ``has_synced`` turns true once it has them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from informers.clock import Clock, RealClock
from informers.fifo import Delta, DeltaType, FIFOClosed, RealFIFO
from informers.listwatch import ListerWatcher
from informers.reflector import Reflector
from informers.store import DeletedFinalStateUnknown, Indexer, IndexFunc

__all__ = ["ResourceEventHandler", "HandlerRegistration", "SharedIndexInformer"]

log = logging.getLogger(__name__)

Obj = dict[str, Any]
MaybeAwaitable = Awaitable[None] | None


@dataclass
class ResourceEventHandler:
    """Callbacks, plain or async. ``on_delete`` may receive a DeletedFinalStateUnknown."""

    on_add: Callable[[Obj, bool], MaybeAwaitable] | None = None
    on_update: Callable[[Obj, Obj], MaybeAwaitable] | None = None
    on_delete: Callable[[Any], MaybeAwaitable] | None = None


@dataclass(frozen=True)
class _Notification:
    kind: str  # "add" | "update" | "delete"
    old: Any
    new: Any
    initial: bool = False


class HandlerRegistration:
    """One handler's buffer and delivery task; ``has_synced()`` is per handler."""

    def __init__(self, handler: ResourceEventHandler, resync_period: float) -> None:
        self.handler = handler
        self.resync_period = resync_period
        self._buffer: deque[_Notification] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pending_initial = 0
        self._synced_source: Callable[[], bool] = lambda: False
        self._busy = False
        self.next_resync = 0.0
        self.removed = False

    def has_synced(self) -> bool:
        return self._synced_source() and self._pending_initial == 0

    @property
    def idle(self) -> bool:
        """Nothing buffered and no callback running."""
        return not self._buffer and not self._busy

    def _push(self, n: _Notification) -> None:
        if self.removed:
            return
        if n.initial:
            self._pending_initial += 1
        self._buffer.append(n)
        self._wake.set()

    async def _run(self) -> None:
        while not self.removed:
            while not self._buffer:
                self._wake.clear()
                await self._wake.wait()
                if self.removed:
                    return
            n = self._buffer.popleft()
            self._busy = True
            try:
                await self._deliver(n)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event handler failed on %s", n.kind)
                await asyncio.sleep(1.0)  # as client-go pauses after a handler panic
            finally:
                self._busy = False
                if n.initial:
                    self._pending_initial -= 1

    async def _deliver(self, n: _Notification) -> None:
        h = self.handler
        result: Any = None
        if n.kind == "add" and h.on_add is not None:
            result = h.on_add(n.new, n.initial)
        elif n.kind == "update" and h.on_update is not None:
            result = h.on_update(n.old, n.new)
        elif n.kind == "delete" and h.on_delete is not None:
            result = h.on_delete(n.old)
        if inspect.isawaitable(result):
            await result


def _rv(obj: Any) -> str:
    if isinstance(obj, DeletedFinalStateUnknown):
        obj = obj.obj
    return str((obj.get("metadata") or {}).get("resourceVersion", ""))


class SharedIndexInformer:
    def __init__(
        self,
        lw: ListerWatcher,
        *,
        kind: str = "",
        api_version: str = "",
        resync_period: float = 0.0,
        indexers: dict[str, IndexFunc] | None = None,
        use_watch_list: bool = False,
        clock: Clock | None = None,
        name: str = "",
    ) -> None:
        self.lw = lw
        self.kind = kind
        self.api_version = api_version
        self.resync_period = resync_period
        self.clock = clock or RealClock()
        self.name = name or kind or "informer"
        self.indexer = Indexer(indexers=indexers) if indexers else Indexer()
        self.use_watch_list = use_watch_list
        self._transform: Callable[[Obj], Obj] | None = None
        self._watch_error_handler: Callable[[Reflector, BaseException], None] | None = None
        self._handlers: list[HandlerRegistration] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._stopped = False
        self._processing = False
        self.fifo: RealFIFO | None = None
        self.reflector: Reflector | None = None

    # -- configuration (before start) -------------------------------------------------------
    def set_transform(self, fn: Callable[[Obj], Obj]) -> None:
        """Trim objects before they are cached (e.g. drop managedFields); only before start."""
        if self._started:
            raise RuntimeError("informer has already started")
        self._transform = fn

    def set_watch_error_handler(self, fn: Callable[[Reflector, BaseException], None]) -> None:
        if self._started:
            raise RuntimeError("informer has already started")
        self._watch_error_handler = fn

    def add_indexers(self, indexers: dict[str, IndexFunc]) -> None:
        self.indexer.add_indexers(indexers)

    # -- handlers -----------------------------------------------------------------------------
    def add_event_handler(
        self,
        handler: ResourceEventHandler | None = None,
        *,
        on_add: Callable[[Obj, bool], MaybeAwaitable] | None = None,
        on_update: Callable[[Obj, Obj], MaybeAwaitable] | None = None,
        on_delete: Callable[[Any], MaybeAwaitable] | None = None,
        resync_period: float | None = None,
    ) -> HandlerRegistration:
        handler = handler or ResourceEventHandler(on_add, on_update, on_delete)
        period = self.resync_period if resync_period is None else resync_period
        if period and self.resync_period:
            period = max(period, self.resync_period, 1.0)
        elif not self.resync_period:
            period = 0.0
        reg = HandlerRegistration(handler, period)
        reg._synced_source = self.has_synced
        reg.next_resync = self.clock.now() + period if period else 0.0
        self._handlers.append(reg)
        if self._started:
            for obj in self.indexer.list():
                reg._push(_Notification("add", None, obj, initial=True))
            reg._task = asyncio.create_task(reg._run())
        return reg

    def remove_event_handler(self, reg: HandlerRegistration) -> None:
        """Idempotent; a registration from another informer is ignored."""
        if reg not in self._handlers:
            return
        self._handlers.remove(reg)
        reg.removed = True
        reg._wake.set()
        if reg._task is not None:
            reg._task.cancel()

    # -- state -----------------------------------------------------------------------------------
    def has_synced(self) -> bool:
        return self.fifo is not None and self.fifo.has_synced()

    @property
    def last_sync_resource_version(self) -> str:
        return self.reflector.last_sync_resource_version if self.reflector else ""

    def quiescent(self) -> bool:
        """Nothing queued in the FIFO, nothing being processed, every handler idle."""
        return (
            self.fifo is not None
            and len(self.fifo) == 0
            and not self._processing
            and all(h.idle for h in self._handlers)
        )

    def get_store(self) -> Indexer:
        return self.indexer

    # -- running ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Start list+watch and delivery in the background (idempotent)."""
        if self._started:
            return
        self._started = True
        self.fifo = RealFIFO(known_objects=self.indexer, transformer=self._transform)
        self.reflector = Reflector(
            self.lw,
            self.fifo,
            name=self.name,
            expected_kind=self.kind,
            expected_api_version=self.api_version,
            use_watch_list=self.use_watch_list,
            clock=self.clock,
            watch_error_handler=self._watch_error_handler,
        )
        for reg in self._handlers:
            reg._task = asyncio.create_task(reg._run())
        self._tasks = [
            asyncio.create_task(self.reflector.run(), name=f"{self.name}-reflector"),
            asyncio.create_task(self._process_loop(), name=f"{self.name}-process"),
        ]
        if self.resync_period:
            self._tasks.append(asyncio.create_task(self._resync_loop()))

    async def wait_for_sync(self, timeout: float | None = None) -> bool:
        async def wait() -> None:
            while not self.has_synced():
                await asyncio.sleep(0.005)

        try:
            await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.reflector is not None:
            await self.reflector.stop()
        if self.fifo is not None:
            self.fifo.close()
        tasks = self._tasks + [h._task for h in self._handlers if h._task is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def __aenter__(self) -> SharedIndexInformer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- internals ----------------------------------------------------------------------------
    async def _process_loop(self) -> None:
        assert self.fifo is not None
        while True:
            try:
                await self.fifo.pop(self._handle_delta)
            except FIFOClosed:
                return

    def _handle_delta(self, delta: Delta, initial: bool) -> None:
        self._processing = True
        try:
            obj = delta.object
            if delta.type == DeltaType.DELETED:
                # Handlers get the delta's object: the final state the watch reported, or a
                # DeletedFinalStateUnknown carrying the last cached state after a relist.
                self.indexer.delete(obj)
                self._distribute(_Notification("delete", obj, None))
                return
            old = self.indexer.get(obj)
            self.indexer.update(obj)
            if old is None:
                self._distribute(_Notification("add", None, obj, initial=initial))
            elif delta.type == DeltaType.SYNC or (
                delta.type == DeltaType.REPLACED and _rv(old) == _rv(obj)
            ):
                self._distribute(_Notification("update", old, obj), resync=True)
            else:
                self._distribute(_Notification("update", old, obj))
        finally:
            self._processing = False

    def _distribute(self, n: _Notification, *, resync: bool = False) -> None:
        now = self.clock.now()
        for reg in self._handlers:
            if resync and not (reg.resync_period and now >= reg.next_resync - 1e-9):
                continue
            reg._push(n)

    async def _resync_loop(self) -> None:
        assert self.fifo is not None
        check = max(self.resync_period, 1.0)
        while True:
            await self.clock.sleep(check)
            now = self.clock.now()
            due = [h for h in self._handlers if h.resync_period and now >= h.next_resync]
            if not due:
                continue
            self.fifo.resync()
            # Deliveries of this resync go to the due handlers (checked in _distribute);
            # their next deadline moves once the Sync deltas are queued.
            await asyncio.sleep(0)
            while len(self.fifo):
                await asyncio.sleep(0.001)
            for h in due:
                h.next_resync = now + h.resync_period
