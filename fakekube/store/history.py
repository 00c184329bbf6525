"""Per-resource change history with etcd-like compaction, and past states rebuilt from it.

kube-apiserver answers a watch from resourceVersion N with exactly the events after N,
or 410 Expired once those events are compacted away; an exact LIST at N (and every page
of a paginated list) shows the state as of N. Both come from this log: a bounded window
of :class:`Event` (by count and by age) plus ``compacted_rv``, the highest version whose
events may be gone.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator

from fakekube.store.entry import ADDED, Entry, Event

__all__ = ["History", "Snapshot"]


class Snapshot:
    """The objects of one resource as of one resourceVersion, in key order."""

    __slots__ = ("entries", "keys", "rv")

    def __init__(self, rv: int, entries: dict[str, Entry]) -> None:
        self.rv = rv
        self.entries = entries
        self.keys = sorted(entries)


class History:
    """The event log of one resource."""

    def __init__(
        self,
        *,
        max_events: int,
        max_age: float | None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_events = max_events
        self.max_age = max_age
        self.compacted_rv = 0
        self._events: deque[Event] = deque()
        self._monotonic = monotonic
        self._snapshots: OrderedDict[int, Snapshot] = OrderedDict()

    def append(self, event: Event) -> None:
        event.time = self._monotonic()
        self._events.append(event)
        self._trim()

    def _trim(self) -> None:
        events = self._events
        while len(events) > self.max_events:
            self.compacted_rv = events.popleft().rv
        if self.max_age is not None and events:
            horizon = self._monotonic() - self.max_age
            while events and events[0].time < horizon:
                self.compacted_rv = events.popleft().rv

    def compact(self, rv: int) -> None:
        """Forget every event at or below ``rv`` (an etcd compaction)."""
        self._trim()
        while self._events and self._events[0].rv <= rv:
            self._events.popleft()
        self.compacted_rv = max(self.compacted_rv, rv)
        for snap_rv in [r for r in self._snapshots if r < self.compacted_rv]:
            del self._snapshots[snap_rv]

    def available(self, rv: int) -> bool:
        """Whether every event after ``rv`` is still known."""
        self._trim()
        return rv >= self.compacted_rv

    def since(self, rv: int) -> Iterator[Event]:
        """Events strictly after ``rv``, oldest first (caller checked :meth:`available`)."""
        events = self._events
        # Events are in rv order: skip from the right end when the tail is short.
        if not events or events[-1].rv <= rv:
            return iter(())
        lo, hi = 0, len(events)
        while lo < hi:
            mid = (lo + hi) // 2
            if events[mid].rv <= rv:
                lo = mid + 1
            else:
                hi = mid
        return (events[i] for i in range(lo, len(events)))

    def snapshot(self, rv: int, current: dict[str, Entry], current_rv: int) -> Snapshot:
        """The state at ``rv``: the current objects with every later event undone.

        Cached (a few per resource) because every page of a paginated LIST asks for the
        same version.
        """
        snap = self._snapshots.get(rv)
        if snap is not None:
            self._snapshots.move_to_end(rv)
            return snap
        entries = dict(current)
        if rv < current_rv:
            for event in reversed(list(self.since(rv))):
                if event.type == ADDED or event.prev is None:
                    entries.pop(event.entry.key, None)
                else:
                    entries[event.entry.key] = event.prev
        snap = Snapshot(rv, entries)
        self._snapshots[rv] = snap
        while len(self._snapshots) > 4:
            self._snapshots.popitem(last=False)
        return snap

    def __len__(self) -> int:
        return len(self._events)
