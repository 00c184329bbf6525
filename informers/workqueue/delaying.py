"""A queue whose items can become ready later (client-go ``delaying_queue.go``).

``add_after(item, d)`` keeps one pending entry per item with the *earliest* ready time, so
repeated requests to retry later never pile up; a background task moves due items into
the queue, driven by an injected clock so tests control time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Hashable
from typing import TypeVar

from informers.clock import Clock, RealClock
from informers.workqueue.queue import Queue

__all__ = ["DelayingQueue"]

T = TypeVar("T", bound=Hashable)


class DelayingQueue(Queue[T]):
    """A :class:`Queue` plus ``add_after``: items that become ready later."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__()
        self.clock = clock or RealClock()
        self._heap: list[tuple[float, int, T]] = []
        self._ready_at: dict[T, float] = {}
        self._seq = itertools.count()
        self._kick = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    def add_after(self, item: T, delay: float) -> None:
        if self.shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        at = self.clock.now() + delay
        current = self._ready_at.get(item)
        if current is not None and current <= at:
            return  # the earlier time wins
        self._ready_at[item] = at
        heapq.heappush(self._heap, (at, next(self._seq), item))
        self._ensure_loop()
        self._kick.set()

    @property
    def waiting(self) -> int:
        """Items scheduled for later."""
        return len(self._ready_at)

    @property
    def idle(self) -> bool:
        """Nothing queued, nothing being processed, nothing scheduled for later."""
        return super().idle and not self._ready_at

    def shut_down(self) -> None:
        super().shut_down()
        if self._loop_task is not None:
            self._loop_task.cancel()

    def _ensure_loop(self) -> None:
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.get_running_loop().create_task(self._waiting_loop())

    def _release_due(self) -> None:
        now = self.clock.now()
        while self._heap and self._heap[0][0] <= now:
            at, _, item = heapq.heappop(self._heap)
            if self._ready_at.get(item) == at:  # stale heap entries are skipped
                del self._ready_at[item]
                self.add(item)

    async def _waiting_loop(self) -> None:
        while not self.shutting_down:
            self._release_due()
            self._kick.clear()
            if not self._heap:
                await self._kick.wait()
                continue
            sleep = asyncio.ensure_future(self.clock.sleep(self._heap[0][0] - self.clock.now()))
            kick = asyncio.ensure_future(self._kick.wait())
            try:
                await asyncio.wait({sleep, kick}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleep.cancel()
                kick.cancel()
