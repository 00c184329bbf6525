"""The reflector's backoff between failed rounds (``wait.NewExponentialBackoffManager``).

client-go waits 0.8 s after a failed list/watch round, doubling each time with a jitter of
up to one more delay, capped at 30 s (so waits settle in [30, 60) s, ~0.22 requests/s
against a sick server), and starts over at 0.8 s once no backoff was needed for two
minutes. Time comes from the injected clock, so tests step through it without sleeping.
"""

from __future__ import annotations

import random

from informers.clock import Clock

__all__ = ["BackoffManager"]


class BackoffManager:
    """Exponential backoff with jitter and a reset after a healthy stretch."""

    def __init__(
        self,
        clock: Clock,
        *,
        initial: float = 0.8,
        cap: float = 30.0,
        reset_after: float = 120.0,
        factor: float = 2.0,
        jitter: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock
        self.initial = initial
        self.cap = cap
        self.reset_after = reset_after
        self.factor = factor
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._duration = initial
        self._last_start: float | None = None
        #: True while :meth:`wait` sleeps; ``waits`` counts the waits begun (tests, metrics).
        self.waiting = False
        self.waits = 0

    def next_delay(self) -> float:
        """The next wait: the current step plus jitter; a quiet spell resets the steps."""
        now = self.clock.now()
        if self._last_start is not None and now - self._last_start > self.reset_after:
            self._duration = self.initial
        self._last_start = now
        delay = self._duration
        self._duration = min(self._duration * self.factor, self.cap)
        if self.jitter > 0:
            delay += self._rng.random() * self.jitter * delay
        return delay

    async def wait(self, at_least: float = 0.0) -> None:
        """Sleep the next delay (or ``at_least``, if longer) on the clock."""
        self.waiting = True
        self.waits += 1
        try:
            await self.clock.sleep(max(self.next_delay(), at_least))
        finally:
            self.waiting = False
