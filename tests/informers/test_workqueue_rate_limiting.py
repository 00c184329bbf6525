"""Rate limiters and the rate-limiting queue (client-go default_rate_limiters_test.go,
rate_limiting_queue_test.go)."""

from __future__ import annotations

import asyncio

import pytest

from informers.clock import FakeClock
from informers.workqueue import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimitingQueue,
    default_controller_rate_limiter,
)


def test_item_exponential_failure_rate_limiter() -> None:
    rl = ItemExponentialFailureRateLimiter(0.001, 1.0)
    assert [rl.when("a") for _ in range(5)] == [0.001, 0.002, 0.004, 0.008, 0.016]
    assert rl.when("b") == 0.001
    assert rl.num_requeues("a") == 5
    for _ in range(20):
        rl.when("a")
    assert rl.when("a") == 1.0
    rl.forget("a")
    assert rl.num_requeues("a") == 0 and rl.when("a") == 0.001


def test_item_exponential_failure_rate_limiter_over_flow() -> None:
    rl = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    delays = [rl.when("x") for _ in range(5000)]
    assert delays[-1] == 1000.0 and max(delays) == 1000.0


def test_item_fast_slow_rate_limiter() -> None:
    rl = ItemFastSlowRateLimiter(0.005, 10.0, 3)
    assert [rl.when("a") for _ in range(5)] == [0.005, 0.005, 0.005, 10.0, 10.0]
    assert rl.num_requeues("a") == 5
    rl.forget("a")
    assert rl.when("a") == 0.005


def test_bucket_rate_limiter_allows_a_burst_then_qps() -> None:
    clock = FakeClock()
    rl = BucketRateLimiter(qps=10, burst=2, clock=clock)
    assert [rl.when(i) for i in range(2)] == [0.0, 0.0]
    assert rl.when(3) == pytest.approx(0.1)
    assert rl.when(4) == pytest.approx(0.2)
    clock.step(1.0)
    assert rl.when(5) == 0.0


def test_max_of_rate_limiter() -> None:
    rl = MaxOfRateLimiter(
        ItemFastSlowRateLimiter(0.005, 3.0, 3), ItemExponentialFailureRateLimiter(0.001, 1.0)
    )
    assert [rl.when("a") for _ in range(4)] == [0.005, 0.005, 0.005, 3.0]
    assert rl.num_requeues("a") == 4
    rl.forget("a")
    assert rl.num_requeues("a") == 0


def test_default_controller_rate_limiter_is_per_item_backoff_and_an_overall_bucket() -> None:
    clock = FakeClock()
    rl = default_controller_rate_limiter(clock)
    # One item failing: 5 ms doubling, the bucket has room.
    assert [rl.when("x") for _ in range(4)] == pytest.approx([0.005, 0.01, 0.02, 0.04])
    # A storm over many items: after the burst of 100 the bucket's 10 qps dominates.
    delays = [rl.when(f"item-{i}") for i in range(100)]
    assert delays[-1] == pytest.approx((100 + 4 - 100) / 10)
    # And one item alone ends capped at 1000 s.
    for _ in range(40):
        last = rl.when("stuck")
    assert last == pytest.approx(1000.0)


async def test_rate_limiting_queue() -> None:
    clock = FakeClock()
    q: RateLimitingQueue[str] = RateLimitingQueue(
        ItemExponentialFailureRateLimiter(1.0, 100.0), clock
    )
    q.add_rate_limited("one")
    q.add_rate_limited("one")  # second failure: 2 s, but the earlier 1 s entry wins
    assert q.num_requeues("one") == 2 and q.waiting == 1
    clock.step(1)
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(q) == 1
    q.forget("one")
    assert q.num_requeues("one") == 0
    q.add_rate_limited("one")
    assert q.num_requeues("one") == 1
    q.shut_down()
