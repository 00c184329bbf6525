"""Reflector resourceVersion handling against a scripted source on a fake clock
(client-go reflector_test.go; Go test names in the function names where one exists)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from informers.clock import FakeClock
from informers.errors import ApiError, ConnectionRefused
from informers.reflector import Reflector, VeryShortWatch
from informers.store import Indexer
from informers.testing import FakeListerWatcher, FakeWatch, list_page, until

Start = Callable[[Reflector], asyncio.Task[None]]


def pod(name: str, rv: str, kind: str = "Pod") -> dict[str, Any]:
    return {
        "kind": kind,
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv},
    }


def item(name: str, rv: str) -> dict[str, Any]:
    """A list item: no kind/apiVersion, as the API server sends them."""
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}}


def gone() -> ApiError:
    return ApiError(410, {"kind": "Status", "code": 410, "reason": "Expired", "message": "old"})


def too_large() -> ApiError:
    details = {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large"}]}
    return ApiError(504, {"code": 504, "reason": "Timeout", "details": details})


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    tasks: list[asyncio.Task[None]] = []

    def run(r: Reflector) -> asyncio.Task[None]:
        t = asyncio.create_task(r.run())
        tasks.append(t)
        return t

    yield run
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def reflector(src: FakeListerWatcher, store: Any, clock: FakeClock, **kw: Any) -> Reflector:
    kw.setdefault("rng", random.Random(4))
    return Reflector(src, store, clock=clock, name="pods", **kw)


async def test_reflector_first_list_is_rv0_paged_then_watch_from_the_list_version(
    start: Start,
) -> None:
    src = FakeListerWatcher(
        lists=[list_page("10", item("a", "5"), cont="t1"), list_page("10", item("b", "6"))]
    )
    store, clock = Indexer(), FakeClock()
    r = reflector(src, store, clock, expected_kind="Pod", expected_api_version="v1")
    start(r)
    await until(lambda: src.verbs() == ["list", "list", "watch"])
    assert src.calls[0] == ("list", {"resourceVersion": "0", "limit": "500"})
    # Later pages carry the token only: resourceVersion is not allowed with continue.
    assert src.calls[1] == ("list", {"limit": "500", "continue": "t1"})
    watch = src.params("watch")[0]
    assert watch["resourceVersion"] == "10"
    assert watch["allowWatchBookmarks"] == "true"
    assert 300 <= int(watch["timeoutSeconds"]) < 600
    assert store.list_keys() == ["ns/a", "ns/b"]
    a = store.get_by_key("ns/a")
    assert a is not None
    assert (a["kind"], a["apiVersion"]) == ("Pod", "v1")  # list items get what events carry
    assert r.last_sync_resource_version == "10"


async def test_watch_timeout_is_random_in_300_to_600_seconds(start: Start) -> None:
    # TestWatchTimeout: spread watch restarts over time. Each watch carries one event and
    # ends cleanly, so the reflector re-watches at once, drawing a new timeout each time.
    watches = [FakeWatch().added(pod(f"p{i}", str(11 + i))).end() for i in range(30)]
    src = FakeListerWatcher(lists=[list_page("10")], watches=watches)
    r = reflector(src, Indexer(), FakeClock(), rng=random.Random())
    start(r)
    await until(lambda: len(src.params("watch")) > 30)
    timeouts = [int(p["timeoutSeconds"]) for p in src.params("watch")]
    assert all(300 <= t < 600 for t in timeouts)
    assert len(set(timeouts)) > 5


async def test_clean_watch_close_rewatches_from_the_last_version_without_relisting(
    start: Start,
) -> None:
    w1 = FakeWatch().added(pod("b", "11")).modified(pod("b", "12")).end()
    src = FakeListerWatcher(lists=[list_page("10")], watches=[w1])
    store, clock = Indexer(), FakeClock()
    r = reflector(src, store, clock)
    start(r)
    await until(lambda: len(src.params("watch")) == 2)
    assert src.verbs() == ["list", "watch", "watch"]
    assert src.params("watch")[1]["resourceVersion"] == "12"
    assert not r.backoff.waiting  # no backoff after a clean close either


async def test_reflector_resync_with_resource_version(start: Start) -> None:
    # 410 on the watch: back off first, then list at the last version seen (unpaged, so
    # a real server answers from its watch cache), then watch from the new list.
    w1 = FakeWatch().added(pod("b", "11")).error(410, "Expired", "too old resource version")
    src = FakeListerWatcher(
        lists=[list_page("10", item("a", "10")), list_page("20", item("c", "20"))], watches=[w1]
    )
    store, clock = Indexer(), FakeClock()
    r = reflector(src, store, clock)
    start(r)
    await until(lambda: r.backoff.waiting, what="backing off after the 410")
    assert src.verbs() == ["list", "watch"]  # no relist before the backoff
    clock.step(1.6)  # the first backoff is 0.8 s plus up to 0.8 s of jitter
    await until(lambda: store.list_keys() == ["ns/c"])
    assert src.params("list")[1] == {"resourceVersion": "11"}
    await until(lambda: len(src.params("watch")) == 2)
    assert src.params("watch")[1]["resourceVersion"] == "20"


async def test_reflector_expired_exact_resource_version(start: Start) -> None:
    # A LIST at a compacted version is retried at once at "" (a quorum read): no backoff.
    w1 = FakeWatch().added(pod("b", "11")).error(410, "Expired")
    src = FakeListerWatcher(lists=[list_page("10"), gone(), list_page("30", item("c", "30"))])
    src.watches.append(w1)
    store, clock = Indexer(), FakeClock()
    r = reflector(src, store, clock)
    start(r)
    await until(lambda: r.backoff.waiting)
    clock.step(1.6)
    await until(lambda: store.list_keys() == ["ns/c"])
    assert src.params("list")[1:] == [{"resourceVersion": "11"}, {"resourceVersion": ""}]
    await until(lambda: len(src.params("watch")) == 2)
    assert src.params("watch")[1]["resourceVersion"] == "30"


async def test_reflector_full_list_if_too_large(start: Start) -> None:
    w1 = FakeWatch().added(pod("b", "11")).error(410, "Expired")
    src = FakeListerWatcher(lists=[list_page("10"), too_large(), list_page("30")], watches=[w1])
    clock = FakeClock()
    r = reflector(src, Indexer(), clock)
    start(r)
    await until(lambda: r.backoff.waiting)
    clock.step(1.6)
    await until(lambda: len(src.params("list")) == 3)
    assert src.params("list")[2] == {"resourceVersion": ""}


async def test_reflector_relist_stays_paged_when_the_first_list_was_paged(start: Start) -> None:
    # A paged answer to the RV=0 list means the server has no watch cache: keep paging.
    w1 = FakeWatch().added(pod("c", "11")).error(410, "Expired")
    src = FakeListerWatcher(
        lists=[
            list_page("10", item("a", "1"), cont="t1"),
            list_page("10", item("b", "2")),
            list_page("20"),
        ],
        watches=[w1],
    )
    clock = FakeClock()
    r = reflector(src, Indexer(), clock)
    start(r)
    await until(lambda: r.backoff.waiting)
    clock.step(1.6)
    await until(lambda: len(src.params("list")) == 3)
    assert src.params("list")[2] == {"resourceVersion": "11", "limit": "500"}


async def test_expired_continue_token_on_page_two_does_one_full_list(start: Start) -> None:
    # tools/pager: an expired token falls back to one unpaged list at the original version.
    src = FakeListerWatcher(
        lists=[
            list_page("10", item("a", "1"), cont="t1"),
            gone(),
            list_page("12", item("a", "1"), item("b", "11")),
        ]
    )
    store = Indexer()
    r = reflector(src, store, FakeClock())
    start(r)
    await until(lambda: src.verbs() == ["list", "list", "list", "watch"])
    assert src.params("list") == [
        {"resourceVersion": "0", "limit": "500"},
        {"limit": "500", "continue": "t1"},
        {"resourceVersion": "0"},
    ]
    assert store.list_keys() == ["ns/a", "ns/b"]
    assert src.params("watch")[0]["resourceVersion"] == "12"


@pytest.mark.parametrize(
    "error",
    [
        ApiError(429, {"code": 429, "reason": "TooManyRequests"}),
        ConnectionRefused("watch /api/v1/pods: connection refused"),
    ],
    ids=["too-many-requests", "connection-refused"],
)
async def test_no_relist_on_too_many_requests_or_refused_watch(
    start: Start, error: Exception
) -> None:
    # TestNoRelistOnTooManyRequests, TestReflectorListAndWatchInitConnBackoff: the server
    # is busy or restarting; relisting would only add load. Back off, retry the watch.
    src = FakeListerWatcher(lists=[list_page("10")], watches=[error, error])
    clock = FakeClock()
    r = reflector(src, Indexer(), clock)
    start(r)
    await until(lambda: r.backoff.waiting)
    assert src.verbs() == ["list", "watch"]
    clock.step(1.6)
    await until(lambda: len(src.params("watch")) == 2 and r.backoff.waiting)
    clock.step(3.2)
    await until(lambda: len(src.params("watch")) == 3)
    assert src.verbs() == ["list", "watch", "watch", "watch"]
    assert all(p["resourceVersion"] == "10" for p in src.params("watch"))


async def test_too_many_requests_waits_at_least_retry_after(start: Start) -> None:
    throttled = ApiError(429, {"code": 429, "details": {"retryAfterSeconds": 10}})
    src = FakeListerWatcher(lists=[list_page("10")], watches=[throttled])
    clock = FakeClock()
    r = reflector(src, Indexer(), clock)
    start(r)
    await until(lambda: r.backoff.waiting)
    clock.step(9.9)
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(src.params("watch")) == 1
    clock.step(0.1)
    await until(lambda: len(src.params("watch")) == 2)


async def test_too_many_requests_as_a_watch_event_retries_the_watch(start: Start) -> None:
    w1 = FakeWatch().added(pod("a", "11")).error(429, "TooManyRequests")
    src = FakeListerWatcher(lists=[list_page("10")], watches=[w1])
    clock = FakeClock()
    r = reflector(src, Indexer(), clock)
    start(r)
    await until(lambda: r.backoff.waiting)
    clock.step(1.6)
    await until(lambda: len(src.params("watch")) == 2)
    assert src.verbs() == ["list", "watch", "watch"]
    assert src.params("watch")[1]["resourceVersion"] == "11"


async def test_bookmark_advances_the_version_and_stores_nothing(start: Start) -> None:
    w1 = FakeWatch().bookmark("42").end()
    src = FakeListerWatcher(lists=[list_page("10")], watches=[w1])
    store = Indexer()
    r = reflector(src, store, FakeClock())
    start(r)
    await until(lambda: len(src.params("watch")) == 2)
    assert src.params("watch")[1]["resourceVersion"] == "42"
    assert len(store) == 0


async def test_watch_from_empty_version_does_not_advance_during_synthetic_adds(
    start: Start,
) -> None:
    # A watch started at "" replays the current state as ADDED in key order, not version
    # order: resuming from one of those versions could skip changes, so the version only
    # moves once something other than ADDED arrives.
    w1 = FakeWatch().added(pod("a", "7")).added(pod("b", "5")).end()
    w2 = FakeWatch().added(pod("c", "8")).modified(pod("a", "9")).end()
    src = FakeListerWatcher(lists=[list_page("")], watches=[w1, w2])
    store = Indexer()
    r = reflector(src, store, FakeClock())
    start(r)
    await until(lambda: len(src.params("watch")) == 3)
    assert [p["resourceVersion"] for p in src.params("watch")] == ["", "", "9"]
    assert store.list_keys() == ["ns/a", "ns/b", "ns/c"]


async def test_a_bookmark_ends_the_synthetic_phase(start: Start) -> None:
    w1 = FakeWatch().added(pod("a", "7")).bookmark("12").added(pod("b", "13")).end()
    src = FakeListerWatcher(lists=[list_page("0")], watches=[w1])
    r = reflector(src, Indexer(), FakeClock())
    start(r)
    await until(lambda: len(src.params("watch")) == 2)
    assert src.params("watch")[1]["resourceVersion"] == "13"


async def test_very_short_watch_is_an_error_followed_by_backoff_and_relist(start: Start) -> None:
    errors: list[BaseException] = []
    src = FakeListerWatcher(lists=[list_page("10"), list_page("11")], watches=[FakeWatch(end=True)])
    clock = FakeClock()
    r = reflector(src, Indexer(), clock, watch_error_handler=lambda _r, e: errors.append(e))
    start(r)
    await until(lambda: r.backoff.waiting)
    assert len(errors) == 1 and isinstance(errors[0], VeryShortWatch)
    clock.step(1.6)
    await until(lambda: len(src.params("list")) == 2)
    assert src.params("list")[1] == {"resourceVersion": "10"}


async def test_watch_error_handler_sees_every_error_that_ends_a_round(start: Start) -> None:
    # TestSharedInformerErrorHandling: list failures and watch endings alike, each round
    # followed by a backoff.
    errors: list[BaseException] = []
    list_error = ApiError(403, {"code": 403, "reason": "Forbidden"})
    w1 = FakeWatch().added(pod("a", "11")).error(410, "Expired")
    src = FakeListerWatcher(lists=[list_error, list_page("10"), list_page("12")], watches=[w1])
    clock = FakeClock()
    r = reflector(src, Indexer(), clock, watch_error_handler=lambda _r, e: errors.append(e))
    start(r)
    await until(lambda: r.backoff.waiting)
    assert [getattr(e, "code", None) for e in errors] == [403]
    clock.step(1.6)
    await until(lambda: len(errors) == 2 and r.backoff.waiting)
    assert errors[1].code == 410  # type: ignore[attr-defined]
    clock.step(3.2)
    await until(lambda: len(src.params("list")) == 3)


async def test_retry_internal_error(start: Start) -> None:
    # TestRetryInternalError: a 500 ERROR event ends the round (relist) unless
    # max_internal_error_retry_duration allows re-watching for a while.
    def script() -> FakeListerWatcher:
        w1 = FakeWatch().added(pod("a", "11")).error(500, "InternalError")
        return FakeListerWatcher(lists=[list_page("10"), list_page("12")], watches=[w1])

    src, clock = script(), FakeClock()
    r = reflector(src, Indexer(), clock)
    start(r)
    await until(lambda: r.backoff.waiting)
    assert src.verbs() == ["list", "watch"]

    src, clock = script(), FakeClock()
    r = reflector(src, Indexer(), clock, max_internal_error_retry_duration=30.0)
    start(r)
    await until(lambda: len(src.params("watch")) == 2)
    assert src.verbs() == ["list", "watch", "watch"]
    assert src.params("watch")[1]["resourceVersion"] == "11"


async def test_inactivity_watchdog_restarts_a_silent_watch_without_relisting(
    start: Start,
) -> None:
    src = FakeListerWatcher(lists=[list_page("10")])  # every watch opens and stays silent
    clock = FakeClock()
    r = reflector(src, Indexer(), clock, inactivity_timeout=180.0)
    start(r)
    await until(lambda: len(src.params("watch")) == 1)
    clock.step(179.9)
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(src.params("watch")) == 1
    clock.step(0.1)
    await until(lambda: len(src.params("watch")) == 2)
    assert src.verbs() == ["list", "watch", "watch"]
    assert src.params("watch")[1]["resourceVersion"] == "10"
    assert src.opened[0].closed  # the stalled connection is closed, not leaked
    assert r.stalls == 1 and not r.backoff.waiting


async def test_any_event_rearms_the_watchdog(start: Start) -> None:
    w1 = FakeWatch()
    src = FakeListerWatcher(lists=[list_page("10")], watches=[w1])
    clock = FakeClock()
    r = reflector(src, Indexer(), clock, inactivity_timeout=180.0)
    start(r)
    await until(lambda: len(src.params("watch")) == 1)
    clock.step(100)
    w1.bookmark("11")
    await until(lambda: r.last_sync_resource_version == "11")
    clock.step(179)  # 279 s since the watch started, 179 s since the bookmark
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(src.params("watch")) == 1
    clock.step(1.1)
    await until(lambda: len(src.params("watch")) == 2)
    assert src.params("watch")[1]["resourceVersion"] == "11"


async def test_watchdog_can_be_disabled(start: Start) -> None:
    src = FakeListerWatcher(lists=[list_page("10")])
    clock = FakeClock()
    r = reflector(src, Indexer(), clock, inactivity_timeout=None)
    start(r)
    await until(lambda: len(src.params("watch")) == 1)
    clock.step(10_000)
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(src.params("watch")) == 1 and not clock.has_waiters()


async def test_reflector_watch_handler_skips_objects_of_another_kind(start: Start) -> None:
    w1 = FakeWatch().added(pod("a", "11", kind="Node")).added(pod("b", "12")).end()
    src = FakeListerWatcher(lists=[list_page("10")], watches=[w1])
    store = Indexer()
    r = reflector(src, store, FakeClock(), expected_kind="Pod")
    start(r)
    await until(lambda: len(src.params("watch")) == 2)
    assert store.list_keys() == ["ns/b"]


async def test_reflector_resync_calls_store_resync_when_should_resync(start: Start) -> None:
    class Counting(Indexer):
        resyncs = 0

        def resync(self) -> None:
            self.resyncs += 1

    answers = [False, True, True]
    asked: list[bool] = []

    def should_resync() -> bool:
        asked.append(answers[len(asked)])
        return asked[-1]

    store, clock = Counting(), FakeClock()
    src = FakeListerWatcher(lists=[list_page("10")])
    r = reflector(
        src,
        store,
        clock,
        resync_period=30.0,
        should_resync=should_resync,
        inactivity_timeout=None,
    )
    start(r)
    await until(lambda: len(src.params("watch")) == 1 and clock.has_waiters())
    for n, resyncs in ((1, 0), (2, 1), (3, 2)):
        clock.step(30)
        await until(lambda n=n: len(asked) == n and clock.has_waiters())  # type: ignore[misc]
        assert store.resyncs == resyncs


# -- streaming list (sendInitialEvents) -------------------------------------------------


def initial_events(*objs: dict[str, Any], end_rv: str = "50") -> list[dict[str, Any]]:
    """Synthetic ADDED events for ``objs``, then the initial-events-end bookmark."""
    end = {
        "type": "BOOKMARK",
        "object": {
            "kind": "Pod",
            "metadata": {
                "resourceVersion": end_rv,
                "annotations": {"k8s.io/initial-events-end": "true"},
            },
        },
    }
    return [*({"type": "ADDED", "object": o} for o in objs), end]


async def test_watch_list_replaces_the_store_at_the_end_bookmark_and_keeps_the_stream(
    start: Start,
) -> None:
    # TestWatchList: events fill a temporary store until the initial-events-end bookmark;
    # then one replace, and the same connection carries the live events.
    stream = FakeWatch()
    src = FakeListerWatcher(watches=[stream])
    store = Indexer()
    r = reflector(src, store, FakeClock(), use_watch_list=True)
    start(r)
    stream.added(pod("a", "3")).added(pod("b", "4")).modified(pod("a", "5"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(store) == 0  # nothing is visible before the bookmark
    stream.send(*initial_events(end_rv="50"), {"type": "DELETED", "object": pod("b", "51")})
    await until(lambda: store.list_keys() == ["ns/a"] and r.last_sync_resource_version == "51")
    a = store.get_by_key("ns/a")
    assert a is not None and a["metadata"]["resourceVersion"] == "5"
    assert src.verbs() == ["watch"]
    params = src.params("watch")[0]
    assert params["sendInitialEvents"] == "true"
    assert params["resourceVersionMatch"] == "NotOlderThan"
    assert params["allowWatchBookmarks"] == "true"
    assert params["resourceVersion"] == ""
    assert 300 <= int(params["timeoutSeconds"]) < 600


async def test_watch_list_refused_as_invalid_falls_back_to_list_and_watch(start: Start) -> None:
    src = FakeListerWatcher(
        lists=[list_page("7", item("a", "7"))],
        watches=[ApiError(422, {"code": 422, "reason": "Invalid"})],
    )
    store = Indexer()
    r = reflector(src, store, FakeClock(), use_watch_list=True)
    start(r)
    await until(lambda: src.verbs() == ["watch", "list", "watch"])
    assert store.list_keys() == ["ns/a"]
    assert "sendInitialEvents" not in src.params("watch")[1]


async def test_watch_list_ended_by_an_internal_error_falls_back_to_list(start: Start) -> None:
    broken = FakeWatch().added(pod("a", "3")).error(500, "InternalError")
    src = FakeListerWatcher(lists=[list_page("7")], watches=[broken])
    r = reflector(src, Indexer(), FakeClock(), use_watch_list=True)
    start(r)
    await until(lambda: src.verbs() == ["watch", "list", "watch"])


async def test_watch_list_retries_the_stream_after_too_many_requests(start: Start) -> None:
    throttled = ApiError(429, {"code": 429, "reason": "TooManyRequests"})
    ok = FakeWatch(*initial_events(pod("a", "3")))
    src = FakeListerWatcher(watches=[throttled, ok])
    clock = FakeClock()
    store = Indexer()
    r = reflector(src, store, clock, use_watch_list=True)
    start(r)
    await until(lambda: r.backoff.waiting)
    clock.step(1.6)
    await until(lambda: store.list_keys() == ["ns/a"])
    assert src.verbs() == ["watch", "watch"]


async def test_watch_list_resource_version_resets_to_empty_after_expired(start: Start) -> None:
    # TestWatchListResourceVersion: a resumed stream asks for the last version; if that is
    # expired it asks again at "" (the newest state) at once, never falling back to LIST.
    first = FakeWatch(*initial_events(pod("a", "3"), end_rv="50")).error(410, "Expired")
    third = FakeWatch(*initial_events(pod("z", "60"), end_rv="61"))
    src = FakeListerWatcher(watches=[first, gone(), third])
    clock, store = FakeClock(), Indexer()
    r = reflector(src, store, clock, use_watch_list=True)
    start(r)
    await until(lambda: r.backoff.waiting)
    clock.step(1.6)
    await until(lambda: store.list_keys() == ["ns/z"])
    assert [p["resourceVersion"] for p in src.params("watch")] == ["", "50", ""]
    assert "list" not in src.verbs()


async def test_watch_list_closed_before_the_end_bookmark_starts_over(start: Start) -> None:
    cut = FakeWatch().added(pod("a", "3")).end()
    ok = FakeWatch(*initial_events(pod("b", "4")))
    src = FakeListerWatcher(watches=[cut, ok])
    store = Indexer()
    r = reflector(src, store, FakeClock(), use_watch_list=True)
    start(r)
    await until(lambda: store.list_keys() == ["ns/b"])
    assert src.verbs() == ["watch", "watch"]
