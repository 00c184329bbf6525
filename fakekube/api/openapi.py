"""OpenAPI v2 and v3 documents, just rich enough for kubectl.

kubectl reads ``/openapi/v3`` (and falls back to ``/openapi/v2``) to validate objects and
to find strategic-merge metadata for ``apply``; for built-in kinds it falls back to its
compiled-in Go types when a schema is absent. So each kind gets a permissive schema that
carries ``x-kubernetes-group-version-kind`` (which is how kubectl maps a schema to a
kind) and preserves unknown fields, instead of a copy of upstream's 4 MB spec.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from aiohttp import web

from fakekube.api.state import STORE
from fakekube.errors import NotFound
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


def v3_document(registry: Registry, group: str, version: str) -> dict[str, Any]:
    schemas = {
        _definition_name(rt): _schema(rt) for rt in registry.in_group_version(group, version)
    }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.35.0-fakekube"},
        "paths": {},
        "components": {"schemas": schemas},
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
