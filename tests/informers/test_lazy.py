"""LazyObject and the lazy decoders: metadata up front, the rest once and only when read,
and every malformed input failing the way dict mode fails."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import orjson
import pytest

from informers import lazy
from informers.labels import parse_selector
from informers.lazy import LazyObject, decode_event, decode_list
from informers.listers import Lister
from informers.listwatch import ListWatch
from informers.meta import labels_of
from informers.resources import resolve
from informers.shared_informer import SharedIndexInformer
from informers.store import (
    NAMESPACE_INDEX,
    DeletedFinalStateUnknown,
    Indexer,
    meta_namespace_key_func,
)
from informers.testing import FakeListerWatcher


def pod(name: str, ns: str = "default", rv: str = "1", **labels: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": name, "namespace": ns, "resourceVersion": rv, "labels": labels},
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Pending"},
    }


def lazy_pod(name: str, ns: str = "default", rv: str = "1", **labels: str) -> LazyObject:
    return LazyObject(orjson.dumps(pod(name, ns, rv, **labels)))


@pytest.fixture
def full_decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every full decode a LazyObject does, recorded."""
    seen: list[bytes] = []

    def loads(data: bytes) -> Any:
        seen.append(data)
        return orjson.loads(data)

    monkeypatch.setattr(lazy, "_loads", loads)
    yield seen


def test_metadata_kind_and_api_version_are_read_without_decoding(
    full_decodes: list[bytes],
) -> None:
    obj = lazy_pod("a", app="web")
    assert obj["metadata"]["name"] == "a" and obj.get("metadata") is obj.metadata
    assert obj["kind"] == "Pod" and obj.get("apiVersion") == "v1"
    assert "metadata" in obj and "kind" in obj and obj  # truthiness needs no length
    assert meta_namespace_key_func(obj) == "default/a" and labels_of(obj) == {"app": "web"}
    assert not obj.decoded and full_decodes == []


