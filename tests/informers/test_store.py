"""Indexer behaviour, ported from client-go's thread_safe_store_test.go, index_test.go and
store_test.go (Go test names in the function names where one exists)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from kubernetes_asyncio.client import V1ObjectMeta, V1Pod

from informers.store import (
    DeletedFinalStateUnknown,
    Indexer,
    IndexerConflict,
    meta_namespace_index_func,
    meta_namespace_key_func,
    split_meta_namespace_key,
)


def pod(name: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, "labels": labels}}


def by_label(key: str) -> Any:
    def values(o: dict[str, Any]) -> list[str]:
        labels: dict[str, str] = o["metadata"].get("labels") or {}
        return [labels[key]] if key in labels else []

    return values


def test_meta_namespace_key_func_is_namespace_slash_name_or_name() -> None:
    assert meta_namespace_key_func(pod("a", "ns1")) == "ns1/a"
    assert meta_namespace_key_func({"metadata": {"name": "n1"}}) == "n1"
    assert meta_namespace_key_func(DeletedFinalStateUnknown("ns/x", {})) == "ns/x"
    assert meta_namespace_key_func("already/a-key") == "already/a-key"
    with pytest.raises(ValueError, match=r"no metadata\.name"):
        meta_namespace_key_func({"metadata": {"namespace": "x"}})


def test_split_meta_namespace_key() -> None:
    assert split_meta_namespace_key("ns/a") == ("ns", "a")
    assert split_meta_namespace_key("node-1") == ("", "node-1")
    with pytest.raises(ValueError, match="unexpected key format"):
        split_meta_namespace_key("a/b/c")


def test_namespace_index_is_built_in_even_with_other_indexers() -> None:
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("a", "x"))
    idx.add(pod("b", "y"))
    idx.add({"metadata": {"name": "node-1"}})
    assert [o["metadata"]["name"] for o in idx.by_index("namespace", "x")] == ["a"]
    assert idx.index_keys("namespace", "") == ["node-1"]  # cluster-scoped: namespace ""
    assert sorted(idx.get_indexers()) == ["app", "namespace"]


def test_thread_safe_store_delete_removes_empty_sets_from_index() -> None:
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("a", app="web"))
    idx.delete(pod("a", app="web"))
    assert idx.list_index_func_values("app") == []
    assert idx.list_index_func_values("namespace") == []


def test_thread_safe_store_add_keeps_non_empty_set_post_delete_from_index() -> None:
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("a", app="web"))
    idx.add(pod("b", app="web"))
    idx.delete(pod("a", app="web"))
    assert idx.index_keys("app", "web") == ["default/b"]


def test_thread_safe_store_indexing_functions_with_multiple_values() -> None:
    def tags(o: dict[str, Any]) -> list[str]:
        return str(o["metadata"]["labels"].get("t", "")).split("-")

    idx = Indexer(indexers={"tags": tags})
    idx.add(pod("a", t="x-y"))
    idx.add(pod("b", t="y-z"))
    assert idx.index_keys("tags", "y") == ["default/a", "default/b"]
    idx.update(pod("a", t="y-w"))  # keeps y, drops x, gains w
    assert idx.index_keys("tags", "x") == []
    assert idx.index_keys("tags", "w") == ["default/a"]
    assert idx.index_keys("tags", "y") == ["default/a", "default/b"]
    idx.update(pod("a", t="q"))
    assert idx.index_keys("tags", "y") == ["default/b"]


def test_multi_index_keys() -> None:
    idx = Indexer(indexers={"tags": lambda o: o["metadata"]["labels"].get("t", "").split("-")})
    idx.add(pod("a", t="x-y"))
    idx.add(pod("b", t="y-z"))
    # index(name, obj): everything sharing any of obj's values.
    assert [o["metadata"]["name"] for o in idx.index("tags", pod("q", t="z"))] == ["b"]
    assert [o["metadata"]["name"] for o in idx.index("tags", pod("q", t="x-z"))] == ["a", "b"]


def test_get_index_func_values() -> None:
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("a", app="web"))
    idx.add(pod("b", app="db"))
    idx.add(pod("c", app="web"))
    assert idx.list_index_func_values("app") == ["db", "web"]


def test_update_moves_the_object_between_index_values() -> None:
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("a", app="web"))
    idx.update(pod("a", app="db"))
    assert idx.index_keys("app", "web") == []
    assert idx.index_keys("app", "db") == ["default/a"]


def test_add_indexers_after_objects_indexes_existing_items() -> None:
    idx = Indexer()
    idx.add(pod("a", app="web"))
    idx.add_indexers({"app": by_label("app")})
    assert idx.index_keys("app", "web") == ["default/a"]
    idx.add(pod("b", app="web"))
    assert idx.index_keys("app", "web") == ["default/a", "default/b"]


def test_duplicate_index_name_is_rejected_and_nothing_is_added() -> None:
    idx = Indexer()
    with pytest.raises(IndexerConflict, match=r"indexer conflict: \['namespace'\]"):
        idx.add_indexers({"namespace": by_label("x"), "other": by_label("y")})
    assert sorted(idx.get_indexers()) == ["namespace"]


def test_unknown_index_is_an_error() -> None:
    idx = Indexer()
    with pytest.raises(KeyError, match="Index with name nope does not exist"):
        idx.by_index("nope", "x")
    with pytest.raises(KeyError, match="Index with name nope does not exist"):
        idx.index_keys("nope", "x")


def test_replace_rebuilds_items_and_indexes() -> None:
    idx = Indexer(indexers={"app": by_label("app")})
    idx.add(pod("old", app="web"))
    idx.replace([pod("new", app="db")], "10")
    assert idx.list_keys() == ["default/new"]
    assert idx.index_keys("app", "web") == []
    assert idx.index_keys("app", "db") == ["default/new"]


def test_an_index_function_that_raises_leaves_the_store_unchanged() -> None:
    def picky(o: dict[str, Any]) -> list[str]:
        if o["metadata"]["name"] == "bad":
            raise RuntimeError("cannot index")
        return ["ok"]

    idx = Indexer(indexers={"picky": picky})
    idx.add(pod("good"))
    with pytest.raises(RuntimeError):
        idx.add(pod("bad"))
    assert idx.list_keys() == ["default/good"]
    assert idx.index_keys("namespace", "default") == ["default/good"]


def test_put_returns_the_object_it_replaced() -> None:
    idx = Indexer()
    first, second = pod("a"), pod("a", x="1")
    assert idx.put(first) is None
    assert idx.put(second) is first
    assert idx.get_by_key("default/a") is second
    assert idx.get(pod("a")) is second


def test_models_are_keyed_and_indexed_like_dicts() -> None:
    idx = Indexer()
    idx.add(V1Pod(metadata=V1ObjectMeta(name="m", namespace="ns", labels={"a": "b"})))
    assert idx.list_keys() == ["ns/m"]
    assert idx.index_keys("namespace", "ns") == ["ns/m"]
    assert meta_namespace_index_func(V1Pod(metadata=V1ObjectMeta(name="n"))) == [""]


def test_store_stays_consistent_under_concurrent_threads() -> None:
    # The store is read from other threads (listers in executors): every operation is
    # atomic, so indexes never disagree with the items, whatever the interleaving.
    idx = Indexer(indexers={"app": by_label("app")})
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        try:
            for i in range(300):
                idx.add(pod(f"p{i}", app=f"v{(i + t) % 3}"))
                if i % 7 == 0:
                    idx.delete(pod(f"p{i // 2}"))
        except BaseException as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(300):
                for value in ("v0", "v1", "v2"):
                    for obj in idx.by_index("app", value):
                        assert obj["metadata"]["labels"]["app"] == value
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    indexed = sorted(k for v in idx.list_index_func_values("app") for k in idx.index_keys("app", v))
    assert indexed == sorted(idx.list_keys())
