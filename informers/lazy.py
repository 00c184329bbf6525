"""Lazy objects: cache each object as its JSON bytes, decode it only when read.

An informer's cache of plain dicts costs what CPython charges for every container in
every object: a 5 KB pod is ~60 dicts and lists, each allocated, each tracked and
re-scanned by the cyclic GC while the cache grows (see ``bench/informer_ingest.py``).
Most controllers read only a few fields of a few objects, and the informer itself needs
only the metadata (keys, the namespace index, label selectors, resourceVersions).

A :class:`LazyObject` keeps the object's JSON as ``bytes`` (one allocation the GC never
scans) plus the few fields the informer itself reads: ``kind``, ``apiVersion`` and, of the
metadata, ``name``, ``namespace``, ``resourceVersion`` and ``labels``. Reading another
metadata field decodes the metadata alone (annotations and ``managedFields`` are often
most of it); reading any other key decodes the whole object once, with orjson, and keeps
the result. A consumer that reads every object therefore pays the full decode later
instead of at ingest; the saving is real only for objects that are never read beyond
those fields.

The watch and list decoders here use msgspec to find the object inside a watch event or
a list without building it (``msgspec.Raw``), and to read the object's head while
skipping every other field without allocating. Anything the fast path does not expect
(valid JSON of another shape) falls back to a plain orjson decode, so odd events reach
the reflector exactly as they do in dict mode; malformed JSON raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import msgspec
import orjson

__all__ = ["LazyMetadata", "LazyObject", "decode_event", "decode_list"]

_UNSET: Any = msgspec.UNSET
#: Keys answered from the eagerly decoded head, never by a full decode.
_HEAD_KEYS = frozenset(("metadata", "kind", "apiVersion"))
# Looked up at call time so tests can count full decodes.
_loads = orjson.loads


class _Meta(msgspec.Struct, gc=False):
    """The metadata fields keys, indexes, selectors and resourceVersions need.

    Untracked by the GC (it holds no cycles): a cache of these costs no collector time.
    """

    name: Any = msgspec.UNSET
    namespace: Any = msgspec.UNSET
    resourceVersion: Any = msgspec.UNSET
    labels: Any = msgspec.UNSET


#: Metadata fields answered from :class:`_Meta`, never by decoding the metadata.
_META_KEYS = frozenset(_Meta.__struct_fields__)


class _Head(msgspec.Struct, gc=False):
    """The fields decoded at ingest; every other field is skipped without allocation."""

    metadata: _Meta | msgspec.UnsetType | None = msgspec.UNSET
    kind: Any = msgspec.UNSET
    apiVersion: Any = msgspec.UNSET


class _MetadataOnly(msgspec.Struct):
    metadata: Any = None


class _Event(msgspec.Struct):
    type: str
    object: msgspec.Raw


class _EventHead(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A whole watch event in one pass: its type and its object's head."""

    type: str
    object: _Head


#: How the API server writes an event line, up to the object: ``line[len(prefix):-1]`` is
#: then exactly the object's JSON, once the line has decoded as an ``_EventHead`` (a JSON
#: object with no other member). Any other layout takes the two-pass path.
_PREFIXES = {
    t: b'{"type":"' + t.encode() + b'","object":'
    for t in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK")
}


class _Page(msgspec.Struct):
    metadata: Any = msgspec.UNSET
    kind: Any = msgspec.UNSET
    apiVersion: Any = msgspec.UNSET
    items: list[msgspec.Raw] | None = None


_decode_head = msgspec.json.Decoder(_Head).decode
_decode_metadata = msgspec.json.Decoder(_MetadataOnly).decode
_decode_event = msgspec.json.Decoder(_Event).decode
_decode_event_head = msgspec.json.Decoder(_EventHead).decode
_decode_page = msgspec.json.Decoder(_Page).decode


