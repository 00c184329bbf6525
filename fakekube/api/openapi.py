"""OpenAPI v2 and v3 documents, just rich enough for kubectl.

What kubectl 1.32 reads (k8s.io/cli-runtime ``query_param_verifier_v3.go``, kubectl
``pkg/cmd/apply/patcher.go``, ``pkg/validation/validation.go``):

- validation: if the v3 document of a group/version has a PATCH operation tagged with
  the kind's ``x-kubernetes-group-version-kind`` and a ``fieldValidation`` parameter,
  kubectl leaves validation to the server. Otherwise (``kind: List`` above all, which no
  v3 document names) it validates on the client against ``/openapi/v2``, downloaded in
  gnostic's protobuf form (:mod:`fakekube.openapi_proto`) with no JSON fallback;
- ``apply``: strategic-merge metadata comes from v3 only when that PATCH operation
  accepts ``application/strategic-merge-patch+json``, then from v2 only when the v2 PATCH
  operation does, otherwise from kubectl's compiled-in Go types. Built-in kinds are best
  served by the compiled-in types (the schemas here carry no patch strategies), so no
  PATCH operation here offers SMP.

Schemas are permissive (``x-kubernetes-preserve-unknown-fields``) rather than a copy of
upstream's multi-megabyte spec: kubectl's client-side validation accepts any object of
a known kind, and the server validates the rest.

``/openapi/v2`` is negotiated as kube-openapi's handler does (``pkg/handler/handler.go``):
the Accept clauses by quality, JSON or protobuf, an empty 406 otherwise; the ETag is the
SHA-512 of the JSON, shared by both forms (``Vary: Accept``). Both are built once per
registry state: keys sorted as Go writes maps, the protobuf made from that JSON.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import orjson
from aiohttp import web

from fakekube import openapi_proto
from fakekube.api.state import STORE
from fakekube.errors import NotFound
from fakekube.registry import Registry, ResourceType

__all__ = ["setup", "v2_document", "v3_document", "v3_root"]

_JSON = "application/json"
_PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
#: kube-openapi's offers, in its order: (type, subtype, Content-Type answered).
_V2_OFFERS = (
    ("application", "json", _JSON),
    *(
        ("application", media.split("/", 1)[1], openapi_proto.CONTENT_TYPE)
        for media in openapi_proto.MEDIA_TYPES
    ),
)


def _definition_name(rt: ResourceType) -> str:
    """kube-apiserver's name: the Go package for built-in kinds, the reversed group for
    custom resources (``com.example.v1.Widget``)."""
    group = rt.group or "core"
    if rt.custom:
        prefix = ".".join(reversed(group.split(".")))
    elif group == "apiextensions.k8s.io":
        prefix = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions"
    elif "." not in group or group.endswith(".k8s.io"):
        prefix = "io.k8s.api." + group.split(".")[0]
    else:
        prefix = group
    return f"{prefix}.{rt.version}.{rt.kind}"


def _schema(rt: ResourceType) -> dict[str, Any]:
    return {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "x-kubernetes-group-version-kind": [
            {"group": rt.group, "version": rt.version, "kind": rt.kind}
        ],
    }


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _v2_query(name: str) -> dict[str, Any]:
    return {"in": "query", "name": name, "type": "string", "uniqueItems": True}


def _v2_path_param(name: str) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "type": "string", "uniqueItems": True}


def _v2_paths(rt: ResourceType) -> dict[str, Any]:
    """kube-apiserver's create, replace and patch operations of ``rt``, in Swagger 2.0."""
    base = "/" + _gv_path(rt.group, rt.version)
    scope = f"{base}/namespaces/{{namespace}}" if rt.namespaced else base
    scope_params = [_v2_path_param("namespace")] if rt.namespaced else []
    ref = {"$ref": f"#/definitions/{_definition_name(rt)}"}
    write_params = [_v2_query(name) for name in ("dryRun", "fieldManager", "fieldValidation")]

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"in": "body", "name": "body", "required": True, "schema": schema}

    def operation(action: str, params: list[dict[str, Any]], *codes: str) -> dict[str, Any]:
        responses = {code: {"description": _STATUS_TEXT[code], "schema": ref} for code in codes}
        responses["401"] = {"description": "Unauthorized"}
        return {
            "consumes": ["*/*"],
            "produces": [_JSON, "application/yaml", "application/vnd.kubernetes.protobuf"],
            "parameters": [*params, *write_params],
            "responses": responses,
            "schemes": ["https"],
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": {
                "group": rt.group,
                "kind": rt.kind,
                "version": rt.version,
            },
        }

    patch = operation("patch", [body({"$ref": f"#/definitions/{_PATCH}"})], "200", "201")
    # No strategic merge: kubectl then patches built-in kinds with its own Go types.
    patch["consumes"] = ["application/json-patch+json", "application/merge-patch+json"]
    return {
        f"{scope}/{rt.plural}": {
            "post": operation("post", [body(ref)], "200", "201", "202"),
            "parameters": scope_params,
        },
        f"{scope}/{rt.plural}/{{name}}": {
            "put": operation("put", [body(ref)], "200", "201"),
            "patch": patch,
            "parameters": [_v2_path_param("name"), *scope_params],
        },
    }


