"""The ``scale`` subresource through kubernetes-asyncio and raw HTTP.

Shapes and messages are kube-apiserver 1.35's (``ScaleREST`` in
``pkg/registry/apps/deployment/storage/storage.go``), checked against the real server.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from fakekube import FakeCluster

SCALE = "/apis/apps/v1/namespaces/default/deployments/web/scale"


def deployment(replicas: int = 2) -> dict[str, Any]:
    labels = {"app": "web", "tier": "a"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
            },
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


async def test_get_scale_is_computed_from_the_deployment(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    apps = client.AppsV1Api(cluster.api_client())
    created = await apps.create_namespaced_deployment("default", deployment())
    resp = await http.get(SCALE)
    assert resp.status == 200
    assert await resp.json() == {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": created.metadata.uid,
            "resourceVersion": created.metadata.resource_version,
            "creationTimestamp": created.metadata.creation_timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "spec": {"replicas": 2},
        # labels.Selector.String: sorted by key, set values sorted.
        "status": {"replicas": 0, "selector": "app=web,tier in (a,b)"},
    }


async def test_patch_scale_sets_the_deployments_replicas_with_models(
    cluster: FakeCluster,
) -> None:
    apps = client.AppsV1Api(cluster.api_client())
    await apps.create_namespaced_deployment("default", deployment())
    before = await apps.read_namespaced_deployment("web", "default")
    scale = await apps.patch_namespaced_deployment_scale(
        "web", "default", {"spec": {"replicas": 5}}
    )
    assert scale.spec.replicas == 5
    after = await apps.read_namespaced_deployment("web", "default")
    assert after.spec.replicas == 5
    assert after.metadata.generation == before.metadata.generation + 1
    assert scale.metadata.resource_version == after.metadata.resource_version


async def test_replace_scale_with_a_stale_resource_version_conflicts(
    cluster: FakeCluster,
) -> None:
    apps = client.AppsV1Api(cluster.api_client())
    await apps.create_namespaced_deployment("default", deployment())
    scale = await apps.read_namespaced_deployment_scale("web", "default")
    scale.spec.replicas = 3
    replaced = await apps.replace_namespaced_deployment_scale("web", "default", scale)
    assert replaced.spec.replicas == 3
    scale.spec.replicas = 4  # still carries the first resourceVersion
    with pytest.raises(ApiException) as err:
        await apps.replace_namespaced_deployment_scale("web", "default", scale)
    assert err.value.status == 409
    assert (await apps.read_namespaced_deployment("web", "default")).spec.replicas == 3


async def test_negative_replicas_are_invalid_and_change_nothing(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    await client.AppsV1Api(cluster.api_client()).create_namespaced_deployment(
        "default", deployment()
    )
    rv = cluster.store.get("deployments", "web", "default")["metadata"]["resourceVersion"]
    resp = await http.patch(
        SCALE,
        data=b'{"spec":{"replicas":-1}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert resp.status == 422
    assert await resp.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must '
        "be greater than or equal to 0",
        "reason": "Invalid",
        "details": {
            "name": "web",
            "group": "autoscaling",
            "kind": "Scale",
            "causes": [
                {
                    "reason": "FieldValueInvalid",
                    "message": "Invalid value: -1: must be greater than or equal to 0",
                    "field": "spec.replicas",
                }
            ],
        },
        "code": 422,
    }
    assert cluster.store.get("deployments", "web", "default")["metadata"]["resourceVersion"] == rv


async def test_replication_controller_scale_selector_comes_from_its_map(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    rc = {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "legacy"},
        "spec": {
            "replicas": 1,
            "selector": {"b": "2", "a": "1"},
            "template": {
                "metadata": {"labels": {"a": "1", "b": "2"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }
    await client.CoreV1Api(cluster.api_client()).create_namespaced_replication_controller(
        "default", rc
    )
    resp = await http.get("/api/v1/namespaces/default/replicationcontrollers/legacy/scale")
    body = await resp.json()
    assert body["status"] == {"replicas": 0, "selector": "a=1,b=2"}


async def test_scale_of_a_kind_without_it_is_not_found(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    resp = await http.get("/apis/apps/v1/namespaces/default/daemonsets/x/scale")
    assert resp.status == 404