def test_other_metadata_fields_decode_the_metadata_alone_once(
    full_decodes: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata_decodes: list[bytes] = []
    decode = lazy._decode_metadata

    def counting(raw: bytes) -> Any:
        metadata_decodes.append(raw)
        return decode(raw)

    monkeypatch.setattr(lazy, "_decode_metadata", counting)
    data = pod("a", app="web")
    data["metadata"]["annotations"] = {"note": "x" * 3000}
    obj = LazyObject(orjson.dumps(data))
    meta = obj["metadata"]
    # What keys, indexes and selectors read comes from the head: nothing decoded.
    assert meta.get("name") == "a" and meta["namespace"] == "default" and "labels" in meta
    assert meta["resourceVersion"] == "1"
    assert metadata_decodes == []
    assert meta["annotations"] == {"note": "x" * 3000}
    assert meta.get("uid", "none") == "none" and "uid" not in meta
    assert meta == data["metadata"] and sorted(meta) == sorted(data["metadata"])
    assert len(metadata_decodes) == 1 and full_decodes == [] and not obj.decoded
    # The whole object decoded later shares that one metadata dict.
    assert obj["spec"]["nodeName"] == "n1"
    assert obj["metadata"] is obj.get("metadata") and obj["metadata"] == data["metadata"]
    assert len(metadata_decodes) == 1 and len(full_decodes) == 1


def test_metadata_view_copies_and_absent_or_null_metadata() -> None:
    obj = lazy_pod("a", app="web")
    copy = obj["metadata"].to_dict()
    copy["name"] = "renamed"
    assert obj["metadata"]["name"] == "a" and type(copy) is dict
    bare = LazyObject(b'{"kind":"Pod","spec":{}}')
    assert bare.get("metadata") is None and "metadata" not in bare and bare.metadata == {}
    null = LazyObject(b'{"kind":"Pod","metadata":null}')
    assert null.get("metadata") is None and "metadata" in null
    empty = LazyObject(b'{"kind":"Pod","metadata":{}}')
    assert not empty["metadata"] and empty["metadata"] == {}
    with pytest.raises(ValueError, match="object metadata"):
        LazyObject(b'{"metadata":"not an object"}')


def test_any_other_key_decodes_the_whole_object_exactly_once(full_decodes: list[bytes]) -> None:
    obj = lazy_pod("a")
    assert obj["spec"]["nodeName"] == "n1"
    assert obj.decoded
    assert obj.get("status") == {"phase": "Pending"}
    assert "spec" in obj and "nope" not in obj and obj.get("nope", 7) == 7
    assert sorted(obj) == ["apiVersion", "kind", "metadata", "spec", "status"] and len(obj) == 5
    assert obj["spec"] is obj["spec"]
    assert full_decodes == [obj.raw]
    with pytest.raises(KeyError):
        obj["nope"]
    # The decoded dict shares the eager metadata rather than holding a second copy.
    assert obj["metadata"] is obj.metadata
    assert len(full_decodes) == 1


def test_to_dict_is_a_fresh_mutable_copy_that_leaves_the_object_alone() -> None:
    obj = lazy_pod("a")
    copy = obj.to_dict()
    assert copy == pod("a") and type(copy) is dict
    assert not obj.decoded  # to_dict does not fill the cached decode
    copy["spec"]["nodeName"] = "elsewhere"
    copy["metadata"]["name"] = "renamed"
    assert obj["spec"]["nodeName"] == "n1" and obj["metadata"]["name"] == "a"
    assert obj.to_dict() == pod("a") and obj.to_dict() is not obj.to_dict()
    # Round trip: the bytes of the copy make an equal object.
    assert LazyObject(orjson.dumps(obj.to_dict())) == obj


def test_equality_with_dicts_mappings_and_other_lazy_objects() -> None:
    obj = lazy_pod("a")
    assert obj == pod("a") and pod("a") == obj
    assert obj == MappingProxyType(pod("a"))
    assert obj == lazy_pod("a")
    # Same object, other key order: equal as mappings, though the bytes differ.
    reordered = LazyObject(orjson.dumps(dict(reversed(list(pod("a").items())))))
    assert reordered.raw != obj.raw and reordered == obj
    assert obj != lazy_pod("a", rv="2") and obj != pod("b")
    assert obj != "a" and obj != [("kind", "Pod")]
    with pytest.raises(TypeError):
        hash(obj)
    assert DeletedFinalStateUnknown("default/a", obj) == DeletedFinalStateUnknown(
        "default/a", pod("a")
    )


def test_repr_names_kind_namespace_name_and_size_not_the_body() -> None:
    obj = lazy_pod("a", rv="42")
    text = repr(obj)
    assert text == f"<LazyObject Pod default/a rv=42 {len(obj.raw)} bytes>"
    obj["spec"]
    assert repr(obj).endswith("bytes decoded>")
    assert "busybox" not in repr(obj)


def test_the_json_is_kept_as_bytes_the_gc_does_not_track() -> None:
    obj = lazy_pod("a")
    assert type(obj.raw) is bytes and not gc.is_tracked(obj.raw)
    assert not hasattr(obj, "__dict__")


def test_a_json_value_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        LazyObject(b"[1, 2]")
    assert not LazyObject(b" {} ") and LazyObject(b'{"spec": {}}')


def test_watch_events_carry_a_copy_of_the_object_bytes_not_the_line() -> None:
    line = orjson.dumps({"type": "MODIFIED", "object": pod("a")})
    ev = decode_event(line)
    assert ev["type"] == "MODIFIED" and isinstance(ev["object"], LazyObject)
    assert ev["object"].raw == orjson.dumps(pod("a")) and type(ev["object"].raw) is bytes
    assert not ev["object"].decoded
    assert ev["object"] == pod("a")


def test_error_events_keep_a_plain_dict_status_and_bookmarks_need_only_metadata() -> None:
    status = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}
    assert decode_event(orjson.dumps({"type": "ERROR", "object": status})) == {
        "type": "ERROR",
        "object": status,
    }
    meta = {"resourceVersion": "9", "annotations": {"k8s.io/initial-events-end": "true"}}
    bookmark = {"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": meta}}
    obj = decode_event(orjson.dumps(bookmark))["object"]
    assert obj["metadata"] == meta and not obj.decoded


