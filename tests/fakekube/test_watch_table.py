"""WATCH asked as a Table (``kubectl get -w``): one-row Tables, column definitions once.

kube-apiserver 1.35 answers ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` on a
watch with events whose objects are Tables at the object's resourceVersion; the first
carries the column definitions, the later ones ``"columnDefinitions": null``.
"""

from __future__ import annotations

import asyncio

import aiohttp
import orjson

from fakekube import FakeCluster

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def pod(name: str) -> dict:
    return {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "x"}]}}


async def test_watch_as_table_sends_one_row_tables_with_columns_once(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", pod("a"))
    params = {"watch": "true", "resourceVersion": "0"}
    async with http.get(
        "/api/v1/namespaces/default/pods", params=params, headers={"Accept": TABLE}
    ) as resp:
        assert resp.status == 200
        cluster.store.create("pods", pod("b"))
        async with asyncio.timeout(5):
            events = [orjson.loads(await resp.content.readline()) for _ in range(2)]
    first, second = (e["object"] for e in events)
    assert [e["type"] for e in events] == ["ADDED", "ADDED"]
    assert first["kind"] == second["kind"] == "Table"
    assert first["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in first["columnDefinitions"]][:3] == ["Name", "Ready", "Status"]
    assert second["columnDefinitions"] is None
    b = cluster.store.get("pods", "b")
    assert second["metadata"] == {"resourceVersion": b["metadata"]["resourceVersion"]}
    assert second["rows"][0]["cells"][:3] == ["b", "0/1", "Pending"]
    assert second["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    assert second["rows"][0]["object"]["metadata"]["uid"] == b["metadata"]["uid"]


async def test_watch_without_table_accept_sends_objects(
    cluster: FakeCluster, http: aiohttp.ClientSession
) -> None:
    cluster.store.create("pods", pod("a"))
    params = {"watch": "true", "resourceVersion": "0"}
    async with http.get("/api/v1/namespaces/default/pods", params=params) as resp:
        async with asyncio.timeout(5):
            event = orjson.loads(await resp.content.readline())
    assert event["object"]["kind"] == "Pod"
