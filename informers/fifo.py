"""RealFIFO: the reflector's output queue, in watch order (client-go ``the_real_fifo.go``).

Unlike the older DeltaFIFO, which grouped deltas per key, RealFIFO keeps every delta as
its own entry in arrival order, so handlers see events across keys in the order the API
server produced them. It is the only FIFO since client-go 0.36 (``InOrderInformers``)
and the order a scheduler's correctness arguments assume.

A relist (:meth:`RealFIFO.replace`) queues the inferred deletions first, each as a
:class:`~informers.store.DeletedFinalStateUnknown` carrying the newest state known, then
one ``Replaced`` per listed object in list order: the order 0.36's atomic ``ReplacedAll``
delivers too (all deletes, then the adds and updates).

The consumer drains it in batches (:meth:`RealFIFO.pop_batch`, client-go's ``PopBatch``):
one wake-up per burst of events instead of one per event, which is most of the cost of
an asyncio hand-off.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from informers.store import DeletedFinalStateUnknown, KeyFunc, meta_namespace_key_func

__all__ = ["Delta", "DeltaType", "FIFOClosed", "KnownObjects", "RealFIFO"]


class DeltaType(StrEnum):
    """What happened to an object (client-go ``DeltaType``)."""

    ADDED = "Added"
    UPDATED = "Updated"
    DELETED = "Deleted"
    REPLACED = "Replaced"
    SYNC = "Sync"


class Delta(NamedTuple):
    """One change: its type and the object (or a DeletedFinalStateUnknown)."""

    type: DeltaType
    object: Any


class FIFOClosed(Exception):
    """Raised by :meth:`RealFIFO.wait` once the queue is closed and empty."""


class KnownObjects(Protocol):
    """What the FIFO needs from the informer's cache to infer deletions and resync."""

    def list_keys(self) -> list[str]: ...

    def get_by_key(self, key: str) -> Any | None: ...


#: ``process(delta, is_in_initial_list)``
ProcessFunc = Callable[[Delta, bool], None]

_ADDED, _UPDATED, _DELETED = DeltaType.ADDED, DeltaType.UPDATED, DeltaType.DELETED
_REPLACED, _SYNC = DeltaType.REPLACED, DeltaType.SYNC
# Delta(t, o) goes through a Python-level __new__; this is the same tuple, built in C.
_new_delta = tuple.__new__


class RealFIFO:
    """Deltas in arrival order, from the reflector to the informer's processing task."""

    def __init__(
        self,
        *,
        key_func: KeyFunc = meta_namespace_key_func,
        known_objects: KnownObjects | None = None,
        transformer: Callable[[Any], Any] | None = None,
    ) -> None:
        self.key_func = key_func
        self.known_objects = known_objects
        self.transformer = transformer
        self._items: deque[Delta] = deque()
        self._populated = False
        self._initial_population = 0
        self._closed = False
        self._wake = asyncio.Event()
        #: Set once :meth:`has_synced` turns true, for waiters that want no polling.
        self.synced = asyncio.Event()

    # -- producer side (the reflector) -----------------------------------------------------
    def add(self, obj: Any) -> None:
        self._append(_ADDED, obj)

    def update(self, obj: Any) -> None:
        self._append(_UPDATED, obj)

    def delete(self, obj: Any) -> None:
        self._append(_DELETED, obj)

    def replace(self, objs: list[Any], resource_version: str = "") -> None:
        """A relist: inferred deletions for vanished keys, then one Replaced per object.

        A key counts as vanished if the queue or the cache knows it and the list does not.
        Its deletion carries the newest state known (the last queued one, else the cached
        one); a key whose newest queued delta is already a deletion gets no second one.
        """
        if self._closed:
            return
        key_func = self.key_func
        new_keys = {key_func(o) for o in objs}
        last_queued: dict[str, Delta] = {}
        for d in self._items:
            last_queued[key_func(d.object)] = d
        items = self._items
        for key, d in last_queued.items():
            if key in new_keys or d.type == _DELETED:
                continue
            # Queued objects went through the transformer already: no second pass.
            obj = d.object.obj if isinstance(d.object, DeletedFinalStateUnknown) else d.object
            items.append(Delta(_DELETED, DeletedFinalStateUnknown(key, obj)))
        if self.known_objects is not None:
            for key in self.known_objects.list_keys():
                if key in new_keys or key in last_queued:
                    continue
                known = self.known_objects.get_by_key(key)
                items.append(Delta(_DELETED, DeletedFinalStateUnknown(key, known)))
        transform = self.transformer
        for obj in objs:
            items.append(Delta(_REPLACED, transform(obj) if transform else obj))
        if not self._populated:
            self._populated = True
            self._initial_population = len(items)
            if not items:
                self.synced.set()
        self._wake.set()

    def resync(self) -> None:
        """A Sync delta for every cached object that has nothing queued."""
        if self.known_objects is None or self._closed:
            return
        queued = {self.key_func(d.object) for d in self._items}
        for key in self.known_objects.list_keys():
            if key in queued:
                # A queued change is newer than the cached state: syncing the old one
                # would move handlers back in time.
                continue
            obj = self.known_objects.get_by_key(key)
            if obj is not None:
                self._items.append(Delta(_SYNC, obj))
        self._wake.set()

    # -- consumer side (the informer) ------------------------------------------------------
    async def wait(self) -> None:
        """Return once a delta is queued; raise :class:`FIFOClosed` if closed and empty."""
        while not self._items:
            if self._closed:
                raise FIFOClosed
            self._wake.clear()
            await self._wake.wait()

    def pop_batch(self, process: ProcessFunc, limit: int = 1000) -> int:
        """Hand up to ``limit`` queued deltas, oldest first, to ``process(delta, initial)``.

        ``initial`` says the delta belongs to the first list. A delta counts as popped only
        once ``process`` returned, so :meth:`has_synced` never runs ahead of the cache.
        Returns how many were processed.
        """
        items = self._items
        n = 0
        while items and n < limit:
            delta = items.popleft()
            n += 1
            if self._initial_population > 0:
                try:
                    process(delta, True)
                finally:
                    self._initial_population -= 1
                    if self._initial_population == 0:
                        self.synced.set()
            else:
                process(delta, False)
        return n

    async def pop(self, process: ProcessFunc) -> Delta:
        """Wait for the oldest delta and hand it to ``process``; return it."""
        await self.wait()
        delta = self._items[0]
        self.pop_batch(process, 1)
        return delta

    def has_synced(self) -> bool:
        """True once the first list (or first event) has been fully popped and processed."""
        return self._populated and self._initial_population == 0

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._items)

    def list_keys(self) -> list[str]:
        return list(dict.fromkeys(self.key_func(d.object) for d in self._items))

    # -- internals ---------------------------------------------------------------------------
    def _append(self, dtype: DeltaType, obj: Any) -> None:
        if self._closed:
            return
        if not self._populated:
            self._populated = True
            if self._initial_population == 0:
                self.synced.set()
        if self.transformer is not None and not isinstance(obj, DeletedFinalStateUnknown):
            obj = self.transformer(obj)
        self._items.append(_new_delta(Delta, (dtype, obj)))
        if not self._wake.is_set():
            self._wake.set()
