"""The informer's cache: objects by key, with secondary indexes (client-go ``store.go``,
``thread_safe_store.go``, ``index.go``).

Objects are the plain ``dict``s decoded from the API's JSON unless the informer was asked
for kubernetes-asyncio models or lazy objects; keys and indexes read any shape through
:mod:`informers.meta` (a LazyObject from the metadata fields it decoded at ingest).
Callers must treat cached objects as read-only, exactly as client-go asks of its cache:
the same object is handed to every handler and lister.

Writes come from the informer's own task, but listers are often read from elsewhere
(a worker thread, an executor): every operation takes one re-entrant lock, so the store
is safe across threads and, being synchronous, atomic across asyncio tasks.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Iterable
from typing import Any

from informers.lazy import LazyObject
from informers.meta import namespace_of

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
    "split_meta_namespace_key",
]

KeyFunc = Callable[[Any], str]
#: Values of one object for one index; several values put it under several keys.
IndexFunc = Callable[[Any], list[str]]

NAMESPACE_INDEX = "namespace"
#: One index's change for one key: the index, the values to leave, the values to join.
_IndexChange = tuple[dict[str, set[str]], Iterable[str], Iterable[str]]


class DeletedFinalStateUnknown:
    """A deletion the informer inferred (the object vanished from a relist) rather than saw.

    ``obj`` is the last state the cache had, which may be stale: a delete handler must
    cope with this wrapper, as in client-go.
    """

    __slots__ = ("key", "obj")

    def __init__(self, key: str, obj: Any) -> None:
        self.key = key
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DeletedFinalStateUnknown)
            and other.key == self.key
            and other.obj == self.obj
        )

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"DeletedFinalStateUnknown(key={self.key!r})"


class IndexerConflict(ValueError):
    """An index of that name already exists."""


def meta_namespace_key_func(obj: Any) -> str:
    """``namespace/name``, or ``name`` for cluster-scoped objects (the UID is not part of it).

    A string is taken as a key already; a DeletedFinalStateUnknown gives its key.
    """
    if isinstance(obj, dict):
        meta = obj.get("metadata")
        if meta:
            name = meta.get("name")
            if name:
                ns = meta.get("namespace")
                return f"{ns}/{name}" if ns else name
        raise ValueError("object has no metadata.name")
    if obj.__class__ is LazyObject:
        name = obj.name
        if name:
            ns = obj.namespace
            return f"{ns}/{name}" if ns else name
        raise ValueError("object has no metadata.name")
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    if isinstance(obj, str):
        return obj
    meta = getattr(obj, "metadata", None)
    if meta is None or not meta.name:
        raise ValueError("object has no metadata.name")
    return f"{meta.namespace}/{meta.name}" if meta.namespace else str(meta.name)


#: client-go keeps two names for one function; so do we, for readers of both.
deletion_handling_key_func = meta_namespace_key_func


def split_meta_namespace_key(key: str) -> tuple[str, str]:
    """``("ns", "name")`` or ``("", "name")``; more than one slash is an error."""
    parts = key.split("/")
    if len(parts) == 1:
        return "", parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise ValueError(f"unexpected key format: {key!r}")


def meta_namespace_index_func(obj: Any) -> list[str]:
    """The built-in ``namespace`` index (``""`` for cluster-scoped objects)."""
    if isinstance(obj, dict):
        return [(obj.get("metadata") or {}).get("namespace") or ""]
    if obj.__class__ is LazyObject:
        return [obj.namespace]
    return [namespace_of(obj)]


class Indexer:
    """Objects by key plus any number of named indexes kept in step with them."""

    def __init__(
        self,
        key_func: KeyFunc = meta_namespace_key_func,
        indexers: dict[str, IndexFunc] | None = None,
    ) -> None:
        self.key_func = key_func
        self._lock = threading.RLock()
        self._items: dict[str, Any] = {}
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        # The namespace index is built in (listers rely on it) unless the caller brings
        # their own function under that name.
        builtin: dict[str, IndexFunc] = {NAMESPACE_INDEX: meta_namespace_index_func}
        self.add_indexers({**builtin, **(indexers or {})})

    # -- Store ---------------------------------------------------------------------------
    def add(self, obj: Any) -> None:
        key = self.key_func(obj)
        with self._lock:
            self._put(key, obj)

    update = add

    def put(self, obj: Any) -> Any | None:
        """Store ``obj`` and return the object it replaced (None if new): one key lookup."""
        key = self.key_func(obj)
        with self._lock:
            return self._put(key, obj)

    def delete(self, obj: Any) -> None:
        key = self.key_func(obj)
        with self._lock:
            old = self._items.get(key)
            if old is not None:
                changes = self._index_changes(old, None)
                del self._items[key]
                self._apply(key, changes)

    def list(self) -> builtins.list[Any]:
        with self._lock:
            return list(self._items.values())

    def list_keys(self) -> builtins.list[str]:
        with self._lock:
            return list(self._items)

    def get(self, obj: Any) -> Any | None:
        key = self.key_func(obj)
        with self._lock:
            return self._items.get(key)

    def get_by_key(self, key: str) -> Any | None:
        with self._lock:
            return self._items.get(key)

    def replace(self, objs: Iterable[Any], resource_version: str = "") -> None:
        """Swap the whole content (and rebuild every index) at once."""
        items = {self.key_func(o): o for o in objs}
        with self._lock:
            indices: dict[str, dict[str, set[str]]] = {}
            for name, fn in self._indexers.items():
                index: dict[str, set[str]] = {}
                for key, obj in items.items():
                    for value in fn(obj):
                        index.setdefault(value, set()).add(key)
                indices[name] = index
            # Swapped in only once fully built: a failing index function changes nothing.
            self._items, self._indices = items, indices

    def resync(self) -> None:
        """Nothing to do: a plain store has no queue to refill (client-go's is a no-op too)."""

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    # -- Indexer -------------------------------------------------------------------------
    def add_indexers(self, indexers: dict[str, IndexFunc]) -> None:
        """Add indexes, even after objects are stored (they are indexed on the spot).

        A name already in use is an :class:`IndexerConflict` and nothing is added.
        """
        with self._lock:
            clash = sorted(set(indexers) & set(self._indexers))
            if clash:
                raise IndexerConflict(f"indexer conflict: {clash}")
            for name, fn in indexers.items():
                self._indexers[name] = fn
                index: dict[str, set[str]] = {}
                self._indices[name] = index
                for key, obj in self._items.items():
                    for value in fn(obj):
                        index.setdefault(value, set()).add(key)

    def index(self, name: str, obj: Any) -> builtins.list[Any]:
        """Objects sharing any of ``obj``'s values for index ``name``."""
        with self._lock:
            fn = self._indexer(name)
            keys: set[str] = set()
            for value in fn(obj):
                keys |= self._indices[name].get(value, set())
            return [self._items[k] for k in sorted(keys)]

    def index_keys(self, name: str, value: str) -> builtins.list[str]:
        """Keys of the objects stored under ``value`` in index ``name``, sorted."""
        with self._lock:
            self._indexer(name)
            return sorted(self._indices[name].get(value, ()))

    def by_index(self, name: str, value: str) -> builtins.list[Any]:
        """Objects stored under ``value`` in index ``name``, in key order."""
        with self._lock:
            return [self._items[k] for k in self.index_keys(name, value)]

    def list_index_func_values(self, name: str) -> builtins.list[str]:
        with self._lock:
            self._indexer(name)
            return sorted(self._indices[name])

    def get_indexers(self) -> dict[str, IndexFunc]:
        with self._lock:
            return dict(self._indexers)

    # -- internals -----------------------------------------------------------------------
    def _indexer(self, name: str) -> IndexFunc:
        try:
            return self._indexers[name]
        except KeyError:
            raise KeyError(f"Index with name {name} does not exist") from None

    def _put(self, key: str, obj: Any) -> Any | None:
        items = self._items
        old = items.get(key)
        if old is None:
            # A new key (every object of a first list) only joins indexes: no old values to
            # compute or compare. Every index function runs before anything changes.
            indices = self._indices
            joins: list[_IndexChange] = [
                (indices[name], (), fn(obj)) for name, fn in self._indexers.items()
            ]
            items[key] = obj
            self._apply(key, joins)
            return None
        changes = self._index_changes(old, obj)  # may raise: nothing is changed yet
        items[key] = obj
        self._apply(key, changes)
        return old

    def _index_changes(self, old: Any | None, new: Any | None) -> builtins.list[_IndexChange]:
        """Per index, the values to leave and to join; computed before any mutation so an
        index function that raises leaves the store as it was."""
        changes: builtins.list[_IndexChange] = []
        indices = self._indices
        for name, fn in self._indexers.items():
            old_values = fn(old) if old is not None else ()
            new_values = fn(new) if new is not None else ()
            if old_values != new_values:  # the common update leaves an index alone
                changes.append((indices[name], old_values, new_values))
        return changes

    @staticmethod
    def _apply(key: str, changes: builtins.list[_IndexChange]) -> None:
        for index, old_values, new_values in changes:
            for value in old_values:
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]  # no empty sets left behind
            for value in new_values:
                keys = index.get(value)
                if keys is None:
                    index[value] = {key}
                else:
                    keys.add(key)
