"""The same informer against the real kube-apiserver (v1.35 + etcd, fakekube.reference).

Nothing here is fakekube: TLS, a bearer token from the kubeconfig, the real watch cache.
A missing build FAILS naming scripts/build-reference (a skipped check would read as a
passed one); ``-m "not reference"`` leaves these out on purpose.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client import V1Pod

from fakekube.reference import ReferenceControlPlane
from informers import DeletedFinalStateUnknown, SharedInformerFactory

pytestmark = pytest.mark.reference


@pytest.fixture
async def api(reference: ReferenceControlPlane) -> AsyncIterator[Any]:
    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(reference.kubeconfig), client_configuration=cfg)
    async with client.ApiClient(cfg) as api_client:
        yield api_client


@pytest.fixture
async def namespace(api: Any) -> AsyncIterator[str]:
    name = f"informers-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(api)
    await core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    await core.delete_namespace(name)


def pod(name: str, **labels: str) -> V1Pod:
    return V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1PodSpec(
            containers=[client.V1Container(name="c", image="registry.k8s.io/pause:3.10")]
        ),
    )


async def eventually(cond: Any, timeout: float = 20.0) -> None:
    """Wait (polling) for a condition the real server makes true; fail with a timeout."""
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.02)


async def server_pods(api: Any, ns: str) -> dict[str, str]:
    items = (await client.CoreV1Api(api).list_namespaced_pod(ns)).items
    return {f"{ns}/{p.metadata.name}": p.metadata.resource_version for p in items}


def cached(factory: SharedInformerFactory, ns: str) -> dict[str, str]:
    idx = factory.informer("pods", namespace=ns).indexer
    return {
        k: o["metadata"]["resourceVersion"] for k in idx.list_keys() if (o := idx.get_by_key(k))
    }


@pytest.mark.parametrize("use_watch_list", [False, True], ids=["list-watch", "streaming-list"])
async def test_informer_follows_a_real_kube_apiserver(
    api: Any, namespace: str, use_watch_list: bool
) -> None:
    core = client.CoreV1Api(api)
    for i in range(3):
        await core.create_namespaced_pod(namespace, pod(f"p{i}"))
    factory = SharedInformerFactory(api, namespace=namespace, use_watch_list=use_watch_list)
    informer = factory.informer("pods")
    events: list[tuple[str, Any]] = []
    informer.add_event_handler(
        on_add=lambda o, initial: events.append(("add-initial" if initial else "add", o)),
        on_update=lambda old, new: events.append(("update", new)),
        on_delete=lambda o: events.append(("delete", o)),
    )
    await factory.start()
    try:
        assert await factory.wait_for_cache_sync(20) == {f"pods?namespace={namespace}": True}
        names = sorted(o["metadata"]["name"] for kind, o in events if kind == "add-initial")
        assert names == ["p0", "p1", "p2"]
        assert cached(factory, namespace) == await server_pods(api, namespace)
        reflector = informer.reflector
        assert reflector is not None
        assert reflector.lists == (0 if use_watch_list else 1)

        await core.create_namespaced_pod(namespace, pod("late"))
        await core.patch_namespaced_pod("p1", namespace, {"metadata": {"labels": {"x": "y"}}})
        await core.delete_namespaced_pod("p0", namespace)
        await eventually(lambda: any(k == "delete" for k, _ in events))
        expected = await server_pods(api, namespace)
        await eventually(lambda: cached(factory, namespace) == expected)
        live = [(k, o["metadata"]["name"]) for k, o in events if k != "add-initial"]
        assert live.index(("add", "late")) < live.index(("update", "p1"))
        assert live.index(("update", "p1")) < live.index(("delete", "p0"))
        deleted = next(o for k, o in events if k == "delete")
        assert not isinstance(deleted, DeletedFinalStateUnknown)  # seen, not inferred
        assert int(informer.last_sync_resource_version) >= max(int(v) for v in expected.values())
    finally:
        await factory.shutdown()


async def test_models_and_listers_against_a_real_kube_apiserver(api: Any, namespace: str) -> None:
    core = client.CoreV1Api(api)
    await core.create_namespaced_pod(namespace, pod("web", app="web"))
    await core.create_namespaced_pod(namespace, pod("db", app="db"))
    factory = SharedInformerFactory(api, namespace=namespace, models=True)
    pods = factory.lister("pods")
    await factory.start()
    try:
        assert all((await factory.wait_for_cache_sync(20)).values())
        web = pods.get(namespace, "web")
        assert isinstance(web, V1Pod) and web.metadata.labels == {"app": "web"}
        assert [p.metadata.name for p in pods.list("app=db")] == ["db"]
    finally:
        await factory.shutdown()
