"""List and watch one collection through kubernetes-asyncio (client-go ``listwatch.go``).

This is the only informers module that touches the network. It goes through the user's
``ApiClient.call_api`` with ``_preload_content=False``, so configuration, kubeconfig
loading, TLS and auth (token refresh included) are kubernetes-asyncio's, while bodies
stay raw bytes decoded once with orjson: no model deserialization per event, which is
where kubernetes-asyncio's own ``Watch`` spends most of its time. With ``lazy=True`` the
objects are :class:`~informers.lazy.LazyObject` instances instead: JSON bytes with only
their metadata decoded (see :mod:`informers.lazy`).

A watch is read in whole chunks: every complete line already received is decoded and
handed over as one batch, so the reflector and the informer pay one task switch per
burst rather than one per event. aiohttp and kubernetes-asyncio exceptions are mapped to
:mod:`informers.errors` here and nowhere else.

Everything else talks to the :class:`ListerWatcher` protocol, which tests replace with
:class:`informers.testing.FakeListerWatcher`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import aiohttp
import orjson

from informers.errors import ApiError, ConnectionRefused, TransportError
from informers.lazy import decode_event, decode_list
from informers.resources import Resource, resolve

__all__ = ["ListWatch", "ListerWatcher", "WatchStream"]

Obj = dict[str, Any]

#: A LIST may take as long as it keeps sending; silent this long, it has failed.
LIST_SILENCE = 60.0
#: Grace on top of a watch's ``timeoutSeconds`` before the client gives up on it: a
#: backstop only, the reflector's inactivity watchdog acts long before.
WATCH_GRACE = 60.0
CONNECT_TIMEOUT = 30.0


class WatchStream(Protocol):
    """An open watch: async-iterate batches of decoded events, ``close()`` to stop early."""

    def __aiter__(self) -> AsyncIterator[list[Obj]]: ...

    async def close(self) -> None: ...


class ListerWatcher(Protocol):
    """List one page, or open a watch, with the query parameters the reflector chose."""

    async def list(self, **params: str) -> Obj: ...

    async def watch(self, **params: str) -> WatchStream: ...


@contextmanager
def _transport_errors(what: str) -> Iterator[None]:
    """Turn aiohttp's exceptions into :class:`TransportError` (refused: ConnectionRefused)."""
    try:
        yield
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, ConnectionRefusedError):
            raise ConnectionRefused(f"{what}: connection refused ({exc})") from exc
        raise TransportError(f"{what}: {exc}") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise TransportError(f"{what}: {exc}") from exc
    except TimeoutError as exc:
        raise TransportError(f"{what}: timed out") from exc


def _decodes(body: bytes) -> bool:
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return True


def _decode_error(line: bytes, exc: Exception) -> ApiError:
    # client-go turns an undecodable event into an ERROR event with an InternalError.
    message = f"unable to decode an event from the watch stream: {exc}: {line[:120]!r}"
    return ApiError(500, {"reason": "InternalError", "code": 500, "message": message})


def _decode_lines(
    decode: Callable[[Any], Obj], pending: bytes, *chunks: bytes
) -> tuple[list[Obj], bytes]:
    """Decode every complete line of ``pending + chunks``; return the events and the
    incomplete rest. Lines are read in place (memoryview slices), never joined into one
    buffer: only a line cut between two reads is copied (a LazyObject then copies its own
    object's bytes once). An undecodable line ends the watch as client-go's decoder does."""
    batch: list[Obj] = []
    append = batch.append
    for chunk in chunks:
        if not chunk:
            continue
        view = memoryview(chunk)
        find = chunk.find
        start = 0
        while (end := find(b"\n", start)) >= 0:
            line: bytes | memoryview = view[start:end]
            if pending:
                line, pending = pending + chunk[start:end], b""
            if line:
                try:
                    append(decode(line))
                except ValueError as exc:  # orjson's or msgspec's
                    raise _decode_error(bytes(line), exc) from None
            start = end + 1
        if start < len(chunk):
            pending += chunk[start:]
    return batch, pending


class _HttpWatch:
    """One watch response, read as newline-framed JSON in batches."""

    def __init__(self, response: Any, what: str, *, lazy: bool = False) -> None:
        self._resp = response
        self._what = what
        self._lazy = lazy

    async def __aiter__(self) -> AsyncIterator[list[Obj]]:
        content = self._resp.content
        loads: Callable[[Any], Obj] = decode_event if self._lazy else orjson.loads
        pending = b""
        try:
            while True:
                with _transport_errors(self._what):
                    chunk = await content.readany()
                if not chunk:
                    break
                more = content.read_nowait(-1)  # everything else already received
                batch, pending = _decode_lines(loads, pending, chunk, more)
                if batch:
                    yield batch
            if pending.strip():
                try:
                    yield [loads(pending)]
                except ValueError:
                    raise TransportError(f"{self._what}: stream ended mid-event") from None
        finally:
            self._resp.release()

    async def close(self) -> None:
        self._resp.close()


