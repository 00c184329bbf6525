"""SharedIndexInformer and the factory against the real fake API server.

These run client-go's informer scenarios end to end: kubernetes-asyncio on the wire,
fakekube answering, faults injected through the store (compaction, dropped watches).
"""

from __future__ import annotations

from typing import Any

import pytest

from fakekube import FakeCluster
from informers import DeletedFinalStateUnknown, SharedInformerFactory
from informers.listers import NotFoundError


def pod(name: str, **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def on_add(self, obj: dict[str, Any], initial: bool) -> None:
        self.events.append(("add-initial" if initial else "add", obj["metadata"]["name"]))

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.events.append(("update", new["metadata"]["name"]))

    def on_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.events.append(("delete-unknown", obj.obj["metadata"]["name"]))
        else:
            self.events.append(("delete", obj["metadata"]["name"]))


def cache_equals_server(cluster: FakeCluster, informer: Any) -> bool:
    server = {
        f"{p['metadata']['namespace']}/{p['metadata']['name']}": p["metadata"]["resourceVersion"]
        for p in cluster.store.list("pods").objects()
    }
    cached = {
        k: o["metadata"]["resourceVersion"]
        for k, o in ((k, informer.indexer.get_by_key(k)) for k in informer.indexer.list_keys())
    }
    return server == cached


@pytest.fixture(params=[False, True], ids=["list-watch", "streaming-list"])
async def factory(request: pytest.FixtureRequest, cluster: FakeCluster) -> Any:
    f = SharedInformerFactory(cluster.api_client(), use_watch_list=request.param)
    yield f
    await f.shutdown()


async def test_initial_sync_then_live_events_in_order(cluster: FakeCluster, factory: Any) -> None:
    for i in range(3):
        cluster.store.create("pods", pod(f"p{i}"))
    inf = factory.informer("pods")
    rec = Recorder()
    reg = inf.add_event_handler(on_add=rec.on_add, on_update=rec.on_update, on_delete=rec.on_delete)
    await factory.start()
    assert await factory.wait_for_cache_sync(5) == {"pods": True}
    await cluster.wait_for(reg.has_synced)
    cluster.store.create("pods", pod("late"))
    p = cluster.store.get("pods", "p1")
    p["metadata"]["labels"] = {"x": "y"}
    cluster.store.update("pods", p)
    cluster.store.delete("pods", "p0", namespace="default")
    await cluster.wait_for(lambda: len(rec.events) == 6)
    assert rec.events == [
        ("add-initial", "p0"),
        ("add-initial", "p1"),
        ("add-initial", "p2"),
        ("add", "late"),
        ("update", "p1"),
        ("delete", "p0"),
    ]
    assert cache_equals_server(cluster, inf)
    # Watch requests are logged when they end, so ask the reflector what it sent.
    assert inf.reflector.lists == (0 if factory.use_watch_list else 1)


async def test_relist_after_compaction_delivers_deletes_as_final_state_unknown(
    cluster: FakeCluster, factory: Any
) -> None:
    for i in range(3):
        cluster.store.create("pods", pod(f"p{i}"))
    inf = factory.informer("pods")
    rec = Recorder()
    inf.add_event_handler(on_add=rec.on_add, on_update=rec.on_update, on_delete=rec.on_delete)
    await factory.start()
    await factory.wait_for_cache_sync(5)
    # Drop its watch, change the world and compact before it can resume: the version it
    # resumes from is gone (410), so it must relist and infer the deletion it never saw.
    assert cluster.store.close_watches() == 1
    cluster.store.delete("pods", "p1", namespace="default")
    cluster.store.create("pods", pod("p9"))
    cluster.store.compact()
    await cluster.wait_for(lambda: cache_equals_server(cluster, inf), timeout=15)
    await cluster.wait_for(lambda: ("delete-unknown", "p1") in rec.events, timeout=5)
    assert ("add", "p9") in rec.events
    assert ("delete", "p1") not in rec.events


async def test_dropped_watches_resume_without_relisting(cluster: FakeCluster, factory: Any) -> None:
    cluster.store.create("pods", pod("a"))
    inf = factory.informer("pods")
    await factory.start()
    await factory.wait_for_cache_sync(5)
    lists_before = inf.reflector.lists
    for round_ in range(3):
        # Each watch carries an event before it is dropped: client-go (and we) treat a
        # watch that dies within a second with no event as broken and relist.
        cluster.store.create("pods", pod(f"before-drop-{round_}"))
        await cluster.wait_for(lambda: cache_equals_server(cluster, inf), timeout=10)
        assert cluster.store.close_watches() == 1
    cluster.store.create("pods", pod("after-drops"))
    await cluster.wait_for(lambda: cache_equals_server(cluster, inf), timeout=10)
    assert inf.reflector.lists == lists_before
    assert not [r for r in cluster.requests(resource="pods") if r.verb == "list"][1:]


async def test_label_selected_informer_sees_selector_transitions_as_add_and_delete(
    cluster: FakeCluster,
) -> None:
    f = SharedInformerFactory(cluster.api_client())
    inf = f.informer("pods", label_selector="tier=web")
    rec = Recorder()
    inf.add_event_handler(on_add=rec.on_add, on_update=rec.on_update, on_delete=rec.on_delete)
    await f.start()
    await f.wait_for_cache_sync(5)
    cluster.store.create("pods", pod("p", tier="db"))
    p = cluster.store.get("pods", "p")
    p["metadata"]["labels"]["tier"] = "web"
    cluster.store.update("pods", p)
    p = cluster.store.get("pods", "p")
    p["metadata"]["labels"]["tier"] = "db"
    cluster.store.update("pods", p)
    await cluster.wait_for(lambda: len(rec.events) == 2)
    assert rec.events == [("add", "p"), ("delete", "p")]
    await f.shutdown()


async def test_handler_added_after_start_gets_the_cache_as_initial_adds(
    cluster: FakeCluster,
) -> None:
    # TestAddWhileActive
    cluster.store.create("pods", pod("a"))
    f = SharedInformerFactory(cluster.api_client())
    inf = f.informer("pods")
    await f.start()
    await f.wait_for_cache_sync(5)
    rec = Recorder()
    reg = inf.add_event_handler(on_add=rec.on_add)
    await cluster.wait_for(reg.has_synced)
    assert rec.events == [("add-initial", "a")]
    inf.remove_event_handler(reg)
    inf.remove_event_handler(reg)  # idempotent
    cluster.store.create("pods", pod("b"))
    await cluster.wait_for(lambda: len(inf.indexer) == 2)
    assert rec.events == [("add-initial", "a")]
    await f.shutdown()


async def test_lister_reads_the_cache_by_namespace_and_selector(cluster: FakeCluster) -> None:
    cluster.store.create("pods", pod("a", app="web"))
    cluster.store.create("pods", pod("b", app="db"))
    f = SharedInformerFactory(cluster.api_client())
    lister = f.lister("pods")
    await f.start()
    await f.wait_for_cache_sync(5)
    assert [p["metadata"]["name"] for p in lister.namespace("default").list("app in (web)")] == [
        "a"
    ]
    assert lister.namespace("default").get("b")["metadata"]["labels"] == {"app": "db"}
    with pytest.raises(NotFoundError, match='pods "zz" not found'):
        lister.namespace("default").get("zz")
    await f.shutdown()


async def test_factory_is_quiescent_only_when_caught_up(cluster: FakeCluster) -> None:
    f = SharedInformerFactory(cluster.api_client())
    f.informer("pods")
    await f.start()
    await f.wait_for_cache_sync(5)
    cluster.store.create("pods", pod("x"))
    rv = cluster.store.resource_version
    assert not f.quiescent(rv)  # the event has not been read yet
    await cluster.wait_for(lambda: f.quiescent(rv))
    await f.shutdown()
