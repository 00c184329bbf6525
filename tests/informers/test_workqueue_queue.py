"""The work queue's dedup and one-worker-per-item rules (client-go util/workqueue/queue_test.go)."""

from __future__ import annotations

import asyncio
import random

import pytest

from informers.testing import until
from informers.workqueue import Queue, ShutDown


async def test_basic_many_producers_and_consumers_each_item_once() -> None:
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

    async def producer(base: int) -> None:
        for i in range(50):
            q.add(base + i)
            await asyncio.sleep(0)

    workers = [asyncio.create_task(consumer()) for _ in range(10)]
    await asyncio.gather(*(producer(p * 100) for p in range(5)))
    await until(lambda: len(q) == 0)
    await q.shut_down_with_drain()
    await asyncio.gather(*workers)
    assert sorted(got) == sorted(p * 100 + i for p in range(5) for i in range(50))


async def test_an_item_is_never_processed_by_two_workers_at_once() -> None:
    q: Queue[str] = Queue()
    rng = random.Random(3)
    busy: set[str] = set()
    overlaps: list[str] = []
    processed = 0

    async def worker() -> None:
        nonlocal processed
        while True:
            try:
                item = await q.get()
            except ShutDown:
                return
            if item in busy:
                overlaps.append(item)
            busy.add(item)
            for _ in range(rng.randint(0, 3)):
                await asyncio.sleep(0)
                q.add(rng.choice("abc"))  # re-adds while processing, from other keys too
            busy.discard(item)
            processed += 1
            q.done(item)

    workers = [asyncio.create_task(worker()) for _ in range(8)]
    for _ in range(200):
        q.add(rng.choice("abc"))
        await asyncio.sleep(0)
    await until(lambda: processed > 100)
    q.shut_down()
    await asyncio.gather(*workers)
    assert overlaps == []


async def test_add_while_processing_is_queued_again_on_done() -> None:
    # TestAddWhileProcessing / TestReinsert
    q: Queue[str] = Queue()
    q.add("a")
    item = await q.get()
    q.add("a")
    q.add("a")  # collapses with the first re-add
    assert len(q) == 0  # not handed to a second worker while the first holds it
    q.done(item)
    assert len(q) == 1
    assert await q.get() == "a"
    q.done("a")
    assert q.idle


async def test_collapse() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("a")
    assert len(q) == 1
    assert await q.get() == "a"
    q.done("a")
    assert len(q) == 0


async def test_len_counts_queued_not_processing() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("b")
    await q.get()
    assert len(q) == 1 and not q.idle


async def test_force_queue_shutdown_using_shut_down() -> None:
    q: Queue[str] = Queue()
    waiter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.shut_down()
    with pytest.raises(ShutDown):
        await waiter
    q.add("late")
    assert len(q) == 0


async def test_workers_drain_what_is_queued_after_shut_down() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("b")
    q.shut_down()
    assert [await q.get(), await q.get()] == ["a", "b"]
    with pytest.raises(ShutDown):
        await q.get()


async def test_queue_drainage_using_shut_down_with_drain() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    q.add("b")
    first = await q.get()
    second = await q.get()
    drain = asyncio.create_task(q.shut_down_with_drain())
    await until(lambda: q.shutting_down)
    q.done(first)
    await asyncio.sleep(0)
    assert not drain.done()  # still waiting for the second
    q.done(second)
    await asyncio.wait_for(drain, 1)


async def test_no_queue_drainage_using_shut_down() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    await q.get()
    q.shut_down()  # returns at once, the item is still being processed
    assert q.shutting_down and not q.idle


async def test_shut_down_with_drain_does_not_wait_for_queued_items() -> None:
    # Only items handed to a worker are waited for; with no worker, nothing to wait on.
    q: Queue[str] = Queue()
    q.add("a")
    await asyncio.wait_for(q.shut_down_with_drain(), 1)
    assert len(q) == 1


async def test_queue_drainage_using_shut_down_with_drain_with_dirty_item() -> None:
    q: Queue[str] = Queue()
    q.add("a")
    item = await q.get()
    q.add("a")  # dirty: it will be queued again on done
    drain = asyncio.create_task(q.shut_down_with_drain())
    await asyncio.sleep(0)
    q.done(item)
    await asyncio.wait_for(drain, 1)
    assert len(q) == 1
