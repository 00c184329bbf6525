"""The Reflector keeps a store in step with the server by list+watch (client-go ``reflector.go``).

Its contract is all about resourceVersions:

* list (``resourceVersion=0&limit=500``, following ``continue``), replace the store at the
  list's version, then watch from it with bookmarks and a random ``timeoutSeconds`` in
  [300, 600);
* remember the version of every event, BOOKMARK included, except while a watch started at
  ``""``/``"0"`` is still replaying synthetic ADDED events (those come in key order, not
  version order, so resuming from one of them could skip changes);
* resume a cleanly closed watch from that version at once, without relisting;
* relist only when the server says the version is gone (410 on the watch: back off, then
  list at the last version; 410 or "too large" on a list: list again at ``""`` at once; an
  expired ``continue`` token on page 2+: one unpaged list at the original version);
* on 429 or a refused connection when starting a watch, back off and retry the watch;
* after every failed round, back off (0.8 s doubling to 30 s, with jitter, reset after two
  healthy minutes).

With ``use_watch_list`` it uses the streaming list instead (``sendInitialEvents=true``): the
initial state arrives as ADDED events on the watch itself, closed by a BOOKMARK annotated
``k8s.io/initial-events-end``, and the same connection then carries the live events. An
error other than 429/refused/expired falls back to list+watch, as client-go 1.35 does.

Not in client-go: an inactivity watchdog. A watch that says nothing (not even a bookmark)
for ``inactivity_timeout`` seconds is closed and resumed, so a half-open TCP connection
cannot park the cache forever. Resuming costs one request and no relist.

Every error that ends a round goes to the watch error handler (client-go reports list
errors only; watch endings such as 410 are reported here too, so a Python caller sees
every reason its cache went through a relist).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from informers.backoff import BackoffManager
from informers.clock import Clock, RealClock
from informers.errors import (
    ApiError,
    InformerError,
    TransportError,
    is_expired,
    is_internal_error,
    is_too_large_resource_version,
    is_too_many_requests,
    is_watch_error_retriable,
)
from informers.lazy import LazyObject
from informers.listwatch import ListerWatcher, WatchStream
from informers.meta import resource_version_of
from informers.store import meta_namespace_key_func

__all__ = [
    "INITIAL_EVENTS_END",
    "Reflector",
    "ReflectorStore",
    "VeryShortWatch",
    "WatchErrorHandler",
    "WatchStalled",
]

log = logging.getLogger(__name__)

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
Obj = dict[str, Any]
#: What the reflector stores: a dict, or a LazyObject from a ``ListWatch(lazy=True)``.
Stored = Obj | LazyObject


class ReflectorStore(Protocol):
    """Where the reflector puts what it reads (the informer's RealFIFO, or a plain Indexer)."""

    def add(self, obj: Any) -> None: ...

    def update(self, obj: Any) -> None: ...

    def delete(self, obj: Any) -> None: ...

    def replace(self, objs: list[Any], resource_version: str) -> None: ...

    def resync(self) -> None: ...


WatchErrorHandler = Callable[["Reflector", BaseException], None]


class VeryShortWatch(TransportError):
    """The watch closed within a second with no event: the server is not serving it."""


class WatchStalled(TransportError):
    """The watch said nothing for longer than the inactivity deadline."""


class _RetryWithDeadline:
    """Retry a retryable error for up to ``max_duration`` (client-go ``retry_with_deadline.go``)."""

    def __init__(
        self,
        max_duration: float,
        min_reset_period: float,
        retryable: Callable[[BaseException], bool],
        clock: Clock,
    ) -> None:
        self.max_duration = max_duration
        self.min_reset_period = min_reset_period
        self.retryable = retryable
        self.clock = clock
        self._first: float | None = None
        self._last: float | None = None

    def after(self, err: BaseException | None) -> None:
        if err is None or not self.retryable(err):
            return
        now = self.clock.now()
        if self._last is not None and now - self._last >= self.min_reset_period:
            self._first = self._last = None
        if self._first is None:
            self._first = now
        self._last = now

    def should_retry(self) -> bool:
        if self.max_duration <= 0 or self._first is None:
            return False
        if self.clock.now() - self._first <= self.max_duration:
            return True
        self._first = self._last = None
        return False


class _OpenWatch:
    """A watch being read: its stream, its batch iterator, and events put back for later."""

    def __init__(self, stream: WatchStream) -> None:
        self.stream = stream
        self._it: AsyncIterator[list[Obj]] = stream.__aiter__()
        self.pushback: list[Obj] = []

    async def next_batch(self) -> list[Obj] | None:
        if self.pushback:
            batch, self.pushback = self.pushback, []
            return batch
        try:
            return await self._it.__anext__()
        except StopAsyncIteration:
            return None

    async def close(self) -> None:
        try:
            await self.stream.close()
        finally:
            # Finish the batch generator too (its ``finally`` releases the connection),
            # unless another task is inside it right now (stop() from outside).
            aclose = getattr(self._it, "aclose", None)
            if aclose is not None and not getattr(self._it, "ag_running", False):
                await aclose()


class Reflector:
    """Keeps ``store`` equal to the server's collection, by list+watch, until stopped."""

    def __init__(
        self,
        lw: ListerWatcher,
        store: ReflectorStore,
        *,
        name: str = "reflector",
        expected_kind: str = "",
        expected_api_version: str = "",
        page_size: int = 500,
        min_watch_timeout: float = 300.0,
        use_watch_list: bool = False,
        inactivity_timeout: float | None = 180.0,
        resync_period: float = 0.0,
        should_resync: Callable[[], bool] | None = None,
        max_internal_error_retry_duration: float = 0.0,
        clock: Clock | None = None,
        watch_error_handler: WatchErrorHandler | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.lw = lw
        self.store = store
        self.name = name
        self.expected_kind = expected_kind
        self.expected_api_version = expected_api_version
        self.page_size = page_size
        #: Watches ask the server to end them after [min, 2*min) seconds (client-go: >= 5 min).
        self.min_watch_timeout = min_watch_timeout
        self.use_watch_list = use_watch_list
        self.inactivity_timeout = inactivity_timeout
        self.resync_period = resync_period
        self.should_resync = should_resync
        self.max_internal_error_retry_duration = max_internal_error_retry_duration
        self.clock: Clock = clock or RealClock()
        self.watch_error_handler = watch_error_handler
        self._rng = rng or random.Random()
        self.backoff = BackoffManager(self.clock, rng=self._rng)
        #: The version the store reflects; what a resumed watch starts from.
        self.last_sync_resource_version = ""
        self._rv_unavailable = False
        self._paginated = False
        self._open: _OpenWatch | None = None
        self._stopped = False
        self._last_activity = 0.0
        #: LIST requests, WATCH requests and watchdog restarts so far (for tests and metrics).
        self.lists = 0
        self.watches = 0
        self.stalls = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def run(self) -> None:
        """List+watch until cancelled or :meth:`stop`; every round is followed by a backoff."""
        while not self._stopped:
            try:
                await self.list_and_watch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopped:
                    return
                self._report(exc)
            if self._stopped:
                return
            await self.backoff.wait()

    async def stop(self) -> None:
        self._stopped = True
        if self._open is not None:
            await self._open.close()

    def _report(self, exc: BaseException) -> None:
        if self.watch_error_handler is not None:
            try:
                self.watch_error_handler(self, exc)
            except Exception:
                log.exception("%s: the watch error handler failed", self.name)
        elif is_expired(exc):
            log.info("%s: watch closed with: %s", self.name, exc)
        else:
            log.warning("%s: failed to list/watch: %s", self.name, exc)

    # -- one round ---------------------------------------------------------------------------
    async def list_and_watch(self) -> None:
        """One round: (streaming) list, then watch until an error ends it."""
        w: _OpenWatch | None = None
        if self.use_watch_list:
            try:
                w = await self._watch_list()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "%s: the streaming list ended with an error, falling back to list+watch: %s",
                    self.name,
                    exc,
                )
                w = None
            else:
                if w is None:
                    return  # stopped
        if w is None:
            await self._list()
        await self._watch_with_resync(w)

    def _relist_version(self) -> str:
        if self._rv_unavailable:
            return ""
        return self.last_sync_resource_version or "0"

    async def _list(self) -> None:
        rv = self._relist_version()
        # Pages only for the first list (RV "0"), a quorum read (RV ""), or when the first
        # list came back paged (no watch cache): lists at a known RV stay unpaged so the
        # server can answer them from its watch cache.
        limit = self.page_size if self.page_size and (self._paginated or rv in ("", "0")) else 0
        try:
            items, list_rv, paginated = await self._paged_list(rv, limit)
        except InformerError as exc:
            if not (is_expired(exc) or is_too_large_resource_version(exc)):
                raise
            # The version is compacted away or not there yet: read the newest state now.
            self._rv_unavailable = True
            items, list_rv, paginated = await self._paged_list(self._relist_version(), limit)
        if rv == "0" and paginated:
            self._paginated = True
        self._rv_unavailable = False
        self.store.replace(items, list_rv)
        self.last_sync_resource_version = list_rv

    async def _paged_list(self, rv: str, limit: int) -> tuple[list[Obj], str, bool]:
        """client-go's pager: follow ``continue``; an expired token means one full list."""
        params = {"resourceVersion": rv}
        if limit:
            params["limit"] = str(limit)
        self.lists += 1
        page = await self.lw.list(**params)
        meta = page.get("metadata") or {}
        list_rv = str(meta.get("resourceVersion") or "")
        cont = meta.get("continue") or ""
        list_kind = str(page.get("kind") or "")
        items = self._typed(page.get("items") or [], list_kind)
        paginated = False
        while cont:
            paginated = True
            self.lists += 1
            try:
                # Later pages carry no resourceVersion: the token holds it.
                page = await self.lw.list(limit=str(limit or self.page_size), **{"continue": cont})
            except InformerError as exc:
                if not is_expired(exc):
                    raise
                self.lists += 1
                page = await self.lw.list(resourceVersion=rv)
                meta = page.get("metadata") or {}
                return (
                    self._typed(page.get("items") or [], list_kind),
                    str(meta.get("resourceVersion") or ""),
                    paginated,
                )
            items.extend(self._typed(page.get("items") or [], list_kind))
            cont = (page.get("metadata") or {}).get("continue") or ""
        return items, list_rv, paginated

    def _typed(self, items: list[Obj], list_kind: str) -> list[Obj]:
        """List items come without kind/apiVersion; give them what watch events carry."""
        kind = self.expected_kind or list_kind.removesuffix("List")
        api_version = self.expected_api_version
        for obj in items:
            if obj.__class__ is not dict:
                continue  # read-only LazyObjects: ListWatch(lazy=True) types list items itself
            if kind and "kind" not in obj:
                obj["kind"] = kind
            if api_version and "apiVersion" not in obj:
                obj["apiVersion"] = api_version
        return items

    def _watch_timeout(self) -> str:
        return str(int(self.min_watch_timeout * (1.0 + self._rng.random())))

    # -- streaming list --------------------------------------------------------------------
    async def _watch_list(self) -> _OpenWatch | None:
        """Stream the initial state; return the still-open watch once it is complete."""
        while not self._stopped:
            rv = "" if self._rv_unavailable else self.last_sync_resource_version
            self.watches += 1
            try:
                stream = await self.lw.watch(
                    sendInitialEvents="true",
                    resourceVersionMatch="NotOlderThan",
                    allowWatchBookmarks="true",
                    resourceVersion=rv,
                    timeoutSeconds=self._watch_timeout(),
                )
            except InformerError as exc:
                if await self._watch_list_retriable(exc):
                    continue
                raise
            w = _OpenWatch(stream)
            self._open = w
            initial: dict[str, Stored] = {}
            start = self.clock.now()
            try:
                _, end_rv = await self._guarded(w, start, initial)
            except BaseException as exc:
                self._open = None
                await w.close()
                if isinstance(exc, InformerError) and await self._watch_list_retriable(exc):
                    continue
                raise
            if end_rv is None:
                # Closed before the initial-events-end bookmark: start over, clean.
                self._open = None
                await w.close()
                continue
            self._rv_unavailable = False
            self.store.replace(list(initial.values()), end_rv)
            self.last_sync_resource_version = end_rv
            return w
        return None

    async def _watch_list_retriable(self, exc: BaseException) -> bool:
        if is_watch_error_retriable(exc):
            await self._backoff_for(exc)
            return True
        if is_expired(exc) or is_too_large_resource_version(exc):
            self._rv_unavailable = True  # stream from the newest state instead
            return True
        return False

    # -- watch -----------------------------------------------------------------------------
    async def _watch_with_resync(self, w: _OpenWatch | None) -> None:
        resync = None
        if self.resync_period > 0:
            resync = asyncio.ensure_future(self._resync_loop())
        try:
            await self._watch(w)
        finally:
            if resync is not None:
                resync.cancel()

    async def _resync_loop(self) -> None:
        while True:
            await self.clock.sleep(self.resync_period)
            if self.should_resync is None or self.should_resync():
                self.store.resync()

    async def _watch(self, w: _OpenWatch | None) -> None:
        """Watch from the last version, re-watching at once after every clean close."""
        retry = _RetryWithDeadline(
            self.max_internal_error_retry_duration, 60.0, is_internal_error, self.clock
        )
        while not self._stopped:
            start = self.clock.now()
            if w is None:
                self.watches += 1
                try:
                    stream = await self.lw.watch(
                        resourceVersion=self.last_sync_resource_version,
                        allowWatchBookmarks="true",
                        timeoutSeconds=self._watch_timeout(),
                    )
                except InformerError as exc:
                    if is_watch_error_retriable(exc):
                        await self._backoff_for(exc)
                        continue  # retry the watch, no relist
                    raise
                w = _OpenWatch(stream)
            self._open = w
            err: InformerError | None = None
            count = 0
            try:
                count, _ = await self._guarded(w, start, None)
            except WatchStalled as exc:
                self.stalls += 1
                log.info("%s: %s; resuming the watch", self.name, exc)
                count = -1  # not a short watch: it was open for the whole deadline
            except InformerError as exc:
                err = exc
            finally:
                self._open = None
                await w.close()
                w = None
            if self._stopped:
                return
            retry.after(err)
            if err is None:
                if count == 0 and self.clock.now() - start < 1.0:
                    raise VeryShortWatch(
                        f"{self.name}: unexpected watch close - watch lasted less than a "
                        "second and no items received"
                    )
                continue
            if is_too_many_requests(err):
                await self._backoff_for(err)
                continue
            if is_internal_error(err) and retry.should_retry():
                continue
            raise err

    async def _backoff_for(self, exc: BaseException) -> None:
        """Back off, but never less than the server's ``Retry-After``."""
        retry_after = exc.retry_after if isinstance(exc, ApiError) else None
        await self.backoff.wait(at_least=retry_after or 0.0)

    async def _guarded(
        self, w: _OpenWatch, start: float, initial: dict[str, Stored] | None
    ) -> tuple[int, str | None]:
        """Run :meth:`_handle_watch` under the inactivity watchdog."""
        self._last_activity = self.clock.now()
        if self.inactivity_timeout is None:
            return await self._handle_watch(w, initial)
        consume = asyncio.ensure_future(self._handle_watch(w, initial))
        dog = asyncio.ensure_future(self._watchdog(consume, self.inactivity_timeout))
        try:
            return await consume
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if dog.done() and not dog.cancelled() and task is not None and not task.cancelling():
                raise WatchStalled(
                    f"{self.name}: no watch event for {self.inactivity_timeout:g}s"
                ) from None
            raise
        finally:
            dog.cancel()

    async def _watchdog(self, consume: asyncio.Future[Any], deadline: float) -> None:
        while True:
            remaining = self._last_activity + deadline - self.clock.now()
            if remaining <= 0:
                consume.cancel()
                return
            await self.clock.sleep(remaining)

    async def _handle_watch(
        self, w: _OpenWatch, initial: dict[str, Stored] | None
    ) -> tuple[int, str | None]:
        """Apply events until the stream ends; return (events, initial-events-end RV).

        With ``initial`` (a streaming list), events fill that dict until the
        initial-events-end bookmark, then the call returns with the rest of the batch put
        back, leaving the stream open. Raises :class:`ApiError` on an ERROR event.
        """
        clock = self.clock
        count = 0
        rv = self.last_sync_resource_version
        # A watch from ""/"0" replays the current state as ADDED in key order: its versions
        # are not a safe resume point until something else arrives.
        synthetic = initial is None and rv in ("", "0")
        while True:
            try:
                batch = await w.next_batch()
            except TransportError as exc:
                if not self._stopped:
                    log.info("%s: watch connection ended: %s", self.name, exc)
                break
            if batch is None:
                break
            self._last_activity = clock.now()
            if initial is not None:
                n, rv, rest = self._initial_batch(batch, initial, rv)
                count += n
                if rest is not None:
                    w.pushback = rest
                    return count, rv
            else:
                n, synthetic = self._live_batch(batch, synthetic)
                count += n
        return count, None

    def _checked(self, ev: Obj) -> Obj | LazyObject | None:
        """The event's object, or None (logged) if it is not one this reflector stores."""
        obj = ev.get("object")
        if ev.get("type") == "ERROR":
            status = obj if isinstance(obj, dict) else {}
            raise ApiError(int(status.get("code") or 500), status)
        if not isinstance(obj, dict | LazyObject):
            log.warning("%s: unable to understand watch event %.200r", self.name, ev)
            return None
        kind = self.expected_kind
        if kind and obj.get("kind", kind) != kind:
            log.warning("%s: skipping unexpected kind %r", self.name, obj.get("kind"))
            return None
        return obj

    def _live_batch(self, batch: list[Obj], synthetic: bool) -> tuple[int, bool]:
        """Hand one batch of live events to the store (the hot path: kept flat)."""
        store = self.store
        add, update, delete = store.add, store.update, store.delete
        kind = self.expected_kind
        count = 0
        for ev in batch:
            obj = ev.get("object")
            etype = ev.get("type")
            if (
                etype == "ERROR"
                or (obj.__class__ is not dict and obj.__class__ is not LazyObject)
                or (kind and obj.get("kind", kind) != kind)
            ):
                obj = self._checked(ev)  # raises on ERROR, logs and skips the others
                if obj is None:
                    continue
            count += 1
            try:
                if etype == "ADDED":
                    add(obj)
                    if synthetic:
                        continue
                elif etype == "MODIFIED":
                    update(obj)
                elif etype == "DELETED":
                    delete(obj)
                elif etype != "BOOKMARK":
                    count -= 1
                    log.warning("%s: unknown watch event type %r", self.name, etype)
                    continue
            except Exception:
                # As client-go: an object the store refuses (a failing transform, no name)
                # is logged and skipped; the watch and its version move on.
                log.exception("%s: unable to store a %s watch event object", self.name, etype)
            synthetic = False
            rv = resource_version_of(obj)
            if rv:
                self.last_sync_resource_version = rv
        return count, synthetic

    def _initial_batch(
        self, batch: list[Obj], initial: dict[str, Stored], rv: str
    ) -> tuple[int, str, list[Obj] | None]:
        """Fill the streaming list's temporary store; stop at the initial-events-end bookmark
        and return the events after it."""
        count = 0
        for i, ev in enumerate(batch):
            obj = self._checked(ev)
            if obj is None:
                continue
            count += 1
            etype = ev["type"]
            meta = obj.get("metadata") or {}
            rv = meta.get("resourceVersion") or rv
            if etype == "BOOKMARK":
                if (meta.get("annotations") or {}).get(INITIAL_EVENTS_END) == "true":
                    return count, rv, batch[i + 1 :]
            elif etype == "DELETED":
                initial.pop(meta_namespace_key_func(obj), None)
            elif etype in ("ADDED", "MODIFIED"):
                initial[meta_namespace_key_func(obj)] = obj
        return count, rv, None