class LazyObject(Mapping[str, Any]):
    """A read-only mapping over one object's JSON: ``kind``, ``apiVersion`` and the key
    metadata fields are decoded up front, anything else on first access.

    It stands in for the object's dict everywhere the informer goes (keys, indexes,
    listers, selectors, handlers, tombstones) and compares equal to that dict.
    ``obj["metadata"]`` is a :class:`LazyMetadata` until the metadata has been decoded.
    ``raw`` is the JSON as the server sent it; :meth:`to_dict` returns a fresh, mutable
    dict; ``decoded`` says whether the full decode has happened. ``kind`` and
    ``api_version`` fill in those fields when the JSON lacks them (LIST items do).
    """

    __slots__ = ("_api_version", "_decoded", "_kind", "_meta", "_meta_dict", "_view", "raw")

    raw: bytes
    _meta: _Meta | msgspec.UnsetType | None
    _meta_dict: Any
    _view: LazyMetadata | None
    _kind: Any
    _api_version: Any
    _decoded: dict[str, Any] | None

    def __init__(
        self, raw: bytes, *, kind: str | None = None, api_version: str | None = None
    ) -> None:
        try:
            head = _decode_head(raw)
        except msgspec.ValidationError:
            raise ValueError(
                f"not a JSON object with object metadata: {bytes(raw)[:80]!r}"
            ) from None
        self._set(bytes(raw), head, kind, api_version)

    @classmethod
    def _from_head(
        cls, raw: bytes, head: _Head, kind: str | None = None, api_version: str | None = None
    ) -> LazyObject:
        obj = cls.__new__(cls)
        obj._set(raw, head, kind, api_version)
        return obj

    def _set(self, raw: bytes, head: _Head, kind: str | None, api_version: str | None) -> None:
        self.raw = raw
        self._meta = head.metadata
        self._meta_dict = _UNSET
        self._view = None
        k, v = head.kind, head.apiVersion
        self._kind = kind if k is _UNSET and kind else k
        self._api_version = api_version if v is _UNSET and api_version else v
        self._decoded = None

    # -- the eager part ------------------------------------------------------------------
    @property
    def metadata(self) -> Mapping[str, Any]:
        """The object's metadata (``{}`` if it has none), as ``obj["metadata"]`` gives it."""
        meta = self.get("metadata")
        return meta if isinstance(meta, Mapping) else {}

    # The informer's own reads (keys, the namespace index, resourceVersions, selectors):
    # straight from the head, whatever has been decoded since (the bytes never change).
    @property
    def name(self) -> str:
        """``metadata.name`` (``""`` if unset); never decodes."""
        meta = self._meta
        value = meta.name if meta else None
        return value if value.__class__ is str else ""

    @property
    def namespace(self) -> str:
        """``metadata.namespace`` (``""`` if unset); never decodes."""
        meta = self._meta
        value = meta.namespace if meta else None
        return value if value.__class__ is str else ""

    @property
    def resource_version(self) -> str:
        """``metadata.resourceVersion`` (``""`` if unset); never decodes."""
        meta = self._meta
        value = meta.resourceVersion if meta else None
        return value if value.__class__ is str else ""

    @property
    def labels(self) -> dict[str, str]:
        """``metadata.labels`` (``{}`` if unset); never decodes."""
        meta = self._meta
        value = meta.labels if meta else None
        return value if value.__class__ is dict else {}

    @property
    def decoded(self) -> bool:
        """Whether the whole object has been decoded (and is kept decoded)."""
        return self._decoded is not None

    def get(self, key: str, default: Any = None) -> Any:
        if key == "metadata":
            if self._meta_dict is not _UNSET:
                return self._meta_dict
            meta = self._meta
            if meta is None or meta is _UNSET:
                return default if meta is _UNSET else None
            view = self._view
            if view is None:
                view = self._view = LazyMetadata(self)
            return view
        if key == "kind":
            value = self._kind
        elif key == "apiVersion":
            value = self._api_version
        else:
            return self._full().get(key, default)
        return default if value is _UNSET else value

    def __getitem__(self, key: str) -> Any:
        if key in _HEAD_KEYS:
            value = self.get(key, _UNSET)
            if value is _UNSET:
                raise KeyError(key)
            return value
        return self._full()[key]

    def __contains__(self, key: object) -> bool:
        if key in _HEAD_KEYS:
            return self.get(key, _UNSET) is not _UNSET
        return key in self._full()

    def __bool__(self) -> bool:
        # ``if obj:`` must not decode: an object with a head is not empty.
        if self._meta is not _UNSET or self._kind is not _UNSET:
            return True
        return self._api_version is not _UNSET or bool(self._full())

    # -- the lazy part -------------------------------------------------------------------
    def __iter__(self) -> Iterator[str]:
        return iter(self._full())

    def __len__(self) -> int:
        return len(self._full())

    def to_dict(self) -> dict[str, Any]:
        """A fresh plain dict of the whole object, the caller's to change (the cached
        decode, if any, is left alone; so is ``decoded``)."""
        return self._fill(_loads(self.raw))

    def _metadata(self) -> Any:
        """The whole metadata, decoded alone (the rest of the object is skipped) and kept."""
        meta = self._meta_dict
        if meta is _UNSET:
            full = self._decoded
            meta = full.get("metadata") if full is not None else _decode_metadata(self.raw).metadata
            self._meta_dict = meta
        return meta

    def _full(self) -> dict[str, Any]:
        full = self._decoded
        if full is None:
            full = self._fill(_loads(self.raw))
            if "metadata" in full:
                if self._meta_dict is not _UNSET:
                    full["metadata"] = self._meta_dict  # one copy of the metadata, not two
                else:
                    self._meta_dict = full["metadata"]
            self._decoded = full
        return full

    def _fill(self, obj: Any) -> dict[str, Any]:
        if self._kind is not _UNSET:
            obj.setdefault("kind", self._kind)
        if self._api_version is not _UNSET:
            obj.setdefault("apiVersion", self._api_version)
        return obj  # type: ignore[no-any-return]

    # -- comparisons and display ---------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyObject):
            if (
                other.raw == self.raw
                and other._kind == self._kind
                and other._api_version == self._api_version
            ):
                return True
            return self._full() == other._full()
        if isinstance(other, dict):
            return self._full() == other
        if isinstance(other, Mapping):
            return self._full() == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a mapping, as dict: unhashable

    def __repr__(self) -> str:
        meta = self.metadata
        ns, name = meta.get("namespace"), meta.get("name")
        where = f"{ns}/{name}" if ns else str(name)
        kind = self._kind if self._kind is not _UNSET else "?"
        rv = meta.get("resourceVersion")
        return (
            f"<LazyObject {kind} {where} rv={rv} {len(self.raw)} bytes"
            f"{' decoded' if self.decoded else ''}>"
        )


