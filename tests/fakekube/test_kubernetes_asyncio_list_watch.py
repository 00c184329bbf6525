"""LIST and WATCH through kubernetes-asyncio, the client a Python controller would use:
what it sees from fakekube must be what it would see from kube-apiserver (models,
ApiException bodies, BOOKMARK and ERROR events, a cut-off watch ending its stream).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from fakekube import FakeCluster

SCHED_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed"


def pod(name: str, **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
    }


@pytest.fixture
async def core(cluster: FakeCluster) -> client.CoreV1Api:
    return client.CoreV1Api(cluster.api_client())


async def collect(
    w: watch.Watch, stream: Any, until: int, timeout: float = 10.0
) -> list[tuple[str, Any]]:
    """(type, object) pairs until ``until`` arrived or the stream ended."""
    seen: list[tuple[str, Any]] = []
    async with asyncio.timeout(timeout):
        async for event in stream:
            seen.append((event["type"], event["object"]))
            if len(seen) >= until:
                w.stop()
    return seen


async def test_paginated_list_and_continue_expiry(
    cluster: FakeCluster, core: client.CoreV1Api
) -> None:
    for i in range(4):
        cluster.store.create("pods", pod(f"p{i}"))
    first = await core.list_namespaced_pod("default", limit=2)
    assert [p.metadata.name for p in first.items] == ["p0", "p1"]
    assert first.metadata.remaining_item_count == 2 and first.metadata._continue
    second = await core.list_namespaced_pod("default", limit=2, _continue=first.metadata._continue)
    assert [p.metadata.name for p in second.items] == ["p2", "p3"]
    assert second.metadata.resource_version == first.metadata.resource_version
    cluster.store.create("pods", pod("p9"))
    cluster.faults.compact()  # the list's version is gone now
    with pytest.raises(ApiException) as err:
        await core.list_namespaced_pod("default", limit=2, _continue=first.metadata._continue)
    assert err.value.status == 410
    status = json.loads(err.value.body)
    assert status["reason"] == "Expired" and status["metadata"]["continue"]
    rest = await core.list_namespaced_pod("default", _continue=status["metadata"]["continue"])
    assert [p.metadata.name for p in rest.items] == ["p2", "p3", "p9"]  # at the latest


async def test_label_and_field_selectors_and_their_400s(
    cluster: FakeCluster, core: client.CoreV1Api
) -> None:
    cluster.store.create("pods", pod("a", app="web"))
    cluster.store.create("pods", pod("b"))
    listed = await core.list_pod_for_all_namespaces(label_selector="app notin (db)")
    assert [p.metadata.name for p in listed.items] == ["a", "b"]
    listed = await core.list_pod_for_all_namespaces(field_selector="metadata.name!=a")
    assert [p.metadata.name for p in listed.items] == ["b"]
    with pytest.raises(ApiException) as err:
        await core.list_pod_for_all_namespaces(field_selector="spec.bogus=1")
    assert err.value.status == 400
    assert json.loads(err.value.body)["message"] == "field label not supported: spec.bogus"


async def test_watch_selector_transitions_added_and_deleted(
    cluster: FakeCluster, core: client.CoreV1Api
) -> None:
    rv = str(cluster.store.resource_version)
    w = watch.Watch()
    stream = w.stream(
        core.list_namespaced_pod, "default", field_selector=SCHED_SELECTOR, resource_version=rv
    )
    task = asyncio.create_task(collect(w, stream, 3))
    await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
    cluster.store.create("pods", pod("job"))
    cluster.store.bind("default", "job", {"target": {"name": "n1"}})
    done = cluster.store.get("pods", "job")
    done["status"]["phase"] = "Succeeded"
    cluster.store.update("pods", done, subresource="status")
    seen = await task
    # kube-scheduler sees a finished pod as DELETED: it left the watch's selector.
    assert [(t, o.metadata.name) for t, o in seen] == [
        ("ADDED", "job"),
        ("MODIFIED", "job"),
        ("DELETED", "job"),
    ]
    assert seen[2][1].metadata.resource_version == str(cluster.store.resource_version)
    assert seen[2][1].status.phase == "Pending"  # the last state it matched


async def test_watch_bookmarks_carry_the_version(
    cluster: FakeCluster, core: client.CoreV1Api
) -> None:
    rv = str(cluster.store.resource_version)
    # A bookmark is sent only when it moves the client past its start: a write elsewhere.
    cluster.store.create("pods", pod("elsewhere"), namespace="kube-system")
    newer = str(cluster.store.resource_version)
    w = watch.Watch()
    stream = w.stream(
        core.list_namespaced_pod, "default", resource_version=rv, allow_watch_bookmarks=True
    )
    seen = await collect(w, stream, 2)
    assert [t for t, _ in seen] == ["BOOKMARK", "BOOKMARK"]
    # The client hands bookmarks over undecoded: kind, apiVersion, the version only.
    assert seen[0][1] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": newer},
    }
    assert w.resource_version == newer


async def test_streaming_list_ends_initial_events_with_the_annotated_bookmark(
    cluster: FakeCluster, core: client.CoreV1Api
) -> None:
    cluster.store.create("pods", pod("a"))
    cluster.store.create("pods", pod("b"))
    w = watch.Watch()
    stream = w.stream(
        core.list_namespaced_pod,
        "default",
        send_initial_events=True,
        resource_version_match="NotOlderThan",
        allow_watch_bookmarks=True,
    )
    task = asyncio.create_task(collect(w, stream, 4))
    await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
    cluster.store.create("pods", pod("c"))
    seen = await task
    assert [(t, o.metadata.name) for t, o in seen[:2]] == [("ADDED", "a"), ("ADDED", "b")]
    kind, mark = seen[2]
    assert kind == "BOOKMARK"
    assert mark["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert (seen[3][0], seen[3][1].metadata.name) == ("ADDED", "c")


async def test_watch_from_a_compacted_version_raises_410(
    cluster: FakeCluster, core: client.CoreV1Api
) -> None:
    rv = cluster.store.create("pods", pod("a"))["metadata"]["resourceVersion"]
    cluster.store.create("pods", pod("b"))
    cluster.faults.compact()
    w = watch.Watch()
    # With timeout_seconds the client does not retry the 410 itself.
    stream = w.stream(core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=30)
    with pytest.raises(ApiException) as err:
        await collect(w, stream, 1)
    assert err.value.status == 410
    assert err.value.reason.startswith(f"Expired: too old resource version: {rv} (")


async def test_slow_consumer_watch_is_cut_off_and_ends(
    cluster: FakeCluster, core: client.CoreV1Api
) -> None:
    cluster.store.max_watch_backlog = 20
    rv = str(cluster.store.resource_version)
    w = watch.Watch()
    stream = w.stream(core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=60)
    events = asyncio.create_task(collect(w, stream, 100, timeout=10))
    await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
    (watcher,) = cluster.store.watchers()
    other = cluster.store.watch("pods", resource_version=rv, max_backlog=1000)  # keeps up
    for i in range(100):  # in one go: the HTTP writer gets no turn to drain
        cluster.store.create("pods", pod(f"p{i}"))
    assert watcher.overflowed and watcher.closed
    assert len(other.drain()) == 100 and not other.closed
    # The server ends the cut-off stream (no ERROR event), long before its 60 s.
    assert len(await events) < 20
