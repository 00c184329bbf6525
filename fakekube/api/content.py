"""Request bodies in, response bodies out: content types and their exact refusals.

kube-scheduler sends protobuf bodies by default and reads replies by their Content-Type,
so the server accepts JSON, YAML and Kubernetes protobuf and always answers JSON (or YAML
when asked). Media types the API does not speak get 415/406 with kube-apiserver's words.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import orjson
import yaml
from aiohttp import web

from fakekube.errors import BadRequest, NotAcceptable, RequestEntityTooLarge, UnsupportedMediaType
from fakekube.registry import ResourceType

__all__ = [
    "BODY_SINK",
    "JSON",
    "MAX_BODY",
    "PROTOBUF",
    "YAML",
    "decode_body",
    "media_type",
    "read_body",
    "response_media",
]

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
#: kube-apiserver's limit on a request body (``--max-request-bytes`` default for JSON).
MAX_BODY = 3 * 1024 * 1024
SUPPORTED_BODY_TYPES = [JSON, YAML, PROTOBUF]
#: Where the request being served leaves its body for the request log. aiohttp runs each
#: request in its own task, so a context variable is per request.
BODY_SINK: ContextVar[list[bytes] | None] = ContextVar("fakekube_body_sink", default=None)


def media_type(header: str | None) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return (header or "").split(";", 1)[0].strip().lower()


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, refusing more than ``limit`` bytes without buffering them."""
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge.limit(limit)
    content = request.content
    if content.is_eof():
        # The common case: a small body that came with the headers, all buffered already.
        body = content.read_nowait(-1)
        if len(body) > limit:
            raise RequestEntityTooLarge.limit(limit)
    else:
        chunks: list[bytes] = []
        size = 0
        async for chunk in content.iter_any():
            size += len(chunk)
            if size > limit:
                raise RequestEntityTooLarge.limit(limit)
            chunks.append(chunk)
        body = b"".join(chunks)
    sink = BODY_SINK.get()
    if sink is not None:
        sink.append(body)
    return body


def decode_body(body: bytes, content_type: str | None, rt: ResourceType | None = None) -> Any:
    """Decode a create/update/delete body for resource ``rt`` by its media type.

    Custom resources have no protobuf form: kube-apiserver's serializer for them offers
    JSON and YAML only, so a protobuf body is a 415 there, as for any unknown media type.
    """
    mt = media_type(content_type) or JSON
    if mt == PROTOBUF and rt is not None and rt.custom:
        raise UnsupportedMediaType.media([JSON, YAML])
    if mt == PROTOBUF:
        from fakekube import protobuf

        return protobuf.decode(body, (rt.api_version, rt.kind) if rt else None)
    if mt in (JSON, "application/json-patch+json", "application/merge-patch+json"):
        return decode_json(body)
    if mt == YAML:
        try:
            return yaml.safe_load(body.decode("utf-8")) if body.strip() else None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise BadRequest(f"error converting YAML to JSON: {exc}") from None
    raise UnsupportedMediaType.media(SUPPORTED_BODY_TYPES)


def decode_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            f"couldn't get version/kind; json parse error: {_json_reason(exc)}"
        ) from None


def _json_reason(exc: orjson.JSONDecodeError) -> str:
    return str(exc).split(":", 1)[0] if str(exc) else "invalid JSON"


def response_media(accept: str | None) -> str:
    """Pick JSON or YAML from an Accept header, or refuse with 406.

    ``Accept: application/vnd.kubernetes.protobuf, */*`` (kube-scheduler's default) gets
    JSON: client-go decodes by the response's Content-Type.
    """
    if not accept:
        return JSON
    for clause in accept.split(","):
        mt = media_type(clause)
        if mt in (JSON, "*/*", "application/*", ""):
            return JSON
        if mt == YAML:
            return YAML
    raise NotAcceptable.media([JSON, YAML, PROTOBUF])


def wants_table(accept: str | None) -> bool:
    """kubectl asks ``application/json;as=Table;v=v1;g=meta.k8s.io`` first."""
    if not accept:
        return False
    first = accept.split(",", 1)[0]
    params = {p.split("=", 1)[0].strip(): p.split("=", 1)[-1].strip() for p in first.split(";")[1:]}
    return params.get("as") == "Table" and params.get("g") == "meta.k8s.io"