_STATUS_TEXT = {"200": "OK", "201": "Created", "202": "Accepted"}


def v2_document(registry: Registry) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for rt in registry:
        paths.update(_v2_paths(rt))
    definitions = {_definition_name(rt): _schema(rt) for rt in registry}
    definitions[_PATCH] = {
        "description": "Patch is provided to give a concrete name and type to the Kubernetes "
        "PATCH request body.",
        "type": "object",
    }
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": "v1.35.0-fakekube"},
        "paths": paths,
        "definitions": definitions,
        "securityDefinitions": {
            "BearerToken": {
                "description": "Bearer Token authentication",
                "in": "header",
                "name": "authorization",
                "type": "apiKey",
            }
        },
        "security": [{"BearerToken": []}],
    }


def _paths(rt: ResourceType) -> dict[str, Any]:
    base = "/" + _gv_path(rt.group, rt.version)
    scope = f"{base}/namespaces/{{namespace}}" if rt.namespaced else base
    gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
    ref = {"$ref": f"#/components/schemas/{_definition_name(rt)}"}
    params = [
        {"name": name, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
        for name in ("dryRun", "fieldManager", "fieldValidation")
    ]
    body = {"content": {"application/json": {"schema": ref}}}
    patch_body = {
        "content": {
            "application/json-patch+json": {"schema": {"type": "object"}},
            "application/merge-patch+json": {"schema": {"type": "object"}},
        }
    }
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}
    action = {"x-kubernetes-group-version-kind": gvk}
    return {
        f"{scope}/{rt.plural}": {
            "post": {
                **action,
                "x-kubernetes-action": "post",
                "parameters": params,
                "requestBody": body,
                "responses": ok,
            },
        },
        f"{scope}/{rt.plural}/{{name}}": {
            "put": {
                **action,
                "x-kubernetes-action": "put",
                "parameters": params,
                "requestBody": body,
                "responses": ok,
            },
            "patch": {
                **action,
                "x-kubernetes-action": "patch",
                "parameters": params,
                "requestBody": patch_body,
                "responses": ok,
            },
        },
    }


def v3_document(registry: Registry, group: str, version: str) -> dict[str, Any]:
    resources = registry.in_group_version(group, version)
    paths: dict[str, Any] = {}
    for rt in resources:
        paths.update(_paths(rt))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.35.0-fakekube"},
        "paths": paths,
        "components": {"schemas": {_definition_name(rt): _schema(rt) for rt in resources}},
    }


def v3_root(registry: Registry) -> dict[str, Any]:
    paths = {}
    for group, versions in registry.groups().items():
        for version in versions:
            path = _gv_path(group, version)
            body = orjson.dumps(v3_document(registry, group, version))
            digest = hashlib.sha512(body).hexdigest()[:32].upper()
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}


