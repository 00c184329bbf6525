"""The Reflector keeps a store in step with the server by list+watch (client-go ``reflector.go``).

Its contract is all about resourceVersions: list, replace the store at the list's
version, watch from there, remember the version of every event (bookmarks included),
resume a closed watch from it without relisting, relist only when the server says the
version is gone (410), and back off between failures. With ``use_watch_list`` it uses the
streaming list instead (``sendInitialEvents=true``): the initial state arrives as ADDED
events on the watch itself, closed by a BOOKMARK annotated ``k8s.io/initial-events-end``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any, Protocol

from informers.clock import Clock, RealClock
from informers.listwatch import (
    ApiError,
    ListerWatcher,
    WatchStream,
    is_expired,
    is_too_large_resource_version,
    is_too_many_requests,
)

__all__ = ["Backoff", "Reflector", "ReflectorStore", "INITIAL_EVENTS_END"]

log = logging.getLogger(__name__)

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
Obj = dict[str, Any]


class ReflectorStore(Protocol):
    def add(self, obj: Obj) -> None: ...

    def update(self, obj: Obj) -> None: ...

    def delete(self, obj: Obj) -> None: ...

    def replace(self, objs: list[Obj], resource_version: str) -> None: ...


class Backoff:
    """Exponential backoff with jitter, reset after a healthy stretch (wait.Backoff)."""

    def __init__(
        self,
        clock: Clock,
        *,
        initial: float = 0.8,
        factor: float = 2.0,
        jitter: float = 1.0,
        cap: float = 30.0,
        reset_after: float = 120.0,
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock
        self.initial, self.factor, self.jitter, self.cap = initial, factor, jitter, cap
        self.reset_after = reset_after
        self.rng = rng or random.Random()
        self._duration = initial
        self._last = clock.now()

    def next(self) -> float:
        now = self.clock.now()
        if now - self._last > self.reset_after:
            self._duration = self.initial
        self._last = now
        d = self._duration
        self._duration = min(self._duration * self.factor, self.cap)
        return d + self.rng.random() * self.jitter * d

    async def wait(self) -> None:
        await self.clock.sleep(self.next())


class _WatchEnded(Exception):
    pass


class Reflector:
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
        clock: Clock | None = None,
        watch_error_handler: Callable[[Reflector, BaseException], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.lw = lw
        self.store = store
        self.name = name
        self.expected_kind = expected_kind
        self.expected_api_version = expected_api_version
        self.page_size = page_size
        self.min_watch_timeout = min_watch_timeout
        self.use_watch_list = use_watch_list
        self.clock = clock or RealClock()
        self.watch_error_handler = watch_error_handler
        self._rng = rng or random.Random()
        self.backoff = Backoff(self.clock, rng=self._rng)
        #: The version the store reflects; what a resumed watch starts from.
        self.last_sync_resource_version = ""
        self._last_rv_unavailable = False
        self._paginated = False
        self._stream: WatchStream | None = None
        self._stopped = False
        #: How many LISTs and WATCHes this reflector started (observability and tests).
        self.lists = 0
        self.watches = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def run(self) -> None:
        """List+watch until cancelled or :meth:`stop`; every exit is followed by a backoff."""
        while not self._stopped:
            try:
                await self.list_and_watch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._report(exc)
            if self._stopped:
                return
            await self.backoff.wait()

    async def stop(self) -> None:
        self._stopped = True
        if self._stream is not None:
            await self._stream.close()

    def _report(self, exc: BaseException) -> None:
        if self.watch_error_handler is not None:
            self.watch_error_handler(self, exc)
        elif is_expired(exc):
            log.info("%s: watch closed with: %s", self.name, exc)
        else:
            log.warning("%s: failed to list/watch: %s", self.name, exc)

    # -- one round ------------------------------------------------------------------------------
    async def list_and_watch(self) -> None:
        if self.use_watch_list:
            try:
                fallback = await self._watch_list()
            except ApiError as exc:
                if is_expired(exc) or is_too_large_resource_version(exc):
                    self._last_rv_unavailable = True
                    raise
                if is_too_many_requests(exc):
                    raise
                log.info(
                    "%s: streaming list refused (%s); falling back to list+watch", self.name, exc
                )
                fallback = True
            if not fallback:
                return
        await self._list()
        await self._watch_loop()

    def _relist_version(self) -> str:
        if self._last_rv_unavailable:
            return ""
        return self.last_sync_resource_version or "0"

    async def _list(self) -> None:
        rv = self._relist_version()
        params: dict[str, str] = {"resourceVersion": rv}
        paged = rv == "0" or self._paginated
        if paged and self.page_size:
            params["limit"] = str(self.page_size)
        self.lists += 1
        try:
            page = await self.lw.list(**params)
        except ApiError as exc:
            if rv not in ("", "0") and (is_expired(exc) or is_too_large_resource_version(exc)):
                # The version we asked for is gone (or not there yet): list the latest.
                self._last_rv_unavailable = True
                self.lists += 1
                page = await self.lw.list(resourceVersion="")
            else:
                raise
        list_kind = page.get("kind", "")
        items = [self._typed(o, list_kind) for o in page.get("items") or []]
        cont = (page.get("metadata") or {}).get("continue") or ""
        list_rv = (page.get("metadata") or {}).get("resourceVersion", "")
        if cont:
            self._paginated = rv == "0"
        while cont:
            try:
                self.lists += 1
                page = await self.lw.list(limit=str(self.page_size), **{"continue": cont})
            except ApiError as exc:
                if not is_expired(exc):
                    raise
                # pager.go: an expired token falls back to one full list at the original RV.
                self.lists += 1
                page = await self.lw.list(resourceVersion=rv)
                items = []
                list_rv = (page.get("metadata") or {}).get("resourceVersion", "")
            items.extend(self._typed(o, list_kind) for o in page.get("items") or [])
            cont = (page.get("metadata") or {}).get("continue") or ""
        self.store.replace(items, list_rv)
        self.last_sync_resource_version = list_rv
        self._last_rv_unavailable = False

    def _typed(self, obj: Obj, list_kind: str) -> Obj:
        """List items come without kind/apiVersion; give them the ones watch events carry."""
        if "kind" not in obj and list_kind.endswith("List"):
            obj["kind"] = self.expected_kind or list_kind[: -len("List")]
        if "apiVersion" not in obj and self.expected_api_version:
            obj["apiVersion"] = self.expected_api_version
        return obj

    def _watch_timeout(self) -> str:
        return str(int(self.min_watch_timeout * (1 + self._rng.random())))

    async def _watch_loop(self) -> None:
        """Watch from the last version, re-watching at once after every clean close."""
        while not self._stopped:
            try:
                self.watches += 1
                stream = await self.lw.watch(
                    resourceVersion=self.last_sync_resource_version,
                    allowWatchBookmarks="true",
                    timeoutSeconds=self._watch_timeout(),
                )
            except ApiError as exc:
                if is_too_many_requests(exc):
                    await self.backoff.wait()
                    continue  # retry the watch, no relist
                raise
            except (TimeoutError, OSError) as exc:
                self._report(exc)
                await self.backoff.wait()
                continue
            started = self.clock.now()
            count = await self._consume(stream)
            if count == 0 and self.clock.now() - started < 1.0 and not self._stopped:
                raise _WatchEnded(
                    "very short watch: the watch closed in under a second with no events"
                )

    async def _consume(self, stream: WatchStream, initial: dict[str, Obj] | None = None) -> int:
        """Apply events to the store; return how many arrived. Raises on an ERROR event."""
        self._stream = stream
        count = 0
        try:
            async for ev in stream:
                count += 1
                etype = ev.get("type")
                obj = ev.get("object") or {}
                if etype == "ERROR":
                    raise ApiError(int(obj.get("code", 500)), obj)
                if self.expected_kind and obj.get("kind") not in (self.expected_kind, None):
                    log.warning("%s: skipping unexpected kind %r", self.name, obj.get("kind"))
                    continue
                rv = (obj.get("metadata") or {}).get("resourceVersion", "")
                if etype == "BOOKMARK":
                    annotations = (obj.get("metadata") or {}).get("annotations") or {}
                    if initial is not None and annotations.get(INITIAL_EVENTS_END) == "true":
                        self.store.replace(list(initial.values()), rv)
                        initial = None
                    if rv:
                        self.last_sync_resource_version = rv
                    continue
                if initial is not None:
                    key = _key(obj)
                    if etype == "DELETED":
                        initial.pop(key, None)
                    else:
                        initial[key] = obj
                    continue
                if etype == "ADDED":
                    self.store.add(obj)
                elif etype == "MODIFIED":
                    self.store.update(obj)
                elif etype == "DELETED":
                    self.store.delete(obj)
                else:
                    log.warning("%s: unknown watch event type %r", self.name, etype)
                    continue
                if rv:
                    self.last_sync_resource_version = rv
        except (TimeoutError, OSError) as exc:
            if not self._stopped:
                log.info("%s: watch connection ended: %s", self.name, exc)
        finally:
            self._stream = None
            await stream.close()
        if initial is not None and not self._stopped:
            raise _WatchEnded("streaming list ended before the initial-events-end bookmark")
        return count

    async def _watch_list(self) -> bool:
        """One streaming list; returns True if the caller should fall back to list+watch."""
        rv = "" if self._last_rv_unavailable else self.last_sync_resource_version
        self.watches += 1
        stream = await self.lw.watch(
            sendInitialEvents="true",
            resourceVersionMatch="NotOlderThan",
            allowWatchBookmarks="true",
            resourceVersion=rv,
            timeoutSeconds=self._watch_timeout(),
        )
        await self._consume(stream, initial={})
        self._last_rv_unavailable = False
        # The same connection carried the live events; resume the classic watch loop.
        await self._watch_loop()
        return False


def _key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name')}" if ns else str(meta.get("name"))
