"""Object metadata from raw dicts or kubernetes-asyncio models (apimachinery ``meta.Accessor``).

Informers cache the ``dict`` decoded from the API's JSON by default, and kubernetes-asyncio
model objects (``V1Pod``…) or :class:`~informers.lazy.LazyObject` instances when asked.
Keys, indexes, listers and relist comparisons only need a handful of metadata fields,
read here for any shape so no other module cares which one it holds. The dict path is
tried first: it is the common, fast one. A LazyObject answers from the fields it decoded
at ingest, so none of these decodes it.
"""

from __future__ import annotations

from typing import Any

from informers.lazy import LazyObject

__all__ = ["labels_of", "name_of", "namespace_of", "resource_version_of"]


def _model_meta(obj: Any) -> Any:
    meta = getattr(obj, "metadata", None)
    if meta is None:
        raise TypeError(f"object of type {type(obj).__name__} has no metadata")
    return meta


def name_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str((obj.get("metadata") or {}).get("name") or "")
    if obj.__class__ is LazyObject:
        return obj.name
    return str(_model_meta(obj).name or "")


def namespace_of(obj: Any) -> str:
    """The namespace, ``""`` for cluster-scoped objects."""
    if isinstance(obj, dict):
        return str((obj.get("metadata") or {}).get("namespace") or "")
    if obj.__class__ is LazyObject:
        return obj.namespace
    return str(_model_meta(obj).namespace or "")


def resource_version_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str((obj.get("metadata") or {}).get("resourceVersion") or "")
    if obj.__class__ is LazyObject:
        return obj.resource_version
    return str(_model_meta(obj).resource_version or "")


def labels_of(obj: Any) -> dict[str, str]:
    if isinstance(obj, dict):
        return (obj.get("metadata") or {}).get("labels") or {}
    if obj.__class__ is LazyObject:
        return obj.labels
    return _model_meta(obj).labels or {}
