"""OpenAPI v2 and v3 documents, just rich enough for kubectl.

What kubectl 1.32 reads (k8s.io/cli-runtime ``query_param_verifier_v3.go``, kubectl
``pkg/cmd/apply/patcher.go``):

- validation: if the v3 document of a group/version has a PATCH operation tagged with
  the kind's ``x-kubernetes-group-version-kind`` and a ``fieldValidation`` parameter,
  kubectl leaves validation to the server and never downloads the (protobuf) v2 spec;
- ``apply``: strategic-merge metadata comes from v3 only when that PATCH operation
  accepts ``application/strategic-merge-patch+json``; otherwise from v2, otherwise from
  kubectl's compiled-in Go types. Built-in kinds are best served by the compiled-in
  types, so the PATCH operations here do not offer SMP and ``/openapi/v2`` refuses the
  protobuf form kubectl asks for (406), which kubectl treats as "no v2 schema".

Schemas are permissive (``x-kubernetes-preserve-unknown-fields``) rather than a copy of
upstream's multi-megabyte spec.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from aiohttp import web

from fakekube.api.state import STORE
from fakekube.errors import NotAcceptable, NotFound
from fakekube.registry import Registry, ResourceType

__all__ = ["setup", "v2_document", "v3_document", "v3_root"]


def _definition_name(rt: ResourceType) -> str:
    group = rt.group or "core"
    prefix = (
        "io.k8s.api." + group.split(".")[0]
        if "." not in group or group.endswith(".k8s.io")
        else group
    )
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


def v2_document(registry: Registry) -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": "v1.35.0-fakekube"},
        "paths": {},
        "definitions": {_definition_name(rt): _schema(rt) for rt in registry},
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


def setup(app: web.Application) -> None:
    async def v2(request: web.Request) -> web.Response:
        accept = request.headers.get("Accept", "")
        if "protobuf" in accept and "json" not in accept and "*/*" not in accept:
            raise NotAcceptable.media(["application/json"])
        return web.json_response(
            v2_document(request.app[STORE].registry), dumps=lambda o: orjson.dumps(o).decode()
        )

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
