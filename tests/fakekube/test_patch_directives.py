"""Strategic-merge directives through the API, with kubernetes-asyncio models and raw HTTP.

``$retainKeys`` and ``$deleteFromPrimitiveList`` are what ``kubectl apply`` sends when a
union field changes branch (a Deployment's strategy, a volume's source) or an item leaves
a merged list of strings (finalizers). Expected results are kube-apiserver 1.35's answers
to the same patch.
"""

from __future__ import annotations

from typing import Any

import orjson
from kubernetes_asyncio import client

from fakekube import FakeCluster

SMP = "application/strategic-merge-patch+json"


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "rk", "finalizers": ["a.example.com/x", "b.example.com/y"]},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "rk"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"app": "rk"}},
                "spec": {
                    "volumes": [{"name": "v", "emptyDir": {}}],
                    "containers": [{"name": "c", "image": "nginx"}],
                },
            },
        },
    }


PATCH = {
    "metadata": {"$deleteFromPrimitiveList/finalizers": ["a.example.com/x"]},
    "spec": {
        "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
        "template": {
            "spec": {
                "volumes": [
                    {
                        "name": "v",
                        "$retainKeys": ["name", "configMap"],
                        "configMap": {"name": "cfg"},
                    }
                ]
            }
        },
    },
}


async def test_retain_keys_and_delete_from_primitive_list_with_models(
    cluster: FakeCluster,
) -> None:
    apps = client.AppsV1Api(cluster.api_client())
    await apps.create_namespaced_deployment("default", deployment())
    patched = await apps.patch_namespaced_deployment("rk", "default", PATCH, _content_type=SMP)
    assert patched.metadata.finalizers == ["b.example.com/y"]
    # $retainKeys dropped the other branch of the union (rollingUpdate, emptyDir).
    assert patched.spec.strategy.type == "Recreate"
    assert patched.spec.strategy.rolling_update is None
    volume = patched.spec.template.spec.volumes[0]
    assert volume.empty_dir is None
    assert (volume.config_map.name, volume.config_map.default_mode) == ("cfg", 420)


async def test_retain_keys_and_delete_from_primitive_list_raw(cluster: FakeCluster) -> None:
    apps = client.AppsV1Api(cluster.api_client())
    await apps.create_namespaced_deployment("default", deployment())
    resp = await apps.patch_namespaced_deployment(
        "rk", "default", PATCH, _content_type=SMP, _preload_content=False
    )
    assert resp.status == 200
    body = orjson.loads(await resp.read())
    assert body["metadata"]["finalizers"] == ["b.example.com/y"]
    assert body["spec"]["strategy"] == {"type": "Recreate"}
    assert body["spec"]["template"]["spec"]["volumes"] == [
        {"name": "v", "configMap": {"name": "cfg", "defaultMode": 420}}
    ]
    stored = cluster.store.get("deployments", "rk", "default")
    assert stored["spec"]["strategy"] == {"type": "Recreate"}
