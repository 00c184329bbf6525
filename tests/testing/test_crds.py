"""CustomResourceDefinitions: a created CRD is served, listed, watched and discoverable
like a built-in kind; deleting it takes its objects and its endpoints away."""

from __future__ import annotations

import asyncio
import copy
import json
import shutil
import subprocess
from typing import Any

import aiohttp
import orjson
import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from fakekube import FakeCluster, FakeClusterSync

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def crd(scope: str = "Namespaced", *, status: bool = True, **version: Any) -> dict[str, Any]:
    v1: dict[str, Any] = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {
            "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        },
        **version,
    }
    if status:
        v1["subresources"] = {"status": {}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": scope,
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [v1],
        },
    }


def widget(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"


async def next_event(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    async with asyncio.timeout(5):
        line = await resp.content.readline()
    assert line, "the watch stream ended"
    return orjson.loads(line)


async def test_creating_a_crd_serves_lists_and_watches_its_kind(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    api = fake_cluster.api_client()
    async with http.get(WIDGETS) as resp:
        assert resp.status == 404
    created = await client.ApiextensionsV1Api(api).create_custom_resource_definition(crd())
    assert {c.type: c.status for c in created.status.conditions} == {
        "NamesAccepted": "True",
        "Established": "True",
    }
    assert created.status.accepted_names.singular == "widget"
    assert created.status.accepted_names.list_kind == "WidgetList"
    custom = client.CustomObjectsApi(api)
    rv = fake_cluster.store.resource_version
    async with http.get(f"{WIDGETS}?watch=1&resourceVersion={rv}") as watch:
        made = await custom.create_namespaced_custom_object(
            "example.com", "v1", "default", "widgets", widget("w1", size=3)
        )
        assert made["metadata"]["generation"] == 1
        event = await next_event(watch)
    assert event["type"] == "ADDED"
    assert event["object"]["spec"] == {"size": 3}
    listed = await custom.list_namespaced_custom_object("example.com", "v1", "default", "widgets")
    assert listed["kind"] == "WidgetList"
    assert [w["metadata"]["name"] for w in listed["items"]] == ["w1"]
    assert fake_cluster.store.get("widgets", "w1")["spec"] == {"size": 3}


async def test_crd_kind_is_in_discovery_and_aggregated_discovery(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create("customresourcedefinitions", crd())
    async with http.get("/apis") as resp:
        groups = {g["name"]: g for g in (await resp.json())["groups"]}
    assert groups["example.com"]["preferredVersion"]["groupVersion"] == "example.com/v1"
    assert "apiextensions.k8s.io" in groups
    async with http.get("/apis/example.com/v1") as resp:
        resources = {r["name"]: r for r in (await resp.json())["resources"]}
    assert resources["widgets"]["kind"] == "Widget"
    assert resources["widgets"]["namespaced"] is True
    assert resources["widgets"]["shortNames"] == ["wd"]
    assert resources["widgets/status"]["verbs"] == ["get", "patch", "update"]
    async with http.get("/apis", headers={"Accept": AGGREGATED}) as resp:
        items = {i["metadata"]["name"]: i for i in (await resp.json())["items"]}
    (res,) = items["example.com"]["versions"][0]["resources"]
    assert res["resource"] == "widgets" and res["scope"] == "Namespaced"
    assert res["subresources"][0]["subresource"] == "status"


async def test_invalid_crd_is_refused_with_field_errors(fake_cluster: FakeCluster) -> None:
    bad = crd()
    bad["metadata"]["name"] = "widget.example.com"
    bad["spec"]["scope"] = "Galaxy"
    ext = client.ApiextensionsV1Api(fake_cluster.api_client())
    with pytest.raises(ApiException) as err:
        await ext.create_custom_resource_definition(bad)
    body = orjson.loads(err.value.body)
    assert err.value.status == 422 and body["reason"] == "Invalid"
    assert body["message"] == (
        'CustomResourceDefinition.apiextensions.k8s.io "widget.example.com" is invalid: ['
        'metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."'
        '+spec.group, spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", '
        '"Namespaced"]'
    )
    assert fake_cluster.store.registry.get("example.com", "v1", "widgets") is None


async def test_deleting_the_crd_deletes_its_objects_and_unserves_it(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create("customresourcedefinitions", crd())
    fake_cluster.store.create("widgets", widget("w1"))
    async with http.get(f"{WIDGETS}?watch=1") as watch:
        assert (await next_event(watch))["type"] == "ADDED"
        async with http.delete(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"
        ) as resp:
            assert resp.status == 200
        deleted = await next_event(watch)
        async with asyncio.timeout(5):
            assert await watch.content.read() == b""  # then the stream ends
    assert deleted["type"] == "DELETED" and deleted["object"]["metadata"]["name"] == "w1"
    async with http.get(WIDGETS) as resp:
        assert resp.status == 404
    async with http.get("/apis") as resp:
        assert "example.com" not in {g["name"] for g in (await resp.json())["groups"]}
    # Registering it again starts from nothing.
    fake_cluster.store.create("customresourcedefinitions", crd())
    assert fake_cluster.store.list("widgets").items == []


async def test_status_subresource_splits_spec_and_status_writes(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create("customresourcedefinitions", crd())
    custom = client.CustomObjectsApi(fake_cluster.api_client())
    w = widget("w1", size=1)
    w["status"] = {"ready": True}
    made = await custom.create_namespaced_custom_object(
        "example.com", "v1", "default", "widgets", w
    )
    assert "status" not in made  # a create may not set status when it is a subresource
    merge = {"Content-Type": "application/merge-patch+json"}
    body = json.dumps({"spec": {"size": 2}, "status": {"ready": True}})
    async with http.patch(f"{WIDGETS}/w1", data=body, headers=merge) as resp:
        patched = await resp.json()
    assert patched["spec"] == {"size": 2} and "status" not in patched
    assert patched["metadata"]["generation"] == 2
    async with http.patch(f"{WIDGETS}/w1/status", data=body, headers=merge) as resp:
        patched = await resp.json()
    assert patched["status"] == {"ready": True} and patched["spec"] == {"size": 2}
    assert patched["metadata"]["generation"] == 2


async def test_without_status_subresource_status_is_ordinary_data(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create("customresourcedefinitions", crd(status=False))
    w = widget("w1")
    w["status"] = {"phase": "New"}
    async with http.post(WIDGETS, json=w) as resp:
        assert (await resp.json())["status"] == {"phase": "New"}
    async with http.get(f"{WIDGETS}/w1/status") as resp:
        assert resp.status == 404


async def test_strategic_merge_patch_of_a_custom_object_is_unsupported(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create("customresourcedefinitions", crd())
    fake_cluster.store.create("widgets", widget("w1"))
    smp = {"Content-Type": "application/strategic-merge-patch+json"}
    async with http.patch(f"{WIDGETS}/w1", data="{}", headers=smp) as resp:
        body = await resp.json()
    assert resp.status == 415
    assert body["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json"
    )


async def test_selectable_fields_work_in_field_selectors(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create(
        "customresourcedefinitions", crd(selectableFields=[{"jsonPath": ".spec.color"}])
    )
    fake_cluster.store.create("widgets", widget("red", color="red"))
    fake_cluster.store.create("widgets", widget("blue", color="blue"))
    async with http.get(WIDGETS, params={"fieldSelector": "spec.color=blue"}) as resp:
        assert [w["metadata"]["name"] for w in (await resp.json())["items"]] == ["blue"]
    async with http.get(WIDGETS, params={"fieldSelector": "spec.size=1"}) as resp:
        assert resp.status == 400
        assert (await resp.json())["message"] == (
            '"spec.size" is not a known field selector: only "metadata.name", "metadata.namespace"'
        )


async def test_cluster_scoped_crd_serves_without_namespace(
    fake_cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    fake_cluster.store.create("customresourcedefinitions", crd("Cluster"))
    w = widget("global")
    del w["metadata"]["namespace"]
    async with http.post("/apis/example.com/v1/widgets", json=w) as resp:
        assert resp.status == 201
        assert "namespace" not in (await resp.json())["metadata"]
    async with http.get(WIDGETS) as resp:
        assert resp.status == 404


async def test_seeding_a_crd_then_its_objects(fake_cluster: FakeCluster) -> None:
    from fakekube.cluster import seed

    seed(fake_cluster.store, objects=[crd(), widget("w1"), widget("w2")])
    assert fake_cluster.store.count("widgets") == 2


async def test_updating_a_crd_to_stop_serving_a_version_unserves_it(
    fake_cluster: FakeCluster,
) -> None:
    two = crd()
    v2 = copy.deepcopy(two["spec"]["versions"][0])
    v2.update(name="v2", storage=False)
    two["spec"]["versions"].append(v2)
    made = fake_cluster.store.create("customresourcedefinitions", two)
    assert fake_cluster.store.registry.get("example.com", "v2", "widgets") is not None
    made["spec"]["versions"][1]["served"] = False
    fake_cluster.store.update("customresourcedefinitions", made)
    assert fake_cluster.store.registry.get("example.com", "v2", "widgets") is None
    assert fake_cluster.store.registry.get("example.com", "v1", "widgets") is not None


WIDGET_YAML = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1}
spec: {size: 3}
"""


@pytest.mark.kubectl
def test_kubectl_applies_waits_for_and_gets_a_custom_resource(
    fake_cluster_sync: FakeClusterSync,
) -> None:
    binary = shutil.which("kubectl")
    assert binary, "kubectl is not on PATH (scripts/test requires it)"

    def kubectl(*args: str, stdin: str | None = None) -> str:
        proc = subprocess.run(
            [binary, "--kubeconfig", str(fake_cluster_sync.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    kubectl("apply", "-f", "-", stdin=json.dumps(crd()))
    kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s")
    kubectl("apply", "-f", "-", stdin=WIDGET_YAML)
    got = json.loads(kubectl("get", "widgets", "w1", "-o", "json"))
    assert got["spec"] == {"size": 3}
    kubectl("patch", "wd", "w1", "--type=merge", "-p", '{"spec":{"size":4}}')
    assert fake_cluster_sync.store.get("widgets", "w1")["spec"] == {"size": 4}
    assert kubectl("get", "wd", "-o", "name").split() == ["widget.example.com/w1"]
    kubectl("delete", "crd", "widgets.example.com")
    assert fake_cluster_sync.store.registry.get("example.com", "v1", "widgets") is None
    assert [r for r in fake_cluster_sync.requests() if r.status >= 500] == []
