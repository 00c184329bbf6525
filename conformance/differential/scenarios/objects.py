"""Small object builders the scenarios share, so each scenario reads as its requests."""

from __future__ import annotations

from typing import Any

__all__ = ["NS", "cm", "cms", "node", "nodes", "pod", "pods"]

#: Collection paths in the scenario's namespace.
NS = "/api/v1/namespaces/{ns}"


def pods(name: str = "") -> str:
    return f"{NS}/pods/{name}" if name else f"{NS}/pods"


def cms(name: str = "") -> str:
    return f"{NS}/configmaps/{name}" if name else f"{NS}/configmaps"


def nodes(name: str = "") -> str:
    return f"/api/v1/nodes/{name}" if name else "/api/v1/nodes"


def pod(name: str, *, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}], **spec},
    }
    if labels:
        body["metadata"]["labels"] = labels
    return body


def cm(name: str, data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    body["metadata"].update(meta)
    if data is not None:
        body["data"] = data
    return body


def node(name: str, **labels: str) -> dict[str, Any]:
    """A node named for the scenario's namespace: nodes are cluster-wide and shared."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}},
    }
