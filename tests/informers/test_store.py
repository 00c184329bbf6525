"""Indexer behaviour, ported from client-go's thread_safe_store_test.go and index_test.go."""

from __future__ import annotations

import pytest

from informers.store import (
    DeletedFinalStateUnknown,
    Indexer,
    IndexerConflict,
    meta_namespace_key_func,
)


def pod(name: str, ns: str = "default", **labels: str) -> dict:
    return {"metadata": {"name": name, "namespace": ns, "labels": labels}}


def by_label(key: str):
    return lambda o: [o["metadata"]["labels"][key]] if key in o["metadata"]["labels"] else []


def test_keys_are_namespace_slash_name_or_name() -> None:
    assert meta_namespace_key_func(pod("a", "ns1")) == "ns1/a"
    assert meta_namespace_key_func({"metadata": {"name": "n1"}}) == "n1"
    assert meta_namespace_key_func(DeletedFinalStateUnknown("ns/x", {})) == "ns/x"


def test_namespace_index_is_built_in() -> None:
    idx = Indexer()
    idx.add(pod("a", "x"))
    idx.add(pod("b", "y"))
    assert [o["metadata"]["name"] for o in idx.by_index("namespace", "x")] == ["a"]


def test_thread_safe_store_delete_removes_empty_sets_from_index() -> None:
    # TestThreadSafeStoreDeleteRemovesEmptySetsFromIndex
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("a", app="web"))
    idx.delete(pod("a", app="web"))
    assert idx.list_index_func_values("app") == []


def test_update_moves_the_object_between_index_values() -> None:
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("a", app="web"))
    idx.update(pod("a", app="db"))
    assert idx.index_keys("app", "web") == []
    assert idx.index_keys("app", "db") == ["default/a"]


def test_multi_index_keys() -> None:
    # TestMultiIndexKeys: one object under several values of one index.
    idx = Indexer(indexers={"tags": lambda o: o["metadata"]["labels"].get("t", "").split("-")})
    idx.add(pod("a", t="x-y"))
    idx.add(pod("b", t="y-z"))
    assert idx.index_keys("tags", "y") == ["default/a", "default/b"]
    assert [o["metadata"]["name"] for o in idx.index("tags", pod("q", t="z"))] == ["b"]


def test_add_indexers_after_objects_indexes_existing_items() -> None:
    idx = Indexer()
    idx.add(pod("a", app="web"))
    idx.add_indexers({"app": by_label("app")})
    assert idx.index_keys("app", "web") == ["default/a"]


def test_duplicate_index_name_is_a_conflict() -> None:
    idx = Indexer()
    with pytest.raises(IndexerConflict, match="indexer conflict"):
        idx.add_indexers({"namespace": by_label("x")})


def test_unknown_index_is_an_error() -> None:
    with pytest.raises(KeyError, match="Index with name nope does not exist"):
        Indexer().by_index("nope", "x")


def test_replace_rebuilds_items_and_indexes() -> None:
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("old", app="web"))
    idx.replace([pod("new", app="db")], "10")
    assert idx.list_keys() == ["default/new"]
    assert idx.index_keys("app", "web") == []
