"""Request paths and verbs, parsed the way kube-apiserver's ``requestinfo.go`` does.

One parser for every resource keeps the server table-driven: the handler looks the
resource up in the registry instead of registering a route per kind, and an unknown
path gets the real 404 ``Status`` rather than aiohttp's plain-text one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RequestInfo", "parse_request"]

_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


@dataclass(frozen=True)
class RequestInfo:
    """What a request addresses (k8s.io/apiserver/pkg/endpoints/request.RequestInfo)."""

    is_resource: bool
    path: str
    verb: str = ""
    api_prefix: str = ""
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    parts: tuple[str, ...] = ()

    @property
    def template(self) -> str:
        """The path with names abstracted, for request logs and endpoint manifests."""
        if not self.is_resource:
            return self.path
        base = f"/{self.api_prefix}/" + (
            f"{self.group}/{self.version}" if self.group else self.version
        )
        if self.verb == "watch" and self.parts and self.parts[0] == "watch":
            base += "/watch"
        if self.namespace and not (
            self.resource == "namespaces" and not self.subresource and self.name == self.namespace
        ):
            if self.resource == "namespaces":
                return f"{base}/namespaces/{{name}}" + (
                    f"/{self.subresource}" if self.subresource else ""
                )
            base += "/namespaces/{namespace}"
        path = f"{base}/{self.resource}"
        if self.name:
            path += "/{name}"
        if self.subresource:
            path += f"/{self.subresource}"
        return path


def parse_request(method: str, path: str, watch_param: bool = False) -> RequestInfo:
    """Classify ``method path`` into a resource request, or a non-resource one."""
    parts = tuple(p for p in path.strip("/").split("/") if p != "")
    if len(parts) < 2 or parts[0] not in ("api", "apis"):
        return RequestInfo(is_resource=False, path=path, verb=method.lower())
    prefix = parts[0]
    rest = list(parts[1:])
    if prefix == "apis":
        if len(rest) < 2:
            return RequestInfo(is_resource=False, path=path, verb=method.lower())
        group, version, rest = rest[0], rest[1], rest[2:]
    else:
        group, version, rest = "", rest[0], rest[1:]
    if not rest:
        return RequestInfo(is_resource=False, path=path, verb=method.lower())
    verb = {
        "GET": "get",
        "HEAD": "get",
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete",
    }.get(method.upper(), method.lower())
    raw = tuple(rest)
    is_watch_path = False
    if rest[0] == "watch":
        is_watch_path = True
        rest = rest[1:]
        verb = "watch"
    namespace = ""
    if rest and rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    if len(rest) > 3:
        resource = ""  # deeper paths address nothing
    if not name and not is_watch_path:
        if verb == "get":
            verb = "watch" if watch_param else "list"
        elif verb == "delete":
            verb = "deletecollection"
    elif name and (is_watch_path or (verb == "get" and watch_param)):
        verb = "watch"
    return RequestInfo(
        is_resource=True,
        path=path,
        verb=verb,
        api_prefix=prefix,
        group=group,
        version=version,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
        parts=raw,
    )
