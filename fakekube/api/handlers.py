"""Resource requests: one table-driven handler for every kind, kept thin.

Each verb parses the query, calls the :class:`~fakekube.store.Store` and renders the
answer; all semantics (versions, selectors, conflicts, history) live in the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import orjson
import yaml
from aiohttp import web
from multidict import MultiDictProxy

from fakekube import patch as patching
from fakekube import scale
from fakekube.api import tables
from fakekube.api.content import (
    JSON,
    YAML,
    decode_body,
    media_type,
    read_body,
    response_media,
    wants_table,
)
from fakekube.api.faults import FAULTS
from fakekube.api.paths import RequestInfo
from fakekube.api.state import ServerConfig
from fakekube.errors import (
    BadRequest,
    Expired,
    MethodNotAllowed,
    NotFound,
    StatusError,
    Timeout,
    TooLargeResourceVersion,
    UnsupportedMediaType,
    go_json_type,
    status_success,
)
from fakekube.registry import ResourceType
from fakekube.store import ListResult, Store
from fakekube.store.entry import ERROR, Entry, object_frame

__all__ = ["ResourceHandler", "encode"]

_T = TypeVar("_T")

PATCH_TYPES = [
    patching.JSON_PATCH,
    patching.MERGE_PATCH,
    patching.STRATEGIC_MERGE_PATCH,
]


def encode(obj: Any, media: str = JSON) -> bytes:
    if media == YAML:
        return yaml.safe_dump(obj, sort_keys=False).encode()
    return orjson.dumps(obj)


def respond(obj: Any, status: int = 200, media: str = JSON) -> web.Response:
    return web.Response(body=encode(obj, media), status=status, content_type=media)


def _raw(body: bytes, status: int, media: str) -> web.Response:
    if media == YAML:
        return respond(orjson.loads(body), status, YAML)
    return web.Response(body=body, status=status, content_type=JSON)


def parse_bool(value: str | None, name: str = "") -> bool | None:
    """A boolean query parameter as ``runtime.Convert_Slice_string_To_bool`` reads it:
    absent is None, ``0`` or any case of ``false`` is false, anything else (even empty)
    is true. It never fails, so neither does this."""
    if value is None:
        return None
    return not (value == "0" or value.lower() == "false")


def parse_int(value: str | None, name: str = "") -> int | None:
    """An integer query parameter: Go's ``strconv.ParseInt(v, 10, 64)``, whose error text
    kube-apiserver answers unwrapped in a 400 (``?limit=`` included)."""
    if value is None:
        return None
    if re.fullmatch(r"[+-]?[0-9]+", value):
        number = int(value)
        if -(2**63) <= number < 2**63:
            return number
        raise BadRequest(f'strconv.ParseInt: parsing "{value}": value out of range')
    raise BadRequest(f'strconv.ParseInt: parsing "{value}": invalid syntax')


def _int_options(q: MultiDictProxy[str]) -> tuple[int | None, int]:
    """``timeoutSeconds`` and ``limit``, parsed in the order url.Values conversion does."""
    timeout = parse_int(q.get("timeoutSeconds"))
    limit = parse_int(q.get("limit")) or 0
    return timeout, limit


def list_body(result: ListResult) -> bytes:
    """A ``<Kind>List`` built from cached item bytes: no per-request re-serialization."""
    rt = result.rt
    meta: dict[str, Any] = {"resourceVersion": str(result.rv)}
    if result.continue_token:
        meta["continue"] = result.continue_token
    if result.remaining is not None:
        meta["remainingItemCount"] = result.remaining
    head = orjson.dumps({"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": meta})
    items = b",".join(e.item_json() for e in result.items)
    return head[:-1] + b',"items":[' + items + b"]}"


class ResourceHandler:
    """Serves every ``/api`` and ``/apis`` resource path from the registry and store."""

    def __init__(self, store: Store, config: ServerConfig) -> None:
        self.store = store
        self.config = config

    async def handle(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        q = request.query
        media = response_media(request.headers.get("Accept"))
        if info.resource == "bindings" and info.group == "" and info.version == "v1":
            return await self._legacy_binding(request, info, media)
        rt = self.store.registry.get(info.group, info.version, info.resource)
        if rt is None:
            if info.group and not any(r.group == info.group for r in self.store.registry):
                # No such API group: the mux's plain-text 404, not a Status.
                return web.Response(status=404, text="404 page not found\n")
            raise NotFound.path()
        ns: str | None = info.namespace or None
        if rt.plural == "namespaces" and rt.group == "":
            ns = None
        elif ns and not rt.namespaced:
            raise NotFound.path()
        if info.subresource and info.subresource not in rt.subresources:
            raise NotFound.path()
        if info.subresource == "scale" and not rt.custom:
            return await self._scale(request, rt, info, ns, media)
        verb = info.verb
        if verb == "get":
            return self._get(request, rt, info, ns, media)
        if verb == "list":
            return await self._list(request, rt, ns, q, media)
        if verb == "watch":
            return await self._watch(request, rt, info, ns, q)
        if rt.namespaced and not ns and verb in ("create", "deletecollection") and not info.name:
            raise MethodNotAllowed.route()
        if verb == "create":
            return await self._create(request, rt, info, ns, media)
        if verb == "update":
            return await self._update(request, rt, info, ns, media)
        if verb == "patch":
            return await self._patch(request, rt, info, ns, media)
        if verb == "delete":
            return await self._delete(request, rt, info, ns, media)
        if verb == "deletecollection":
            if verb not in rt.verbs:
                raise MethodNotAllowed.route()
            return self._delete_collection(rt, ns, q, media)
        raise MethodNotAllowed.for_resource(rt.plural, rt.group, verb)

    # -- reads -----------------------------------------------------------------------
    def _get(
        self,
        request: web.Request,
        rt: ResourceType,
        info: RequestInfo,
        ns: str | None,
        media: str,
    ) -> web.Response:
        if info.subresource not in ("", "status"):
            raise MethodNotAllowed.for_resource(f"{rt.plural}/{info.subresource}", rt.group, "get")
        entry = self.store.get_entry(rt, info.name, ns)
        if wants_table(request.headers.get("Accept")):
            obj = orjson.loads(entry.json())
            include = request.query.get("includeObject", "Metadata")
            return respond(tables.table(rt, [obj], include_object=include), 200, JSON)
        return _raw(entry.json(), 200, media)

    async def _list(
        self,
        request: web.Request,
        rt: ResourceType,
        ns: str | None,
        q: MultiDictProxy[str],
        media: str,
    ) -> web.Response:
        _, limit = _int_options(q)

        def list_() -> ListResult:
            return self.store.list(
                rt,
                namespace=ns,
                label_selector=q.get("labelSelector"),
                field_selector=q.get("fieldSelector"),
                resource_version=q.get("resourceVersion"),
                resource_version_match=q.get("resourceVersionMatch"),
                limit=max(limit, 0),
                continue_token=q.get("continue"),
                send_initial_events=parse_bool(q.get("sendInitialEvents")),
            )

        result = await self._when_fresh(list_)
        if wants_table(request.headers.get("Accept")):
            return respond(
                tables.table(
                    rt,
                    result.objects(),
                    resource_version=str(result.rv),
                    continue_token=result.continue_token,
                    remaining=result.remaining,
                    include_object=q.get("includeObject", "Metadata"),
                ),
                200,
                JSON,
            )
        return _raw(list_body(result), 200, media)

    # -- watch -----------------------------------------------------------------------
    async def _watch(
        self,
        request: web.Request,
        rt: ResourceType,
        info: RequestInfo,
        ns: str | None,
        q: MultiDictProxy[str],
    ) -> web.StreamResponse:
        timeout, _ = _int_options(q)
        allow_bookmarks = bool(parse_bool(q.get("allowWatchBookmarks")))
        error: StatusError | None = None
        try:
            watcher = await self._when_fresh(
                lambda: self.store.watch(
                    rt,
                    namespace=ns,
                    name=info.name or None,
                    label_selector=q.get("labelSelector"),
                    field_selector=q.get("fieldSelector"),
                    resource_version=q.get("resourceVersion"),
                    resource_version_match=q.get("resourceVersionMatch"),
                    send_initial_events=parse_bool(q.get("sendInitialEvents")),
                    allow_bookmarks=allow_bookmarks,
                )
            )
        except (Expired, Timeout) as err:
            error, watcher = err, None
        resp = web.StreamResponse(
            status=200, headers={"Content-Type": JSON, "Cache-Control": "no-cache, private"}
        )
        resp.enable_chunked_encoding()
        try:
            await resp.prepare(request)
        except ConnectionError:
            # Gone before the headers went out: the watch must not stay registered, or the
            # store keeps queueing frames for it (and the simulation's gate, which waits
            # for every watch to be flushed, would wait for it too).
            # Returned, not raised: aiohttp logs a handler's ConnectionError as a server
            # error with a traceback, but drops the reply quietly when it cannot be sent.
            if watcher is not None:
                watcher.close()
            return resp
        if watcher is None:
            assert error is not None
            await resp.write(object_frame(ERROR, error.to_status()))
            with contextlib.suppress(ConnectionError):
                await resp.write_eof()
            return resp
        loop = asyncio.get_running_loop()
        start = loop.time()
        if not timeout:
            timeout_s = self.config.min_request_timeout * (1 + random.random())
        else:
            timeout_s = max(float(timeout), 0.0)
        deadline = start + timeout_s
        interval = self.config.bookmark_interval

        def bookmark_after(now: float) -> float:
            # cacheWatcher.nextBookmarkTime: every interval, and 2 s before the deadline so
            # a client resumes from a recent version even on a quiet resource.
            at = min(now + interval, deadline - 2.0)
            return at if allow_bookmarks and at > now else math.inf

        next_bookmark = bookmark_after(start)
        # The cacher sends a bookmark only when it would move the client forward: past the
        # version the watch started from (cacheWatcher.process drops the others).
        requested = q.get("resourceVersion") or ""
        start_rv = watcher.rv
        if not watcher.send_initial_events and requested.isdigit() and int(requested) > 0:
            start_rv = min(int(requested), watcher.rv)
        gate = request.app[FAULTS].gate
        as_table = wants_table(request.headers.get("Accept"))
        tabled = tables.WatchTables(rt, q.get("includeObject", "Metadata")) if as_table else None
        try:
            while True:
                if gate.closed:
                    # Paused by a fault: say nothing (no events, bookmarks or end) while
                    # events queue in the watcher; deliver them all on resume.
                    await gate.wait()
                    if gate.closed:
                        if watcher.closed:
                            break  # dropped while paused: cut without a word
                        continue
                    frames = watcher.drain()
                    if frames and tabled:
                        frames = tabled.frames(frames)
                    if frames:
                        with watcher.writing():
                            await resp.write(b"".join(frames))
                    continue
                now = loop.time()
                if now >= deadline:
                    break
                if now >= next_bookmark:
                    if watcher.rv > start_rv:
                        # The newest version of this resource the watch has been offered:
                        # the cacher's lastProcessedResourceVersion.
                        watcher.bookmark(watcher.rv)
                    next_bookmark = bookmark_after(now)
                frames = watcher.drain()
                if frames and tabled:
                    frames = tabled.frames(frames)
                if frames:
                    with watcher.writing():
                        await resp.write(b"".join(frames))
                    continue
                if watcher.closed:
                    break
                wake = min(deadline, next_bookmark)
                await watcher.wait(max(0.0, wake - loop.time()))
        except ConnectionError:
            # The client went away mid-stream: routine for watches, not a server error.
            return resp
        finally:
            watcher.close()
        with contextlib.suppress(ConnectionError):
            await resp.write_eof()
        return resp

    async def _when_fresh(self, call: Callable[[], _T]) -> _T:
        """``call()``; if it asks for a version newer than the store, first wait up to
        ``too_large_rv_wait`` for the store to reach it, then answer (or fail) at that
        point: kube-apiserver v1.35 answers a plain LIST, an ``Exact`` one and a continue
        token from the future after 3 s each (measured); streaming lists wait the same."""
        try:
            return call()
        except TooLargeResourceVersion as err:
            wait = self.config.too_large_rv_wait
            if wait <= 0:
                raise
            want = err.resource_version
        await self._wait_for_version(want, wait)
        return call()

    async def _wait_for_version(self, rv: int, timeout: float) -> None:
        store = self.store
        reached = asyncio.get_running_loop().create_future()

        def on_commit(_event: object) -> None:
            if store.resource_version >= rv and not reached.done():
                reached.set_result(None)

        undo = store.add_listener(on_commit)
        try:
            await asyncio.wait_for(reached, timeout)
        except TimeoutError:
            pass
        finally:
            undo()

    # -- writes ----------------------------------------------------------------------
    async def _scale(
        self, request: web.Request, rt: ResourceType, info: RequestInfo, ns: str | None, media: str
    ) -> web.Response:
        """``.../{name}/scale``: get, update and patch an autoscaling/v1 Scale."""
        dry = request.query.get("dryRun") == "All"
        if info.verb == "get":
            return respond(scale.get_scale(self.store, rt, info.name, ns), 200, media)
        if info.verb == "update":
            body = await self._body(request)
            return respond(
                scale.update_scale(self.store, rt, info.name, ns, body, dry_run=dry), 200, media
            )
        if info.verb == "patch":
            ptype = media_type(request.headers.get("Content-Type"))
            if ptype not in PATCH_TYPES:
                raise _unsupported_patch(ptype)
            raw = await read_body(request, self.config.max_body)
            patched = scale.patch_scale(self.store, rt, info.name, ns, ptype, raw, dry_run=dry)
            return respond(patched, 200, media)
        raise MethodNotAllowed.for_resource(f"{rt.plural}/scale", rt.group, info.verb)

    async def _body(self, request: web.Request, rt: ResourceType | None = None) -> Any:
        raw = await read_body(request, self.config.max_body)
        return decode_body(raw, request.headers.get("Content-Type"), rt)

    async def _object_body(self, request: web.Request, rt: ResourceType) -> dict[str, Any]:
        body = await self._body(request, rt)
        if not isinstance(body, dict):
            found = "null" if body is None else type(body).__name__
            raise BadRequest(f"Object '{rt.kind}' is missing in '{found}'")
        return body

    async def _create(
        self,
        request: web.Request,
        rt: ResourceType,
        info: RequestInfo,
        ns: str | None,
        media: str,
    ) -> web.Response:
        dry = request.query.get("dryRun") == "All"
        if info.subresource == "binding":
            body = await self._body(request)
            self._check_binding_target(body, info.name)
            self.store.bind_entry(ns or "default", info.name, body)
            return respond(status_success_created(), 201, media)
        if info.subresource == "eviction":
            body = await self._body(request)
            opts = (body or {}).get("deleteOptions") or {} if isinstance(body, dict) else {}
            self.store.delete(
                rt, info.name, namespace=ns, preconditions=opts.get("preconditions"), dry_run=dry
            )
            return respond(status_success_created(), 201, media)
        if info.name or info.subresource:
            raise MethodNotAllowed.route()
        obj = await self._object_body(request, rt)
        created = self.store.create_entry(rt, obj, namespace=ns, dry_run=dry)
        return _raw(created.json(), 201, media)

    def _check_binding_target(self, body: Any, name: str) -> None:
        _check_binding_types(body)
        bname = (body.get("metadata") or {}).get("name")
        if bname and bname != name:
            raise BadRequest("name in URL does not match name in Binding object")

    async def _legacy_binding(
        self, request: web.Request, info: RequestInfo, media: str
    ) -> web.Response:
        if info.verb != "create" or info.name:
            raise MethodNotAllowed.for_resource("bindings", "", info.verb)
        body = await self._body(request)
        _check_binding_types(body)
        name = (body.get("metadata") or {}).get("name") or ""
        self.store.bind_entry(info.namespace or "default", name, body)
        return respond(status_success_created(), 201, media)

    async def _update(
        self,
        request: web.Request,
        rt: ResourceType,
        info: RequestInfo,
        ns: str | None,
        media: str,
    ) -> web.Response:
        if not info.name:
            raise MethodNotAllowed.route()
        if info.subresource not in ("", "status", "finalize"):
            raise MethodNotAllowed.for_resource(
                f"{rt.plural}/{info.subresource}", rt.group, "update"
            )
        obj = await self._object_body(request, rt)
        dry = request.query.get("dryRun") == "All"
        existed = self.store.try_get(rt, info.name, ns) is not None
        updated = self.store.update(
            rt, obj, name=info.name, namespace=ns, subresource=info.subresource or None, dry_run=dry
        )
        return respond(updated, 200 if existed else 201, media)

    async def _patch(
        self,
        request: web.Request,
        rt: ResourceType,
        info: RequestInfo,
        ns: str | None,
        media: str,
    ) -> web.Response:
        if not info.name or info.subresource not in ("", "status"):
            raise MethodNotAllowed.for_resource(rt.plural, rt.group, "patch")
        ptype = media_type(request.headers.get("Content-Type"))
        if ptype not in PATCH_TYPES:
            raise _unsupported_patch(ptype)
        if rt.custom and ptype == patching.STRATEGIC_MERGE_PATCH:
            # Custom resources have no patch strategy metadata: kube-apiserver refuses.
            raise UnsupportedMediaType.media([t for t in PATCH_TYPES if t != ptype])
        raw = await read_body(request, self.config.max_body)
        dry = request.query.get("dryRun") == "All"
        patched = self.store.patch(
            rt,
            info.name,
            ptype,
            raw,
            namespace=ns,
            subresource=info.subresource or None,
            dry_run=dry,
        )
        return respond(patched, 200, media)

    async def _delete(
        self,
        request: web.Request,
        rt: ResourceType,
        info: RequestInfo,
        ns: str | None,
        media: str,
    ) -> web.Response:
        if info.subresource:
            raise MethodNotAllowed.for_resource(
                f"{rt.plural}/{info.subresource}", rt.group, "delete"
            )
        opts = await self._body(request) if request.can_read_body else None
        opts = opts if isinstance(opts, Mapping) else {}
        dry = request.query.get("dryRun") == "All" or opts.get("dryRun") == ["All"]
        deleted = self.store.delete(
            rt, info.name, namespace=ns, preconditions=opts.get("preconditions"), dry_run=dry
        )
        meta = deleted.get("metadata") or {}
        if rt.returns_deleted_object or meta.get("finalizers"):
            # Still there (finalizers pending), or a kind whose registry returns it.
            return respond(deleted, 200, media)
        return respond(_deleted_status(rt, meta), 200, media)

    def _delete_collection(
        self, rt: ResourceType, ns: str | None, q: MultiDictProxy[str], media: str
    ) -> web.Response:
        listed_at = self.store.resource_version
        deleted = self.store.delete_collection(
            rt,
            namespace=ns,
            label_selector=q.get("labelSelector"),
            field_selector=q.get("fieldSelector"),
        )
        for item in deleted:
            item.pop("kind", None)
            item.pop("apiVersion", None)
        body = {
            "kind": rt.list_kind,
            "apiVersion": rt.api_version,
            "metadata": {"resourceVersion": str(listed_at)},
            "items": deleted,
        }
        return respond(body, 200, media)


def _unsupported_patch(ptype: str) -> UnsupportedMediaType:
    """415 for a PATCH body type: server-side apply is upstream's but not implemented here,
    so that refusal lists what is; any other type gets go-restful's bare refusal."""
    if ptype == patching.APPLY_PATCH:
        return UnsupportedMediaType.media(PATCH_TYPES)
    return UnsupportedMediaType.route()


