"""Binding and eviction through the API as kube-scheduler and kubectl send them.

Bodies are the real Go encoder's protobuf vectors (tests/data/protobuf/), whose uid
preconditions (``web-0-uid``) never match a created pod; messages are kube-apiserver
1.35's answers to the same bytes (``pkg/registry/core/pod/storage/storage.go``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import orjson
from kubernetes_asyncio import client

from fakekube import FakeCluster

DATA = Path(__file__).resolve().parent.parent / "data" / "protobuf"
PROTOBUF = {"Content-Type": "application/vnd.kubernetes.protobuf"}
PODS = "/api/v1/namespaces/default/pods"


def pod(name: str) -> dict:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "x"}]}}


def vector(name: str) -> bytes:
    return (DATA / f"{name}.pb").read_bytes()


async def post(http: aiohttp.ClientSession, path: str, body: bytes) -> tuple[int, dict]:
    async with http.post(path, data=body, headers=PROTOBUF) as resp:
        return resp.status, await resp.json()


async def test_binding_and_eviction_of_a_missing_pod_are_not_found(
    http: aiohttp.ClientSession,
) -> None:
    for sub, name in (("binding", "core.v1.binding"), ("eviction", "policy.v1.eviction")):
        status, body = await post(http, f"{PODS}/web-0/{sub}", vector(name))
        assert (status, body["reason"], body["message"]) == (
            404,
            "NotFound",
            'pods "web-0" not found',
        )


async def test_binding_with_a_stale_uid_precondition_conflicts(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    created = cluster.store.create("pods", pod("web-0"))
    uid = created["metadata"]["uid"]
    status, body = await post(http, f"{PODS}/web-0/binding", vector("core.v1.binding"))
    assert status == 409 and body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on pods "web-0": StorageError: invalid object, Code: 4, '
        "Key: /registry/pods/default/web-0, ResourceVersion: 0, AdditionalErrorMsg: "
        f"Precondition failed: UID in precondition: web-0-uid, UID in object meta: {uid}"
    )
    assert "nodeName" not in cluster.store.get("pods", "web-0")["spec"]


async def test_eviction_with_a_stale_uid_precondition_conflicts(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    created = cluster.store.create("pods", pod("web-0"))
    uid = created["metadata"]["uid"]
    status, body = await post(http, f"{PODS}/web-0/eviction", vector("policy.v1.eviction"))
    assert status == 409 and body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on Pod "web-0": the UID in the precondition (web-0-uid) '
        f"does not match the UID in record ({uid}). The object might have been deleted and "
        "then recreated"
    )
    assert cluster.store.try_get("pods", "web-0", "default") is not None


async def test_binding_is_exactly_one_modified_event(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    core = client.CoreV1Api(cluster.api_client())
    await core.create_namespaced_pod("default", pod("a"))
    await core.create_namespaced_pod("default", pod("b"))
    rv = cluster.store.resource_version
    params = {"watch": "true", "resourceVersion": str(rv)}
    async with http.get(PODS, params=params) as watch:
        binding = {"metadata": {"name": "a"}, "target": {"kind": "Node", "name": "n1"}}
        await core.create_namespaced_pod_binding("a", "default", binding, _preload_content=False)
        # A later write marks the end: whatever the binding caused comes before it.
        await core.patch_namespaced_pod("b", "default", {"metadata": {"labels": {"x": "y"}}})
        async with asyncio.timeout(5):
            events = [orjson.loads(await watch.content.readline()) for _ in range(2)]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("MODIFIED", "a"),
        ("MODIFIED", "b"),
    ]
    bound = events[0]["object"]
    assert bound["spec"]["nodeName"] == "n1"
    assert [(c["type"], c["status"]) for c in bound["status"]["conditions"]] == [
        ("PodScheduled", "True")
    ]
