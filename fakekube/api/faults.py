"""Fault injection: the failures a controller must survive, made on demand and undoable.

Clients are judged by how they behave when the API server misbehaves: a watch that ends,
history compacted under a paused informer (410), throttling (429 with ``Retry-After``),
5xx, slowness, a connection that goes silent, a server that vanishes for a while. Each
fault here is one call that returns a :class:`FaultHandle`; the handle undoes it (also as
a context manager), and :meth:`Faults.reset` undoes everything, which the pytest fixture
does at tear-down so no fault leaks into the next test.

Two halves: :class:`FaultState` is plain data read on the request path (:func:`apply`,
called by the app's middleware, and the watch handler's delivery gate), and
:class:`Faults` is the public controller that changes it. Every change goes through
``call``, which runs it on the server's event loop: directly for ``FakeCluster``, across
threads for ``FakeClusterSync``, so a test thread never touches loop state while a request
is reading it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from fakekube.api.paths import RequestInfo
from fakekube.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    InternalError,
    NotFound,
    ServiceUnavailable,
    StatusError,
    Timeout,
    TooManyRequests,
    Unauthorized,
)

if TYPE_CHECKING:
    from fakekube.server import Server
    from fakekube.store import Store

__all__ = [
    "FAULTS",
    "FaultHandle",
    "FaultState",
    "Faults",
    "injected_error",
    "apply",
    "loop_caller",
]

T = TypeVar("T")
Call = Callable[[Callable[[], Any]], Any]

#: Messages kube-apiserver sends for the codes a test most often injects.
_DEFAULT_MESSAGES: dict[int, str] = {
    # k8s.io/apiserver/pkg/endpoints/handlers/responsewriters: tooManyRequests
    429: "Too many requests, please try again later.",
    500: "Internal error occurred: injected by fakekube",
    503: "the server is currently unable to handle the request",
    504: "the server was unable to return a response in the time allotted",
}
_BY_CODE: dict[int, type[StatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    429: TooManyRequests,
    500: InternalError,
    503: ServiceUnavailable,
    504: Timeout,
}


def injected_error(
    status: int, message: str | None = None, retry_after: int | None = None
) -> StatusError:
    """The ``Status`` a real server would send with ``status``; unknown codes keep their
    number under reason ``Unknown``, as ``errors.FromObject`` sees them."""
    cls = _BY_CODE.get(status)
    if cls is None:
        cls = type(f"Status{status}", (StatusError,), {"code": status, "reason": "Unknown"})
    if retry_after is None and status == 429:
        retry_after = 1  # the max-in-flight filter always sends Retry-After: 1
    text = message or _DEFAULT_MESSAGES.get(status) or f"injected status {status}"
    return cls(text, retry_after_seconds=retry_after or 0)


@dataclass
class _Rule:
    """Which requests a fault applies to: ``None`` matches anything."""

    verb: str | None
    resource: str | None

    def matches(self, verb: str, resource: str, subresource: str) -> bool:
        if self.verb is not None and self.verb != verb:
            return False
        if self.resource is None:
            return True
        if "/" in self.resource:
            return self.resource == f"{resource}/{subresource}"
        return self.resource == resource


@dataclass
class _Respond:
    rule: _Rule
    error: Callable[[], StatusError]
    remaining: int | None
    handle: FaultHandle


@dataclass
class _Latency:
    rule: _Rule
    seconds: float
    handle: FaultHandle
    #: Set on undo: requests already waiting go on at once instead of sleeping it out.
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def delay(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.released.wait(), self.seconds)


class _WatchGate:
    """Holds watch delivery while any pause is in force; waiters wake on every change."""

    def __init__(self) -> None:
        self.holds = 0
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def closed(self) -> bool:
        return self.holds > 0

    def kick(self) -> None:
        for fut in self._waiters:
            if not fut.done():
                fut.set_result(None)
        self._waiters.clear()

    async def wait(self) -> None:
        """Return at the next change (a resume, a dropped watch, a shutdown)."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters.add(fut)
        try:
            await fut
        finally:
            self._waiters.discard(fut)


@dataclass
class FaultState:
    """What the request path reads: injected answers, latencies, the watch gate."""

    responds: list[_Respond] = field(default_factory=list)
    latencies: list[_Latency] = field(default_factory=list)
    gate: _WatchGate = field(default_factory=_WatchGate)

    def clear(self) -> None:
        self.responds.clear()
        for lat in self.latencies:
            lat.released.set()
        self.latencies.clear()
        self.gate.holds = 0
        self.gate.kick()


FAULTS: web.AppKey[FaultState] = web.AppKey("fakekube_faults", FaultState)


async def apply(state: FaultState, info: RequestInfo) -> None:
    """Apply latency, then an injected answer (raised), before the real handler sees the
    request. The app's middleware calls this only while some fault is set."""
    for lat in list(state.latencies):
        if lat.rule.matches(info.verb, info.resource, info.subresource):
            lat.handle.hits += 1
            await lat.delay()
    for rule in list(state.responds):
        if rule.rule.matches(info.verb, info.resource, info.subresource):
            rule.handle.hits += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    state.responds.remove(rule)
                    rule.handle.active = False
            raise rule.error()


class FaultHandle:
    """One injected fault: ``undo()`` ends it; ``hits`` counts requests it answered.

    Usable as a context manager, so a fault lasts exactly one ``with`` block.
    """

    def __init__(self, faults: Faults, kind: str, undo: Callable[[], None]) -> None:
        self.kind = kind
        self.hits = 0
        self.active = True
        self._faults = faults
        self._undo = undo

    def undo(self) -> None:
        """End the fault; undoing twice is harmless."""
        self._faults._call(self._undo_on_loop)

    def _undo_on_loop(self) -> None:
        if self in self._faults._handles:
            self._faults._handles.remove(self)
            self._undo()
        self.active = False

    def __enter__(self) -> FaultHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.undo()

    def __repr__(self) -> str:
        state = "active" if self.active else "undone"
        return f"<FaultHandle {self.kind} {state} hits={self.hits}>"


