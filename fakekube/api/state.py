"""Typed application state shared by the server's handlers (aiohttp ``AppKey``)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from yarl import URL

from fakekube.api.content import MAX_BODY, media_type

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
    #: How long a LIST or a streaming list from a resourceVersion newer than the store's
    #: waits for it before answering "Too large resource version" (the watch cache's
    #: ``blockTimeout``).
    too_large_rv_wait: float = 3.0
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


#: What the middleware keeps per request: only strings, bytes and an int, so the tuple is
#: untracked by CPython's GC once collected, and the record is built only when read.
_Raw = tuple[str, str, str, str, str, str, str, str, int, str, bytes]


class Recorder:
    """Every request served, plus how many non-watch requests are in flight (read by the
    quiescence gate).

    A long run serves millions of requests and the log keeps the last ``limit``: it holds
    them in their cheapest form and builds a :class:`RequestRecord` only when read.
    """

    def __init__(self, limit: int) -> None:
        self._log: deque[_Raw] = deque(maxlen=limit)
        self.in_flight = 0
        #: Requests served since start; unlike ``len(records)`` it never stops growing.
        self.served = 0

    @property
    def records(self) -> list[RequestRecord]:
        """The requests kept, oldest first."""
        return [_record(r) for r in self._log]

    def add_raw(
        self,
        method: str,
        path: str,
        template: str,
        verb: str,
        resource: str,
        subresource: str,
        raw_query: str,
        content_type: str,
        status: int,
        user_agent: str,
        body: bytes,
    ) -> None:
        """Log a request from its raw parts (the query string as sent, the Content-Type
        header as sent): what the request path does, parsing nothing it does not need."""
        self._log.append(
            (
                method,
                path,
                template,
                verb,
                resource,
                subresource,
                raw_query,
                content_type,
                status,
                user_agent,
                body,
            )
        )
        self.served += 1

    def clear(self) -> None:
        self._log.clear()


def _record(raw: _Raw) -> RequestRecord:
    method, path, template, verb, resource, subresource, query, ctype, status, ua, body = raw
    return RequestRecord(
        method=method,
        path=path,
        template=template,
        verb=verb,
        resource=resource,
        subresource=subresource,
        # As dict(request.query) reads it: the first value of a repeated parameter.
        query=dict(URL.build(path="/", query_string=query, encoded=True).query),
        content_type=media_type(ctype),
        status=status,
        user_agent=ua,
        body=body,
    )


STORE: web.AppKey[Store] = web.AppKey("fakekube_store")
CONFIG: web.AppKey[ServerConfig] = web.AppKey("fakekube_config", ServerConfig)
RECORDER: web.AppKey[Recorder] = web.AppKey("fakekube_recorder", Recorder)
EXTRA: web.AppKey[dict[str, Any]] = web.AppKey("fakekube_extra", dict)
