"""LIST and WATCH over HTTP with kube-apiserver's resourceVersion semantics."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import orjson
import pytest
from aiohttp import web
from kubernetes_asyncio import client, watch

from fakekube import FakeCluster
from fakekube.api.state import RECORDER, ServerConfig

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
    # The cacher only sends a bookmark that moves the client forward: here, past a write
    # in another namespace that the watch does not select.
    rv = str(cluster.store.resource_version)
    cluster.store.create("configmaps", {"metadata": {"name": "elsewhere"}}, namespace="kube-system")
    newer = str(cluster.store.resource_version)
    params = {"watch": "true", "allowWatchBookmarks": "true", "resourceVersion": rv}
    async with http.get("/api/v1/namespaces/default/configmaps", params=params) as resp:
        events = await read_events(resp, 2)
    assert [e["type"] for e in events] == ["BOOKMARK", "BOOKMARK"]
    assert events[0]["object"] == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": newer},
    }


async def test_no_bookmark_on_a_watch_with_nothing_newer(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    params = {
        "watch": "true",
        "allowWatchBookmarks": "true",
        "resourceVersion": str(cluster.store.resource_version),
    }
    async with http.get("/api/v1/pods", params=params) as resp:
        with pytest.raises(TimeoutError):
            await read_events(resp, 1, timeout=0.8)


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
    async with http.get("/api/v1/pods", params=params) as resp:
        assert len(cluster.store.watchers()) == 1
        async with asyncio.timeout(10):
            rest = await resp.content.read()  # the server ends it: no event, no error
    assert rest == b"" and cluster.store.watchers() == []


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


@pytest.mark.fake_cluster(config=ServerConfig(too_large_rv_wait=0.05))
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
            if len(seen) == 3:
                w.stop()

    task = asyncio.create_task(consume())
    await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
    cluster.store.create("pods", pod("a"))
    cluster.store.delete("pods", "a")
    await asyncio.wait_for(task, 5)
    # A pod is deleted gracefully: deletionTimestamp first (MODIFIED), then DELETED.
    assert seen == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


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


# -- LIST: resourceVersion x resourceVersionMatch x limit --------------------------------


async def get_json(http: aiohttp.ClientSession, path: str, **params: str) -> tuple[int, dict]:
    async with http.get(path, params=params) as resp:
        return resp.status, await resp.json()


def names(body: dict) -> list[str]:
    return [item["metadata"]["name"] for item in body["items"]]


async def test_list_without_resource_version_is_the_most_recent_state(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", pod("a"))
    cluster.store.create("pods", pod("b"))
    status, body = await get_json(http, "/api/v1/namespaces/default/pods")
    assert status == 200 and names(body) == ["a", "b"]
    assert body["metadata"] == {"resourceVersion": str(cluster.store.resource_version)}


async def test_list_at_resource_version_zero_ignores_limit_in_one_page(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    for i in range(4):
        cluster.store.create("pods", pod(f"p{i}"))
    _, body = await get_json(http, "/api/v1/pods", resourceVersion="0", limit="2")
    assert names(body) == ["p0", "p1", "p2", "p3"]
    assert "continue" not in body["metadata"] and "remainingItemCount" not in body["metadata"]


async def test_list_not_older_than_a_version_serves_the_current_state(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    old = cluster.store.create("pods", pod("a"))["metadata"]["resourceVersion"]
    cluster.store.create("pods", pod("b"))
    current = str(cluster.store.resource_version)
    for params in ({}, {"resourceVersionMatch": "NotOlderThan"}):
        _, body = await get_json(http, "/api/v1/pods", resourceVersion=old, **params)
        assert names(body) == ["a", "b"] and body["metadata"]["resourceVersion"] == current
    # NotOlderThan with a limit pages the current state.
    _, page = await get_json(
        http, "/api/v1/pods", resourceVersion=old, resourceVersionMatch="NotOlderThan", limit="1"
    )
    assert names(page) == ["a"] and page["metadata"]["resourceVersion"] == current


async def test_list_exact_version_shows_the_state_then(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    then = cluster.store.create("pods", pod("a"))["metadata"]["resourceVersion"]
    cluster.store.create("pods", pod("b"))
    cluster.store.delete("pods", "a")
    exact = await get_json(http, "/api/v1/pods", resourceVersion=then, resourceVersionMatch="Exact")
    legacy = await get_json(http, "/api/v1/pods", resourceVersion=then, limit="10")
    for status, body in (exact, legacy):
        assert status == 200 and names(body) == ["a"]
        assert body["metadata"]["resourceVersion"] == then


async def test_list_exact_compacted_version_is_410_expired(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    then = cluster.store.create("pods", pod("a"))["metadata"]["resourceVersion"]
    cluster.store.create("pods", pod("b"))
    cluster.faults.compact()
    status, body = await get_json(http, "/api/v1/pods", resourceVersion=then, limit="1")
    assert status == 410
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "The resourceVersion for the provided list is too old.",
        "reason": "Expired",
        "code": 410,
    }


async def test_list_options_violations_are_one_422_with_every_cause(
    http: aiohttp.ClientSession,
) -> None:
    status, body = await get_json(http, "/api/v1/pods", resourceVersionMatch="Newest")
    assert status == 422 and body["reason"] == "Invalid"
    assert body["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided, "
        'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", '
        '"NotOlderThan", ""]'
    )
    assert body["details"] == {
        "group": "meta.k8s.io",
        "kind": "ListOptions",
        "causes": [
            {
                "reason": "FieldValueForbidden",
                "message": "Forbidden: resourceVersionMatch is forbidden unless "
                "resourceVersion is provided",
                "field": "resourceVersionMatch",
            },
            {
                "reason": "FieldValueNotSupported",
                "message": 'Unsupported value: "Newest": supported values: "Exact", '
                '"NotOlderThan", ""',
                "field": "resourceVersionMatch",
            },
        ],
    }
    status, body = await get_json(
        http, "/api/v1/pods", resourceVersion="0", resourceVersionMatch="Exact"
    )
    assert status == 422 and body["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
    )
    status, body = await get_json(http, "/api/v1/pods", sendInitialEvents="true")
    assert status == 422 and body["details"]["causes"][0]["field"] == "sendInitialEvents"


async def test_unparsable_resource_version_and_limit_are_400(
    http: aiohttp.ClientSession,
) -> None:
    status, body = await get_json(http, "/api/v1/pods", resourceVersion="abc")
    assert status == 400 and body["message"] == (
        'invalid resource version: resourceVersion: Invalid value: "abc": '
        'strconv.ParseUint: parsing "abc": invalid syntax'
    )
    status, body = await get_json(http, "/api/v1/pods", limit="ten")
    assert status == 400 and body["message"] == 'strconv.ParseInt: parsing "ten": invalid syntax'


# -- LIST: limit / continue ---------------------------------------------------------------


async def test_pages_share_the_list_version_and_the_last_has_no_token(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    for i in range(5):
        cluster.store.create("pods", pod(f"p{i}"))
    seen, token, versions = [], None, set()
    while True:
        params = {"limit": "2", **({"continue": token} if token else {})}
        _, page = await get_json(http, "/api/v1/pods", **params)
        cluster.store.create("pods", pod(f"late-{len(seen)}"))  # after the list: never seen
        seen += names(page)
        versions.add(page["metadata"]["resourceVersion"])
        token = page["metadata"].get("continue")
        if not token:
            break
    assert seen == ["p0", "p1", "p2", "p3", "p4"] and len(versions) == 1
    assert "remainingItemCount" not in page["metadata"]


async def test_continue_token_is_relative_to_the_listed_namespace(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    for i in range(3):
        cluster.store.create("pods", pod(f"p{i}"))
    _, namespaced = await get_json(http, "/api/v1/namespaces/default/pods", limit="1")
    _, everywhere = await get_json(http, "/api/v1/pods", limit="1")

    def start(token: str) -> str:
        return orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["start"]

    assert start(namespaced["metadata"]["continue"]) == "p0\x00"
    assert start(everywhere["metadata"]["continue"]) == "default/p0\x00"


async def test_expired_continue_is_410_with_a_token_that_continues_at_the_latest(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    for i in range(3):
        cluster.store.create("pods", pod(f"p{i}"))
    _, first = await get_json(http, "/api/v1/pods", limit="1")
    cluster.store.create("pods", pod("p9"))
    cluster.faults.compact()
    status, body = await get_json(
        http, "/api/v1/pods", limit="1", **{"continue": first["metadata"]["continue"]}
    )
    assert status == 410 and body["reason"] == "Expired" and "details" not in body
    assert body["message"].startswith(
        "The provided continue parameter is too old to display a consistent list result."
    )
    fresh = body["metadata"]["continue"]
    _, rest = await get_json(http, "/api/v1/pods", limit="10", **{"continue": fresh})
    assert names(rest) == ["p1", "p2", "p9"]  # the latest state, from where it stopped


async def test_continue_with_a_resource_version_or_a_bad_token_is_400(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    for i in range(2):
        cluster.store.create("pods", pod(f"p{i}"))
    _, first = await get_json(http, "/api/v1/pods", limit="1")
    token = first["metadata"]["continue"]
    status, body = await get_json(http, "/api/v1/pods", resourceVersion="1", **{"continue": token})
    assert status == 400
    assert body["message"] == "specifying resource version is not allowed when using continue"
    status, body = await get_json(http, "/api/v1/pods", resourceVersion="0", **{"continue": token})
    assert status == 200 and names(body) == ["p1"]
    status, body = await get_json(http, "/api/v1/pods", **{"continue": "!!"})
    assert status == 400 and body["message"] == (
        "invalid continue token: continue key is not valid: illegal base64 data at input byte 0"
    )
    status, body = await get_json(
        http, "/api/v1/pods", resourceVersionMatch="NotOlderThan", **{"continue": token}
    )
    assert status == 422


# -- selectors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["a", "b"]),
        ("app==web,tier=front", ["a"]),
        ("app!=web", ["c", "d"]),  # d has no app label: != keeps it
        ("app in (web,db)", ["a", "b", "c"]),
        ("app notin (web)", ["c", "d"]),
        ("app", ["a", "b", "c"]),
        ("!app", ["d"]),
        ("rank>2", ["b", "c"]),
        ("rank<3", ["a"]),
    ],
)
async def test_label_selector_full_syntax_filters_lists(
    cluster: FakeCluster, http: aiohttp.ClientSession, selector: str, expected: list[str]
) -> None:
    cluster.store.create("pods", pod("a", app="web", tier="front", rank="1"))
    cluster.store.create("pods", pod("b", app="web", rank="5"))
    cluster.store.create("pods", pod("c", app="db", rank="10"))
    cluster.store.create("pods", pod("d"))
    _, body = await get_json(http, "/api/v1/pods", labelSelector=selector)
    assert names(body) == expected


async def test_invalid_label_selector_is_400_with_the_parser_message(
    http: aiohttp.ClientSession,
) -> None:
    status, body = await get_json(http, "/api/v1/nodes", labelSelector="a in (b")
    assert status == 400 and body["reason"] == "BadRequest"
    assert body["message"] == "unable to parse requirement: found '', expected: ',' or ')'"
    status, body = await get_json(http, "/api/v1/pods", fieldSelector="spec.nodeName")
    assert status == 400
    assert body["message"] == "invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'"


#: (collection, field, refusal or None when the kind accepts it). The accepted labels and
#: the wording come from each kind's AddFieldLabelConversionFunc in kubernetes 1.35.
FIELD_LABELS = [
    *[
        ("/api/v1/pods", f, None)
        for f in (
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
            "spec.host",
        )
    ],
    ("/api/v1/pods", "spec.priority", "field label not supported: spec.priority"),
    ("/api/v1/nodes", "spec.unschedulable", None),
    ("/api/v1/nodes", "metadata.namespace", "field label not supported: metadata.namespace"),
    ("/api/v1/namespaces", "status.phase", None),
    ("/api/v1/events", "involvedObject.uid", None),
    ("/api/v1/events", "source", None),
    ("/api/v1/events", "reportingComponent", None),
    ("/apis/events.k8s.io/v1/events", "regarding.name", None),
    ("/apis/events.k8s.io/v1/events", "source", "field label not supported: source"),
    ("/api/v1/services", "spec.type", None),
    ("/api/v1/services", "spec.clusterIP", None),
    ("/api/v1/secrets", "type", None),
    ("/api/v1/replicationcontrollers", "status.replicas", None),
    (
        "/apis/apps/v1/replicasets",
        "status.replicas",
        '"status.replicas" is not a known field selector: only "metadata.name", '
        '"metadata.namespace"',
    ),
    ("/apis/batch/v1/jobs", "status.successful", None),
    ("/apis/batch/v1/jobs", "status.active", 'field label "status.active" not supported for Job'),
    ("/apis/resource.k8s.io/v1/resourceslices", "spec.nodeName", None),
    (
        "/apis/resource.k8s.io/v1/resourceslices",
        "spec.pool",
        "field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: spec.pool",
    ),
    ("/apis/storage.k8s.io/v1/storageclasses", "metadata.namespace", None),
    (
        "/api/v1/configmaps",
        "data",
        '"data" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ),
]


@pytest.mark.parametrize(("path", "field", "refusal"), FIELD_LABELS)
async def test_field_selector_accepts_each_kinds_real_field_set(
    http: aiohttp.ClientSession, path: str, field: str, refusal: str | None
) -> None:
    status, body = await get_json(http, path, fieldSelector=f"{field}=x")
    if refusal is None:
        assert status == 200, body
    else:
        assert (status, body["reason"], body["message"]) == (400, "BadRequest", refusal)


async def test_field_selectors_match_each_kinds_selectable_values(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create(
        "nodes", {"metadata": {"name": "cordoned"}, "spec": {"unschedulable": True}}
    )
    cluster.store.create("nodes", {"metadata": {"name": "open"}})
    _, body = await get_json(http, "/api/v1/nodes", fieldSelector="spec.unschedulable=false")
    assert names(body) == ["open"]
    host = pod("h")
    host["spec"]["hostNetwork"] = True
    cluster.store.create("pods", host)
    cluster.store.create("pods", pod("plain"))
    _, body = await get_json(http, "/api/v1/pods", fieldSelector="spec.hostNetwork=true")
    assert names(body) == ["h"]
    _, body = await get_json(http, "/api/v1/pods", fieldSelector="status.podIPs=")
    assert names(body) == ["h", "plain"]  # accepted, never set: always ""


async def test_list_body_carries_list_kind_and_paging_metadata(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    for i in range(3):
        cluster.store.create("pods", pod(f"p{i}", app="web"))
    _, page = await get_json(http, "/api/v1/pods", limit="1")
    assert page["kind"] == "PodList" and page["apiVersion"] == "v1"
    assert set(page["metadata"]) == {"resourceVersion", "continue", "remainingItemCount"}
    assert page["metadata"]["remainingItemCount"] == 2
    # With a selector the count is unknown, as kube-apiserver leaves it out.
    _, filtered = await get_json(http, "/api/v1/pods", limit="1", labelSelector="app=web")
    assert set(filtered["metadata"]) == {"resourceVersion", "continue"}
    _, deployments = await get_json(http, "/apis/apps/v1/deployments")
    assert deployments["kind"] == "DeploymentList" and deployments["apiVersion"] == "apps/v1"
    assert deployments["items"] == []


async def test_kubectl_table_accept_gets_a_table(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", pod("a"))
    accept = (
        "application/json;as=Table;v=v1;g=meta.k8s.io,"
        "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
    )
    async with http.get("/api/v1/namespaces/default/pods", headers={"Accept": accept}) as resp:
        table = await resp.json()
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["columnDefinitions"][0]["name"] == "Name"
    assert [row["cells"][0] for row in table["rows"]] == ["a"]
    assert table["metadata"]["resourceVersion"] == str(cluster.store.resource_version)


# -- WATCH ------------------------------------------------------------------------------


async def test_watch_is_chunked_and_flushed_event_by_event(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    params = {"watch": "true", "resourceVersion": str(cluster.store.resource_version)}
    async with http.get("/api/v1/pods", params=params) as resp:
        assert resp.headers["Transfer-Encoding"] == "chunked"
        for name in ("a", "b"):
            cluster.store.create("pods", pod(name))
            # Readable on its own: the server flushed it, it did not wait for more.
            (event,) = await read_events(resp, 1)
            assert event["object"]["metadata"]["name"] == name


async def test_watch_replays_exactly_the_missed_events_in_order(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    start = cluster.store.create("pods", pod("a"))["metadata"]["resourceVersion"]
    cluster.store.create("pods", pod("b"))
    relabel = cluster.store.get("pods", "a")
    relabel["metadata"]["labels"] = {"x": "y"}
    cluster.store.update("pods", relabel)
    cluster.store.delete("pods", "b")
    cluster.store.create("nodes", {"metadata": {"name": "n"}})  # another resource
    params = {"watch": "1", "resourceVersion": start}
    async with http.get("/api/v1/pods", params=params) as resp:
        events = await read_events(resp, 4)
    got = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
    assert got == [("ADDED", "b"), ("MODIFIED", "a"), ("MODIFIED", "b"), ("DELETED", "b")]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and versions[0] > int(start)
    assert all(e["object"]["kind"] == "Pod" and e["object"]["apiVersion"] == "v1" for e in events)


async def test_deleted_event_carries_the_deletions_resource_version(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    created = cluster.store.create("pods", pod("a"))
    params = {"watch": "1", "resourceVersion": created["metadata"]["resourceVersion"]}
    async with http.get("/api/v1/pods", params=params) as resp:
        cluster.store.delete("pods", "a")
        marked, event = await read_events(resp, 2)
    assert marked["type"] == "MODIFIED" and marked["object"]["metadata"]["deletionTimestamp"]
    assert event["type"] == "DELETED"
    assert event["object"]["metadata"]["resourceVersion"] == str(cluster.store.resource_version)
    assert event["object"]["metadata"]["uid"] == created["metadata"]["uid"]


async def test_watch_from_empty_version_with_bookmarks_marks_the_end_of_initial_events(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    # kube-apiserver 1.34+ (WatchList on) turns a watch from "" or "0" into a streaming
    # list (SetListOptionsDefaults): same ADDED events, plus the initial-events-end mark.
    cluster.store.create("pods", pod("a"))
    for version in ("", "0"):
        params = {"watch": "1", "allowWatchBookmarks": "true", "resourceVersion": version}
        async with http.get("/api/v1/pods", params=params) as resp:
            added, mark = await read_events(resp, 2)
        assert added["type"] == "ADDED" and mark["type"] == "BOOKMARK"
        assert mark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_watch_with_send_initial_events_false_starts_from_now(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", pod("old"))
    params = {
        "watch": "1",
        "sendInitialEvents": "false",
        "resourceVersionMatch": "NotOlderThan",
    }
    async with http.get("/api/v1/pods", params=params) as resp:
        await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
        cluster.store.create("pods", pod("new"))
        (event,) = await read_events(resp, 1)
    assert event["object"]["metadata"]["name"] == "new"


async def test_watch_from_a_future_version_waits_for_it(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    future = cluster.store.resource_version + 2
    params = {"watch": "1", "resourceVersion": str(future)}
    async with http.get("/api/v1/pods", params=params) as resp:
        assert resp.status == 200
        await cluster.wait_for(lambda: len(cluster.store.watchers()) == 1)
        for name in ("skipped-1", "skipped-2", "seen"):
            cluster.store.create("pods", pod(name))
        (event,) = await read_events(resp, 1)
    assert event["object"]["metadata"]["name"] == "seen"


@pytest.mark.fake_cluster(config=ServerConfig(too_large_rv_wait=0.05))
async def test_streaming_list_from_a_future_version_is_an_error_event(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    params = {
        "watch": "1",
        "sendInitialEvents": "true",
        "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": "true",
        "resourceVersion": str(cluster.store.resource_version + 5),
    }
    async with http.get("/api/v1/pods", params=params) as resp:
        lines = [orjson.loads(line) async for line in resp.content if line.strip()]
    assert len(lines) == 1 and lines[0]["type"] == "ERROR"
    assert lines[0]["object"]["code"] == 504
    assert lines[0]["object"]["message"].startswith("Timeout: Too large resource version: ")


@pytest.mark.fake_cluster(config=ServerConfig(bookmark_interval=60.0))
async def test_bookmark_arrives_two_seconds_before_the_watch_deadline(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = str(cluster.store.resource_version)
    # Only a bookmark that moves the client forward is sent: a write it does not select.
    cluster.store.create("pods", pod("elsewhere"), namespace="kube-system")
    newer = str(cluster.store.resource_version)
    params = {"watch": "1", "allowWatchBookmarks": "true", "timeoutSeconds": "3"}
    path = "/api/v1/namespaces/default/pods"
    async with http.get(path, params={**params, "resourceVersion": rv}) as resp:
        lines = [orjson.loads(line) async for line in resp.content if line.strip()]
    assert lines == [
        {
            "type": "BOOKMARK",
            "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": newer}},
        }
    ]


async def test_watch_without_timeout_stays_open(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    # client-go treats a watch that ends within a second with no event as broken.
    params = {"watch": "1", "allowWatchBookmarks": "true"}
    params["resourceVersion"] = str(cluster.store.resource_version)
    # Bookmarks go out only past the start version: a write the watch does not select.
    cluster.store.create("pods", pod("elsewhere"), namespace="kube-system")
    async with http.get("/api/v1/namespaces/default/pods", params=params) as resp:
        bookmarks = await read_events(resp, 5)  # 5 x 0.3 s in this suite
        assert [e["type"] for e in bookmarks] == ["BOOKMARK"] * 5
        assert not resp.content.at_eof() and len(cluster.store.watchers()) == 1
        cluster.store.create("pods", pod("late"))
        event = next(e for e in await read_events(resp, 2) if e["type"] == "ADDED")
    assert event["object"]["metadata"]["name"] == "late"


async def test_watch_on_one_object_checks_the_field_selector_against_its_name(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", pod("a"))
    cluster.store.create("pods", pod("b"))
    path = "/api/v1/watch/namespaces/default/pods/b"
    async with http.get(path, params={"fieldSelector": "metadata.name=a"}) as resp:
        body = await resp.json()
    assert resp.status == 400
    assert body["message"] == "fieldSelector metadata.name doesn't match requested name"
    async with http.get(path) as resp:
        (event,) = await read_events(resp, 1)
    assert event["object"]["metadata"]["name"] == "b"


async def test_watch_from_an_unparsable_version_is_a_500_like_the_cacher(
    http: aiohttp.ClientSession,
) -> None:
    params = {"watch": "1", "resourceVersion": "-1"}
    async with http.get("/api/v1/pods", params=params) as resp:
        body = await resp.json()
    assert resp.status == 500 and "reason" not in body
    assert body["message"] == (
        'resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax'
    )


async def test_thousand_http_watchers_each_receive_every_event(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = str(cluster.store.resource_version)
    params = {"watch": "1", "resourceVersion": rv}
    async with aiohttp.ClientSession(
        base_url=cluster.url, connector=aiohttp.TCPConnector(limit=0)
    ) as session:
        responses = await asyncio.gather(
            *(session.get("/api/v1/pods", params=params) for _ in range(1000))
        )
        assert len(cluster.store.watchers()) == 1000
        for i in range(3):
            cluster.store.create("pods", pod(f"p{i}"))
        results = await asyncio.gather(*(read_events(r, 3, timeout=30) for r in responses))
        for r in responses:
            r.close()
    want = ["p0", "p1", "p2"]
    assert all([e["object"]["metadata"]["name"] for e in res] == want for res in results)


async def test_a_watch_whose_client_left_before_the_headers_is_not_left_registered(
    fake_cluster: FakeCluster,
    http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A registered watch nobody reads queues every event, and a simulation's gate, which
    # waits for every watch to be flushed, would wait for it until the step timed out.
    real_prepare = web.StreamResponse.prepare

    async def client_gone(self: web.StreamResponse, request: web.BaseRequest) -> object:
        if request.query.get("watch"):
            raise ConnectionResetError("Cannot write to closing transport")
        return await real_prepare(self, request)

    monkeypatch.setattr(web.StreamResponse, "prepare", client_gone)
    with pytest.raises(aiohttp.ClientError):
        async with http.get("/api/v1/pods", params={"watch": "1"}) as resp:
            await resp.read()
    assert fake_cluster.store.watchers() == []
    # Routine for a watch: not a server error with a traceback in the log.
    assert not [r for r in caplog.records if r.name == "aiohttp.server"]


def _continue_token(rv: int, start: str) -> str:
    """A continue token as kube-apiserver encodes one."""
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("how", ["not-older-than", "exact", "continue"])
@pytest.mark.fake_cluster(config=ServerConfig(too_large_rv_wait=30.0))
async def test_list_from_a_future_version_waits_for_it_and_is_served_at_it(
    cluster: FakeCluster, http: aiohttp.ClientSession, how: str
) -> None:
    # kube-apiserver v1.35 blocks a LIST at a version it has not seen yet (up to 3 s,
    # measured: a plain one, an Exact one and a continue token alike) and answers once it
    # has: the list then includes the write.
    rv = cluster.store.resource_version + 1
    params = {
        "not-older-than": {"resourceVersion": str(rv)},
        "exact": {"resourceVersion": str(rv), "resourceVersionMatch": "Exact"},
        "continue": {"limit": "10", "continue": _continue_token(rv, "a")},
    }[how]
    listeners = len(cluster.store._listeners)
    listing = asyncio.ensure_future(
        http.get("/api/v1/namespaces/default/configmaps", params=params)
    )
    # The handler waits for the version with a store listener.
    await cluster.wait_for(lambda: len(cluster.store._listeners) > listeners)
    assert not listing.done() and cluster.server.app[RECORDER].in_flight == 1
    cluster.store.create("configmaps", {"metadata": {"name": "late"}}, namespace="default")
    async with await listing as resp:
        body = await resp.json()
    assert resp.status == 200
    assert int(body["metadata"]["resourceVersion"]) >= rv
    assert [o["metadata"]["name"] for o in body["items"]] == ["late"]


@pytest.mark.fake_cluster(config=ServerConfig(too_large_rv_wait=30.0))
async def test_streaming_list_from_a_future_version_starts_once_it_is_reached(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = cluster.store.resource_version + 1
    params = {
        "watch": "1",
        "sendInitialEvents": "true",
        "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": "true",
        "resourceVersion": str(rv),
        "timeoutSeconds": "5",
    }
    listeners = len(cluster.store._listeners)
    watching = asyncio.ensure_future(
        http.get("/api/v1/namespaces/default/configmaps", params=params)
    )
    # The handler waits for the version with a store listener (no headers before it).
    await cluster.wait_for(lambda: len(cluster.store._listeners) > listeners)
    assert not watching.done()
    cluster.store.create("configmaps", {"metadata": {"name": "late"}}, namespace="default")
    async with await watching as resp:
        first = orjson.loads(await resp.content.readline())
        end = orjson.loads(await resp.content.readline())
    assert resp.status == 200
    assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "late")
    assert end["type"] == "BOOKMARK"
    assert end["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