def test_valid_json_of_an_unexpected_shape_decodes_as_dict_mode_would() -> None:
    odd: list[Any] = [{"type": "ADDED", "object": None}, {"object": {}}, {"type": 5}, [1]]
    for event in odd:
        assert decode_event(orjson.dumps(event)) == event


def test_list_items_take_the_lists_kind_and_api_version_without_decoding(
    full_decodes: list[bytes],
) -> None:
    bare = {"metadata": {"name": "a", "namespace": "default", "resourceVersion": "3"}}
    body = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"}}
    page = decode_list(orjson.dumps({**body, "items": [bare, pod("b")]}))
    assert page["metadata"] == {"resourceVersion": "7"} and page["kind"] == "PodList"
    a, b = page["items"]
    assert a["kind"] == "Pod" and a["apiVersion"] == "v1" and b == pod("b")
    assert full_decodes == [b.raw]  # only the comparison with a dict decoded b
    assert a.to_dict() == {**bare, "kind": "Pod", "apiVersion": "v1"}
    # A list without kind falls back to the resource's.
    untyped = decode_list(orjson.dumps({"items": [bare]}), "Pod", "v1")
    assert untyped["items"][0]["kind"] == "Pod" and "metadata" not in untyped


def test_indexers_listers_and_label_selectors_read_lazy_objects_without_decoding(
    full_decodes: list[bytes],
) -> None:
    def by_app(obj: Any) -> list[str]:
        return [obj["metadata"]["labels"]["app"]]

    indexer = Indexer(indexers={"app": by_app})
    indexer.replace([lazy_pod("a", app="web"), lazy_pod("b", "other", app="db")])
    indexer.add(lazy_pod("c", app="web", tier="front"))
    lister: Lister[LazyObject] = Lister(indexer, resolve("pods"))
    assert [o["metadata"]["name"] for o in indexer.by_index("app", "web")] == ["a", "c"]
    assert indexer.index_keys(NAMESPACE_INDEX, "other") == ["other/b"]
    assert lister.get("default", "a")["metadata"]["name"] == "a"
    names = [o["metadata"]["name"] for o in lister.list("app=web,tier in (front)")]
    assert names == ["c"]
    assert len(lister.namespace("default").list(parse_selector({"app": "web"}))) == 2
    indexer.delete(lazy_pod("a"))
    assert indexer.list_keys() == ["other/b", "default/c"]
    assert full_decodes == []


def test_a_model_decoder_cannot_be_combined_with_lazy_objects() -> None:
    lw: Any = ListWatch(None, "pods", lazy=True)
    with pytest.raises(ValueError, match="cannot be combined"):
        SharedIndexInformer(lw, kind="Pod", decoder=lambda obj: obj)
    # A fake that is not lazy takes a decoder as before.
    SharedIndexInformer(FakeListerWatcher(), kind="Pod", decoder=lambda obj: obj)


@pytest.mark.parametrize(
    "line",
    [
        b'{"type":"ADDED","object":%s}',
        b'{"object":%s,"type":"ADDED"}',
        b'{ "type": "ADDED", "object": %s }',
        b'{"type":"ADDED","object":%s,"extra":{"object":1}}',
        b'{"type":"ADD\\u0045D","object":%s}',
    ],
)
def test_every_event_layout_gives_the_object_bytes_alone(line: bytes) -> None:
    data = orjson.dumps(pod("a", app="web"))
    ev = decode_event(line % data)
    obj = ev["object"]
    assert ev["type"] == "ADDED" and isinstance(obj, LazyObject)
    assert orjson.loads(obj.raw) == pod("a", app="web")
    assert obj.name == "a" and obj.namespace == "default" and obj.labels == {"app": "web"}
    assert obj == pod("a", app="web")
