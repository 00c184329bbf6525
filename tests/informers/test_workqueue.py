"""Work queue behaviour, ported from client-go util/workqueue tests (names in comments)."""

from __future__ import annotations

import asyncio

import pytest

from informers.clock import FakeClock
from informers.workqueue import (
    BucketRateLimiter,
    DelayingQueue,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    Queue,
    RateLimitingQueue,
    ShutDown,
)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_basic_many_producers_and_consumers_each_item_once() -> None:
    # TestBasic
    q: Queue[int] = Queue()
    got: list[int] = []

    async def consumer() -> None:
        while True:
            try:
                item = await q.get()
            except ShutDown:
                return
            got.append(item)
            await asyncio.sleep(0)
            q.done(item)

    workers = [asyncio.create_task(consumer()) for _ in range(10)]
    for i in range(50):
        q.add(i)
    await q.shut_down_with_drain()
    await asyncio.gather(*workers)
    assert sorted(got) == list(range(50))


async def test_adding_a_queued_item_is_a_no_op() -> None:
    # TestCollapse
    q: Queue[str] = Queue()
    q.add("a")
    q.add("a")
    assert len(q) == 1


async def test_add_while_processing_requeues_on_done_never_concurrently() -> None:
    # TestAddWhileProcessing
    q: Queue[str] = Queue()
    q.add("a")
    item = await q.get()
    q.add("a")
    assert len(q) == 0  # not handed to a second worker while the first holds it
    q.done(item)
    assert len(q) == 1
    assert await q.get() == "a"


async def test_len_counts_queued_not_processing() -> None:
    # TestLen
    q: Queue[str] = Queue()
    q.add("a")
    q.add("b")
    await q.get()
    assert len(q) == 1


async def test_shut_down_ignores_later_adds_and_releases_waiters() -> None:
    # TestForceQueueShutdownUsingShutDown
    q: Queue[str] = Queue()
    waiter = asyncio.create_task(q.get())
    await settle()
    q.shut_down()
    with pytest.raises(ShutDown):
        await waiter
    q.add("late")
    assert len(q) == 0


async def test_shut_down_with_drain_waits_for_done() -> None:
    # TestQueueDrainageUsingShutDownWithDrain
    q: Queue[str] = Queue()
    q.add("a")
    item = await q.get()
    drain = asyncio.create_task(q.shut_down_with_drain())
    await settle()
    assert not drain.done()
    q.done(item)
    await asyncio.wait_for(drain, 1)


async def test_delaying_add_after_fires_when_the_clock_reaches_it() -> None:
    # TestSimpleQueue
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock)
    q.add_after("x", 5)
    await settle()
    assert len(q) == 0 and q.waiting == 1
    clock.step(4.999)
    await settle()
    assert len(q) == 0
    clock.step(0.001)
    await settle()
    assert len(q) == 1 and q.waiting == 0
    q.shut_down()


async def test_delaying_dedupes_keeping_the_earliest_time() -> None:
    # TestDeduping / TestAddTwoFireEarly
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock)
    q.add_after("x", 10)
    q.add_after("x", 3)
    q.add_after("x", 20)
    clock.step(3)
    await settle()
    assert len(q) == 1
    assert await q.get() == "x"
    clock.step(20)
    await settle()
    assert len(q) == 0  # the later requests did not leave a second entry
    q.shut_down()


async def test_add_after_non_positive_is_add() -> None:
    q: DelayingQueue[str] = DelayingQueue(FakeClock())
    q.add_after("now", 0)
    assert len(q) == 1


def test_item_exponential_failure_rate_limiter() -> None:
    # TestItemExponentialFailureRateLimiter
    rl = ItemExponentialFailureRateLimiter(0.001, 1.0)
    assert [rl.when("a") for _ in range(5)] == [0.001, 0.002, 0.004, 0.008, 0.016]
    assert rl.when("b") == 0.001
    assert rl.num_requeues("a") == 5
    for _ in range(20):
        rl.when("a")
    assert rl.when("a") == 1.0
    rl.forget("a")
    assert rl.num_requeues("a") == 0 and rl.when("a") == 0.001


def test_exponential_rate_limiter_does_not_overflow() -> None:
    # TestItemExponentialFailureRateLimiterOverFlow
    rl = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    for _ in range(5000):
        delay = rl.when("x")
    assert delay == 1000.0


def test_fast_slow_rate_limiter() -> None:
    # TestItemFastSlowRateLimiter
    rl = ItemFastSlowRateLimiter(0.005, 10.0, 3)
    assert [rl.when("a") for _ in range(5)] == [0.005, 0.005, 0.005, 10.0, 10.0]


def test_bucket_rate_limiter_allows_burst_then_qps() -> None:
    clock = FakeClock()
    rl = BucketRateLimiter(qps=10, burst=2, clock=clock)
    assert [rl.when(i) for i in range(2)] == [0.0, 0.0]
    assert rl.when(3) == pytest.approx(0.1)
    assert rl.when(4) == pytest.approx(0.2)
    clock.step(1.0)
    assert rl.when(5) == 0.0


def test_max_of_rate_limiter() -> None:
    # TestMaxOfRateLimiter
    rl = MaxOfRateLimiter(
        ItemFastSlowRateLimiter(0.005, 3.0, 3), ItemExponentialFailureRateLimiter(0.001, 1.0)
    )
    assert [rl.when("a") for _ in range(4)] == [0.005, 0.005, 0.005, 3.0]
    rl.forget("a")
    assert rl.num_requeues("a") == 0


async def test_rate_limiting_queue_requeues_after_backoff_and_forget_resets() -> None:
    # TestRateLimitingQueue
    clock = FakeClock()
    q: RateLimitingQueue[str] = RateLimitingQueue(
        ItemExponentialFailureRateLimiter(1.0, 100.0), clock
    )
    q.add_rate_limited("one")
    q.add_rate_limited("one")  # second failure: 2 s, but the earlier 1 s entry wins
    assert q.num_requeues("one") == 2
    clock.step(1)
    await settle()
    assert len(q) == 1
    q.forget("one")
    assert q.num_requeues("one") == 0
    q.shut_down()
