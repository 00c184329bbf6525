"""Fault injection through ``cluster.faults``: each fault as a client sees it, and undone.

Waits are on conditions (a served request, a queued frame), never on elapsed time.
"""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from fakekube import FakeCluster


def pod(name: str) -> dict:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "x"}]}}


async def next_event(resp: aiohttp.ClientResponse) -> dict:
    async with asyncio.timeout(5):
        line = await resp.content.readline()
    assert line, "the watch stream ended"
    return orjson.loads(line)


async def stream_ends(resp: aiohttp.ClientResponse) -> bool:
    """True once the stream is over, however the server ended it."""
    try:
        async with asyncio.timeout(5):
            while await resp.content.readline():
                pass
    except aiohttp.ClientPayloadError:
        pass
    return True


def queued_frames(cluster: FakeCluster) -> int:
    return sum(w.pending for w in cluster.store.watchers())


async def test_respond_429_carries_retry_after_for_the_given_number_of_requests(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    handle = fake_cluster.faults.respond(429, times=2, verb="list", resource="pods")
    statuses = []
    for _ in range(3):
        async with http.get("/api/v1/namespaces/default/pods") as resp:
            statuses.append((resp.status, resp.headers.get("Retry-After")))
            body = await resp.json()
    assert statuses == [(429, "1"), (429, "1"), (200, None)]
    assert handle.hits == 2 and not handle.active
    async with http.get("/api/v1/pods") as resp:
        assert resp.status == 200
    first = fake_cluster.requests(verb="list", resource="pods")[0]
    assert first.status == 429
    assert body["kind"] == "PodList"


async def test_respond_status_body_is_a_kubernetes_status(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.faults.respond(429, retry_after=7)
    async with http.get("/api/v1/nodes") as resp:
        assert resp.headers["Retry-After"] == "7"
        assert await resp.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Too many requests, please try again later.",
            "reason": "TooManyRequests",
            "details": {"retryAfterSeconds": 7},
            "code": 429,
        }


async def test_respond_only_matches_its_verb_and_resource(
    fake_cluster: FakeCluster,
) -> None:
    core = client.CoreV1Api(fake_cluster.api_client())
    handle = fake_cluster.faults.respond(500, times=None, verb="create", resource="pods")
    await core.list_namespaced_pod("default")
    await core.create_namespaced_config_map("default", {"metadata": {"name": "cm"}})
    for _ in range(2):
        with pytest.raises(ApiException) as err:
            await core.create_namespaced_pod("default", pod("p"))
        assert err.value.status == 500
        assert orjson.loads(err.value.body)["reason"] == "InternalError"
    assert handle.hits == 2 and handle.active
    handle.undo()
    await core.create_namespaced_pod("default", pod("p"))
    assert fake_cluster.store.try_get("pods", "p") is not None


async def test_respond_matches_a_subresource(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create("pods", pod("p"))
    with fake_cluster.faults.respond(503, resource="pods/status") as handle:
        async with http.get("/api/v1/namespaces/default/pods/p") as resp:
            assert resp.status == 200
        async with http.get("/api/v1/namespaces/default/pods/p/status") as resp:
            assert resp.status == 503
            assert (await resp.json())["reason"] == "ServiceUnavailable"
    assert handle.hits == 1


async def test_an_unknown_code_keeps_its_number(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.faults.respond(418, message="short and stout")
    async with http.get("/api/v1/pods") as resp:
        body = await resp.json()
    assert resp.status == 418
    assert body["code"] == 418 and body["message"] == "short and stout"


async def test_respond_refuses_zero_times(fake_cluster: FakeCluster) -> None:
    with pytest.raises(ValueError, match="times"):
        fake_cluster.faults.respond(500, times=0)


async def test_latency_holds_matching_requests_until_undone(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    slow = fake_cluster.faults.latency(3600, verb="list", resource="pods")

    async def list_pods() -> int:
        async with http.get("/api/v1/pods") as resp:
            return resp.status

    held = asyncio.create_task(list_pods())
    await fake_cluster.wait_for(lambda: slow.hits == 1)
    # Other requests pass while the matching one waits.
    async with http.get("/api/v1/nodes") as resp:
        assert resp.status == 200
    assert not held.done()
    slow.undo()
    assert await held == 200


async def test_pause_watches_queues_events_and_delivers_them_on_resume(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = fake_cluster.store.resource_version
    async with http.get(f"/api/v1/pods?watch=1&resourceVersion={rv}") as watch:
        await fake_cluster.wait_for(lambda: len(fake_cluster.store.watchers()) == 1)
        pause = fake_cluster.faults.pause_watches()
        fake_cluster.store.create("pods", pod("a"))
        fake_cluster.store.create("pods", pod("b"))
        async with http.get("/healthz"):
            pass  # a round trip: the watch handler had its chance to write
        assert queued_frames(fake_cluster) == 2
        assert fake_cluster.faults.resume_watches() == 1
        assert not pause.active
        events = [await next_event(watch), await next_event(watch)]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
    ]


async def test_stall_watches_keeps_streams_silent_until_undone(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    with fake_cluster.faults.stall_watches():
        rv = fake_cluster.store.resource_version
        async with http.get(
            f"/api/v1/pods?watch=1&resourceVersion={rv}&allowWatchBookmarks=true"
        ) as watch:
            assert watch.status == 200  # the connection is up, then nothing comes
            await fake_cluster.wait_for(lambda: len(fake_cluster.store.watchers()) == 1)
            fake_cluster.store.create("pods", pod("a"))
            async with http.get("/healthz"):
                pass
            assert queued_frames(fake_cluster) == 1
            fake_cluster.faults.drop_watches()
            assert await stream_ends(watch)
    # Undone on leaving the block: a new watch delivers at once.
    async with http.get(f"/api/v1/pods?watch=1&resourceVersion={rv}") as watch:
        assert (await next_event(watch))["object"]["metadata"]["name"] == "a"


async def test_drop_watches_ends_every_open_stream(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    async with (
        http.get("/api/v1/pods?watch=1") as w1,
        http.get("/api/v1/nodes?watch=1") as w2,
    ):
        await fake_cluster.wait_for(lambda: len(fake_cluster.store.watchers()) == 2)
        assert fake_cluster.faults.drop_watches() == 2
        assert await stream_ends(w1) and await stream_ends(w2)


async def test_compact_makes_an_older_watch_expire(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create("pods", pod("a"))
    old = fake_cluster.store.resource_version
    fake_cluster.store.create("pods", pod("b"))
    assert fake_cluster.faults.compact() == fake_cluster.store.resource_version
    async with http.get(f"/api/v1/pods?watch=1&resourceVersion={old}") as watch:
        event = await next_event(watch)
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"


async def test_unreachable_refuses_connections_then_serves_on_the_same_port(
    fake_cluster: FakeCluster,
) -> None:
    url = fake_cluster.url
    handle = fake_cluster.faults.unreachable()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorError):
            await session.get(f"{url}/healthz")
        handle.undo()
        async with session.get(f"{url}/healthz") as resp:
            assert resp.status == 200
    assert fake_cluster.url == url


async def test_unreachable_cuts_open_watches(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    async with http.get("/api/v1/pods?watch=1") as watch:
        await fake_cluster.wait_for(lambda: len(fake_cluster.store.watchers()) == 1)
        with fake_cluster.faults.unreachable():
            assert await stream_ends(watch)
    assert fake_cluster.store.watchers() == []


async def test_unreachable_for_a_while_comes_back_by_itself(fake_cluster: FakeCluster) -> None:
    handle = fake_cluster.faults.unreachable(0.05)

    async def reachable() -> bool:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{fake_cluster.url}/readyz") as resp,
            ):
                return resp.status == 200
        except aiohttp.ClientConnectorError:
            return False

    await fake_cluster.wait_for(reachable)
    assert not handle.active and fake_cluster.faults.active == []


async def test_stop_undoes_every_fault() -> None:
    cluster = FakeCluster()
    async with cluster:
        handles = [
            cluster.faults.respond(500, times=None),
            cluster.faults.latency(60),
            cluster.faults.pause_watches(),
            cluster.faults.stall_watches(),
            cluster.faults.unreachable(),
        ]
        assert len(cluster.faults.active) == 5
    assert not any(h.active for h in handles)
    assert cluster.faults.active == []


async def test_request_log_carries_the_body(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cm = {"metadata": {"name": "cm"}, "data": {"k": "v"}}
    async with http.post("/api/v1/namespaces/default/configmaps", json=cm) as resp:
        assert resp.status == 201
    (rec,) = fake_cluster.requests(verb="create", resource="configmaps")
    assert orjson.loads(rec.body) == cm
    assert rec.status == 201 and rec.method == "POST"
    assert "201 POST /api/v1/namespaces/default/configmaps" in fake_cluster.request_log()
