"""The delaying queue on a fake clock (client-go util/workqueue/delaying_queue_test.go)."""

from __future__ import annotations

import asyncio

from informers.clock import FakeClock
from informers.workqueue import DelayingQueue


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_simple_queue() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock)
    q.add_after("x", 5)
    await settle()
    assert len(q) == 0 and q.waiting == 1 and not q.idle
    clock.step(4.999)
    await settle()
    assert len(q) == 0
    clock.step(0.001)
    await settle()
    assert len(q) == 1 and q.waiting == 0
    q.shut_down()


async def test_deduping_keeps_the_earliest_time() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock)
    q.add_after("x", 10)
    q.add_after("x", 3)
    q.add_after("x", 20)
    assert q.waiting == 1
    clock.step(3)
    await settle()
    assert len(q) == 1
    assert await q.get() == "x"
    q.done("x")
    clock.step(20)
    await settle()
    assert len(q) == 0 and q.idle  # the later requests left no second entry
    q.shut_down()


async def test_add_two_fire_early() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock)
    q.add_after("a", 1)
    q.add_after("b", 50)
    clock.step(2)
    await settle()
    assert len(q) == 1
    q.add_after("c", 3)  # added later, fires before b
    clock.step(3)
    await settle()
    assert [await q.get(), await q.get()] == ["a", "c"]
    clock.step(50)
    await settle()
    assert await q.get() == "b"
    q.shut_down()


async def test_copy_shifting_fires_in_time_order() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock)
    q.add_after("first", 3)
    q.add_after("second", 2)
    q.add_after("third", 1)
    clock.step(3)
    await settle()
    assert [await q.get() for _ in range(3)] == ["third", "second", "first"]
    q.shut_down()


async def test_add_after_a_non_positive_delay_is_add() -> None:
    q: DelayingQueue[str] = DelayingQueue(FakeClock())
    q.add_after("now", 0)
    q.add_after("past", -1)
    assert len(q) == 2


async def test_add_after_is_ignored_once_shut_down() -> None:
    q: DelayingQueue[str] = DelayingQueue(FakeClock())
    q.shut_down()
    q.add_after("x", 1)
    assert q.waiting == 0
