"""Stored object versions and the change events built from them.

An :class:`Entry` is one immutable version of one object. Everything derived from it
(its JSON bytes, its list-item bytes, its selectable fields) is computed at most once and
shared by every reader: a LIST of 150,000 pods joins cached bytes, and a watch event is
serialized once however many watchers receive it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from fakekube.registry import ResourceType

__all__ = ["ADDED", "BOOKMARK", "DELETED", "ERROR", "MODIFIED", "Entry", "Event"]

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"
BOOKMARK = "BOOKMARK"
ERROR = "ERROR"


class Entry:
    """One stored version of an object. ``obj`` must never be mutated once wrapped."""

    __slots__ = ("_fields", "_item", "_json", "key", "obj", "rt", "rv")

    def __init__(self, rt: ResourceType, key: str, obj: dict[str, Any], rv: int) -> None:
        self.rt = rt
        self.key = key
        self.obj = obj
        self.rv = rv
        self._json: bytes | None = None
        self._item: bytes | None = None
        self._fields: dict[str, str] | None = None

    @property
    def labels(self) -> Mapping[str, str]:
        return self.obj["metadata"].get("labels") or {}

    @property
    def namespace(self) -> str:
        return self.obj["metadata"].get("namespace") or ""

    @property
    def name(self) -> str:
        return self.obj["metadata"]["name"]

    def json(self) -> bytes:
        """The object as served by GET and in watch events (with ``kind``/``apiVersion``)."""
        if self._json is None:
            self._json = orjson.dumps(self.obj)
        return self._json

    def item_json(self) -> bytes:
        """The object as a list item: kube-apiserver drops ``kind``/``apiVersion`` there.

        Stored objects always start with those two keys, so the item is the cached JSON
        with its prefix cut off instead of a second serialization.
        """
        if self._item is None:
            full = self.json()
            prefix = b'{"kind":' + orjson.dumps(self.obj["kind"]) + b',"apiVersion":'
            prefix += orjson.dumps(self.obj["apiVersion"]) + b","
            self._item = b"{" + full[len(prefix) :] if full.startswith(prefix) else full
        return self._item

    def fields(self) -> dict[str, str]:
        if self._fields is None:
            self._fields = self.rt.field_set(self.obj)
        return self._fields

    def with_rv(self, rv: int) -> Entry:
        """The same content stamped with another resourceVersion (deletions, transitions)."""
        meta = dict(self.obj["metadata"])
        meta["resourceVersion"] = str(rv)
        obj = dict(self.obj)
        obj["metadata"] = meta
        return Entry(self.rt, self.key, obj, rv)


class Event:
    """One change to one object, kept in history and fanned out to watchers.

    ``prev`` is the version before the change: watchers need it to turn a MODIFIED into
    ADDED or DELETED when the change moves the object into or out of their selector, and
    exact-resourceVersion LISTs need it to rebuild an older state.
    """

    __slots__ = ("_frames", "entry", "prev", "rv", "time", "type")

    def __init__(self, etype: str, entry: Entry, prev: Entry | None, time: float = 0.0) -> None:
        self.type = etype
        self.entry = entry
        self.prev = prev
        self.rv = entry.rv
        self.time = time
        self._frames: dict[str, bytes] = {}

    def frame(self, etype: str) -> bytes:
        """The watch line for this event delivered as ``etype``, built once per type."""
        data = self._frames.get(etype)
        if data is None:
            if etype == DELETED and self.type != DELETED and self.prev is not None:
                # Stopped matching: previous content at the new resourceVersion
                # (cacher's convertToWatchEvent).
                body = self.prev.with_rv(self.rv).json()
            else:
                body = self.entry.json()
            data = b'{"type":"' + etype.encode() + b'","object":' + body + b"}\n"
            self._frames[etype] = data
        return data


def object_frame(etype: str, obj: Mapping[str, Any]) -> bytes:
    """A watch line for an object that is not in history (bookmarks, errors)."""
    return orjson.dumps({"type": etype, "object": obj}) + b"\n"
