"""Registry lookups: kubectl's ways of naming a resource, as the set of resources changes."""

from __future__ import annotations

import pytest

from fakekube.registry import Registry, ResourceType


def _widgets(version: str) -> ResourceType:
    return ResourceType(
        group="example.com", version=version, kind="Widget", plural="widgets", namespaced=True
    )


def test_resolve_names_a_resource_by_plural_kind_short_name_and_group() -> None:
    registry = Registry()
    pods = registry.get("", "v1", "pods")
    assert pods is not None
    for name in ("pods", "pod", "Pod", "po", "pods."):
        assert registry.resolve(name) is pods
    assert registry.resolve("deployments.apps").group == "apps"


def test_resolve_follows_resources_added_replaced_and_removed() -> None:
    registry = Registry()
    with pytest.raises(KeyError):
        registry.resolve("widgets")
    v1 = _widgets("v1")
    registry.add(v1)
    assert registry.resolve("widgets") is v1
    v2 = _widgets("v1")
    registry.add(v2)  # the same row again, as an updated CRD replaces it
    assert registry.resolve("widgets") is v2
    registry.remove("example.com", "v1", "widgets")
    with pytest.raises(KeyError):
        registry.resolve("widgets")
