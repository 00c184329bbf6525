"""Where the common resources live, so ``factory.informer("pods")`` needs nothing else.

Other kinds (custom resources included) are described the same way by the caller:
``Resource("widgets", group="example.com", version="v1", kind="Widget")``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KNOWN_RESOURCES", "Resource", "resolve"]


@dataclass(frozen=True)
class Resource:
    """A collection: plural name, group/version, kind of its items, and its scope."""

    plural: str
    group: str = ""
    version: str = "v1"
    kind: str = ""
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None) -> str:
        """The collection's URL path, namespaced when asked and the resource allows it."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    @property
    def model_name(self) -> str:
        """kubernetes-asyncio's model class name for one item: ``V1Pod``, ``V1beta1Foo``."""
        return self.version[:1].upper() + self.version[1:] + self.kind


def _r(plural: str, group: str, version: str, kind: str, namespaced: bool = True) -> Resource:
    return Resource(plural, group, version, kind, namespaced)


KNOWN_RESOURCES: dict[str, Resource] = {
    r.plural: r
    for r in (
        _r("pods", "", "v1", "Pod"),
        _r("nodes", "", "v1", "Node", False),
        _r("namespaces", "", "v1", "Namespace", False),
        _r("services", "", "v1", "Service"),
        _r("endpoints", "", "v1", "Endpoints"),
        _r("configmaps", "", "v1", "ConfigMap"),
        _r("secrets", "", "v1", "Secret"),
        _r("events", "", "v1", "Event"),
        _r("persistentvolumes", "", "v1", "PersistentVolume", False),
        _r("persistentvolumeclaims", "", "v1", "PersistentVolumeClaim"),
        _r("replicationcontrollers", "", "v1", "ReplicationController"),
        _r("serviceaccounts", "", "v1", "ServiceAccount"),
        _r("deployments", "apps", "v1", "Deployment"),
        _r("replicasets", "apps", "v1", "ReplicaSet"),
        _r("statefulsets", "apps", "v1", "StatefulSet"),
        _r("daemonsets", "apps", "v1", "DaemonSet"),
        _r("jobs", "batch", "v1", "Job"),
        _r("poddisruptionbudgets", "policy", "v1", "PodDisruptionBudget"),
        _r("leases", "coordination.k8s.io", "v1", "Lease"),
        _r("priorityclasses", "scheduling.k8s.io", "v1", "PriorityClass", False),
        _r("storageclasses", "storage.k8s.io", "v1", "StorageClass", False),
        _r("csinodes", "storage.k8s.io", "v1", "CSINode", False),
        _r("csidrivers", "storage.k8s.io", "v1", "CSIDriver", False),
        _r("csistoragecapacities", "storage.k8s.io", "v1", "CSIStorageCapacity"),
        _r("volumeattachments", "storage.k8s.io", "v1", "VolumeAttachment", False),
        _r("resourceclaims", "resource.k8s.io", "v1", "ResourceClaim"),
        _r("resourceslices", "resource.k8s.io", "v1", "ResourceSlice", False),
        _r("deviceclasses", "resource.k8s.io", "v1", "DeviceClass", False),
    )
}


def resolve(resource: str | Resource) -> Resource:
    """A :class:`Resource` for a known plural (or the one given); unknown plurals are an error."""
    if isinstance(resource, Resource):
        return resource
    try:
        return KNOWN_RESOURCES[resource]
    except KeyError:
        raise ValueError(
            f"unknown resource {resource!r}: pass informers.Resource({resource!r}, "
            "group=..., version=..., kind=..., namespaced=...)"
        ) from None
