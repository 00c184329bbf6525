"""Listers over an Indexer (client-go listers.go): namespaced and cluster-scoped reads."""

from __future__ import annotations

from typing import Any

import pytest

from informers.errors import ApiError
from informers.listers import Lister, NotFoundError
from informers.resources import KNOWN_RESOURCES
from informers.store import Indexer


def pod(name: str, ns: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, "labels": labels}}


@pytest.fixture
def pods() -> Lister[dict[str, Any]]:
    idx = Indexer()
    for p in (pod("a", "x", app="web"), pod("b", "x", app="db"), pod("c", "y", app="web")):
        idx.add(p)
    return Lister(idx, KNOWN_RESOURCES["pods"])


def names(objs: list[dict[str, Any]]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objs)


def test_list_filters_all_namespaces_by_selector(pods: Lister[dict[str, Any]]) -> None:
    assert names(pods.list()) == ["a", "b", "c"]
    assert names(pods.list("app=web")) == ["a", "c"]
    assert names(pods.list({"app": "db"})) == ["b"]


def test_namespaced_get_takes_namespace_and_name(pods: Lister[dict[str, Any]]) -> None:
    assert pods.get("y", "c")["metadata"]["labels"] == {"app": "web"}
    with pytest.raises(TypeError, match=r"namespaced: use get\(namespace, name\)"):
        pods.get("c")


def test_namespace_lister_reads_one_namespace(pods: Lister[dict[str, Any]]) -> None:
    assert names(pods.namespace("x").list()) == ["a", "b"]
    assert names(pods.namespace("x").list("app in (web)")) == ["a"]
    assert pods.namespace("x").get("b")["metadata"]["name"] == "b"


def test_a_miss_is_a_not_found_shaped_like_the_servers(pods: Lister[dict[str, Any]]) -> None:
    with pytest.raises(NotFoundError) as info:
        pods.namespace("y").get("zz")
    err = info.value
    assert str(err) == 'pods "zz" not found'
    assert isinstance(err, ApiError) and isinstance(err, KeyError)
    assert err.code == 404 and err.reason == "NotFound"
    assert err.status["details"] == {"name": "zz", "group": "", "kind": "pods"}
    with pytest.raises(NotFoundError):
        pods.get("x", "c")


def test_cluster_scoped_get_takes_a_name() -> None:
    idx = Indexer()
    idx.add({"metadata": {"name": "node-1"}})
    nodes: Lister[dict[str, Any]] = Lister(idx, KNOWN_RESOURCES["nodes"])
    assert nodes.get("node-1")["metadata"]["name"] == "node-1"
    with pytest.raises(TypeError, match=r"cluster-scoped: use get\(name\)"):
        nodes.get("", "node-1")
