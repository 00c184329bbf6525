"""Reflector resourceVersion handling against a scripted source (client-go reflector_test.go)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from informers.clock import FakeClock
from informers.listwatch import ApiError
from informers.reflector import Reflector
from informers.store import Indexer


class Stream:
    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        for ev in self.events:
            await asyncio.sleep(0)
            yield ev

    async def close(self) -> None:
        self.closed = True


class Source:
    """A fake ListerWatcher: scripted list pages and watch streams, every call logged."""

    def __init__(self) -> None:
        self.lists: list[Any] = []  # dict pages or exceptions, consumed in order
        self.watches: list[Any] = []
        self.calls: list[tuple[str, dict[str, str]]] = []

    async def list(self, **params: str) -> dict[str, Any]:
        self.calls.append(("list", params))
        page = self.lists.pop(0)
        if isinstance(page, BaseException):
            raise page
        return page

    async def watch(self, **params: str) -> Stream:
        self.calls.append(("watch", params))
        if not self.watches:
            await asyncio.Event().wait()  # block like a quiet watch
        w = self.watches.pop(0)
        if isinstance(w, BaseException):
            raise w
        return Stream(w)


def pod(name: str, rv: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}}


def page(rv: str, *items: dict[str, Any], cont: str = "") -> dict[str, Any]:
    meta = {"resourceVersion": rv}
    if cont:
        meta["continue"] = cont
    return {"kind": "PodList", "apiVersion": "v1", "metadata": meta, "items": list(items)}


def expired() -> dict[str, Any]:
    status = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}
    return {"type": "ERROR", "object": status}


async def run_until(src: Source, cond: Any, reflector: Reflector, clock: FakeClock) -> None:
    task = asyncio.create_task(reflector.run())
    try:
        for _ in range(2000):
            await asyncio.sleep(0)
            if clock.has_waiters():
                clock.step(60)
            if cond():
                return
        raise AssertionError(f"condition not reached; calls: {src.calls}")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_reflector_lists_at_zero_then_watches_from_the_list_version() -> None:
    src, store, clock = Source(), Indexer(), FakeClock()
    src.lists = [page("10", pod("a", "5"))]
    src.watches = [[{"type": "ADDED", "object": {"kind": "Pod", **pod("b", "11")}}]]
    r = Reflector(src, store, clock=clock, expected_kind="Pod", expected_api_version="v1")
    await run_until(src, lambda: len(store) == 2, r, clock)
    assert src.calls[0] == ("list", {"resourceVersion": "0", "limit": "500"})
    kind, params = src.calls[1]
    assert kind == "watch" and params["resourceVersion"] == "10"
    assert params["allowWatchBookmarks"] == "true"
    assert 300 <= int(params["timeoutSeconds"]) < 600
    assert store.get_by_key("ns/a")["kind"] == "Pod"  # list items get their kind
    assert r.last_sync_resource_version == "11"


async def test_reflector_follows_continue_tokens() -> None:
    src, store, clock = Source(), Indexer(), FakeClock()
    src.lists = [page("10", pod("a", "1"), cont="t1"), page("10", pod("b", "2"))]
    r = Reflector(src, store, clock=clock)
    await run_until(src, lambda: len(store) == 2, r, clock)
    assert src.calls[1] == ("list", {"limit": "500", "continue": "t1"})


async def test_bookmarks_advance_the_resume_version_and_clean_close_rewatches_without_list() -> (
    None
):
    src, store, clock = Source(), Indexer(), FakeClock()
    src.lists = [page("10")]
    bookmark = {
        "type": "BOOKMARK",
        "object": {"kind": "Pod", "metadata": {"resourceVersion": "42"}},
    }
    src.watches = [[bookmark]]
    r = Reflector(src, store, clock=clock)
    await run_until(src, lambda: len([c for c in src.calls if c[0] == "watch"]) == 2, r, clock)
    assert [c[0] for c in src.calls] == ["list", "watch", "watch"]
    assert src.calls[2][1]["resourceVersion"] == "42"


async def test_reflector_resync_with_resource_version_after_410_on_watch() -> None:
    # TestReflectorResyncWithResourceVersion: ERROR 410 → backoff → LIST at RV=last.
    src, store, clock = Source(), Indexer(), FakeClock()
    src.lists = [page("10", pod("a", "10")), page("20", pod("b", "20"))]
    src.watches = [[expired()]]
    r = Reflector(src, store, clock=clock)
    await run_until(src, lambda: store.list_keys() == ["ns/b"], r, clock)
    assert src.calls[2] == ("list", {"resourceVersion": "10"})


async def test_reflector_full_list_if_expired() -> None:
    # TestReflectorFullListIfExpired: a LIST at a compacted RV falls back to RV="" at once.
    src, store, clock = Source(), Indexer(), FakeClock()
    gone = ApiError(410, {"reason": "Expired", "code": 410})
    src.lists = [page("10"), gone, page("30", pod("c", "30"))]
    src.watches = [[expired()]]
    r = Reflector(src, store, clock=clock)
    await run_until(src, lambda: store.list_keys() == ["ns/c"], r, clock)
    lists = [p for k, p in src.calls if k == "list"]
    assert lists[1:] == [{"resourceVersion": "10"}, {"resourceVersion": ""}]


async def test_too_many_requests_on_watch_retries_the_watch_without_relisting() -> None:
    # TestNoRelistOnTooManyRequests
    src, store, clock = Source(), Indexer(), FakeClock()
    src.lists = [page("10")]
    src.watches = [ApiError(429, {"reason": "TooManyRequests"}), [], []]
    r = Reflector(src, store, clock=clock)
    await run_until(src, lambda: len([c for c in src.calls if c[0] == "watch"]) >= 2, r, clock)
    assert [c[0] for c in src.calls].count("list") == 1


async def test_streaming_list_replaces_the_store_at_the_initial_events_end_bookmark() -> None:
    src, store, clock = Source(), Indexer(), FakeClock()
    end = {
        "type": "BOOKMARK",
        "object": {
            "kind": "Pod",
            "metadata": {
                "resourceVersion": "50",
                "annotations": {"k8s.io/initial-events-end": "true"},
            },
        },
    }
    src.watches = [
        [
            {"type": "ADDED", "object": pod("a", "3")},
            {"type": "ADDED", "object": pod("b", "4")},
            end,
            {"type": "DELETED", "object": pod("a", "51")},
        ]
    ]
    r = Reflector(src, store, clock=clock, use_watch_list=True)
    await run_until(
        src,
        lambda: store.list_keys() == ["ns/b"] and r.last_sync_resource_version == "51",
        r,
        clock,
    )
    kind, params = src.calls[0]
    assert kind == "watch"
    assert params["sendInitialEvents"] == "true"
    assert params["resourceVersionMatch"] == "NotOlderThan"
    assert "list" not in [c[0] for c in src.calls]


async def test_streaming_list_refused_as_invalid_falls_back_to_list_and_watch() -> None:
    src, store, clock = Source(), Indexer(), FakeClock()
    src.watches = [ApiError(422, {"reason": "Invalid"})]
    src.lists = [page("7", pod("a", "7"))]
    r = Reflector(src, store, clock=clock, use_watch_list=True)
    await run_until(src, lambda: store.list_keys() == ["ns/a"], r, clock)
    assert [c[0] for c in src.calls][:2] == ["watch", "list"]


@pytest.mark.parametrize("code", [500, 403])
async def test_list_errors_are_reported_and_retried_after_backoff(code: int) -> None:
    src, store, clock = Source(), Indexer(), FakeClock()
    errors: list[BaseException] = []
    src.lists = [ApiError(code, {"reason": "X"}), page("5", pod("a", "5"))]
    r = Reflector(src, store, clock=clock, watch_error_handler=lambda _r, e: errors.append(e))
    await run_until(src, lambda: len(store) == 1, r, clock)
    assert len(errors) == 1 and isinstance(errors[0], ApiError)
