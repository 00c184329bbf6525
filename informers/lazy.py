"""Lazy objects: cache each object as its JSON bytes, decode it only when read.

An informer's cache of plain dicts costs what CPython charges for every container in
every object: a 5 KB pod is ~60 dicts and lists, each allocated, each tracked and
re-scanned by the cyclic GC while the cache grows (see ``bench/informer_ingest.py``).
Most controllers read only a few fields of a few objects, and the informer itself needs
only the metadata (keys, the namespace index, label selectors, resourceVersions).

A :class:`LazyObject` keeps the object's JSON as ``bytes`` (one allocation the GC never
scans) plus its ``metadata``, ``kind`` and ``apiVersion`` decoded eagerly. Reading any
other key decodes the whole object once, with orjson, and keeps the result. A consumer
that reads every object therefore pays the full decode later instead of at ingest; the
saving is real only for objects that are never read beyond their metadata.

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

__all__ = ["LazyObject", "decode_event", "decode_list"]

_UNSET: Any = msgspec.UNSET
#: Keys answered from the eagerly decoded head, never by a full decode.
_HEAD_KEYS = frozenset(("metadata", "kind", "apiVersion"))
# Looked up at call time so tests can count full decodes.
_loads = orjson.loads


class _Head(msgspec.Struct):
    """The fields decoded at ingest; every other field is skipped without allocation."""

    metadata: Any = msgspec.UNSET
    kind: Any = msgspec.UNSET
    apiVersion: Any = msgspec.UNSET


class _Event(msgspec.Struct):
    type: str
    object: msgspec.Raw


class _Page(msgspec.Struct):
    metadata: Any = msgspec.UNSET
    kind: Any = msgspec.UNSET
    apiVersion: Any = msgspec.UNSET
    items: list[msgspec.Raw] | None = None


_decode_head = msgspec.json.Decoder(_Head).decode
_decode_event = msgspec.json.Decoder(_Event).decode
_decode_page = msgspec.json.Decoder(_Page).decode


class LazyObject(Mapping[str, Any]):
    """A read-only mapping over one object's JSON: ``metadata``, ``kind`` and ``apiVersion``
    are decoded up front, anything else decodes the whole object once, on first access.

    It stands in for the object's dict everywhere the informer goes (keys, indexes,
    listers, selectors, handlers, tombstones) and compares equal to that dict.
    ``raw`` is the JSON as the server sent it; :meth:`to_dict` returns a fresh, mutable
    dict; ``decoded`` says whether the full decode has happened. ``kind`` and
    ``api_version`` fill in those fields when the JSON lacks them (LIST items do).
    """

    __slots__ = ("_api_version", "_decoded", "_kind", "_metadata", "raw")

    raw: bytes
    _metadata: Any
    _kind: Any
    _api_version: Any
    _decoded: dict[str, Any] | None

    def __init__(
        self, raw: bytes, *, kind: str | None = None, api_version: str | None = None
    ) -> None:
        try:
            head = _decode_head(raw)
        except msgspec.ValidationError:
            raise ValueError(f"not a JSON object: {bytes(raw)[:80]!r}") from None
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
        self._metadata = head.metadata
        k, v = head.kind, head.apiVersion
        self._kind = kind if k is _UNSET and kind else k
        self._api_version = api_version if v is _UNSET and api_version else v
        self._decoded = None

    # -- the eager part ------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        """The object's metadata (``{}`` if it has none); never triggers a decode."""
        meta = self._metadata
        return meta if meta.__class__ is dict else {}

    @property
    def decoded(self) -> bool:
        """Whether the whole object has been decoded (and is kept decoded)."""
        return self._decoded is not None

    def get(self, key: str, default: Any = None) -> Any:
        if key == "metadata":
            value = self._metadata
        elif key == "kind":
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
        if self._metadata is not _UNSET or self._kind is not _UNSET:
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

    def _full(self) -> dict[str, Any]:
        full = self._decoded
        if full is None:
            full = self._fill(_loads(self.raw))
            if "metadata" in full:
                full["metadata"] = self._metadata  # one copy of the metadata, not two
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


def decode_event(line: bytes) -> dict[str, Any]:
    """One watch event line → ``{"type": …, "object": LazyObject}``.

    ERROR events keep their Status as a plain dict. Valid JSON of an unexpected shape is
    decoded fully, as dict mode would; malformed JSON raises ``ValueError``.
    """
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