class LazyMetadata(Mapping[str, Any]):
    """A :class:`LazyObject`'s metadata before it is decoded: ``name``, ``namespace``,
    ``resourceVersion`` and ``labels`` come from the object's head; any other key decodes
    the metadata (only the metadata) once. Read-only, like the object."""

    __slots__ = ("_obj",)

    def __init__(self, obj: LazyObject) -> None:
        self._obj = obj

    def get(self, key: str, default: Any = None) -> Any:
        obj = self._obj
        if key in _META_KEYS and obj._meta_dict is _UNSET:
            value = getattr(obj._meta, key)
            return default if value is _UNSET else value
        return obj._metadata().get(key, default)

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _UNSET)
        if value is _UNSET:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return self.get(key, _UNSET) is not _UNSET  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        meta = self._obj._meta
        if meta and (
            meta.name is not _UNSET
            or meta.namespace is not _UNSET
            or meta.resourceVersion is not _UNSET
            or meta.labels is not _UNSET
        ):
            return True
        return bool(self._obj._metadata())

    def __iter__(self) -> Iterator[str]:
        return iter(self._obj._metadata())

    def __len__(self) -> int:
        return len(self._obj._metadata())

    def to_dict(self) -> dict[str, Any]:
        """The metadata as a fresh plain dict, the caller's to change."""
        return _decode_metadata(self._obj.raw).metadata  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            mine = self._obj._metadata()
            return bool(mine == (other if isinstance(other, dict) else dict(other.items())))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<LazyMetadata of {self._obj!r}>"


def decode_event(line: bytes | memoryview) -> dict[str, Any]:
    """One watch event line → ``{"type": …, "object": LazyObject}``.

    ERROR events keep their Status as a plain dict. Valid JSON of an unexpected shape is
    decoded fully, as dict mode would; malformed JSON raises ``ValueError``. A memoryview
    line (a slice of the read buffer) is not kept: the object gets its own bytes.
    """
    # The common case in one msgspec pass, the object's bytes cut out of the line.
    try:
        event = _decode_event_head(line)
    except msgspec.ValidationError:
        return _decode_event_two_pass(line)
    prefix = _PREFIXES.get(event.type)
    if prefix is not None and line[-1] == _CLOSE and line[: len(prefix)] == prefix:
        raw = bytes(line[len(prefix) : -1])
        return {"type": event.type, "object": LazyObject._from_head(raw, event.object)}
    return _decode_event_two_pass(line)


#: ``line[-1]`` of an event whose last byte closes it (an int for bytes and memoryview).
_CLOSE = ord("}")


def _decode_event_two_pass(line: bytes | memoryview) -> dict[str, Any]:
    """Any layout: find the object as ``msgspec.Raw``, then read its head."""
    try:
        event = _decode_event(line)
        if event.type == "ERROR":
            return {"type": "ERROR", "object": _loads(bytes(event.object))}
        raw = bytes(event.object)  # a copy: the object must not pin the whole read
        return {"type": event.type, "object": LazyObject._from_head(raw, _decode_head(raw))}
    except msgspec.ValidationError:
        return _loads(line)  # type: ignore[no-any-return]


def decode_list(body: bytes, kind: str = "", api_version: str = "") -> dict[str, Any]:
    """A LIST answer → ``{"kind", "apiVersion", "metadata", "items": [LazyObject, ...]}``.

    Items get the list's kind (minus ``List``) and apiVersion when they lack them, or
    ``kind``/``api_version`` if the list has none. Raises ``msgspec.ValidationError`` (a
    ``ValueError``) if the answer is not a list object, ``msgspec.DecodeError`` (also a
    ``ValueError``) if it is not JSON.
    """
    page = _decode_page(body)
    page_kind = page.kind if isinstance(page.kind, str) else ""
    item_kind = page_kind.removesuffix("List") or kind
    item_api = page.apiVersion if isinstance(page.apiVersion, str) else api_version
    items = []
    for raw in page.items or ():
        data = bytes(raw)
        items.append(LazyObject._from_head(data, _decode_head(data), item_kind, item_api))
    out: dict[str, Any] = {"items": items}
    for key, value in (
        ("kind", page.kind),
        ("apiVersion", page.apiVersion),
        ("metadata", page.metadata),
    ):
        if value is not _UNSET:
            out[key] = value
    return out
