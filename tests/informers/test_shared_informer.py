"""SharedIndexInformer against a scripted source on a fake clock (client-go
shared_informer_test.go; Go test names in the function names where one exists)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from informers.clock import FakeClock
from informers.errors import ApiError
from informers.shared_informer import SharedIndexInformer
from informers.store import DeletedFinalStateUnknown
from informers.testing import FakeListerWatcher, FakeWatch, list_page, until


def pod(name: str, rv: str, **labels: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv, "labels": labels},
    }


class Recorder:
    """A handler that writes down what it is told, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def on_add(self, obj: dict[str, Any], initial: bool) -> None:
        self.events.append(("add", obj["metadata"]["name"], "initial" if initial else "live"))

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.events.append(("update", new["metadata"]["name"], old["metadata"]["resourceVersion"]))

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.events.append(("delete-unknown", obj.key, obj.obj["metadata"]["resourceVersion"]))
        else:
            self.events.append(("delete", obj["metadata"]["name"]))


class Env:
    def __init__(self, src: FakeListerWatcher, **kw: Any) -> None:
        self.src = src
        self.clock = FakeClock()
        kw.setdefault("inactivity_timeout", None)
        self.informer = SharedIndexInformer(src, kind="Pod", clock=self.clock, name="pods", **kw)

    @property
    def watch(self) -> FakeWatch:
        return self.src.opened[-1]


@pytest.fixture
async def envs() -> AsyncIterator[list[Env]]:
    made: list[Env] = []
    yield made
    for e in made:
        await e.informer.stop()


def make(envs: list[Env], *lists: dict[str, Any], **kw: Any) -> Env:
    e = Env(FakeListerWatcher(lists=list(lists)), **kw)
    envs.append(e)
    return e


async def test_handlers_get_the_initial_list_as_initial_adds_then_live_events_in_order(
    envs: list[Env],
) -> None:
    e = make(envs, list_page("10", pod("a", "1"), pod("b", "2")))
    rec = Recorder()
    reg = e.informer.add_event_handler(rec)
    await e.informer.start()
    assert await e.informer.wait_for_sync(1)
    assert await reg.wait_for_sync(1)
    assert rec.events == [("add", "a", "initial"), ("add", "b", "initial")]
    await until(lambda: len(e.src.opened) == 1)
    e.watch.added(pod("c", "11")).modified(pod("a", "12")).deleted(pod("b", "13"))
    await until(lambda: len(rec.events) == 5)
    assert rec.events[2:] == [("add", "c", "live"), ("update", "a", "1"), ("delete", "b")]
    assert e.informer.indexer.list_keys() == ["ns/a", "ns/c"]
    assert e.informer.last_sync_resource_version == "13"


async def test_bookmark_advances_the_version_and_calls_no_handler(envs: list[Env]) -> None:
    e = make(envs, list_page("10", pod("a", "1")))
    rec = Recorder()
    e.informer.add_event_handler(rec)
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    await until(lambda: len(e.src.opened) == 1)
    e.watch.bookmark("99")
    await until(lambda: e.informer.last_sync_resource_version == "99")
    await until(e.informer.quiescent)
    assert rec.events == [("add", "a", "initial")]


async def test_relist_delivers_vanished_objects_as_final_state_unknown_before_adds_and_updates(
    envs: list[Env],
) -> None:
    # The watch breaks with 410; meanwhile b was deleted and c created. The relist must
    # infer b's deletion (last known state attached) and deliver it before the relist's
    # adds and updates, in list order.
    e = make(
        envs,
        list_page("10", pod("a", "1"), pod("b", "2")),
        list_page("30", pod("a", "25"), pod("c", "30")),
    )
    rec = Recorder()
    e.informer.add_event_handler(rec)
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    await until(lambda: len(e.src.opened) == 1)
    e.watch.error(410, "Expired")
    reflector = e.informer.reflector
    assert reflector is not None
    await until(lambda: reflector.backoff.waiting)
    e.clock.step(1.6)
    await until(lambda: len(rec.events) == 5)
    assert rec.events[2:] == [
        ("delete-unknown", "ns/b", "2"),
        ("update", "a", "1"),
        ("add", "c", "live"),
    ]
    assert e.informer.indexer.list_keys() == ["ns/a", "ns/c"]


