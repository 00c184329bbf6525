"""A differential scenario: a sequence of API requests and watches, run as-is on both servers.

Scenarios are data. Each step is sent identically to fakekube and to the real kube-apiserver,
each in a fresh namespace of the same name; what comes back (status, body, event sequence)
is recorded and compared after normalisation (:mod:`.normalize`).

Strings in paths and bodies may name ``{ns}`` (the scenario's namespace) and any value an
earlier step saved (``save={"rv": "metadata.resourceVersion"}``): each server gets back its
own values, so "update with the resourceVersion you were given" means the same on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "APPLY",
    "JSON_PATCH",
    "MERGE",
    "STRATEGIC",
    "Collect",
    "Compact",
    "OpenWatch",
    "Request",
    "Scenario",
    "Step",
    "case",
    "collect",
    "compact",
    "delete",
    "get",
    "patch",
    "post",
    "put",
    "watch",
]

JSON_PATCH = "application/json-patch+json"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


@dataclass(frozen=True)
class Request:
    """One HTTP request; ``body`` is JSON-encoded unless it is ``str``/``bytes`` (sent raw)."""

    method: str
    path: str
    body: Any = None
    content_type: str | None = None
    accept: str | None = None
    save: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenWatch:
    """Start a watch; its events are gathered in the background until :class:`Collect`."""

    name: str
    path: str


@dataclass(frozen=True)
class Collect:
    """Stop gathering a watch and record its events.

    Waits for ``count`` events (BOOKMARKs count only when ``bookmarks``), or for the server
    to end the stream when ``count`` is None, at most ``timeout`` seconds. Periodic
    BOOKMARKs arrive whenever the server's timer fires, so unless ``bookmarks`` they are
    left out of the record; the initial-events-end bookmark of a streaming list is always
    kept because its place in the sequence is fixed.
    """

    name: str
    count: int | None = None
    bookmarks: bool = False
    timeout: float = 10.0


@dataclass(frozen=True)
class Compact:
    """Compact history up to now: etcd's compaction on the reference, ``Store.compact``
    on fakekube. ``collection`` is a list path the reference waits on until its watch cache
    has dropped the snapshots below the compaction (a 410 there proves it)."""

    collection: str


Step = Request | OpenWatch | Collect | Compact


@dataclass(frozen=True)
class Scenario:
    """``id`` is ``topic/name``; ``title`` says what behaviour is compared."""

    id: str
    title: str
    steps: tuple[Step, ...]


def get(path: str, *, accept: str | None = None, save: Mapping[str, str] | None = None) -> Request:
    return Request("GET", path, accept=accept, save=save or {})


def post(
    path: str,
    body: Any,
    *,
    content_type: str | None = None,
    accept: str | None = None,
    save: Mapping[str, str] | None = None,
) -> Request:
    return Request("POST", path, body, content_type, accept, save or {})


def put(
    path: str,
    body: Any,
    *,
    content_type: str | None = None,
    save: Mapping[str, str] | None = None,
) -> Request:
    return Request("PUT", path, body, content_type, save=save or {})


def patch(
    path: str,
    body: Any,
    content_type: str = MERGE,
    *,
    save: Mapping[str, str] | None = None,
) -> Request:
    return Request("PATCH", path, body, content_type, save=save or {})


def delete(path: str, body: Any = None, *, save: Mapping[str, str] | None = None) -> Request:
    return Request("DELETE", path, body, save=save or {})


def watch(name: str, path: str) -> OpenWatch:
    return OpenWatch(name, path)


def collect(name: str, count: int | None = None, *, bookmarks: bool = False) -> Collect:
    return Collect(name, count, bookmarks)


def compact(collection: str) -> Compact:
    return Compact(collection)


def case(id: str, title: str, *steps: Step) -> Scenario:
    """A scenario written as its steps: ``case("crud/x", "what", post(...), get(...))``."""
    return Scenario(id, title, steps)
