"""The informer's cache: objects by key, with secondary indexes (client-go ``store.go``,
``thread_safe_store.go``, ``index.go``).

Objects are the plain ``dict``s decoded from the API's JSON. That choice is deliberate:
it works for every kind (custom resources included) without generated models, costs one
``orjson`` parse per event, and is what a controller usually wants to read anyway. Callers
must treat cached objects as read-only, exactly as client-go asks of its cache.

Everything runs on one event loop, so the "thread-safe" store needs no lock; the name
``Indexer`` is kept from client-go so readers of both code bases find their way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "NAMESPACE_INDEX",
    "DeletedFinalStateUnknown",
    "IndexFunc",
    "Indexer",
    "IndexerConflict",
    "KeyFunc",
    "deletion_handling_key_func",
    "meta_namespace_index_func",
    "meta_namespace_key_func",
]

Obj = dict[str, Any]
KeyFunc = Callable[[Any], str]
IndexFunc = Callable[[Obj], list[str]]

NAMESPACE_INDEX = "namespace"


@dataclass(frozen=True)
class DeletedFinalStateUnknown:
    """A deletion the informer inferred (the object vanished from a relist) rather than saw.

    ``obj`` is the last state the cache had, which may be stale: a handler that needs the
    final state must cope with this wrapper, as in client-go.
    """

    key: str
    obj: Obj


class IndexerConflict(ValueError):
    """An index of that name already exists."""


def meta_namespace_key_func(obj: Any) -> str:
    """``namespace/name``, or ``name`` for cluster-scoped objects (the UID is not part of it)."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    if isinstance(obj, str):
        return obj
    meta = obj.get("metadata") or {}
    name = meta.get("name")
    if not name:
        raise ValueError("object has no metadata.name")
    ns = meta.get("namespace")
    return f"{ns}/{name}" if ns else str(name)


deletion_handling_key_func = meta_namespace_key_func


def meta_namespace_index_func(obj: Obj) -> list[str]:
    """The built-in ``namespace`` index."""
    ns = (obj.get("metadata") or {}).get("namespace")
    return [ns] if ns else [""]


def split_key(key: str) -> tuple[str | None, str]:
    ns, sep, name = key.partition("/")
    return (ns, name) if sep else (None, key)


class Indexer:
    """Objects by key plus any number of named indexes kept in step with them."""

    def __init__(
        self,
        key_func: KeyFunc = meta_namespace_key_func,
        indexers: dict[str, IndexFunc] | None = None,
    ) -> None:
        self.key_func = key_func
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        self.add_indexers(indexers or {NAMESPACE_INDEX: meta_namespace_index_func})

    # -- Store ---------------------------------------------------------------------------
    def add(self, obj: Obj) -> None:
        self._put(self.key_func(obj), obj)

    update = add

    def delete(self, obj: Any) -> None:
        key = self.key_func(obj)
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)

    def list(self) -> list[Obj]:
        return list(self._items.values())

    def list_keys(self) -> list[str]:
        return list(self._items)

    def get(self, obj: Any) -> Obj | None:
        return self._items.get(self.key_func(obj))

    def get_by_key(self, key: str) -> Obj | None:
        return self._items.get(key)

    def replace(self, objs: Iterable[Obj], resource_version: str = "") -> None:
        self._items = {}
        self._indices = {name: {} for name in self._indexers}
        for obj in objs:
            self._put(self.key_func(obj), obj)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    # -- Indexer -------------------------------------------------------------------------
    def add_indexers(self, indexers: dict[str, IndexFunc]) -> None:
        """Add indexes, even after objects are stored (they are indexed on the spot)."""
        clash = set(indexers) & set(self._indexers)
        if clash:
            raise IndexerConflict(f"indexer conflict: {sorted(clash)}")
        for name, fn in indexers.items():
            self._indexers[name] = fn
            index: dict[str, set[str]] = {}
            self._indices[name] = index
            for key, obj in self._items.items():
                for value in fn(obj):
                    index.setdefault(value, set()).add(key)

    def index(self, name: str, obj: Obj) -> list[Obj]:
        """Objects sharing any of ``obj``'s values for index ``name``."""
        fn = self._indexer(name)
        keys: set[str] = set()
        for value in fn(obj):
            keys |= self._indices[name].get(value, set())
        return [self._items[k] for k in sorted(keys)]

    def index_keys(self, name: str, value: str) -> list[str]:
        self._indexer(name)
        return sorted(self._indices[name].get(value, set()))

    def by_index(self, name: str, value: str) -> list[Obj]:
        return [self._items[k] for k in self.index_keys(name, value)]

    def list_index_func_values(self, name: str) -> list[str]:
        self._indexer(name)
        return sorted(self._indices[name])

    def get_indexers(self) -> dict[str, IndexFunc]:
        return dict(self._indexers)

    # -- internals -----------------------------------------------------------------------
    def _indexer(self, name: str) -> IndexFunc:
        try:
            return self._indexers[name]
        except KeyError:
            raise KeyError(f"Index with name {name} does not exist") from None

    def _put(self, key: str, obj: Obj) -> None:
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = obj
        for name, fn in self._indexers.items():
            index = self._indices[name]
            for value in fn(obj):
                index.setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, fn in self._indexers.items():
            index = self._indices[name]
            for value in fn(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]  # no empty sets left behind