class ListWatch:
    """List/watch one collection with a kubernetes-asyncio ``ApiClient``.

    ``ListWatch(api, "pods", namespace="default", field_selector="spec.nodeName=")``;
    kinds outside :data:`informers.resources.KNOWN_RESOURCES` take a
    :class:`~informers.resources.Resource`. ``lazy=True`` hands out
    :class:`~informers.lazy.LazyObject` instances instead of dicts.
    """

    def __init__(
        self,
        api_client: Any,
        resource: str | Resource,
        *,
        namespace: str | None = None,
        label_selector: str = "",
        field_selector: str = "",
        extra: dict[str, str] | None = None,
        lazy: bool = False,
    ) -> None:
        self.api_client = api_client
        self.resource = resolve(resource)
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.extra = dict(extra or {})
        self.lazy = lazy
        self.path = self.resource.path(namespace)

    def __repr__(self) -> str:
        return f"ListWatch({self.path!r})"

    def _query(self, params: dict[str, str]) -> list[tuple[str, str]]:
        q = dict(self.extra)
        if self.label_selector:
            q["labelSelector"] = self.label_selector
        if self.field_selector:
            q["fieldSelector"] = self.field_selector
        # An empty value means "not set" (resourceVersion="" is a quorum read).
        q.update((k, v) for k, v in params.items() if v != "")
        return list(q.items())

    async def _get(self, params: dict[str, str], timeout: Any, what: str) -> Any:
        with _transport_errors(what):
            resp = await self.api_client.call_api(
                self.path,
                "GET",
                query_params=self._query(params),
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
            )
            if 200 <= resp.status <= 299:
                return resp
            try:
                body = await resp.read()
            finally:
                resp.release()
        raise _status_error(resp.status, body, resp.headers.get("Retry-After"))

    async def list(self, **params: str) -> Obj:
        what = f"list {self.path}"
        timeout = aiohttp.ClientTimeout(sock_read=LIST_SILENCE, sock_connect=CONNECT_TIMEOUT)
        resp = await self._get(params, timeout, what)
        try:
            with _transport_errors(what):
                body = await resp.read()
        finally:
            resp.release()
        if self.lazy:
            return self._lazy_page(body, what)
        try:
            page = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise TransportError(f"{what}: undecodable body: {exc}") from None
        if not isinstance(page, dict):
            raise TransportError(f"{what}: the answer is not a list object")
        return page

    async def watch(self, **params: str) -> WatchStream:
        what = f"watch {self.path}"
        total = float(params.get("timeoutSeconds") or 1800) + WATCH_GRACE
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=CONNECT_TIMEOUT)
        resp = await self._get({**params, "watch": "true"}, timeout, what)
        return _HttpWatch(resp, what, lazy=self.lazy)

    def _lazy_page(self, body: bytes, what: str) -> Obj:
        try:
            return decode_list(body, self.resource.kind, self.resource.api_version)
        except ValueError as exc:
            # Both kinds of failure read as they do in dict mode: JSON or not, then shape.
            if not _decodes(body):
                raise TransportError(f"{what}: undecodable body: {exc}") from None
            raise TransportError(f"{what}: the answer is not a list object ({exc})") from None


#: apimachinery errors.NewGenericServerResponse: the reason a bare status code implies
#: (any other 5xx is InternalError; other codes have none).
_GENERIC_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def _status_error(code: int, body: bytes, retry_after: str | None) -> ApiError:
    try:
        status = orjson.loads(body)
    except orjson.JSONDecodeError:
        status = None
    if not isinstance(status, dict) or status.get("kind") != "Status":
        # client-go's newUnstructuredResponseError: the reason follows from the code
        # (errors.NewGenericServerResponse), e.g. the mux's plain "404 page not found".
        status = {"code": code, "message": body.decode(errors="replace")[:200]}
        reason = _GENERIC_REASONS.get(code, "InternalError" if code >= 500 else "")
        if reason:
            status["reason"] = reason
    if retry_after and retry_after.isdigit():
        details = status.setdefault("details", {})
        details.setdefault("retryAfterSeconds", int(retry_after))
    return ApiError(code, status)
