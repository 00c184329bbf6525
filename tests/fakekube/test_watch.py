"""The watch fan-out (fakekube/watch.py): filtering, floors, bounded buffers."""

from __future__ import annotations

import orjson

from fakekube.store import Store


def pod(name: str) -> dict:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "i"}]}}


def test_watch_from_the_future_never_bookmarks_below_its_start() -> None:
    store = Store(namespaces=["default"])
    future = store.resource_version + 2
    watcher = store.watch("pods", resource_version=str(future), allow_bookmarks=True)
    watcher.bookmark(store.resource_version)  # a client would move back: dropped
    assert watcher.drain() == []
    store.create("pods", pod("a"))
    store.create("pods", pod("b"))
    store.create("pods", pod("c"))
    watcher.bookmark(store.resource_version)
    frames = watcher.drain()
    assert len(frames) == 2 and b'"name":"c"' in frames[0]
    assert frames[1].startswith(b'{"type":"BOOKMARK"')


def test_slow_watcher_overflow_clears_its_buffer_and_closes() -> None:
    store = Store(namespaces=["default"])
    watcher = store.watch("pods", resource_version=str(store.resource_version), max_backlog=2)
    for name in ("a", "b", "c"):
        store.create("pods", pod(name))
    assert watcher.overflowed and watcher.closed and watcher.pending == 0
    assert watcher not in store.watchers()


def test_watch_and_exact_list_from_before_a_resource_was_first_used() -> None:
    # A kind nobody touched yet has no event to miss: a version from before its first
    # use is still in its history (until a forced compaction passes it).
    store = Store(namespaces=["default"])
    early = str(store.resource_version)
    store.create("configmaps", {"metadata": {"name": "x"}})
    watcher = store.watch("pods", resource_version=early)
    store.create("pods", pod("a"))
    assert len(watcher.drain()) == 1
    assert store.list("pods", resource_version=early, resource_version_match="Exact").items == []


def test_a_bookmark_never_carries_an_older_version_than_one_already_sent() -> None:
    # The Batsim gate bookmarks every watch at the global version; the periodic bookmark
    # that follows on a quiet resource must not take the client back to the version of
    # that resource's last change.
    store = Store(namespaces=["default"])
    nodes = store.watch("nodes", resource_version=str(store.resource_version), allow_bookmarks=True)
    store.create("nodes", {"metadata": {"name": "n1"}})
    store.create("pods", pod("a"))  # a write to another resource
    barrier = store.resource_version
    nodes.bookmark(barrier)
    nodes.bookmark()  # periodic: "everything offered so far"
    frames = b"".join(nodes.drain()).splitlines()
    versions = [orjson.loads(f)["object"]["metadata"]["resourceVersion"] for f in frames[1:]]
    assert versions == [str(barrier), str(barrier)]
