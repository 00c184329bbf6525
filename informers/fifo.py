"""RealFIFO: the reflector's output queue, in watch order (client-go ``the_real_fifo.go``).

Unlike the older DeltaFIFO, which grouped deltas per key, RealFIFO keeps every delta as
its own entry in arrival order, so handlers see events across keys in the order the API
server produced them. This is the default since client-go 0.33 (``InOrderInformers``) and
the order a scheduler's correctness arguments assume.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from informers.store import DeletedFinalStateUnknown, KeyFunc, meta_namespace_key_func

__all__ = ["Delta", "DeltaType", "FIFOClosed", "KnownObjects", "RealFIFO"]


class DeltaType(StrEnum):
    ADDED = "Added"
    UPDATED = "Updated"
    DELETED = "Deleted"
    REPLACED = "Replaced"
    SYNC = "Sync"


@dataclass(frozen=True)
class Delta:
    type: DeltaType
    object: Any  # dict, or DeletedFinalStateUnknown for inferred deletions


class FIFOClosed(Exception):
    """Raised by :meth:`RealFIFO.pop` once the queue is closed and empty."""


class KnownObjects(Protocol):
    """What the FIFO needs from the informer's cache to infer deletions and resync."""

    def list_keys(self) -> list[str]: ...

    def get_by_key(self, key: str) -> dict[str, Any] | None: ...


class RealFIFO:
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

    # -- producer side (the reflector) -----------------------------------------------------
    def add(self, obj: Any) -> None:
        self._append(DeltaType.ADDED, obj)

    def update(self, obj: Any) -> None:
        self._append(DeltaType.UPDATED, obj)

    def delete(self, obj: Any) -> None:
        self._append(DeltaType.DELETED, obj)

    def replace(self, objs: list[Any], resource_version: str = "") -> None:
        """A relist: inferred deletions for vanished keys, then one Replaced per object.

        A key counts as vanished if the cache or the queue knows it and the list does not;
        its deletion carries the last known state wrapped in DeletedFinalStateUnknown. A key
        whose newest queued delta is already a deletion gets no second one.
        """
        new_keys = {self.key_func(o) for o in objs}
        queued_last: dict[str, Delta] = {}
        for d in self._items:
            queued_last[self.key_func(d.object)] = d
        deletions: list[Delta] = []
        seen: set[str] = set()
        for key, d in queued_last.items():
            if key in new_keys or d.type == DeltaType.DELETED:
                continue
            seen.add(key)
            obj = d.object.obj if isinstance(d.object, DeletedFinalStateUnknown) else d.object
            deletions.append(Delta(DeltaType.DELETED, DeletedFinalStateUnknown(key, obj)))
        if self.known_objects is not None:
            for key in self.known_objects.list_keys():
                if key in new_keys or key in seen:
                    continue
                last = queued_last.get(key)
                if last is not None and last.type == DeltaType.DELETED:
                    continue
                known = self.known_objects.get_by_key(key)
                if known is None:
                    continue
                deletions.append(Delta(DeltaType.DELETED, DeletedFinalStateUnknown(key, known)))
        for d in deletions:
            self._items.append(d)
        for obj in objs:
            self._items.append(Delta(DeltaType.REPLACED, self._transform(obj)))
        if not self._populated:
            self._populated = True
            self._initial_population = len(objs) + len(deletions)
        self._wake.set()

    def resync(self) -> None:
        """A Sync delta for every cached object that has nothing queued."""
        if self.known_objects is None:
            return
        queued = {self.key_func(d.object) for d in self._items}
        for key in self.known_objects.list_keys():
            if key in queued:
                continue
            obj = self.known_objects.get_by_key(key)
            if obj is not None:
                self._items.append(Delta(DeltaType.SYNC, obj))
        self._wake.set()

    # -- consumer side (the informer) ------------------------------------------------------
    async def pop(self, process: Callable[[Delta, bool], Awaitable[None] | None]) -> Delta:
        """Wait for the oldest delta and hand it to ``process(delta, is_in_initial_list)``."""
        while not self._items:
            if self._closed:
                raise FIFOClosed
            self._wake.clear()
            await self._wake.wait()
        delta = self._items.popleft()
        initial = self._initial_population > 0
        try:
            result = process(delta, initial)
            if result is not None:
                await result
        finally:
            # Counted only once processed, so has_synced() never runs ahead of the cache.
            if initial:
                self._initial_population -= 1
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
        self._populated = True
        if dtype != DeltaType.DELETED:
            obj = self._transform(obj)
        self._items.append(Delta(dtype, obj))
        self._wake.set()

    def _transform(self, obj: Any) -> Any:
        if self.transformer is None or isinstance(obj, DeletedFinalStateUnknown):
            return obj
        return self.transformer(obj)
