"""Typed application state shared by the server's handlers (aiohttp ``AppKey``)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fakekube.api.content import MAX_BODY

if TYPE_CHECKING:
    from fakekube.store import Store

__all__ = ["CONFIG", "RECORDER", "STORE", "RequestRecord", "Recorder", "ServerConfig"]


@dataclass
class ServerConfig:
    """Knobs a test or a simulation may turn; defaults are kube-apiserver's."""

    #: Seconds between periodic BOOKMARK events on watches that allow them.
    bookmark_interval: float = 60.0
    #: A watch without timeoutSeconds lasts this long times (1 + random), as
    #: ``--min-request-timeout`` does.
    min_request_timeout: float = 1800.0
    max_body: int = MAX_BODY
    #: What ``/version`` reports.
    version: dict[str, str] = field(
        default_factory=lambda: {
            "major": "1",
            "minor": "35",
            "gitVersion": "v1.35.0-fakekube",
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.25.0",
            "compiler": "gc",
            "platform": "linux/amd64",
        }
    )
    #: How many requests the recorder keeps.
    record_limit: int = 100_000


@dataclass(frozen=True)
class RequestRecord:
    """One served request, as endpoint manifests and test assertions see it."""

    method: str
    path: str
    template: str
    verb: str
    resource: str
    subresource: str
    query: dict[str, str]
    content_type: str
    status: int
    user_agent: str
    body: bytes = b""


class Recorder:
    """Every request served, plus how many non-watch requests are in flight (read by the
    quiescence gate)."""

    def __init__(self, limit: int) -> None:
        self.records: deque[RequestRecord] = deque(maxlen=limit)
        self.in_flight = 0
        #: Requests served since start; unlike ``len(records)`` it never stops growing.
        self.served = 0

    def add(self, record: RequestRecord) -> None:
        self.records.append(record)
        self.served += 1

    def clear(self) -> None:
        self.records.clear()


STORE: web.AppKey[Store] = web.AppKey("fakekube_store")
CONFIG: web.AppKey[ServerConfig] = web.AppKey("fakekube_config", ServerConfig)
RECORDER: web.AppKey[Recorder] = web.AppKey("fakekube_recorder", Recorder)
EXTRA: web.AppKey[dict[str, Any]] = web.AppKey("fakekube_extra", dict)