async def test_listener_resync_periods(envs: list[Env]) -> None:
    # TestListenerResyncPeriods: the informer checks every second; each handler gets Sync
    # updates on its own period, never at all with period 0.
    e = make(envs, list_page("10", pod("a", "1")), resync_period=1.0)
    every1, every2, never = Recorder(), Recorder(), Recorder()
    e.informer.add_event_handler(every1, resync_period=1.0)
    e.informer.add_event_handler(every2, resync_period=2.0)
    e.informer.add_event_handler(never, resync_period=0)
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    await until(lambda: len(e.src.opened) == 1 and e.clock.has_waiters())
    syncs = ("update", "a", "1")
    for second, (n1, n2) in enumerate(((1, 0), (2, 1), (3, 1), (4, 2)), start=1):
        e.clock.step(1.0)
        await until(lambda n1=n1: every1.events.count(syncs) == n1, what=f"t={second}")  # type: ignore[misc]
        await until(e.informer.quiescent)
        assert every2.events.count(syncs) == n2
    assert never.events == [("add", "a", "initial")]


async def test_shared_informer_watch_disruption(envs: list[Env]) -> None:
    # TestSharedInformerWatchDisruption: after a relist, an object whose resourceVersion
    # did not change is an update only for handlers whose resync is due; a changed one is
    # an update for everyone.
    e = make(
        envs,
        list_page("10", pod("same", "1"), pod("changed", "2")),
        list_page("20", pod("same", "1"), pod("changed", "20")),
        resync_period=10.0,
    )
    syncing, plain = Recorder(), Recorder()
    e.informer.add_event_handler(syncing, resync_period=10.0)
    e.informer.add_event_handler(plain, resync_period=0)
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    await until(lambda: len(e.src.opened) == 1 and e.clock.has_waiters())
    e.clock.step(10.0)  # the resync check marks `syncing` as due
    await until(lambda: syncing.events.count(("update", "same", "1")) == 1)
    e.watch.error(410, "Expired")
    reflector = e.informer.reflector
    assert reflector is not None
    await until(lambda: reflector.backoff.waiting)
    e.clock.step(1.6)
    await until(lambda: ("update", "changed", "2") in plain.events)
    await until(e.informer.quiescent)
    assert syncing.events.count(("update", "same", "1")) == 2  # resync + unchanged relist
    assert ("update", "same", "1") not in plain.events
    assert ("update", "changed", "2") in syncing.events


async def test_handler_resync_period_is_fitted_to_the_check_period(envs: list[Env]) -> None:
    e = make(envs, list_page("10"), resync_period=30.0)
    slow = e.informer.add_event_handler(Recorder(), resync_period=60.0)
    assert slow.resync_period == 60.0
    fast = e.informer.add_event_handler(Recorder(), resync_period=10.0)  # before start:
    assert e.informer.resync_check_period == 10.0  # it lowers the check period
    assert fast.resync_period == 10.0
    tiny = e.informer.add_event_handler(Recorder(), resync_period=0.1)
    assert tiny.resync_period == 1.0  # minimum resync period
    await e.informer.start()
    late = e.informer.add_event_handler(Recorder(), resync_period=0.5)
    assert late.resync_period == 1.0  # after start: raised to the check period

    off = make(envs, list_page("10"))  # an informer without resync ignores handler periods
    assert off.informer.add_event_handler(Recorder(), resync_period=5.0).resync_period == 0.0


async def test_add_while_active(envs: list[Env]) -> None:
    # TestAddWhileActive: a late handler first gets the whole cache as initial adds; its
    # own has_synced turns true only once it has returned from all of them.
    e = make(envs, list_page("10", pod("a", "1"), pod("b", "2")))
    early = Recorder()
    e.informer.add_event_handler(early)
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    gate = asyncio.Event()
    late_events: list[str] = []

    async def on_add(obj: dict[str, Any], initial: bool) -> None:
        await gate.wait()
        late_events.append(f"{obj['metadata']['name']}:{initial}")

    reg = e.informer.add_event_handler(on_add=on_add)
    await until(lambda: len(e.src.opened) == 1)
    e.watch.added(pod("c", "11"))
    await until(lambda: len(early.events) == 3)
    assert e.informer.has_synced() and not reg.has_synced()
    gate.set()
    assert await reg.wait_for_sync(1)
    await until(lambda: len(late_events) == 3)
    assert late_events == ["a:True", "b:True", "c:False"]  # the snapshot, then changes


