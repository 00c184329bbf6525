"""Injectable time, so queues, backoff and resync are tested without real sleeps.

client-go passes a ``clock.Clock`` into the delaying queue, the reflector's backoff and
the resync loop (k8s.io/utils/clock). Here the same role is played by :class:`Clock`:
``now()`` for monotonic time and ``sleep()`` for waiting. :class:`FakeClock` only moves
when a test calls :meth:`FakeClock.step`, waking exactly the sleepers that are due.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "RealClock"]


class Clock(Protocol):
    """Monotonic seconds and an awaitable sleep."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    """The event loop's clock."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that stands still until :meth:`step` (or :meth:`set`) moves it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), fut))
        await fut

    def has_waiters(self) -> bool:
        return any(not f.done() for _, _, f in self._sleepers)

    def next_deadline(self) -> float | None:
        live = [t for t, _, f in self._sleepers if not f.done()]
        return min(live) if live else None

    def step(self, seconds: float) -> None:
        """Advance time and wake every sleeper whose deadline has passed."""
        self.set(self._now + seconds)

    def set(self, when: float) -> None:
        self._now = max(self._now, when)
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)
