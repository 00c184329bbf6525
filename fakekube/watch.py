"""Watch fan-out: one bounded buffer per watcher, filled synchronously by the store.

The store calls :meth:`Watcher.offer` inside the write that produced the event, so every
watcher sees events in resourceVersion order with no task switch in between. Offering
never blocks and never awaits: a watcher that falls more than ``max_backlog`` frames
behind is closed (kube-apiserver's cacher does the same to slow watchers) instead of
making memory grow or slowing the writer and the other watchers down.

Frames are the bytes built once per event (:meth:`Event.frame`); a watcher only chooses
which of ADDED/MODIFIED/DELETED it needs given its selectors.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from fakekube.store.entry import ADDED, BOOKMARK, DELETED, MODIFIED, Entry, Event, object_frame

if TYPE_CHECKING:
    from fakekube.registry import ResourceType
    from fakekube.selectors import FieldSelector, LabelSelector

__all__ = ["Watcher", "bookmark_object"]

INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def bookmark_object(rt: ResourceType, rv: int, *, initial_events_end: bool = False) -> dict:
    """A BOOKMARK's object: kind, apiVersion and nothing but the resourceVersion."""
    meta: dict = {"resourceVersion": str(rv)}
    if initial_events_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    return {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}


class Watcher:
    """One client watch: a filter, a bounded buffer of frames, and a wake-up."""

    def __init__(
        self,
        rt: ResourceType,
        *,
        namespace: str | None,
        label_selector: LabelSelector,
        field_selector: FieldSelector,
        max_backlog: int,
        on_close: Callable[[Watcher], None] | None = None,
    ) -> None:
        self.rt = rt
        self.namespace = namespace or None
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.max_backlog = max_backlog
        self.allow_bookmarks = False
        #: Whether the watch began with the current state (``sendInitialEvents``).
        self.send_initial_events = False
        #: Highest resourceVersion whose events have all been offered to this watcher.
        self.rv = 0
        #: Events at or below this version are not delivered: a watch from a version
        #: the store has not reached yet waits for it (the cacher's ``process`` does so).
        self.floor = 0
        self.overflowed = False
        self.closed = False
        self._buffer: deque[bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._on_close = on_close
        self._writing = 0
        self._selects_all = label_selector.empty() and field_selector.empty()

    # -- filtering -------------------------------------------------------------------
    def matches(self, entry: Entry) -> bool:
        if self.namespace is not None and entry.namespace != self.namespace:
            return False
        if self._selects_all:
            return True
        if not self.label_selector.empty() and not self.label_selector.matches(entry.labels):
            return False
        return self.field_selector.empty() or self.field_selector.matches(entry.fields())

    # -- producer side (the store, synchronous) ----------------------------------------
    def offer(self, event: Event) -> None:
        """Queue ``event`` as this watcher must see it, or nothing if it is not selected."""
        if self.closed or event.rv <= self.floor:
            return
        self.rv = event.rv
        now = self.matches(event.entry) if event.type != DELETED else False
        if event.type == ADDED:
            if now:
                self._push(event.frame(ADDED))
            return
        before = event.prev is not None and self.matches(event.prev)
        if event.type == DELETED:
            if before:
                self._push(event.frame(DELETED))
        elif now and before:
            self._push(event.frame(MODIFIED))
        elif now:
            self._push(event.frame(ADDED))
        elif before:
            self._push(event.frame(DELETED))

    def offer_initial(self, entry: Entry) -> None:
        """A synthetic ADDED for an object that existed when the watch started."""
        self._push(b'{"type":"ADDED","object":' + entry.json() + b"}\n")

    def offer_frame(self, frame: bytes) -> None:
        self._push(frame)

    def bookmark(self, rv: int | None = None, *, initial_events_end: bool = False) -> None:
        """Queue a BOOKMARK at ``rv`` (default: everything offered so far); none below the
        version a watch from the future waits for, so a client never moves back."""
        if rv is not None and rv < self.floor:
            return
        # Everything up to the bookmark has been offered, whatever resource it came from:
        # a later periodic bookmark must not carry an older version, or the client's
        # resume point would move back.
        self.rv = max(self.rv, self.rv if rv is None else rv)
        obj = bookmark_object(self.rt, self.rv, initial_events_end=initial_events_end)
        self._push(object_frame(BOOKMARK, obj))

    def _push(self, frame: bytes) -> None:
        if self.closed:
            return
        self._buffer.append(frame)
        if len(self._buffer) > self.max_backlog:
            self.overflowed = True
            self._buffer.clear()
            self.close()
            return
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> None:
        """Stop receiving; the consumer drains what is buffered, then its iterator ends."""
        if self.closed:
            return
        self.closed = True
        if self._on_close is not None:
            self._on_close(self)
        self._wake()

    # -- consumer side (the HTTP handler or an in-process client) ---------------------
    @property
    def pending(self) -> int:
        """Frames queued or being written: zero means the client has everything offered."""
        return len(self._buffer) + self._writing

    def drain(self) -> list[bytes]:
        """Take every queued frame without waiting."""
        frames = list(self._buffer)
        self._buffer.clear()
        return frames

    async def wait(self, timeout: float | None = None) -> None:
        """Return when a frame is queued, the watch closes, or ``timeout`` passes."""
        if self._buffer or self.closed:
            return
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        try:
            if timeout is None:
                await self._waiter
            else:
                await asyncio.wait_for(asyncio.shield(self._waiter), timeout)
        except TimeoutError:
            pass
        finally:
            self._waiter = None

    def writing(self) -> _Writing:
        """Count a write in flight, so :attr:`pending` stays non-zero until it is flushed."""
        return _Writing(self)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        """Batches of frames, joined; ends once closed and drained."""
        while True:
            await self.wait()
            frames = self.drain()
            if frames:
                yield b"".join(frames)
            elif self.closed:
                return


class _Writing:
    __slots__ = ("_w",)

    def __init__(self, w: Watcher) -> None:
        self._w = w

    def __enter__(self) -> None:
        self._w._writing += 1

    def __exit__(self, *exc: object) -> None:
        self._w._writing -= 1
