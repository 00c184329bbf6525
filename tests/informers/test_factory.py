"""SharedInformerFactory against fakekube: sharing, lifecycle, listers, models, quiescence
(client-go informers/factory_test.go and the quiescence hook the Batsim sync relies on)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from kubernetes_asyncio.client import V1Node, V1Pod

from fakekube import FakeCluster
from informers import DeletedFinalStateUnknown, NotFoundError, Resource, SharedInformerFactory
from informers.workqueue import Queue


def pod(name: str, ns: str = "default", node: str = "", **labels: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    return {"metadata": {"name": name, "namespace": ns, "labels": labels}, "spec": spec}


async def test_one_informer_per_resource_and_option_set(fake_cluster: FakeCluster) -> None:
    f = SharedInformerFactory(fake_cluster.api_client())
    pods = f.informer("pods")
    assert f.informer("pods") is pods
    assert f.informer(Resource("pods", kind="Pod")) is pods
    assert f.informer("pods", namespace="") is pods  # "" is all namespaces, the default
    others = {
        f.informer("pods", namespace="kube-system"),
        f.informer("pods", label_selector="app=web"),
        f.informer("pods", field_selector="spec.nodeName="),
        f.informer("pods", models=True),
        f.informer("nodes"),
    }
    assert pods not in others and len(others) == 5
    assert f.informer("nodes", namespace="x") is f.informer("nodes")  # cluster-scoped
    assert sorted(f.informers) == [
        "nodes",
        "pods",
        "pods?fieldSelector=spec.nodeName=",
        "pods?labelSelector=app=web",
        "pods?namespace=kube-system",
        "pods[models]",
    ]
    await f.shutdown()


async def test_start_is_idempotent_and_starts_informers_added_later(
    fake_cluster: FakeCluster,
) -> None:
    f = SharedInformerFactory(fake_cluster.api_client())
    pods = f.informer("pods")
    await f.start()
    await f.start()
    nodes = f.informer("nodes")
    assert pods.started and not nodes.started
    await f.start()
    assert nodes.started
    assert await f.wait_for_cache_sync(5) == {"pods": True, "nodes": True}
    assert len([r for r in fake_cluster.requests(verb="list") if r.resource == "pods"]) == 1
    await f.shutdown()


async def test_wait_for_cache_sync_reports_each_started_informer(
    fake_cluster: FakeCluster,
) -> None:
    f = SharedInformerFactory(fake_cluster.api_client())
    f.informer("pods")
    widgets = Resource("widgets", group="example.com", version="v1", kind="Widget")
    f.informer(widgets)  # not served: its list fails, it never syncs
    f.informer("nodes")
    await f.start()
    assert await f.wait_for_cache_sync(0.5) == {
        "pods": True,
        "widgets.example.com": False,
        "nodes": True,
    }
    await f.shutdown()


async def test_shutdown_is_idempotent_and_waits_for_every_informer(
    fake_cluster: FakeCluster,
) -> None:
    f = SharedInformerFactory(fake_cluster.api_client())
    infs = [f.informer("pods"), f.informer("nodes")]
    await f.start()
    await f.wait_for_cache_sync(5)
    await f.shutdown()
    assert all(inf.stopped for inf in infs)
    assert all(t.done() for inf in infs for t in inf._tasks)
    await f.shutdown()
    await f.start()  # ignored after shutdown
    assert not any(t for inf in infs for t in inf._tasks if not t.done())


async def test_typed_listers_get_and_list_from_the_cache(fake_cluster: FakeCluster) -> None:
    fake_cluster.store.create("pods", pod("a", app="web"))
    fake_cluster.store.create("pods", pod("b", app="db"))
    fake_cluster.store.create("pods", pod("c", ns="kube-system", app="web"))
    fake_cluster.store.create("nodes", {"metadata": {"name": "n1"}})
    f = SharedInformerFactory(fake_cluster.api_client())
    pods, nodes = f.lister("pods"), f.lister("nodes")
    await f.start()
    await f.wait_for_cache_sync(5)
    assert pods.get("default", "b")["metadata"]["labels"] == {"app": "db"}
    assert sorted(p["metadata"]["name"] for p in pods.list("app=web")) == ["a", "c"]
    assert [p["metadata"]["name"] for p in pods.namespace("default").list("app in (web)")] == ["a"]
    assert nodes.get("n1")["metadata"]["name"] == "n1"
    with pytest.raises(NotFoundError, match='pods "zz" not found'):
        pods.get("default", "zz")
    await f.shutdown()


async def test_models_on_request(fake_cluster: FakeCluster) -> None:
    fake_cluster.store.create("pods", pod("a", app="web"))
    fake_cluster.store.create("nodes", {"metadata": {"name": "n1"}})
    f = SharedInformerFactory(fake_cluster.api_client(), models=True)
    pods = f.informer("pods")
    raw = f.informer("nodes", models=False)  # per-informer override
    seen: list[Any] = []
    pods.add_event_handler(on_add=lambda o, _i: seen.append(o), on_delete=seen.append)
    await f.start()
    await f.wait_for_cache_sync(5)
    cached = f.lister("pods").get("default", "a")
    assert isinstance(cached, V1Pod) and cached.metadata.labels == {"app": "web"}
    assert isinstance(seen[0], V1Pod) and seen[0] is cached
    assert [p.metadata.name for p in f.lister("pods").list("app=web")] == ["a"]
    assert isinstance(raw.indexer.get_by_key("n1"), dict)
    fake_cluster.store.delete("pods", "a", namespace="default")
    await fake_cluster.wait_for(lambda: len(seen) == 2)
    assert isinstance(seen[1], V1Pod) and not isinstance(seen[1], DeletedFinalStateUnknown)
    assert not isinstance(raw.indexer.get_by_key("n1"), V1Node)
    await f.shutdown()


async def test_quiescent_once_every_event_is_delivered_and_every_queue_is_empty(
    fake_cluster: FakeCluster,
) -> None:
    f = SharedInformerFactory(fake_cluster.api_client())
    queue: Queue[str] = f.track(Queue())
    gate = asyncio.Event()

    async def on_add(obj: dict[str, Any], _initial: bool) -> None:
        await gate.wait()  # a handler that takes its time
        queue.add(obj["metadata"]["name"])

    f.informer("pods").add_event_handler(on_add=on_add)
    f.informer("nodes")
    await f.start()
    await f.wait_for_cache_sync(5)
    assert f.quiescent()
    fake_cluster.store.create("pods", pod("x"))
    rv = fake_cluster.store.resource_version
    assert not f.quiescent(rv)  # the event has not even been read yet
    pods = f.informer("pods")
    await fake_cluster.wait_for(lambda: pods.last_sync_resource_version == str(rv))
    assert not f.quiescent(rv)  # read and cached, but the handler is still busy
    assert "informer pods has events not yet delivered to every handler" in f.busy_reasons(rv)
    gate.set()
    await fake_cluster.wait_for(lambda: len(queue) == 1)
    assert not f.quiescent(rv)  # handled, but its work item is queued
    assert f.busy_reasons(rv)[0] == "tracked queue #0 is not idle"
    item = await queue.get()
    assert not f.quiescent(rv)  # being worked on
    queue.done(item)
    # Caught up to rv requires every informer there: nodes hears of it by a bookmark,
    # sent at rv to every watch as the Batsim sync does before it asks.
    for watcher in fake_cluster.store.watchers():
        watcher.bookmark(rv)
    await fake_cluster.wait_for(lambda: f.quiescent(rv))
    assert f.busy_reasons(rv) == []
    assert f.busy_reasons(rv + 1) == [  # in the order the informers were asked for
        f"informer pods has read up to resourceVersion {rv}, not {rv + 1}",
        f"informer nodes has read up to resourceVersion {rv}, not {rv + 1}",
    ]
    assert f.informer("nodes").last_sync_resource_version.isdigit()
    await f.shutdown()
