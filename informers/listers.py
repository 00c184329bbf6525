"""Listers: read the informer's cache by namespace and label selector (client-go ``listers.go``).

Reads never touch the network. A miss is a :class:`NotFoundError`: a 404 ``NotFound``
shaped exactly like the server's, so controller code treats "not in the cache" and "not on
the server" the same way. Listers are generic in what the cache holds: ``dict`` by
default, a kubernetes-asyncio model when the informer was asked for models.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar, overload

from informers.errors import ApiError
from informers.labels import Selector, parse_selector
from informers.meta import labels_of
from informers.resources import Resource
from informers.store import NAMESPACE_INDEX, Indexer

__all__ = ["Lister", "NamespaceLister", "NotFoundError"]

T = TypeVar("T")
SelectorLike = str | Mapping[str, str] | Selector | None


class NotFoundError(ApiError, KeyError):
    """Not in the cache: 404 ``<resource> "<name>" not found``, as the API would answer."""

    def __init__(self, resource: Resource, name: str) -> None:
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": f'{resource.plural} "{name}" not found',
            "reason": "NotFound",
            "details": {"name": name, "group": resource.group, "kind": resource.plural},
            "code": 404,
        }
        super().__init__(404, status)
        self.resource = resource
        self.name = name

    def __str__(self) -> str:
        return str(self.status["message"])


class Lister(Generic[T]):
    """The whole cache of one informer: ``list(selector)``, ``get(ns, name)`` or ``get(name)``."""

    def __init__(self, indexer: Indexer, resource: Resource) -> None:
        self.indexer = indexer
        self.resource = resource

    def list(self, selector: SelectorLike = None) -> list[T]:
        """Every cached object (all namespaces) whose labels match ``selector``."""
        return _select(self.indexer.list(), selector)

    @overload
    def get(self, name: str, /) -> T: ...

    @overload
    def get(self, namespace: str, name: str, /) -> T: ...

    def get(self, *names: str) -> T:
        """``get(namespace, name)`` for namespaced resources, ``get(name)`` for the others."""
        if self.resource.namespaced:
            if len(names) != 2:
                raise TypeError(f"{self.resource.plural} are namespaced: use get(namespace, name)")
            key = f"{names[0]}/{names[1]}"
        else:
            if len(names) != 1:
                raise TypeError(f"{self.resource.plural} are cluster-scoped: use get(name)")
            key = names[0]
        obj = self.indexer.get_by_key(key)
        if obj is None:
            raise NotFoundError(self.resource, names[-1])
        return obj  # type: ignore[no-any-return]

    def namespace(self, namespace: str) -> NamespaceLister[T]:
        """The objects of one namespace (client-go ``Pods(ns)``)."""
        return NamespaceLister(self.indexer, self.resource, namespace)


class NamespaceLister(Generic[T]):
    """One namespace's slice of the cache, read through the built-in namespace index."""

    def __init__(self, indexer: Indexer, resource: Resource, namespace: str) -> None:
        self.indexer = indexer
        self.resource = resource
        self.namespace = namespace

    def list(self, selector: SelectorLike = None) -> list[T]:
        return _select(self.indexer.by_index(NAMESPACE_INDEX, self.namespace), selector)

    def get(self, name: str) -> T:
        obj = self.indexer.get_by_key(f"{self.namespace}/{name}")
        if obj is None:
            raise NotFoundError(self.resource, name)
        return obj  # type: ignore[no-any-return]


def _select(objs: list[Any], selector: SelectorLike) -> list[Any]:
    sel = parse_selector(selector)
    if sel.empty():
        return objs
    return [o for o in objs if sel.matches(labels_of(o))]
