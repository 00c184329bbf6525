"""CRUD, subresources and errors through real clients: kubernetes-asyncio and raw HTTP."""

from __future__ import annotations

import aiohttp
import orjson
import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from fakekube import FakeCluster

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "containers": [
            {"name": "c", "image": "nginx:1.27", "resources": {"requests": {"cpu": "100m"}}}
        ]
    },
}


def status_of(exc: ApiException) -> dict:
    return orjson.loads(exc.body)


async def test_create_get_list_delete_with_models(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    created = await core.create_namespaced_pod("default", POD)
    assert created.metadata.uid and created.metadata.resource_version
    got = await core.read_namespaced_pod("web", "default")
    assert got.spec.containers[0].image == "nginx:1.27"
    listed = await core.list_namespaced_pod("default", label_selector="app=web")
    assert [p.metadata.name for p in listed.items] == ["web"]
    assert listed.kind == "PodList" and listed.api_version == "v1"
    deleted = await core.delete_namespaced_pod("web", "default")
    assert deleted.metadata.name == "web"
    assert cluster.store.try_get("pods", "web") is None


async def test_not_found_is_the_exact_status(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    with pytest.raises(ApiException) as err:
        await core.read_namespaced_pod("missing", "default")
    assert err.value.status == 404
    assert status_of(err.value) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "missing" not found',
        "reason": "NotFound",
        "details": {"name": "missing", "kind": "pods"},
        "code": 404,
    }


async def test_group_resources_name_their_group_in_errors(cluster: FakeCluster) -> None:
    apps = client.AppsV1Api(cluster.api_client())
    with pytest.raises(ApiException) as err:
        await apps.read_namespaced_deployment("missing", "default")
    body = status_of(err.value)
    assert body["message"] == 'deployments.apps "missing" not found'
    assert body["details"] == {"name": "missing", "group": "apps", "kind": "deployments"}


async def test_stale_update_is_409_conflict(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    created = await core.create_namespaced_pod("default", POD)
    created.metadata.labels = {"app": "web", "v": "2"}
    await core.replace_namespaced_pod("web", "default", created)
    with pytest.raises(ApiException) as err:
        await core.replace_namespaced_pod("web", "default", created)
    assert err.value.status == 409 and status_of(err.value)["reason"] == "Conflict"


async def test_invalid_name_is_422_with_causes(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    bad = {**POD, "metadata": {"name": "Not_Valid"}}
    with pytest.raises(ApiException) as err:
        await core.create_namespaced_pod("default", bad)
    body = status_of(err.value)
    assert err.value.status == 422 and body["reason"] == "Invalid"
    assert body["details"]["kind"] == "Pod"
    assert body["details"]["causes"][0]["reason"] == "FieldValueInvalid"


async def test_binding_subresource_binds_once(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    await core.create_namespaced_pod("default", POD)
    body = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "web"},
        "target": {"kind": "Node", "name": "node-1"},
    }
    resp = await core.create_namespaced_pod_binding("web", "default", body, _preload_content=False)
    assert resp.status == 201
    assert orjson.loads(await resp.read()) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    pod = await core.read_namespaced_pod("web", "default")
    assert pod.spec.node_name == "node-1"
    assert [(c.type, c.status) for c in pod.status.conditions] == [("PodScheduled", "True")]
    with pytest.raises(ApiException) as err:
        await core.create_namespaced_pod_binding("web", "default", body)
    assert err.value.status == 409


async def test_legacy_bindings_collection_binds(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    await core.create_namespaced_pod("default", POD)
    body = {"metadata": {"name": "web"}, "target": {"kind": "Node", "name": "n2"}}
    await core.create_namespaced_binding("default", body, _preload_content=False)
    assert cluster.store.get("pods", "web")["spec"]["nodeName"] == "n2"
    with pytest.raises(ApiException) as err:
        await core.create_namespaced_binding(
            "default", {"metadata": {"name": "nope"}, "target": {"name": "n2"}}
        )
    assert err.value.status == 404


async def test_status_patch_with_kube_scheduler_bodies(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    await core.create_namespaced_pod("default", POD)
    unschedulable = {
        "status": {
            "conditions": [
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": "2026-11-22T22:11:00Z",
                    "message": "0/1 nodes are available",
                    "reason": "Unschedulable",
                    "status": "False",
                    "type": "PodScheduled",
                }
            ]
        }
    }
    await core.patch_namespaced_pod_status("web", "default", unschedulable)
    nominated = {"status": {"nominatedNodeName": "n1"}}
    await core.patch_namespaced_pod_status("web", "default", nominated)
    pod = cluster.store.get("pods", "web")
    assert pod["status"]["nominatedNodeName"] == "n1"
    await core.patch_namespaced_pod_status(
        "web", "default", {"status": {"nominatedNodeName": None}}
    )
    pod = cluster.store.get("pods", "web")
    assert "nominatedNodeName" not in pod["status"]
    assert pod["status"]["conditions"][0]["reason"] == "Unschedulable"


async def test_eviction_deletes_the_pod(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    await core.create_namespaced_pod("default", POD)
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web", "namespace": "default"},
    }
    await core.create_namespaced_pod_eviction("web", "default", eviction, _preload_content=False)
    assert cluster.store.try_get("pods", "web") is None


async def test_delete_collection_by_label(cluster: FakeCluster) -> None:
    core = client.CoreV1Api(cluster.api_client())
    for name, app in (("a", "x"), ("b", "x"), ("c", "y")):
        await core.create_namespaced_pod(
            "default", {**POD, "metadata": {"name": name, "labels": {"app": app}}}
        )
    await core.delete_collection_namespaced_pod("default", label_selector="app=x")
    assert [e.name for e in cluster.store.list("pods").items] == ["c"]


async def test_malformed_json_is_400_and_changes_nothing(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rv = cluster.store.resource_version
    async with http.post(
        "/api/v1/namespaces/default/pods",
        data=b'{"metadata": ',
        headers={"Content-Type": "application/json"},
    ) as resp:
        body = await resp.json()
    assert resp.status == 400 and body["reason"] == "BadRequest" and body["kind"] == "Status"
    assert cluster.store.resource_version == rv


async def test_wrong_kind_and_name_mismatch_are_400(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "x"}}
    async with http.post("/api/v1/namespaces/default/pods", json=node) as resp:
        assert resp.status == 400
    cluster.store.create("pods", POD)
    async with http.put("/api/v1/namespaces/default/pods/other", json=POD) as resp:
        body = await resp.json()
    assert resp.status == 400
    assert body["message"] == (
        "the name of the object (web) does not match the name on the URL (other)"
    )


async def test_oversized_body_is_413(cluster: FakeCluster, http: aiohttp.ClientSession) -> None:
    big = {**POD, "metadata": {"name": "big", "annotations": {"x": "y" * (3 * 1024 * 1024)}}}
    async with http.post(
        "/api/v1/namespaces/default/pods",
        data=orjson.dumps(big),
        headers={"Content-Type": "application/json"},
    ) as resp:
        body = await resp.json()
    assert resp.status == 413 and body["reason"] == "RequestEntityTooLarge"
    assert body["message"] == "Request entity too large: limit is 3145728"
    assert cluster.store.count("pods") == 0


async def test_unknown_resource_and_path(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v1/widgets") as resp:
        body = await resp.json()
    assert resp.status == 404
    assert body["message"] == "the server could not find the requested resource"
    async with http.get("/apis/nope.example.com/v1/things") as resp:
        assert resp.status == 404
    async with http.get("/not-an-api") as resp:
        assert resp.status == 404


async def test_unsupported_content_types_are_415(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        "/api/v1/namespaces/default/pods",
        data=b"<pod/>",
        headers={"Content-Type": "application/xml"},
    ) as resp:
        body = await resp.json()
    assert resp.status == 415 and body["reason"] == "UnsupportedMediaType"
    cluster.store.create("pods", POD)
    async with http.patch(
        "/api/v1/namespaces/default/pods/web",
        data=b"metadata: {}",
        headers={"Content-Type": "application/apply-patch+yaml"},
    ) as resp:
        body = await resp.json()
    assert resp.status == 415
    assert body["message"].startswith(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/strategic-merge-patch+json"
    )


async def test_protobuf_only_accept_is_406(http: aiohttp.ClientSession) -> None:
    async with http.get(
        "/api/v1/pods", headers={"Accept": "application/vnd.kubernetes.protobuf"}
    ) as resp:
        body = await resp.json()
    assert resp.status == 406 and body["reason"] == "NotAcceptable"
    async with http.get(
        "/api/v1/pods", headers={"Accept": "application/vnd.kubernetes.protobuf, */*"}
    ) as resp:
        assert resp.status == 200 and resp.content_type == "application/json"


async def test_patch_types_through_the_api(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", POD)
    path = "/api/v1/namespaces/default/pods/web"
    async with http.patch(
        path,
        data=b'{"metadata":{"labels":{"tier":"front"}}}',
        headers={"Content-Type": "application/merge-patch+json"},
    ) as resp:
        assert resp.status == 200
    ops = b'[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.28"}]'
    async with http.patch(
        path, data=ops, headers={"Content-Type": "application/json-patch+json"}
    ) as resp:
        assert resp.status == 200
    smp = b'{"spec":{"containers":[{"name":"side","image":"busybox"}]}}'
    async with http.patch(
        path, data=smp, headers={"Content-Type": "application/strategic-merge-patch+json"}
    ) as resp:
        assert resp.status == 200
    pod = cluster.store.get("pods", "web")
    assert pod["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert [c["name"] for c in pod["spec"]["containers"]] == ["side", "c"] or [
        c["name"] for c in pod["spec"]["containers"]
    ] == ["c", "side"]
    assert next(c for c in pod["spec"]["containers"] if c["name"] == "c")["image"] == "nginx:1.28"


async def test_server_survives_garbage_and_keeps_state(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", POD)
    rv = cluster.store.resource_version
    garbage = [
        ("POST", "/api/v1/namespaces/default/pods", b"\xff\xfe", "application/json"),
        ("POST", "/api/v1/namespaces/default/pods", b"[]", "application/json"),
        ("PUT", "/api/v1/namespaces/default/pods/web", b"null", "application/json"),
        ("PATCH", "/api/v1/namespaces/default/pods/web", b"{{", "application/merge-patch+json"),
        (
            "PATCH",
            "/api/v1/namespaces/default/pods/web",
            b'[{"op":"bogus"}]',
            "application/json-patch+json",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/pods/web/binding",
            b"k8s\x00garbage",
            "application/vnd.kubernetes.protobuf",
        ),
        ("GET", "/api/v1/pods?labelSelector=a%20in%20(", b"", "application/json"),
        ("GET", "/api/v1/pods?fieldSelector=spec.bogus=1", b"", "application/json"),
        ("GET", "/api/v1/pods?limit=abc", b"", "application/json"),
    ]
    for method, path, data, ctype in garbage:
        async with http.request(method, path, data=data, headers={"Content-Type": ctype}) as resp:
            body = await resp.json()
        assert 400 <= resp.status < 500, (method, path, resp.status, body)
        assert body["kind"] == "Status"
    assert cluster.store.resource_version == rv
    async with http.get("/api/v1/namespaces/default/pods/web") as resp:
        assert resp.status == 200