class Faults:
    """The faults of one server. Every method is safe from the thread that owns the
    cluster object (the loop thread for ``FakeCluster``, the test thread for the sync one).
    """

    def __init__(self, store: Store, server: Server, call: Call | None = None) -> None:
        self._store = store
        self._server = server
        self._state = server.app[FAULTS]
        self._call: Call = call or (lambda fn: fn())
        self._handles: list[FaultHandle] = []
        self._timers: list[asyncio.TimerHandle] = []

    @property
    def active(self) -> list[FaultHandle]:
        """Faults in force now, oldest first."""
        return [h for h in self._handles if h.active]

    # -- one-shot faults -----------------------------------------------------------
    def drop_watches(self) -> int:
        """End every open watch now, as a restarted server or a load balancer would."""

        def run() -> int:
            n = self._store.close_watches()
            self._state.gate.kick()
            return n

        return int(self._call(run))

    def compact(self) -> int:
        """Compact all history: a watch or continue token from before now gets 410."""
        return int(self._call(self._store.compact))

    # -- lasting faults ------------------------------------------------------------
    def respond(
        self,
        status: int,
        *,
        times: int | None = 1,
        verb: str | None = None,
        resource: str | None = None,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> FaultHandle:
        """Answer the next ``times`` matching requests (all, if ``None``) with a ``Status``.

        ``resource`` is a plural (``pods``) or ``plural/subresource`` (``pods/status``);
        429 carries ``Retry-After`` (1 s unless given) and ``details.retryAfterSeconds``.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        injected_error(status, message, retry_after)  # refuse nonsense now, not per request
        rule = _Rule(verb, resource)

        def error() -> StatusError:
            return injected_error(status, message, retry_after)

        def add() -> FaultHandle:
            entry: _Respond | None = None

            def undo() -> None:
                if entry in self._state.responds:
                    self._state.responds.remove(entry)

            handle = self._register(f"respond {status}", undo)
            entry = _Respond(rule, error, times, handle)
            self._state.responds.append(entry)
            return handle

        return self._call(add)  # type: ignore[no-any-return]

    def latency(
        self, seconds: float, *, verb: str | None = None, resource: str | None = None
    ) -> FaultHandle:
        """Delay every matching request by ``seconds`` before it is served."""
        if seconds < 0:
            raise ValueError("latency must not be negative")

        def add() -> FaultHandle:
            entry: _Latency | None = None

            def undo() -> None:
                assert entry is not None
                entry.released.set()
                if entry in self._state.latencies:
                    self._state.latencies.remove(entry)

            handle = self._register(f"latency {seconds}s", undo)
            entry = _Latency(_Rule(verb, resource), seconds, handle)
            self._state.latencies.append(entry)
            return handle

        return self._call(add)  # type: ignore[no-any-return]

    def pause_watches(self) -> FaultHandle:
        """Hold every watch stream open but silent; events queue and flow on resume."""
        return self._hold("pause watches")

    def stall_watches(self) -> FaultHandle:
        """Watches stay open and say nothing (no events, no bookmarks, no end) until
        undone: a half-open connection, for testing a client's inactivity watchdog."""
        return self._hold("stall watches")

    def resume_watches(self) -> int:
        """Undo every pause and stall; returns how many were in force."""
        holds = [h for h in self._handles if h.kind in ("pause watches", "stall watches")]
        for h in holds:
            h.undo()
        return len(holds)

    def unreachable(self, seconds: float | None = None) -> FaultHandle:
        """Refuse connections (the listening socket closes; open ones, watches included,
        are cut) until undone or for ``seconds``; the server comes back on the same port."""

        def add() -> FaultHandle:
            self._store.close_watches()
            self._state.gate.kick()
            self._server.suspend()
            handle = self._register("unreachable", self._server.resume)
            if seconds is not None:
                loop = asyncio.get_running_loop()
                self._timers.append(loop.call_later(seconds, handle._undo_on_loop))
            return handle

        return self._call(add)  # type: ignore[no-any-return]

    def reset(self) -> int:
        """Undo every fault in force; returns how many there were."""

        def run() -> int:
            n = 0
            for handle in list(self._handles):
                handle._undo_on_loop()
                n += 1
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
            self._state.clear()
            return n

        return int(self._call(run))

    # -- internals -----------------------------------------------------------------
    def _register(self, kind: str, undo: Callable[[], None]) -> FaultHandle:
        handle = FaultHandle(self, kind, undo)
        self._handles.append(handle)
        return handle

    def _hold(self, kind: str) -> FaultHandle:
        gate = self._state.gate

        def add() -> FaultHandle:
            def undo() -> None:
                gate.holds = max(0, gate.holds - 1)
                gate.kick()

            gate.holds += 1
            return self._register(kind, undo)

        return self._call(add)  # type: ignore[no-any-return]


def loop_caller(loop: asyncio.AbstractEventLoop) -> Call:
    """A ``call`` that runs a function on ``loop`` from another thread and waits for it.

    Called on the loop itself it runs the function directly (waiting would deadlock).
    """

    def call(fn: Callable[[], T]) -> T:
        if _running_loop() is loop:
            return fn()
        return asyncio.run_coroutine_threadsafe(_run(fn), loop).result()

    return call


async def _run(fn: Callable[[], T]) -> T:
    return fn()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
