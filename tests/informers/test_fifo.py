"""RealFIFO order, Replace and Resync semantics (client-go the_real_fifo_test.go)."""

from __future__ import annotations

from typing import Any

import pytest

from informers.fifo import Delta, DeltaType, FIFOClosed, RealFIFO
from informers.store import DeletedFinalStateUnknown, Indexer


def obj(name: str, rv: str = "1") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}}


def drain(f: RealFIFO) -> list[tuple[str, str, bool]]:
    out: list[tuple[str, str, bool]] = []

    def take(d: Delta, initial: bool) -> None:
        o = d.object.obj if isinstance(d.object, DeletedFinalStateUnknown) else d.object
        out.append((d.type.value, o["metadata"]["name"], initial))

    while len(f):
        f.pop_batch(take)
    return out


def test_real_fifo_keeps_every_delta_in_arrival_order_across_keys() -> None:
    f = RealFIFO(known_objects=Indexer())
    f.add(obj("a"))
    f.add(obj("b"))
    f.update(obj("a", "2"))
    f.delete(obj("b", "3"))
    f.update(obj("a", "4"))
    assert drain(f) == [
        ("Added", "a", False),
        ("Added", "b", False),
        ("Updated", "a", False),
        ("Deleted", "b", False),
        ("Updated", "a", False),
    ]


def test_real_fifo_replace_makes_deletions_before_the_replaced_items() -> None:
    known = Indexer()
    known.add(obj("gone"))
    known.add(obj("kept"))
    f = RealFIFO(known_objects=known)
    f.replace([obj("kept", "5"), obj("new", "5")], "5")
    deltas: list[Delta] = []
    f.pop_batch(lambda d, _i: deltas.append(d))
    assert [d.type for d in deltas] == [DeltaType.DELETED, DeltaType.REPLACED, DeltaType.REPLACED]
    tomb = deltas[0].object
    assert isinstance(tomb, DeletedFinalStateUnknown)
    assert tomb.key == "ns/gone" and tomb.obj == obj("gone")
    assert [d.object["metadata"]["name"] for d in deltas[1:]] == ["kept", "new"]


def test_real_fifo_replace_tombstone_carries_the_newest_queued_state() -> None:
    # The key is cached at rv 1 but an update to rv 2 is still queued: the inferred
    # deletion must carry rv 2, the newest state the informer heard of.
    known = Indexer()
    known.add(obj("x", "1"))
    f = RealFIFO(known_objects=known)
    f.update(obj("x", "2"))
    f.replace([], "9")
    deltas: list[Delta] = []
    f.pop_batch(lambda d, _i: deltas.append(d))
    assert [d.type for d in deltas] == [DeltaType.UPDATED, DeltaType.DELETED]
    assert deltas[1].object.obj["metadata"]["resourceVersion"] == "2"


def test_real_fifo_replace_adds_no_second_delete_for_a_queued_delete() -> None:
    known = Indexer()
    known.add(obj("x"))
    f = RealFIFO(known_objects=known)
    f.delete(obj("x"))
    f.replace([], "9")
    assert [t for t, _, _ in drain(f)] == ["Deleted"]


def test_real_fifo_has_synced_after_the_first_replace_is_fully_processed() -> None:
    f = RealFIFO(known_objects=Indexer())
    assert not f.has_synced()
    f.replace([obj("a"), obj("b")], "3")
    assert not f.has_synced() and not f.synced.is_set()
    seen: list[tuple[bool, bool]] = []
    f.pop_batch(lambda d, initial: seen.append((initial, f.has_synced())), limit=1)
    assert not f.has_synced()
    f.pop_batch(lambda d, initial: seen.append((initial, f.has_synced())), limit=1)
    # Still counted while being processed: has_synced never runs ahead of the cache.
    assert seen == [(True, False), (True, False)]
    assert f.has_synced() and f.synced.is_set()
    f.add(obj("c"))
    assert drain(f) == [("Added", "c", False)]


def test_real_fifo_has_synced_at_once_after_an_empty_first_list() -> None:
    f = RealFIFO(known_objects=Indexer())
    f.replace([], "3")
    assert f.has_synced() and f.synced.is_set()


def test_real_fifo_resync_queues_sync_only_for_keys_with_nothing_queued() -> None:
    known = Indexer()
    known.add(obj("a"))
    known.add(obj("b"))
    f = RealFIFO(known_objects=known)
    f.update(obj("a", "2"))
    f.resync()
    assert drain(f) == [("Updated", "a", False), ("Sync", "b", False)]


def test_real_fifo_transformer_runs_once_per_object_not_on_tombstones_or_syncs() -> None:
    calls: list[str] = []

    def strip(o: dict[str, Any]) -> dict[str, Any]:
        calls.append(o["metadata"]["name"])
        return {**o, "trimmed": True}

    known = Indexer()
    known.add(obj("old"))
    f = RealFIFO(known_objects=known, transformer=strip)
    f.replace([obj("a")], "2")
    f.add(obj("b"))
    f.update(obj("b", "3"))
    f.replace([obj("a")], "4")  # b's tombstone reuses its queued (transformed) state
    known.add({**obj("a"), "trimmed": True})
    f.resync()
    assert calls == ["a", "b", "b", "a"]
    deltas: list[Delta] = []
    while len(f):
        f.pop_batch(lambda d, _i: deltas.append(d))
    tombs = [d.object for d in deltas if isinstance(d.object, DeletedFinalStateUnknown)]
    assert [t.key for t in tombs] == ["ns/old", "ns/b"]
    assert tombs[1].obj["trimmed"] is True


def test_real_fifo_pop_batch_stops_at_the_limit() -> None:
    f = RealFIFO(known_objects=Indexer())
    for i in range(5):
        f.add(obj(f"o{i}"))
    assert f.pop_batch(lambda d, i: None, limit=3) == 3
    assert len(f) == 2


async def test_real_fifo_wait_raises_once_closed_and_empty() -> None:
    f = RealFIFO(known_objects=Indexer())
    f.add(obj("a"))
    f.close()
    await f.wait()  # still has an item
    f.pop_batch(lambda d, i: None)
    with pytest.raises(FIFOClosed):
        await f.wait()
