"""RealFIFO order and Replace semantics (client-go the_real_fifo_test.go)."""

from __future__ import annotations

from informers.fifo import Delta, DeltaType, FIFOClosed, RealFIFO
from informers.store import DeletedFinalStateUnknown, Indexer


def obj(name: str, rv: str = "1") -> dict:
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}}


async def drain(f: RealFIFO) -> list[tuple[str, str, bool]]:
    out: list[tuple[str, str, bool]] = []

    def take(d: Delta, initial: bool) -> None:
        o = d.object.obj if isinstance(d.object, DeletedFinalStateUnknown) else d.object
        out.append((d.type.value, o["metadata"]["name"], initial))

    while len(f):
        await f.pop(take)
    return out


async def test_real_fifo_keeps_every_delta_in_arrival_order_across_keys() -> None:
    f = RealFIFO()
    f.add(obj("a"))
    f.add(obj("b"))
    f.update(obj("a", "2"))
    f.delete(obj("b", "3"))
    assert await drain(f) == [
        ("Added", "a", False),
        ("Added", "b", False),
        ("Updated", "a", False),
        ("Deleted", "b", False),
    ]


async def test_replace_emits_tombstones_for_vanished_keys_then_replaced_in_list_order() -> None:
    known = Indexer()
    known.add(obj("gone"))
    known.add(obj("kept"))
    f = RealFIFO(known_objects=known)
    f.replace([obj("kept", "5"), obj("new", "5")], "5")
    deltas: list[Delta] = []
    while len(f):
        await f.pop(lambda d, _i: deltas.append(d))
    assert [d.type for d in deltas] == [DeltaType.DELETED, DeltaType.REPLACED, DeltaType.REPLACED]
    tomb = deltas[0].object
    assert isinstance(tomb, DeletedFinalStateUnknown) and tomb.key == "ns/gone"
    assert tomb.obj == obj("gone")


async def test_replace_does_not_delete_a_key_whose_last_queued_delta_is_a_delete() -> None:
    f = RealFIFO(known_objects=Indexer())
    f.add(obj("x"))
    f.delete(obj("x"))
    f.replace([], "9")
    assert [t for t, _, _ in await drain(f)] == ["Added", "Deleted"]


async def test_has_synced_after_the_first_replace_is_fully_processed() -> None:
    f = RealFIFO(known_objects=Indexer())
    assert not f.has_synced()
    f.replace([obj("a"), obj("b")], "3")
    assert not f.has_synced()
    seen = []
    await f.pop(lambda d, initial: seen.append(initial))
    assert not f.has_synced()
    await f.pop(lambda d, initial: seen.append((initial, f.has_synced())))
    assert seen == [True, (True, False)]  # still counted while being processed
    assert f.has_synced()
    f.add(obj("c"))
    assert await drain(f) == [("Added", "c", False)]


async def test_resync_queues_sync_for_known_objects_with_nothing_queued() -> None:
    known = Indexer()
    known.add(obj("a"))
    known.add(obj("b"))
    f = RealFIFO(known_objects=known)
    f.update(obj("a", "2"))
    f.resync()
    assert await drain(f) == [("Updated", "a", False), ("Sync", "b", False)]


async def test_transformer_runs_once_per_queued_object_not_on_tombstones() -> None:
    calls = []

    def strip(o: dict) -> dict:
        calls.append(o["metadata"]["name"])
        return {**o, "trimmed": True}

    known = Indexer()
    known.add(obj("old"))
    f = RealFIFO(known_objects=known, transformer=strip)
    f.replace([obj("a")], "2")
    f.add(obj("b"))
    assert calls == ["a", "b"]


async def test_pop_on_closed_empty_fifo_raises() -> None:
    f = RealFIFO()
    f.close()
    try:
        await f.pop(lambda d, i: None)
    except FIFOClosed:
        return
    raise AssertionError("pop did not raise FIFOClosed")