@dataclass
class _V2Cache:
    """``/openapi/v2`` as last built, and the registry rows it was built from."""

    rows: list[ResourceType] = field(default_factory=list)
    json: bytes = b""
    etag: str = ""
    last_modified: str = ""
    proto: bytes | None = None

    def refresh(self, registry: Registry) -> None:
        rows = list(registry)
        if self.json and rows == self.rows:
            return
        self.rows = rows
        self.json = orjson.dumps(v2_document(registry), option=orjson.OPT_SORT_KEYS)
        self.etag = '"' + hashlib.sha512(self.json).hexdigest().upper() + '"'
        self.last_modified = format_datetime(datetime.now(UTC), usegmt=True)
        self.proto = None

    def protobuf(self) -> bytes:
        # kube-openapi's ToProtoBinary: the protobuf is made from the JSON bytes.
        if self.proto is None:
            self.proto = openapi_proto.encode(orjson.loads(self.json))
        return self.proto


def _accept_clauses(header: str) -> list[tuple[str, str]]:
    """(type, subtype) of each Accept clause, best first, as goautoneg.ParseAccept sorts."""
    clauses = []
    for part in header.split(","):
        media, *params = part.strip(" ").split(";")
        kind, _, subtype = media.partition("/")
        kind, subtype = kind.strip(" "), subtype.strip(" ")
        if not subtype:
            if kind != "*":
                continue
            subtype = "*"
        elif "/" in subtype:
            continue
        q = 1.0
        for param in params:
            name, eq, value = param.partition("=")
            if eq and name.strip(" ") == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        clauses.append((q, kind, subtype))
    clauses.sort(key=lambda c: (-c[0], c[1] == "*", c[2] == "*"))
    return [(kind, subtype) for _, kind, subtype in clauses]


def _if_none_match(header: str, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weakly, as net/http's ServeContent)."""
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def setup(app: web.Application) -> None:
    cache = _V2Cache()

    async def v2(request: web.Request) -> web.Response:
        cache.refresh(request.app[STORE].registry)
        for kind, subtype in _accept_clauses(request.headers.get("Accept") or "*/*"):
            for offer_kind, offer_subtype, content_type in _V2_OFFERS:
                if kind in (offer_kind, "*") and subtype in (offer_subtype, "*"):
                    headers = {
                        "Content-Type": content_type,
                        "Etag": cache.etag,
                        "Last-Modified": cache.last_modified,
                        "Vary": "Accept",
                    }
                    if _if_none_match(request.headers.get("If-None-Match", ""), cache.etag):
                        # net/http's writeNotModified keeps the ETag and drops the rest.
                        return web.Response(
                            status=304, headers={"Etag": cache.etag, "Vary": "Accept"}
                        )
                    body = cache.json if content_type == _JSON else cache.protobuf()
                    return web.Response(body=body, headers=headers)
        return web.Response(status=406, headers={"Vary": "Accept"})

    async def v3(request: web.Request) -> web.Response:
        return web.json_response(
            v3_root(request.app[STORE].registry), dumps=lambda o: orjson.dumps(o).decode()
        )

    async def v3_gv(request: web.Request) -> web.Response:
        registry = request.app[STORE].registry
        parts = request.match_info["path"].strip("/").split("/")
        if parts[:1] == ["api"] and len(parts) == 2:
            group, version = "", parts[1]
        elif parts[:1] == ["apis"] and len(parts) == 3:
            group, version = parts[1], parts[2]
        else:
            raise NotFound.path()
        if version not in registry.groups().get(group, []):
            raise NotFound.path()
        return web.json_response(
            v3_document(registry, group, version), dumps=lambda o: orjson.dumps(o).decode()
        )

    app.router.add_get("/openapi/v2", v2)
    app.router.add_get("/openapi/v3", v3)
    app.router.add_get("/openapi/v3/{path:.*}", v3_gv)