async def test_slow_handler_never_blocks_the_others(envs: list[Env]) -> None:
    e = make(envs, list_page("10"))
    gate = asyncio.Event()
    slow_seen: list[str] = []

    async def slow_add(obj: dict[str, Any], initial: bool) -> None:
        await gate.wait()
        slow_seen.append(obj["metadata"]["name"])

    fast = Recorder()
    e.informer.add_event_handler(on_add=slow_add)
    e.informer.add_event_handler(fast)
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    await until(lambda: len(e.src.opened) == 1)
    for i in range(200):
        e.watch.added(pod(f"p{i:03}", str(11 + i)))
    await until(lambda: len(fast.events) == 200)
    assert slow_seen == [] and len(e.informer.indexer) == 200
    assert not e.informer.quiescent()  # the slow handler still has 200 to go
    gate.set()
    await until(lambda: len(slow_seen) == 200)
    assert slow_seen == [f"p{i:03}" for i in range(200)]  # in order, none lost
    await until(e.informer.quiescent)


async def test_a_plain_callbacks_return_value_is_ignored(envs: list[Env]) -> None:
    e = make(envs, list_page("10", pod("a", "1")))
    seen: list[str] = []

    def returns_a_value(o: dict[str, Any], _i: bool) -> int:
        seen.append(o["metadata"]["name"])
        return 42

    e.informer.add_event_handler(on_add=returns_a_value)
    e.informer.add_event_handler(on_add=lambda o, _i: seen.append("second"))
    await e.informer.start()
    await until(lambda: len(seen) == 2)
    await until(e.informer.quiescent)
    assert sorted(seen) == ["a", "second"]


