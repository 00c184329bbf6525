"""List and watch one resource through kubernetes-asyncio (client-go ``listwatch.go``).

This is the only informers module that imports kubernetes-asyncio. It uses the client's
``ApiClient.call_api`` with ``_preload_content=False``, so configuration, TLS and auth come
from the user's client while bodies stay raw bytes decoded once with orjson (no model
deserialization per event). Everything else talks to the :class:`ListerWatcher` protocol,
which tests replace with a fake source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

__all__ = [
    "ApiError",
    "ListWatch",
    "ListerWatcher",
    "WatchStream",
    "is_expired",
    "is_too_large_resource_version",
    "is_too_many_requests",
]

Obj = dict[str, Any]

#: Where the common resources live: plural → (group, version, namespaced).
_KNOWN: dict[str, tuple[str, str, bool]] = {
    "pods": ("", "v1", True),
    "nodes": ("", "v1", False),
    "namespaces": ("", "v1", False),
    "services": ("", "v1", True),
    "endpoints": ("", "v1", True),
    "configmaps": ("", "v1", True),
    "secrets": ("", "v1", True),
    "events": ("", "v1", True),
    "persistentvolumes": ("", "v1", False),
    "persistentvolumeclaims": ("", "v1", True),
    "replicationcontrollers": ("", "v1", True),
    "serviceaccounts": ("", "v1", True),
    "deployments": ("apps", "v1", True),
    "replicasets": ("apps", "v1", True),
    "statefulsets": ("apps", "v1", True),
    "daemonsets": ("apps", "v1", True),
    "jobs": ("batch", "v1", True),
    "poddisruptionbudgets": ("policy", "v1", True),
    "leases": ("coordination.k8s.io", "v1", True),
    "priorityclasses": ("scheduling.k8s.io", "v1", False),
    "storageclasses": ("storage.k8s.io", "v1", False),
    "csinodes": ("storage.k8s.io", "v1", False),
    "csidrivers": ("storage.k8s.io", "v1", False),
    "volumeattachments": ("storage.k8s.io", "v1", False),
}


class ApiError(Exception):
    """A non-2xx answer, with the server's ``Status`` object when it sent one."""

    def __init__(self, code: int, status: Obj | None = None) -> None:
        self.code = code
        self.status = status or {}
        self.reason = str(self.status.get("reason", ""))
        super().__init__(f"{code} {self.reason}: {self.status.get('message', '')}".strip())


def is_expired(err: BaseException) -> bool:
    """410 Expired/Gone: the requested resourceVersion is out of the server's history."""
    return isinstance(err, ApiError) and (err.code == 410 or err.reason in ("Expired", "Gone"))


def is_too_large_resource_version(err: BaseException) -> bool:
    if not isinstance(err, ApiError) or err.code != 504:
        return False
    causes = (err.status.get("details") or {}).get("causes") or []
    return any(c.get("reason") == "ResourceVersionTooLarge" for c in causes)


def is_too_many_requests(err: BaseException) -> bool:
    return isinstance(err, ApiError) and err.code == 429


class WatchStream(Protocol):
    """An open watch: async-iterate decoded events, ``close()`` to stop early."""

    def __aiter__(self) -> AsyncIterator[Obj]: ...

    async def close(self) -> None: ...


class ListerWatcher(Protocol):
    async def list(self, **params: str) -> Obj: ...

    async def watch(self, **params: str) -> WatchStream: ...


class _HttpWatch:
    def __init__(self, response: Any) -> None:
        self._resp = response

    async def __aiter__(self) -> AsyncIterator[Obj]:
        try:
            while True:
                line = await self._resp.content.readline()
                if not line:
                    return
                line = line.strip()
                if line:
                    yield orjson.loads(line)
        finally:
            self._resp.release()

    async def close(self) -> None:
        self._resp.close()


@dataclass
class ListWatch:
    """List/watch one collection with a kubernetes-asyncio ``ApiClient``.

    ``ListWatch(api, "pods", namespace="default", field_selector="spec.nodeName=")``; other
    kinds take ``group``/``version`` (built-in plurals are resolved automatically).
    """

    api_client: Any
    resource: str
    namespace: str | None = None
    label_selector: str = ""
    field_selector: str = ""
    group: str | None = None
    version: str | None = None
    namespaced: bool | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        known = _KNOWN.get(self.resource)
        if self.group is None or self.version is None:
            if known is None:
                raise ValueError(
                    f"unknown resource {self.resource!r}: pass group= and version= for it"
                )
            self.group = known[0] if self.group is None else self.group
            self.version = known[1] if self.version is None else self.version
        if self.namespaced is None:
            self.namespaced = known[2] if known else self.namespace is not None

    @property
    def path(self) -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespace and self.namespaced:
            return f"{base}/namespaces/{self.namespace}/{self.resource}"
        return f"{base}/{self.resource}"

    def _query(self, params: dict[str, str]) -> list[tuple[str, str]]:
        q = dict(self.extra)
        if self.label_selector:
            q["labelSelector"] = self.label_selector
        if self.field_selector:
            q["fieldSelector"] = self.field_selector
        q.update({k: v for k, v in params.items() if v != ""})
        if params.get("resourceVersion") == "":
            q.pop("resourceVersion", None)
        return list(q.items())

    async def _get(self, params: dict[str, str], timeout: float | None) -> Any:
        resp = await self.api_client.call_api(
            self.path,
            "GET",
            query_params=self._query(params),
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
            _preload_content=False,
            _request_timeout=timeout,
        )
        if not 200 <= resp.status <= 299:
            body = await resp.read()
            resp.release()
            try:
                status = orjson.loads(body)
            except orjson.JSONDecodeError:
                status = {"message": body.decode(errors="replace")[:200]}
            raise ApiError(resp.status, status if isinstance(status, dict) else None)
        return resp

    async def list(self, **params: str) -> Obj:
        resp = await self._get(params, timeout=60)
        try:
            return orjson.loads(await resp.read())
        finally:
            resp.release()

    async def watch(self, **params: str) -> WatchStream:
        timeout = float(params.get("timeoutSeconds", "600")) + 30
        return _HttpWatch(await self._get({**params, "watch": "true"}, timeout=timeout))
