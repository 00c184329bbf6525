"""The reflector's backoff manager on a fake clock (apimachinery wait/backoff_test.go)."""

from __future__ import annotations

import asyncio
import random

import pytest

from informers.backoff import BackoffManager
from informers.clock import FakeClock


def test_backoff_doubles_from_800ms_to_a_30s_cap_without_jitter() -> None:
    b = BackoffManager(FakeClock(), jitter=0.0)
    assert [b.next_delay() for _ in range(9)] == pytest.approx(
        [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0, 30.0]
    )


def test_backoff_jitter_adds_up_to_one_more_delay() -> None:
    b = BackoffManager(FakeClock(), rng=random.Random(7))
    steps = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]
    delays = [b.next_delay() for _ in steps]
    for base, got in zip(steps, delays, strict=True):
        assert base <= got < 2 * base
    # With jitter the capped waits settle in [30, 60) s, as client-go's comment says.
    assert 30.0 <= delays[-1] < 60.0


def test_backoff_resets_after_two_healthy_minutes() -> None:
    clock = FakeClock()
    b = BackoffManager(clock, jitter=0.0)
    assert [b.next_delay() for _ in range(4)] == pytest.approx([0.8, 1.6, 3.2, 6.4])
    clock.step(120.0)  # exactly two minutes: not yet "more than" the reset period
    assert b.next_delay() == pytest.approx(12.8)
    clock.step(120.001)
    assert b.next_delay() == pytest.approx(0.8)
    assert b.next_delay() == pytest.approx(1.6)


async def test_backoff_wait_sleeps_on_the_injected_clock() -> None:
    clock = FakeClock()
    b = BackoffManager(clock, jitter=0.0)
    waiter = asyncio.create_task(b.wait())
    for _ in range(5):
        await asyncio.sleep(0)
    assert b.waiting and not waiter.done()
    clock.step(0.79)
    await asyncio.sleep(0)
    assert not waiter.done()
    clock.step(0.01)
    await asyncio.wait_for(waiter, 1)
    assert not b.waiting


async def test_backoff_wait_honours_a_longer_floor() -> None:
    clock = FakeClock()
    b = BackoffManager(clock, jitter=0.0)
    waiter = asyncio.create_task(b.wait(at_least=5.0))
    await asyncio.sleep(0)
    clock.step(4.9)
    await asyncio.sleep(0)
    assert not waiter.done()
    clock.step(0.1)
    await asyncio.wait_for(waiter, 1)
