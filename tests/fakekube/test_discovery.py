"""Discovery, version, health and OpenAPI through kubernetes-asyncio (models and raw).

Shapes are kube-apiserver 1.35's (compared with the real server): aggregated discovery
leaves a response kind's group/version empty when they are the resource's own and writes
no ``creationTimestamp: null``. v2beta1 aggregated discovery is still served for clients
older than client-go 1.30 (kube-apiserver 1.35 answers a v2beta1-only Accept with 406).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from kubernetes_asyncio import client

from fakekube import FakeCluster
from fakekube.registry import DEFAULT_RESOURCES

V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


async def aggregated(cluster: FakeCluster, path: str, accept: str) -> tuple[str, dict[str, Any]]:
    api = cluster.api_client()
    resp = await api.call_api(path, "GET", header_params={"Accept": accept}, _preload_content=False)
    return resp.headers["Content-Type"], orjson.loads(await resp.read())


def resources(doc: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (group["metadata"].get("name", ""), version["version"], res["resource"]): res
        for group in doc["items"]
        for version in group["versions"]
        for res in version["resources"]
    }


async def test_aggregated_discovery_v2_lists_every_registry_row(cluster: FakeCluster) -> None:
    ctype, core = await aggregated(cluster, "/api", V2)
    assert ctype == V2
    _, groups = await aggregated(cluster, "/apis", V2)
    assert core["apiVersion"] == groups["apiVersion"] == "apidiscovery.k8s.io/v2"
    assert core["items"][0]["metadata"] == {}
    assert {"name": "apps"} in [g["metadata"] for g in groups["items"]]
    found = resources(core) | resources(groups)
    for rt in DEFAULT_RESOURCES:
        res = found[(rt.group, rt.version, rt.plural)]
        assert res["responseKind"] == {"group": "", "version": "", "kind": rt.kind}
        assert res["scope"] == ("Namespaced" if rt.namespaced else "Cluster")
        assert res["verbs"] == list(rt.verbs)
    pods = found[("", "v1", "pods")]
    subresources = {s["subresource"]: s for s in pods["subresources"]}
    assert subresources["eviction"]["responseKind"] == {
        "group": "policy",
        "version": "v1",
        "kind": "Eviction",
    }
    assert subresources["binding"]["verbs"] == ["create"]
    scale = {s["subresource"]: s for s in found[("apps", "v1", "deployments")]["subresources"]}
    assert scale["scale"]["responseKind"] == {
        "group": "autoscaling",
        "version": "v1",
        "kind": "Scale",
    }


async def test_aggregated_discovery_v2beta1_is_served_for_older_clients(
    cluster: FakeCluster,
) -> None:
    ctype, doc = await aggregated(cluster, "/apis", V2BETA1)
    assert ctype == V2BETA1
    assert doc["kind"] == "APIGroupDiscoveryList"
    assert doc["apiVersion"] == "apidiscovery.k8s.io/v2beta1"
    assert ("coordination.k8s.io", "v1", "leases") in resources(doc)
    # A client listing both (client-go 1.30+) gets v2, the first it names.
    ctype, doc = await aggregated(cluster, "/apis", f"{V2},{V2BETA1},application/json")
    assert ctype == V2


async def test_unaggregated_discovery_with_models(cluster: FakeCluster) -> None:
    api = cluster.api_client()
    versions = await client.CoreApi(api).get_api_versions()
    assert versions.versions == ["v1"]
    groups = await client.ApisApi(api).get_api_versions()
    names = {g.name for g in groups.groups}
    assert {rt.group for rt in DEFAULT_RESOURCES if rt.group} <= names
    apps = await client.AppsApi(api).get_api_group()
    assert apps.preferred_version.group_version == "apps/v1"
    listed = await client.AppsV1Api(api).get_api_resources()
    by_name = {r.name: r for r in listed.resources}
    assert by_name["deployments"].kind == "Deployment" and by_name["deployments"].namespaced
    assert by_name["deployments/scale"].group == "autoscaling"
    core = await client.CoreV1Api(api).get_api_resources()
    assert "deletecollection" not in {r.name: r for r in core.resources}["namespaces"].verbs


async def test_version_and_health_endpoints(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    info = await client.VersionApi(cluster.api_client()).get_code()
    assert (info.major, info.minor) == ("1", "35")
    for path in ("/healthz", "/livez", "/readyz"):
        async with http.get(path) as resp:
            assert resp.status == 200 and await resp.text() == "ok"


async def test_openapi_v3_has_a_document_per_group_version(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    async with http.get("/openapi/v3") as resp:
        root = await resp.json()
    expected = {
        f"apis/{rt.group}/{rt.version}" if rt.group else "api/v1" for rt in DEFAULT_RESOURCES
    }
    assert expected <= set(root["paths"])
    async with http.get(root["paths"]["apis/apps/v1"]["serverRelativeURL"]) as resp:
        assert resp.status == 200
        doc = await resp.json()
    gvks = [
        gvk
        for schema in doc["components"]["schemas"].values()
        for gvk in schema["x-kubernetes-group-version-kind"]
    ]
    assert {"group": "apps", "version": "v1", "kind": "Deployment"} in gvks
    # kubectl leaves validation to the server when PATCH offers fieldValidation.
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    async with http.get("/openapi/v3/apis/nope.example.com/v1") as resp:
        assert resp.status == 404


async def test_openapi_v2_is_json_by_default_and_protobuf_when_asked(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/openapi/v2") as resp:
        assert resp.status == 200
        assert (await resp.json())["swagger"] == "2.0"
    async with http.get(
        "/openapi/v2",
        headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"},
    ) as resp:
        # The form kubectl validates against (tests/fakekube/test_openapi.py decodes it).
        assert resp.status == 200
        assert resp.content_type == "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


async def test_deletecollection_of_namespaces_is_not_allowed(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    async with http.delete("/api/v1/namespaces") as resp:
        body = await resp.json()
    assert resp.status == 405
    assert body["message"] == "the server does not allow this method on the requested resource"
    assert cluster.store.try_get("namespaces", "default") is not None
