"""Test doubles for code built on informers (client-go ``tools/cache/testing``).

:class:`FakeListerWatcher` answers LIST and WATCH from a script: each call takes the next
scripted page, stream or exception, and every call is logged with its parameters, so a
test can assert exactly what a reflector asked for. :class:`FakeWatch` is an open watch
the test feeds event by event and closes when it wants. :func:`until` lets pending tasks
run until a condition holds, without sleeping.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

__all__ = ["FakeListerWatcher", "FakeWatch", "list_page", "until"]

Obj = dict[str, Any]


def list_page(resource_version: str, *items: Obj, kind: str = "PodList", cont: str = "") -> Obj:
    """A list answer as the API server shapes it."""
    meta: Obj = {"resourceVersion": resource_version}
    if cont:
        meta["continue"] = cont
    return {"kind": kind, "apiVersion": "v1", "metadata": meta, "items": list(items)}


class FakeWatch:
    """A watch stream fed by the test; it stays open and silent until told otherwise."""

    def __init__(self, *events: Obj, end: bool = False) -> None:
        self._batches: deque[list[Obj] | None] = deque()
        self._wake = asyncio.Event()
        self.closed = False
        if events:
            self.send(*events)
        if end:
            self.end()

    def send(self, *events: Obj) -> FakeWatch:
        """Queue ``events`` as one batch (what one network read would carry)."""
        self._batches.append(list(events))
        self._wake.set()
        return self

    def added(self, obj: Obj) -> FakeWatch:
        return self.send({"type": "ADDED", "object": obj})

    def modified(self, obj: Obj) -> FakeWatch:
        return self.send({"type": "MODIFIED", "object": obj})

    def deleted(self, obj: Obj) -> FakeWatch:
        return self.send({"type": "DELETED", "object": obj})

    def bookmark(
        self, rv: str, *, kind: str = "Pod", initial_events_end: bool = False
    ) -> FakeWatch:
        meta: Obj = {"resourceVersion": rv}
        if initial_events_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return self.send({"type": "BOOKMARK", "object": {"kind": kind, "metadata": meta}})

    def error(self, code: int, reason: str, message: str = "") -> FakeWatch:
        status = {"kind": "Status", "status": "Failure", "code": code, "reason": reason}
        status["message"] = message or reason
        return self.send({"type": "ERROR", "object": status})

    def end(self) -> FakeWatch:
        """Close the stream cleanly after what is queued (a server-side timeout)."""
        self._batches.append(None)
        self._wake.set()
        return self

    async def __aiter__(self) -> AsyncIterator[list[Obj]]:
        while not self.closed:
            if not self._batches:
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = self._batches.popleft()
            if batch is None:
                return
            yield batch

    async def close(self) -> None:
        self.closed = True
        self._wake.set()


class FakeListerWatcher:
    """A scripted ListerWatcher.

    ``lists`` holds list answers (dicts) or exceptions to raise, ``watches`` holds
    :class:`FakeWatch` objects or exceptions; each call consumes the next one. With the
    watch script empty, a watch opens and stays silent (a quiet cluster); with the list
    script empty, a list fails loudly so a test never passes on an unscripted request.
    """

    def __init__(self, lists: list[Any] | None = None, watches: list[Any] | None = None) -> None:
        self.lists: deque[Any] = deque(lists or [])
        self.watches: deque[Any] = deque(watches or [])
        #: ("list" | "watch", params) for every call, oldest first.
        self.calls: list[tuple[str, dict[str, str]]] = []
        #: Every watch handed out, oldest first.
        self.opened: list[FakeWatch] = []

    def verbs(self) -> list[str]:
        return [verb for verb, _ in self.calls]

    def params(self, verb: str) -> list[dict[str, str]]:
        return [p for v, p in self.calls if v == verb]

    async def list(self, **params: str) -> Obj:
        self.calls.append(("list", params))
        if not self.lists:
            raise AssertionError(f"unscripted list call with {params}")
        answer = self.lists.popleft()
        if isinstance(answer, BaseException):
            raise answer
        return answer  # type: ignore[no-any-return]

    async def watch(self, **params: str) -> FakeWatch:
        self.calls.append(("watch", params))
        answer = self.watches.popleft() if self.watches else FakeWatch()
        if isinstance(answer, BaseException):
            raise answer
        self.opened.append(answer)
        return answer


async def until(condition: Callable[[], bool], *, turns: int = 10_000, what: str = "") -> None:
    """Let other tasks run (no sleeping) until ``condition()`` holds.

    Raises AssertionError after ``turns`` passes of the event loop, naming ``what``.
    """
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    if condition():
        return
    raise AssertionError(f"condition not reached: {what or condition}")
