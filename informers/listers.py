"""Listers: read the informer's cache by namespace and label selector (client-go ``listers.go``).

Reads never touch the network; a miss is a NotFound, as from the server, so controller
code can treat "not in cache" and "not on the server" the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from informers.store import NAMESPACE_INDEX, Indexer

__all__ = ["Lister", "NamespaceLister", "NotFoundError", "parse_selector"]

Obj = dict[str, Any]
Selector = Callable[[dict[str, str]], bool]


class NotFoundError(KeyError):
    """Not in the cache: ``<resource> "<name>" not found``, worded like the API's NotFound."""

    def __init__(self, resource: str, name: str) -> None:
        super().__init__(f'{resource} "{name}" not found')
        self.resource = resource
        self.name = name

    def __str__(self) -> str:
        return str(self.args[0])


def parse_selector(text: str) -> Selector:
    """Equality-based and set-based label selectors, as the API server accepts them."""
    reqs: list[Selector] = []
    for part in _split(text):
        part = part.strip()
        if not part:
            continue
        if " notin " in part or " in " in part:
            neg = " notin " in part
            key, _, rest = part.partition(" notin " if neg else " in ")
            values = {v.strip() for v in rest.strip().strip("()").split(",")}
            k = key.strip()
            reqs.append(
                (lambda labels, k=k, vs=values: k not in labels or labels[k] not in vs)
                if neg
                else (lambda labels, k=k, vs=values: labels.get(k) in vs)
            )
        elif "!=" in part:
            k, v = (x.strip() for x in part.split("!=", 1))
            reqs.append(lambda labels, k=k, v=v: labels.get(k) != v)
        elif "=" in part:
            k, v = (x.strip() for x in part.replace("==", "=").split("=", 1))
            reqs.append(lambda labels, k=k, v=v: labels.get(k) == v)
        elif part.startswith("!"):
            k = part[1:].strip()
            reqs.append(lambda labels, k=k: k not in labels)
        else:
            reqs.append(lambda labels, k=part: k in labels)
    return lambda labels: all(r(labels) for r in reqs)


def _split(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def _labels(obj: Obj) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


class Lister:
    def __init__(self, indexer: Indexer, resource: str, namespaced: bool = True) -> None:
        self.indexer = indexer
        self.resource = resource
        self.namespaced = namespaced

    def list(self, selector: str = "") -> list[Obj]:
        match = parse_selector(selector)
        return [o for o in self.indexer.list() if match(_labels(o))]

    def get(self, name: str) -> Obj:
        """Cluster-scoped get."""
        obj = self.indexer.get_by_key(name)
        if obj is None:
            raise NotFoundError(self.resource, name)
        return obj

    def namespace(self, namespace: str) -> NamespaceLister:
        return NamespaceLister(self.indexer, self.resource, namespace)


class NamespaceLister:
    def __init__(self, indexer: Indexer, resource: str, namespace: str) -> None:
        self.indexer = indexer
        self.resource = resource
        self.ns = namespace

    def list(self, selector: str = "") -> list[Obj]:
        match = parse_selector(selector)
        return [o for o in self.indexer.by_index(NAMESPACE_INDEX, self.ns) if match(_labels(o))]

    def get(self, name: str) -> Obj:
        obj = self.indexer.get_by_key(f"{self.ns}/{name}")
        if obj is None:
            raise NotFoundError(self.resource, name)
        return obj
