"""A namespaced LIST returns that namespace only, whichever storage path answers it
(a full list, a paged one, or one served at resourceVersion=0)."""

from __future__ import annotations

import aiohttp
import pytest

from fakekube import FakeCluster


@pytest.mark.parametrize("query", ["", "?limit=500", "?resourceVersion=0", "?labelSelector="])
async def test_namespaced_list_returns_only_that_namespace(
    cluster: FakeCluster, http: aiohttp.ClientSession, query: str
) -> None:
    for ns in ("a", "b"):
        cluster.store.create("namespaces", {"metadata": {"name": ns}})
        cluster.store.create("configmaps", {"metadata": {"name": "cm"}}, namespace=ns)

    async with http.get(f"/api/v1/namespaces/a/configmaps{query}") as resp:
        body = await resp.json()

    assert resp.status == 200
    assert [i["metadata"]["namespace"] for i in body["items"]] == ["a"]


async def test_store_list_with_namespace_and_no_selector_filters(cluster: FakeCluster) -> None:
    for ns in ("a", "b"):
        cluster.store.create("namespaces", {"metadata": {"name": ns}})
        cluster.store.create("configmaps", {"metadata": {"name": "cm"}}, namespace=ns)
    assert [e.namespace for e in cluster.store.list("configmaps", namespace="b").items] == ["b"]
    assert [e.namespace for e in cluster.store.list("configmaps").items] == ["a", "b"]
