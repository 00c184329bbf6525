"""The work queue: deduplicating, and never handing one item to two workers (client-go
``util/workqueue/queue.go``).

An item added while queued is not queued twice (the *dirty* set); an item added while a
worker holds it is queued again only when that worker calls :meth:`Queue.done` (the
*processing* set). Controllers rely on both: bursts of events for one object collapse into
one reconcile, and a reconcile never races with itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["Queue", "ShutDown"]

T = TypeVar("T", bound=Hashable)


class ShutDown(Exception):
    """Raised by :meth:`Queue.get` once the queue is shut down and drained."""


class Queue(Generic[T]):
    """Deduplicating FIFO of work items; ``get``/``done`` bracket one item's processing."""

    def __init__(self) -> None:
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        self._shutting_down = False
        self._getters: deque[asyncio.Future[None]] = deque()
        self._drained: list[asyncio.Future[None]] = []

    def add(self, item: T) -> None:
        """Queue ``item`` unless it is already queued; ignored after shutdown."""
        if self._shutting_down or item in self._dirty:
            return
        self._dirty.add(item)
        if item in self._processing:
            return  # queued again by done()
        self._queue.append(item)
        self._wake_one()

    def __len__(self) -> int:
        return len(self._queue)

    async def get(self) -> T:
        """The next item; the caller must call :meth:`done` with it. Raises ShutDown."""
        while not self._queue:
            if self._shutting_down:
                raise ShutDown
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._getters.append(fut)
            try:
                await fut
            except asyncio.CancelledError:
                if fut.done() and not fut.cancelled():
                    self._wake_one()  # pass the wake-up on
                raise
        item = self._queue.popleft()
        self._processing.add(item)
        self._dirty.discard(item)
        return item

    def done(self, item: T) -> None:
        """Release ``item``; if it was added meanwhile, it is queued again now."""
        self._processing.discard(item)
        if item in self._dirty:
            self._queue.append(item)
            self._wake_one()
        if not self._processing:
            for fut in self._drained:
                if not fut.done():
                    fut.set_result(None)
            self._drained.clear()

    def shut_down(self) -> None:
        """Stop accepting items; workers drain what is queued, then get ShutDown."""
        self._shutting_down = True
        while self._getters:
            fut = self._getters.popleft()
            if not fut.done():
                fut.set_result(None)

    async def shut_down_with_drain(self) -> None:
        """Shut down, then wait until every item handed out to a worker is marked done.

        Items still queued are not waited for (workers may keep draining them), exactly as
        client-go's ``ShutDownWithDrain``.
        """
        self.shut_down()
        while self._processing:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._drained.append(fut)
            await fut

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being processed."""
        return not self._queue and not self._processing

    def _wake_one(self) -> None:
        while self._getters:
            fut = self._getters.popleft()
            if not fut.done():
                fut.set_result(None)
                return
