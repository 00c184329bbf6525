"""Discovery, version and health endpoints, generated from the registry on each request.

Clients find resources here before they touch them: kubectl builds its RESTMapper from
aggregated discovery (``/api`` and ``/apis`` with the ``apidiscovery.k8s.io`` Accept)
or from the per-group documents, and kube-scheduler's event broadcaster falls back to
core/v1 events for the whole run unless ``GET /apis/events.k8s.io/v1`` answers 2xx.
Shapes follow k8s.io/apiserver ``pkg/endpoints/discovery`` and
``pkg/endpoints/discovery/aggregated``. Everything is computed from the registry at
request time, so a CRD registered at run time is discoverable at once.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from aiohttp import web

from fakekube.api.state import CONFIG, STORE
from fakekube.errors import NotFound
from fakekube.registry import Registry, ResourceType

__all__ = ["group_discovery", "resource_list", "setup"]

_AGG_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
_AGG_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
_SERVER_ADDRESS = [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}]

#: Subresources and their verbs/kinds as kube-apiserver lists them.
_SUBRESOURCE_INFO: dict[str, tuple[tuple[str, ...], str | None, str, str]] = {
    # name: (verbs, kind override, group, version) — empty group/version = the parent's
    "status": (("get", "patch", "update"), None, "", ""),
    "binding": (("create",), "Binding", "", ""),
    "eviction": (("create",), "Eviction", "policy", "v1"),
    "finalize": (("update",), None, "", ""),
    "scale": (("get", "patch", "update"), "Scale", "autoscaling", "v1"),
}


def _json(obj: Any, content_type: str = "application/json") -> web.Response:
    resp = web.Response(body=orjson.dumps(obj))
    resp.headers["Content-Type"] = content_type
    return resp


def _hash(rt: ResourceType) -> str:
    digest = hashlib.sha256(f"{rt.group}/{rt.version}/{rt.kind}".encode()).digest()
    import base64

    return base64.b64encode(digest[:8]).decode()


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any]:
    """The APIResourceList of one group/version, subresources after their parent."""
    resources: list[dict[str, Any]] = []
    for rt in registry.in_group_version(group, version):
        entry: dict[str, Any] = {
            "name": rt.plural,
            "singularName": rt.singular_name,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        entry["storageVersionHash"] = _hash(rt)
        resources.append(entry)
        for sub in sorted(rt.subresources):
            verbs, kind, sgroup, sversion = _SUBRESOURCE_INFO.get(sub, (("get",), None, "", ""))
            sub_entry: dict[str, Any] = {
                "name": f"{rt.plural}/{sub}",
                "singularName": "",
                "namespaced": rt.namespaced,
            }
            if sgroup:
                sub_entry["group"] = sgroup
                sub_entry["version"] = sversion
            sub_entry["kind"] = kind or rt.kind
            sub_entry["verbs"] = list(verbs)
            resources.append(sub_entry)
    if group == "" and version == "v1":
        resources.insert(
            0,
            {
                "name": "bindings",
                "singularName": "binding",
                "namespaced": True,
                "kind": "Binding",
                "verbs": ["create"],
            },
        )
    gv = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }


def _api_group(registry: Registry, group: str) -> dict[str, Any]:
    versions = registry.groups().get(group, [])
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def group_discovery(registry: Registry, *, core: bool, version: str = "v2") -> dict[str, Any]:
    """An APIGroupDiscoveryList: aggregated discovery for ``/api`` or ``/apis``."""
    items = []
    for group, versions in registry.groups().items():
        if (group == "") != core:
            continue
        vitems = []
        for v in versions:
            resources = []
            for rt in registry.in_group_version(group, v):
                # kube-apiserver 1.35 leaves a response kind's group and version empty
                # when they are the resource's own (only scale, eviction name theirs).
                res: dict[str, Any] = {
                    "resource": rt.plural,
                    "responseKind": {"group": "", "version": "", "kind": rt.kind},
                    "scope": "Namespaced" if rt.namespaced else "Cluster",
                    "singularResource": rt.singular_name,
                    "verbs": list(rt.verbs),
                }
                if rt.short_names:
                    res["shortNames"] = list(rt.short_names)
                if rt.categories:
                    res["categories"] = list(rt.categories)
                subs = []
                for sub in sorted(rt.subresources):
                    verbs, kind, sgroup, sversion = _SUBRESOURCE_INFO.get(
                        sub, (("get",), None, "", "")
                    )
                    subs.append(
                        {
                            "subresource": sub,
                            "responseKind": {
                                "group": sgroup,
                                "version": sversion,
                                "kind": kind or rt.kind,
                            },
                            "verbs": list(verbs),
                        }
                    )
                if subs:
                    res["subresources"] = subs
                resources.append(res)
            vitems.append({"version": v, "resources": resources, "freshness": "Current"})
        # ObjectMeta as Go 1.24+ omitzero writes it: no null creationTimestamp, no "" name.
        items.append({"metadata": {"name": group} if group else {}, "versions": vitems})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }


def _aggregated(request: web.Request) -> str | None:
    accept = request.headers.get("Accept", "")
    for clause in accept.split(","):
        params = {
            p.split("=", 1)[0].strip(): p.split("=", 1)[-1].strip()
            for p in clause.split(";")[1:]
            if "=" in p
        }
        if (
            params.get("g") == "apidiscovery.k8s.io"
            and params.get("as") == "APIGroupDiscoveryList"
            and params.get("v") in ("v2", "v2beta1")
        ):
            return params["v"]
    return None


def setup(app: web.Application) -> None:
    """Add the discovery, version, health and OpenAPI routes to ``app``."""
    from fakekube.api import openapi

    async def version(request: web.Request) -> web.Response:
        return _json(request.app[CONFIG].version)

    async def api(request: web.Request) -> web.Response:
        agg = _aggregated(request)
        if agg:
            body = group_discovery(request.app[STORE].registry, core=True, version=agg)
            return _json(body, _AGG_V2 if agg == "v2" else _AGG_V2BETA1)
        return _json(
            {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": _SERVER_ADDRESS,
            }
        )

    async def api_v1(request: web.Request) -> web.Response:
        return _json(resource_list(request.app[STORE].registry, "", "v1"))

    async def apis(request: web.Request) -> web.Response:
        registry = request.app[STORE].registry
        agg = _aggregated(request)
        if agg:
            body = group_discovery(registry, core=False, version=agg)
            return _json(body, _AGG_V2 if agg == "v2" else _AGG_V2BETA1)
        groups = [_api_group(registry, g) for g in registry.groups() if g]
        return _json({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})

    async def apis_group(request: web.Request) -> web.Response:
        registry = request.app[STORE].registry
        group = request.match_info["group"]
        if group not in registry.groups() or not group:
            raise NotFound.path()
        return _json({"kind": "APIGroup", "apiVersion": "v1", **_api_group(registry, group)})

    async def apis_group_version(request: web.Request) -> web.Response:
        registry = request.app[STORE].registry
        group, ver = request.match_info["group"], request.match_info["version"]
        if not group or ver not in registry.groups().get(group, []):
            raise NotFound.path()
        return _json(resource_list(registry, group, ver))

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok", content_type="text/plain")

    router = app.router
    router.add_get("/version", version)
    router.add_get("/version/", version)  # kube-apiserver serves both; kubernetes-asyncio asks this
    router.add_get("/api", api)
    router.add_get("/api/", api)
    router.add_get("/api/v1", api_v1)
    router.add_get("/api/v1/", api_v1)
    router.add_get("/apis", apis)
    router.add_get("/apis/", apis)
    router.add_get("/apis/{group}", apis_group)
    router.add_get("/apis/{group}/", apis_group)
    router.add_get("/apis/{group}/{version}", apis_group_version)
    router.add_get("/apis/{group}/{version}/", apis_group_version)
    for path in ("/healthz", "/livez", "/readyz"):
        router.add_get(path, health)
    openapi.setup(app)
