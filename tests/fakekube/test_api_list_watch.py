"""LIST and WATCH over HTTP with kube-apiserver's resourceVersion semantics."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest
from kubernetes_asyncio import client, watch

from fakekube import FakeCluster

SCHED_SELECTOR = "status.phase!=Succeeded,status.phase!=Failed"


def pod(name: str, **labels: str) -> dict:
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
    }


async def read_events(resp: aiohttp.ClientResponse, n: int, timeout: float = 5.0) -> list[dict]:
    out = []
    async with asyncio.timeout(timeout):
        while len(out) < n:
            line = await resp.content.readline()
            if not line:
                break
            out.append(orjson.loads(line))
    return out


async def test_kube_scheduler_pod_list_shape(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    for i in range(3):
        cluster.store.create("pods", pod(f"p{i}"))
    done = cluster.store.get("pods", "p0")
    done["status"]["phase"] = "Succeeded"
    cluster.store.update("pods", done, subresource="status")
    params = {"fieldSelector": SCHED_SELECTOR, "limit": "500", "resourceVersion": "0"}
    async with http.get("/api/v1/pods", params=params) as resp:
        body = await resp.json()
    assert resp.status == 200
    assert body["kind"] == "PodList" and body["apiVersion"] == "v1"
    assert body["metadata"]["resourceVersion"] == str(cluster.store.resource_version)
    assert [p["metadata"]["name"] for p in body["items"]] == ["p1", "p2"]
    assert "kind" not in body["items"][0]  # list items carry no kind, as upstream


async def test_kube_scheduler_watch_shape_then_events(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = cluster.store.resource_version
    params = {
        "allowWatchBookmarks": "true",
        "fieldSelector": SCHED_SELECTOR,
        "resourceVersion": str(rv),
        "timeout": "5m56s",
        "timeoutSeconds": "356",
        "watch": "true",
    }
    async with http.get("/api/v1/pods", params=params) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"
        cluster.store.create("pods", pod("a"))
        cluster.store.bind("default", "a", {"target": {"name": "n1"}})
        current = cluster.store.get("pods", "a")
        current["status"]["phase"] = "Succeeded"
        cluster.store.update("pods", current, subresource="status")
        events = await read_events(resp, 3)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert all(e["object"]["kind"] == "Pod" and e["object"]["apiVersion"] == "v1" for e in events)
    assert events[1]["object"]["spec"]["nodeName"] == "n1"


async def test_streaming_list_sends_initial_events_then_bookmark_then_live(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", pod("a"))
    cluster.store.create("pods", pod("b"))
    params = {
        "allowWatchBookmarks": "true",
        "fieldSelector": SCHED_SELECTOR,
        "resourceVersionMatch": "NotOlderThan",
        "sendInitialEvents": "true",
        "timeout": "8m49s",
        "timeoutSeconds": "529",
        "watch": "true",
    }
    async with http.get("/api/v1/pods", params=params) as resp:
        first = await read_events(resp, 3)
        cluster.store.create("pods", pod("c"))
        live = await read_events(resp, 1)
    assert [e["type"] for e in first] == ["ADDED", "ADDED", "BOOKMARK"]
    assert first[2]["object"] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "resourceVersion": first[2]["object"]["metadata"]["resourceVersion"],
            "annotations": {"k8s.io/initial-events-end": "true"},
        },
    }
    assert live[0]["type"] == "ADDED" and live[0]["object"]["metadata"]["name"] == "c"


async def test_streaming_list_without_not_older_than_is_422_like_a_1_33_server(
    http: aiohttp.ClientSession,
) -> None:
    params = {"watch": "true", "sendInitialEvents": "true", "allowWatchBookmarks": "true"}
    async with http.get("/api/v1/pods", params=params) as resp:
        body = await resp.json()
    assert resp.status == 422
    assert body["details"]["group"] == "meta.k8s.io" and body["details"]["kind"] == "ListOptions"


async def test_watch_from_compacted_version_gets_error_event_410(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = cluster.store.create("pods", pod("a"))["metadata"]["resourceVersion"]
    cluster.store.create("pods", pod("b"))
    cluster.store.compact()
    async with http.get("/api/v1/pods", params={"watch": "1", "resourceVersion": rv}) as resp:
        assert resp.status == 200
        lines = [orjson.loads(line) async for line in resp.content if line.strip()]
    assert len(lines) == 1 and lines[0]["type"] == "ERROR"
    status = lines[0]["object"]
    assert status["code"] == 410 and status["reason"] == "Expired" and status["kind"] == "Status"
    assert status["message"].startswith(f"too old resource version: {rv} (")


async def test_watch_with_empty_version_starts_with_synthetic_added(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("nodes", {"metadata": {"name": "n2"}})
    cluster.store.create("nodes", {"metadata": {"name": "n1"}})
    async with http.get("/api/v1/nodes", params={"watch": "true"}) as resp:
        events = await read_events(resp, 2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "n1"),
        ("ADDED", "n2"),
    ]


async def test_legacy_watch_path(cluster: FakeCluster, http: aiohttp.ClientSession) -> None:
    rv = str(cluster.store.resource_version)
    async with http.get(
        "/api/v1/watch/namespaces/default/pods", params={"resourceVersion": rv}
    ) as resp:
        cluster.store.create("pods", pod("a"))
        events = await read_events(resp, 1)
    assert events[0]["type"] == "ADDED"


async def test_bookmarks_are_periodic_and_carry_only_the_version(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = str(cluster.store.resource_version)
    params = {"watch": "true", "allowWatchBookmarks": "true", "resourceVersion": rv}
    async with http.get("/api/v1/pods", params=params) as resp:
        events = await read_events(resp, 2)
    assert [e["type"] for e in events] == ["BOOKMARK", "BOOKMARK"]
    assert events[0]["object"] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": rv},
    }


async def test_watch_without_bookmarks_gets_none(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    params = {"watch": "true", "resourceVersion": str(cluster.store.resource_version)}
    async with http.get("/api/v1/pods", params=params) as resp:
        with pytest.raises(TimeoutError):
            await read_events(resp, 1, timeout=0.8)


async def test_timeout_seconds_ends_the_stream_cleanly(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    params = {
        "watch": "true",
        "timeoutSeconds": "1",
        "resourceVersion": str(cluster.store.resource_version),
    }
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with http.get("/api/v1/pods", params=params) as resp:
        rest = await resp.content.read()
    assert rest == b"" and 0.9 <= loop.time() - start < 5


async def test_label_selector_watch_sees_transitions(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", pod("a", app="db"))
    params = {
        "watch": "true",
        "labelSelector": "app in (web)",
        "resourceVersion": str(cluster.store.resource_version),
    }
    async with http.get("/api/v1/pods", params=params) as resp:
        obj = cluster.store.get("pods", "a")
        obj["metadata"]["labels"] = {"app": "web"}
        obj = cluster.store.update("pods", obj)
        obj["metadata"]["labels"] = {"app": "cache"}
        cluster.store.update("pods", obj)
        events = await read_events(resp, 2)
    assert [e["type"] for e in events] == ["ADDED", "DELETED"]


async def test_paginated_list_over_http_and_expired_continue(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    for i in range(5):
        cluster.store.create("pods", pod(f"p{i}"))
    async with http.get("/api/v1/namespaces/default/pods", params={"limit": "2"}) as resp:
        page = await resp.json()
    assert page["metadata"]["remainingItemCount"] == 3
    token = page["metadata"]["continue"]
    async with http.get(
        "/api/v1/namespaces/default/pods", params={"limit": "2", "continue": token}
    ) as resp:
        page2 = await resp.json()
    assert [p["metadata"]["name"] for p in page2["items"]] == ["p2", "p3"]
    assert page2["metadata"]["resourceVersion"] == page["metadata"]["resourceVersion"]
    cluster.store.create("pods", pod("z"))
    cluster.store.compact()
    async with http.get(
        "/api/v1/namespaces/default/pods", params={"limit": "2", "continue": token}
    ) as resp:
        expired = await resp.json()
    assert resp.status == 410 and expired["reason"] == "Expired"
    assert expired["metadata"]["continue"]
    async with http.get(
        "/api/v1/namespaces/default/pods",
        params={"limit": "2", "continue": token, "resourceVersion": "3"},
    ) as resp:
        assert resp.status == 400


async def test_invalid_selectors_are_400(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v1/pods", params={"fieldSelector": "spec.bogus=1"}) as resp:
        body = await resp.json()
    assert resp.status == 400 and body["message"] == "field label not supported: spec.bogus"
    async with http.get("/api/v1/nodes", params={"labelSelector": "a in (b"}) as resp:
        assert resp.status == 400


async def test_too_large_resource_version_on_list(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = str(cluster.store.resource_version + 100)
    async with http.get("/api/v1/pods", params={"resourceVersion": rv}) as resp:
        body = await resp.json()
    assert resp.status == 504 and body["reason"] == "Timeout"
    assert body["details"]["causes"] == [
        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
    ]
    assert resp.headers["Retry-After"] == "1"


async def test_kubernetes_asyncio_watch_streams_models(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    rv = str(cluster.store.resource_version)
    seen: list[tuple[str, str]] = []
    w = watch.Watch()

    async def consume() -> None:
        async for ev in w.stream(
            core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=5
        ):
            seen.append((ev["type"], ev["object"].metadata.name))
            if len(seen) == 2:
                w.stop()

    task = asyncio.create_task(consume())
    await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
    cluster.store.create("pods", pod("a"))
    cluster.store.delete("pods", "a")
    await asyncio.wait_for(task, 5)
    assert seen == [("ADDED", "a"), ("DELETED", "a")]


async def test_many_watchers_all_receive_each_event(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = str(cluster.store.resource_version)
    responses = []
    for _ in range(50):
        resp = await http.get("/api/v1/pods", params={"watch": "1", "resourceVersion": rv})
        responses.append(resp)
    cluster.store.create("pods", pod("a"))
    results = await asyncio.gather(*(read_events(r, 1) for r in responses))
    for r in responses:
        r.close()
    assert all(res[0]["object"]["metadata"]["name"] == "a" for res in results)


async def test_slow_http_watcher_is_cut_off(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.max_watch_backlog = 10
    rv = str(cluster.store.resource_version)
    resp = await http.get("/api/v1/pods", params={"watch": "1", "resourceVersion": rv})
    await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
    (watcher,) = cluster.store.watchers()
    for i in range(50):  # synchronously: the handler gets no chance to drain
        cluster.store.create("pods", pod(f"p{i}"))
    assert watcher.overflowed
    rest = await asyncio.wait_for(resp.content.read(), 5)
    resp.close()
    assert rest.count(b"\n") <= 10