def _deleted_status(rt: ResourceType, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The generic registry's answer to a finished DELETE (``finalizeDelete``): no code."""
    details: dict[str, Any] = {"name": meta.get("name", "")}
    if rt.group:
        details["group"] = rt.group
    details["kind"] = rt.plural
    if meta.get("uid"):
        details["uid"] = meta["uid"]
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


def status_success_created() -> dict[str, Any]:
    body = status_success()
    body["code"] = 201
    return body


def entry_bytes(entry: Entry) -> bytes:
    return entry.json()


def _check_binding_types(body: Any) -> None:
    """Refuse a Binding whose fields have the wrong JSON types, as decoding it into the Go
    struct does (400), instead of failing while binding (500)."""
    if not isinstance(body, dict):
        raise BadRequest("Object 'Binding' is missing in the request body")

    def wrong(value: Any, field: str, go_type: str) -> BadRequest:
        return BadRequest(
            'Binding in version "v1" cannot be handled as a Binding: json: cannot unmarshal '
            f"{go_json_type(value)} into Go struct field {field} of type {go_type}"
        )

    meta = body.get("metadata")
    if meta is not None:
        if not isinstance(meta, dict):
            raise wrong(meta, "Binding.metadata", "v1.ObjectMeta")
        annotations = meta.get("annotations")
        if annotations is not None:
            if not isinstance(annotations, dict):
                raise wrong(annotations, "ObjectMeta.metadata.annotations", "map[string]string")
            for value in annotations.values():
                if value is not None and not isinstance(value, str):
                    raise wrong(value, "ObjectMeta.metadata.annotations", "string")
    target = body.get("target")
    if target is not None and not isinstance(target, dict):
        raise wrong(target, "Binding.target", "v1.ObjectReference")
