"""The quiescence gate closes a step only when the scheduler is provably idle.

The probe here is a scripted stand-in for a scheduler: it sees exactly the frames the
gate's watches carry, so each test states what a scheduler must have been shown before
the step may end.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import orjson
import pytest

from fakekube.api.state import Recorder
from fakekube.batsim import quiescence
from fakekube.batsim.quiescence import Quiescence, SchedulerStuck
from fakekube.store import Store
from fakekube.watch import Watcher


class Client:
    """A watch and a task reading it as a real client would, keeping the bookmarks."""

    def __init__(self, store: Store, resource: str = "pods") -> None:
        self.watcher = store.watch(
            resource, resource_version=str(store.resource_version), allow_bookmarks=True
        )
        self.bookmarks: list[int] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for chunk in self.watcher:
            for line in chunk.splitlines():
                ev = orjson.loads(line)
                if ev["type"] == "BOOKMARK":
                    self.bookmarks.append(int(ev["object"]["metadata"]["resourceVersion"]))

    def close(self) -> None:
        self.watcher.close()


class RewatchingProbe:
    """A scheduler whose reflector re-watches pods in the middle of the step (a watch
    timeout): it is idle only once its *current* watch has been bookmarked at the barrier."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.client = Client(store)
        self.rewatched = False

    async def idle(self, barrier_rv: int) -> bool:
        if not self.rewatched:
            self.rewatched = True
            self.client.close()
            self.client = Client(self.store)  # often at the closed watch's address
            return False
        return barrier_rv in self.client.bookmarks

    def check_alive(self) -> None:
        pass


async def test_a_watch_opened_mid_step_gets_the_barrier_bookmark() -> None:
    store = Store()
    probe = RewatchingProbe(store)
    store.create("nodes", {"metadata": {"name": "n1"}})  # the step's write: not a pod
    gate = Quiescence(store, Recorder(10), probe, timeout=5.0)
    await asyncio.wait_for(gate.wait(), 10)
    assert store.resource_version in probe.client.bookmarks
    assert gate.fallbacks == 0


class CountingProbe:
    def __init__(self, store: Store, busy_polls: int) -> None:
        self.client = Client(store)
        self.busy_polls = busy_polls
        self.calls = 0

    async def idle(self, barrier_rv: int) -> bool:
        self.calls += 1
        return self.calls > self.busy_polls

    def check_alive(self) -> None:
        pass


async def test_the_step_waits_for_the_probe_and_holds_over_consecutive_polls() -> None:
    store = Store()
    probe = CountingProbe(store, busy_polls=5)
    gate = Quiescence(store, Recorder(10), probe, stable_polls=3, timeout=5.0)
    await asyncio.wait_for(gate.wait(), 10)
    assert probe.calls == 5 + 3
    assert (gate.steps, gate.fallbacks) == (1, 0)


async def test_a_busy_scheduler_is_polled_less_often_the_longer_it_stays_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Polling kube-scheduler's /metrics in a tight loop takes CPU from its scheduling;
    a step that ends quickly must still be seen at the fast poll."""
    clock = [0.0]
    pauses: list[tuple[int, float]] = []  # (probe answers so far, pause)

    async def fake_sleep(seconds: float) -> None:
        pauses.append((probe.calls, seconds))
        clock[0] += seconds
        await asyncio.sleep(0)

    monkeypatch.setattr(quiescence, "asyncio", SimpleNamespace(sleep=fake_sleep))
    monkeypatch.setattr(quiescence, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    store = Store()
    probe = CountingProbe(store, busy_polls=200)
    gate = Quiescence(
        store, Recorder(10), probe, poll=0.0005, busy_poll_max=0.02, stable_polls=2, timeout=60
    )
    await gate.wait()
    busy = [p for calls, p in pauses if 1 <= calls <= 200]
    idle = [p for calls, p in pauses if calls > 200]
    assert len(busy) == 200
    assert busy[0] == 0.0005
    assert busy == sorted(busy)
    assert busy[-1] == 0.02
    assert idle == [0.0005]  # the first idle answer; the second closes the step


async def test_unflushed_watch_events_hold_the_step() -> None:
    store = Store()
    probe = CountingProbe(store, busy_polls=0)
    lagging = store.watch("pods", allow_bookmarks=True)  # a client not reading yet
    store.create("pods", {"metadata": {"name": "p", "namespace": "default"}})
    gate = Quiescence(store, Recorder(10), probe, timeout=5.0)
    task = asyncio.create_task(gate.wait())
    await asyncio.sleep(0.05)
    assert not task.done()
    reader = asyncio.create_task(_drain_forever(lagging))
    await asyncio.wait_for(task, 5)
    reader.cancel()


async def test_a_request_in_flight_holds_the_step() -> None:
    store = Store()
    recorder = Recorder(10)
    recorder.in_flight = 1
    gate = Quiescence(store, recorder, CountingProbe(store, busy_polls=0), timeout=5.0)
    task = asyncio.create_task(gate.wait())
    await asyncio.sleep(0.05)
    assert not task.done()
    recorder.in_flight = 0
    await asyncio.wait_for(task, 5)


async def test_a_probe_that_never_says_idle_times_out_naming_the_reason() -> None:
    store = Store()
    gate = Quiescence(store, Recorder(10), CountingProbe(store, busy_polls=10**9), timeout=0.2)
    with pytest.raises(SchedulerStuck, match="reports work in progress"):
        await gate.wait()


async def test_without_a_probe_the_settle_window_closes_the_step_and_is_counted() -> None:
    store = Store()
    gate = Quiescence(store, Recorder(10), None, settle=0.02, timeout=5.0)
    await gate.wait()
    await gate.wait()
    assert (gate.steps, gate.fallbacks) == (2, 2)


async def test_a_dead_scheduler_ends_the_step_at_once() -> None:
    def dead() -> None:
        raise SchedulerStuck("scheduler command 'x' exited with code 3")

    gate = Quiescence(Store(), Recorder(10), None, settle=10.0, timeout=60.0, alive=dead)
    with pytest.raises(SchedulerStuck, match="exited with code 3"):
        await asyncio.wait_for(gate.wait(), 5)


async def _drain_forever(w: Watcher) -> None:
    async for _ in w:
        pass
