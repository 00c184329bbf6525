"""The aiohttp application: routes, error rendering, request recording.

Only this package imports aiohttp. Any :class:`~fakekube.errors.StatusError` becomes a
``Status`` body with its code; any other exception becomes a 500 ``InternalError`` and
is logged, so bad input can never take the server down or leave a half-applied write
(the store validates before it commits).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from fakekube.api import discovery, faults
from fakekube.api.content import BODY_SINK
from fakekube.api.handlers import ResourceHandler, parse_bool
from fakekube.api.paths import RequestInfo, parse_request
from fakekube.api.state import CONFIG, RECORDER, STORE, Recorder, ServerConfig
from fakekube.errors import InternalError, NotFound, StatusError
from fakekube.store import Store

__all__ = ["make_app"]

_log = logging.getLogger("fakekube.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def status_response(err: StatusError) -> web.Response:
    headers = {}
    if err.retry_after_seconds:
        headers["Retry-After"] = str(err.retry_after_seconds)
    return web.Response(
        body=orjson.dumps(err.to_status()),
        status=err.code,
        content_type="application/json",
        headers=headers,
    )


_INFO: web.RequestKey[RequestInfo] = web.RequestKey("fakekube_request_info")
_LOG_AT_PREPARE: web.RequestKey[Callable[[int], None]] = web.RequestKey("fakekube_log_at_prepare")


@web.middleware
async def _serve(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Classify, log, apply injected faults, and render errors as ``Status``: one layer,
    because every request (thousands a second under kube-scheduler) pays for each."""
    recorder = request.app[RECORDER]
    info = parse_request(request.method, request.path, bool(parse_bool(request.query.get("watch"))))
    request[_INFO] = info
    # Watches are open for minutes by design; only short requests count as "in flight".
    counted = info.verb != "watch"
    recorder.in_flight += counted
    # The handler reads the body (size-checked) and leaves a copy here for the log.
    body: list[bytes] = []
    BODY_SINK.set(body)
    done = False

    def log(status: int) -> None:
        nonlocal done
        if done:
            return
        done = True
        headers = request.headers
        recorder.add_raw(
            request.method,
            request.path,
            info.template,
            info.verb,
            info.resource,
            info.subresource,
            request.rel_url.raw_query_string,
            headers.get("Content-Type", ""),
            status,
            headers.get("User-Agent", ""),
            body[0] if len(body) == 1 else b"".join(body),
        )

    if not counted:
        # A watch is logged when its headers go out, not when it ends minutes later (or is
        # cut by shutdown, which would leave no status to log): a log read while a client
        # still watches must show it, with the status the client saw.
        request[_LOG_AT_PREPARE] = log
    status = 500
    try:
        try:
            faults_set = request.app[faults.FAULTS]
            if faults_set.responds or faults_set.latencies:
                await faults.apply(faults_set, info)
            resp = await handler(request)
        except StatusError as err:
            resp = status_response(err)
        except (web.HTTPException, ConnectionError, TimeoutError):
            raise
        except Exception as exc:
            _log.exception("internal error serving %s %s", request.method, request.path_qs)
            resp = status_response(InternalError.wrap(exc))
        status = resp.status
        return resp
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        recorder.in_flight -= counted
        log(status)


async def _log_prepared(request: web.Request, response: web.StreamResponse) -> None:
    if (log := request.get(_LOG_AT_PREPARE)) is not None:
        log(response.status)


def make_app(store: Store | None = None, config: ServerConfig | None = None) -> web.Application:
    """Build the API server application around ``store`` (a fresh one by default)."""
    store = store if store is not None else Store()
    config = config or ServerConfig()
    # Bodies are read and size-checked by the handlers (413 as a Status), not by aiohttp.
    # Injected faults answer inside _serve (so they render as Status) and are recorded.
    app = web.Application(middlewares=[_serve], client_max_size=2**62)
    app[STORE] = store
    app[faults.FAULTS] = faults.FaultState()
    app[CONFIG] = config
    app[RECORDER] = Recorder(config.record_limit)
    app.on_response_prepare.append(_log_prepared)
    resources = ResourceHandler(store, config)

    async def resource_route(request: web.Request) -> web.StreamResponse:
        info = request[_INFO]
        if not info.is_resource or not info.resource:
            raise NotFound.path()
        return await resources.handle(request, info)

    discovery.setup(app)
    app.router.add_route("*", "/api/{tail:.*}", resource_route)
    app.router.add_route("*", "/apis/{tail:.*}", resource_route)
    return app
