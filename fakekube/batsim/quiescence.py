"""The quiescence gate: a simulated step ends when the scheduler is provably idle.

A wall-clock pause per step (what earlier attempts did) makes results depend on machine
load: the same trace gave mean waits from 747 s to 3197 s. Here a step is closed only when

1. every watch event the step produced has been written to every watcher's socket,
2. no (non-watch) API request is in flight,
3. the scheduler's own idle probe says it has consumed everything and has nothing to do;
   a BOOKMARK at the step's resourceVersion is sent first, so a probe can prove its
   informers have seen the whole step rather than guess,

and all three hold on consecutive polls with no write in between. Only when no probe is
available does a settle window (quiet for ``settle`` seconds) close the step, and every
such use is counted so results can say how many steps were closed by a guess.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from fakekube.api.state import Recorder
from fakekube.store import Store
from fakekube.watch import Watcher

__all__ = ["IdleProbe", "Quiescence", "SchedulerStuck"]


class SchedulerStuck(RuntimeError):
    """The scheduler never became idle (or died); the message says which condition held out."""


class IdleProbe(Protocol):
    """A scheduler-specific view of "nothing left to do".

    A probe may also offer ``busy_reasons(barrier_rv) -> list[str]``: when a step times
    out, its answer goes into the error so the user learns what held out; and a
    ``stable_polls`` attribute, how many consecutive idle answers close a step (a probe
    that already compares successive readings needs only one).
    """

    async def idle(self, barrier_rv: int) -> bool:
        """True when every event up to ``barrier_rv`` is processed and no work is queued."""
        ...

    def check_alive(self) -> None:
        """Raise :class:`SchedulerStuck` if the scheduler is gone (a dead process)."""
        ...


class Quiescence:
    def __init__(
        self,
        store: Store,
        recorder: Recorder,
        probe: IdleProbe | None = None,
        *,
        settle: float = 0.05,
        poll: float = 0.0005,
        stable_polls: int = 2,
        busy_poll_max: float = 0.02,
        timeout: float = 300.0,
        alive: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.recorder = recorder
        self.probe = probe
        self.settle = settle
        self.poll = poll
        self.stable_polls = stable_polls
        #: While the probe keeps answering "busy", polls slow down to a tenth of the time
        #: it has been busy, up to this: asking a busy kube-scheduler for /metrics in a
        #: tight loop takes CPU from the scheduling it is busy with, while a step that
        #: ends quickly is still seen within ``poll``.
        self.busy_poll_max = busy_poll_max
        self.timeout = timeout
        self.alive = alive or (probe.check_alive if probe is not None else lambda: None)
        #: Steps closed by the settle window instead of a probe.
        self.fallbacks = 0
        #: Steps closed in total.
        self.steps = 0

    def _flushed(self) -> bool:
        return all(w.pending == 0 for w in self.store.watchers())

    def _barrier(self, rv: int, sent: set[Watcher]) -> bool:
        """Bookmark at ``rv`` every watch not yet bookmarked there; True if any was.

        Watches opened since the last call count too: a reflector that re-watches
        mid-step would otherwise only learn it is caught up at the next periodic
        bookmark, a minute of wall time later.
        """
        queued = False
        for w in self.store.watchers():
            if w.allow_bookmarks and not w.closed and w not in sent:
                w.bookmark(rv)
                sent.add(w)
                queued = True
        return queued

    async def wait(self) -> None:
        """Return once the scheduler is idle; raise :class:`SchedulerStuck` on timeout."""
        self.steps += 1
        self.alive()
        if self.probe is None:
            await self._settle()
            return
        deadline = time.monotonic() + self.timeout
        barrier = -1
        # Watches bookmarked at `barrier`, held (not their ids) so that a closed watch's
        # id reused by its successor cannot pass for an already bookmarked one.
        sent: set[Watcher] = set()
        stable = 0
        reason = "watch events not yet flushed"
        busy_since: float | None = None
        while True:
            pause = self.poll
            rv = self.store.resource_version
            if barrier != rv:
                barrier, stable = rv, 0
                sent.clear()
            if self._barrier(rv, sent):
                stable, reason = 0, "barrier bookmarks not yet flushed"
            elif not self._flushed():
                stable, reason = 0, "watch events not yet flushed"
            elif self.recorder.in_flight:
                stable, reason = 0, f"{self.recorder.in_flight} API request(s) in flight"
            elif not await self.probe.idle(rv):
                stable, reason = 0, "the scheduler reports work in progress"
                now = time.monotonic()
                busy_since = now if busy_since is None else busy_since
                pause = min(self.busy_poll_max, max(self.poll, (now - busy_since) / 10))
            elif self.store.resource_version == rv and not self.recorder.in_flight:
                busy_since = None
                stable += 1
                if stable >= self.stable_polls:
                    return
            self.alive()
            if time.monotonic() > deadline:
                detail = ""
                if reason.startswith("the scheduler") and hasattr(self.probe, "busy_reasons"):
                    detail = "; ".join(self.probe.busy_reasons(rv))
                raise SchedulerStuck(
                    f"scheduler not idle after {self.timeout:g}s: {reason}"
                    + (f" ({detail})" if detail else "")
                    + f" at resourceVersion {self.store.resource_version}"
                )
            await asyncio.sleep(pause)

    async def _settle(self) -> None:
        """No probe: wait until nothing changed for ``settle`` seconds (counted)."""
        self.fallbacks += 1
        deadline = time.monotonic() + self.timeout
        while True:
            rv, count = self.store.resource_version, self.recorder.served
            quiet_since = time.monotonic()
            while time.monotonic() - quiet_since < self.settle:
                await asyncio.sleep(min(self.poll * 10, self.settle / 5))
                if (
                    self.store.resource_version != rv
                    or self.recorder.served != count
                    or self.recorder.in_flight
                    or not self._flushed()
                ):
                    break
            else:
                self.alive()
                return
            self.alive()
            if time.monotonic() > deadline:
                raise SchedulerStuck(f"API activity did not settle within {self.timeout:g}s")