async def test_async_handlers_keep_their_own_order(envs: list[Env]) -> None:
    e = make(envs, list_page("10"))
    seen: list[str] = []

    async def on_update(old: dict[str, Any], new: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        seen.append(new["metadata"]["resourceVersion"])

    e.informer.add_event_handler(on_update=on_update)
    await e.informer.start()
    await until(lambda: len(e.src.opened) == 1)
    e.watch.added(pod("a", "11"))
    for rv in range(12, 40):
        e.watch.modified(pod("a", str(rv)))
    await until(lambda: len(seen) == 28)
    assert seen == [str(rv) for rv in range(12, 40)]


async def test_removing_a_removed_or_foreign_handler_is_a_no_op(envs: list[Env]) -> None:
    # TestRemovingRemovedSharedInformer, TestSharedInformerRemoveForeignHandler
    e = make(envs, list_page("10", pod("a", "1")))
    other = make(envs, list_page("10"))
    rec = Recorder()
    reg = e.informer.add_event_handler(rec)
    foreign = other.informer.add_event_handler(Recorder())
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    e.informer.remove_event_handler(reg)
    e.informer.remove_event_handler(reg)
    e.informer.remove_event_handler(foreign)
    assert e.informer.handlers == [] and other.informer.handlers == [foreign]
    await until(lambda: len(e.src.opened) == 1)
    e.watch.added(pod("b", "11"))
    await until(lambda: len(e.informer.indexer) == 2)
    assert rec.events == [("add", "a", "initial")]


async def test_shared_informer_multiple_registration(envs: list[Env]) -> None:
    # The same handler registered twice is two registrations: it hears everything twice,
    # and removing one leaves the other.
    e = make(envs, list_page("10", pod("a", "1")))
    rec = Recorder()
    first = e.informer.add_event_handler(rec)
    e.informer.add_event_handler(rec)
    await e.informer.start()
    await until(lambda: len(rec.events) == 2)
    e.informer.remove_event_handler(first)
    await until(lambda: len(e.src.opened) == 1)
    e.watch.added(pod("b", "11"))
    await until(lambda: len(rec.events) == 3)
    await until(e.informer.quiescent)
    assert rec.events.count(("add", "b", "live")) == 1


async def test_set_transform_runs_once_per_object_not_on_tombstones(envs: list[Env]) -> None:
    e = make(
        envs,
        list_page("10", pod("a", "1"), pod("b", "2")),
        list_page("20", pod("a", "1")),
    )
    calls: list[str] = []

    def trim(obj: dict[str, Any]) -> dict[str, Any]:
        calls.append(obj["metadata"]["name"])
        return {**obj, "trimmed": True}

    e.informer.set_transform(trim)
    rec = Recorder()
    deleted: list[Any] = []
    e.informer.add_event_handler(rec)
    e.informer.add_event_handler(on_delete=deleted.append)
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    assert all(o["trimmed"] for o in e.informer.indexer.list())
    await until(lambda: len(e.src.opened) == 1)
    e.watch.error(410, "Expired")
    reflector = e.informer.reflector
    assert reflector is not None
    await until(lambda: reflector.backoff.waiting)
    e.clock.step(1.6)
    await until(lambda: len(deleted) == 1)
    assert calls == ["a", "b", "a"]  # each object from the server once; no tombstone
    assert isinstance(deleted[0], DeletedFinalStateUnknown) and deleted[0].obj["trimmed"]
    with pytest.raises(RuntimeError, match="already started"):
        e.informer.set_transform(trim)


async def test_a_failing_transform_skips_that_object_and_the_watch_goes_on(
    envs: list[Env], caplog: pytest.LogCaptureFixture
) -> None:
    e = make(envs, list_page("10"))

    def picky(obj: dict[str, Any]) -> dict[str, Any]:
        if obj["metadata"]["name"] == "bad":
            raise ValueError("cannot trim")
        return obj

    e.informer.set_transform(picky)
    await e.informer.start()
    await until(lambda: len(e.src.opened) == 1)
    with caplog.at_level(logging.ERROR, logger="informers.reflector"):
        e.watch.added(pod("bad", "11")).added(pod("good", "12"))
        await until(lambda: e.informer.indexer.list_keys() == ["ns/good"])
    assert "unable to store a ADDED watch event object" in caplog.text
    assert e.informer.last_sync_resource_version == "12"
    assert e.src.verbs() == ["list", "watch"]  # no relist


async def test_watch_error_handler_is_called_and_refused_after_start(envs: list[Env]) -> None:
    e = make(envs, list_page("10"), list_page("11"))
    errors: list[BaseException] = []
    e.informer.set_watch_error_handler(lambda _r, err: errors.append(err))
    await e.informer.start()
    await until(lambda: len(e.src.opened) == 1)
    e.watch.added(pod("a", "11")).error(410, "Expired", "too old")
    await until(lambda: len(errors) == 1)
    assert "Expired" in str(errors[0])
    with pytest.raises(RuntimeError, match="already started"):
        e.informer.set_watch_error_handler(lambda _r, err: None)


async def test_event_panics(envs: list[Env], caplog: pytest.LogCaptureFixture) -> None:
    # TestEventPanics: a failing handler is logged, pauses a second, and goes on with the
    # next notification; the other handlers are not affected.
    e = make(envs, list_page("10", pod("boom", "1"), pod("ok", "2")))
    seen: list[str] = []

    def on_add(obj: dict[str, Any], initial: bool) -> None:
        if obj["metadata"]["name"] == "boom":
            raise ValueError("handler bug")
        seen.append(obj["metadata"]["name"])

    other = Recorder()
    e.informer.add_event_handler(on_add=on_add)
    e.informer.add_event_handler(other)
    with caplog.at_level(logging.ERROR, logger="informers.shared_informer"):
        await e.informer.start()
        await until(lambda: len(other.events) == 2)
        await until(e.clock.has_waiters)
    assert seen == [] and "event handler failed on add" in caplog.text
    e.clock.step(1.0)
    await until(lambda: seen == ["ok"])


async def test_has_synced_and_last_sync_resource_version(envs: list[Env]) -> None:
    e = make(envs, list_page("7", pod("a", "1")))
    assert not e.informer.has_synced() and e.informer.last_sync_resource_version == ""
    waiter = asyncio.create_task(e.informer.wait_for_sync(1))  # before start: waits
    await e.informer.start()
    assert await waiter
    assert e.informer.has_synced() and e.informer.last_sync_resource_version == "7"


async def test_wait_for_sync_returns_false_once_stopped(envs: list[Env]) -> None:
    e = make(envs, ApiError(403, {"code": 403, "reason": "Forbidden"}))
    await e.informer.start()
    waiter = asyncio.create_task(e.informer.wait_for_sync())  # no timeout
    await until(lambda: len(e.src.calls) == 1)
    await e.informer.stop()
    assert await asyncio.wait_for(waiter, 1) is False


async def test_add_indexers_after_start_indexes_the_cache(envs: list[Env]) -> None:
    e = make(envs, list_page("7", pod("a", "1", app="web"), pod("b", "2", app="db")))
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    e.informer.add_indexers({"app": lambda o: [o["metadata"]["labels"].get("app", "")]})
    assert e.informer.indexer.index_keys("app", "web") == ["ns/a"]


async def test_stop_is_idempotent_and_ends_every_task(envs: list[Env]) -> None:
    e = make(envs, list_page("7"))
    reg = e.informer.add_event_handler(Recorder())
    await e.informer.start()
    await e.informer.wait_for_sync(1)
    await e.informer.stop()
    await e.informer.stop()
    assert e.informer.stopped
    assert all(t.done() for t in e.informer._tasks)
    assert reg._task is not None and reg._task.done()
    with pytest.raises(RuntimeError, match="stopped"):
        e.informer.add_event_handler(Recorder())
