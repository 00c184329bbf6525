"""Strategic-merge metadata for built-in kinds, as data.

kube-apiserver reads ``patchStrategy``/``patchMergeKey`` struct tags from the Go types
(kubernetes/api ``core/v1/types.go``, ``apps/v1/types.go``, ``batch/v1/types.go``,
``meta/v1/types.go``) to decide, for each list, whether a strategic merge patch merges
items by a key or replaces the list. The same facts live here as one table per kind:
paths are dotted field names with list items transparent (``spec.containers.env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["EMPTY", "FieldMeta", "PatchSchema", "by_kind"]


@dataclass(frozen=True)
class FieldMeta:
    """How a strategic merge treats one field: ``merge`` lists by ``merge_key``."""

    strategy: str = "replace"
    merge_key: str | None = None
    retain_keys: bool = False


@dataclass(frozen=True)
class PatchSchema:
    fields: Mapping[str, FieldMeta] = field(default_factory=dict)

    def at(self, path: tuple[str, ...]) -> FieldMeta | None:
        return self.fields.get(".".join(path))

    def extend(self, extra: Mapping[str, FieldMeta]) -> PatchSchema:
        return PatchSchema({**self.fields, **extra})


def _merge(key: str | None = None, *, retain: bool = False) -> FieldMeta:
    return FieldMeta("merge", key, retain)


def _under(prefix: str, table: Mapping[str, FieldMeta]) -> dict[str, FieldMeta]:
    return {f"{prefix}.{k}": v for k, v in table.items()}


# meta/v1 ObjectMeta
_OBJECT_META = {
    "ownerReferences": _merge("uid"),
    "finalizers": _merge(),
}

# core/v1 Container (also used by initContainers and ephemeralContainers)
_CONTAINER = {
    "ports": _merge("containerPort"),
    "env": _merge("name"),
    "volumeMounts": _merge("mountPath"),
    "volumeDevices": _merge("devicePath"),
}

# core/v1 PodSpec
_POD_SPEC: dict[str, FieldMeta] = {
    "volumes": _merge("name", retain=True),
    "containers": _merge("name"),
    "initContainers": _merge("name"),
    "ephemeralContainers": _merge("name"),
    "imagePullSecrets": _merge("name"),
    "hostAliases": _merge("ip"),
    "topologySpreadConstraints": _merge("topologyKey"),
    "resourceClaims": _merge("name", retain=True),
    "schedulingGates": _merge("name"),
}
for _c in ("containers", "initContainers", "ephemeralContainers"):
    _POD_SPEC.update(_under(_c, _CONTAINER))

# core/v1 PodStatus
_POD_STATUS = {
    "conditions": _merge("type"),
    "podIPs": _merge("ip"),
    "hostIPs": _merge("ip"),
    "resourceClaimStatuses": _merge("name", retain=True),
}

_CONDITIONS = {"status.conditions": _merge("type")}

_META = _under("metadata", _OBJECT_META)
EMPTY = PatchSchema(_META)


def _with_template(prefix: str = "spec.template") -> dict[str, FieldMeta]:
    return {**_under(f"{prefix}.metadata", _OBJECT_META), **_under(f"{prefix}.spec", _POD_SPEC)}


POD = PatchSchema({**_META, **_under("spec", _POD_SPEC), **_under("status", _POD_STATUS)})
NODE = PatchSchema(
    {
        **_META,
        "spec.podCIDRs": _merge(),
        "status.conditions": _merge("type"),
        "status.addresses": _merge("type"),
    }
)
NAMESPACE = PatchSchema({**_META, **_CONDITIONS})
SERVICE = PatchSchema({**_META, "spec.ports": _merge("port"), **_CONDITIONS})
PERSISTENTVOLUMECLAIM = PatchSchema({**_META, **_CONDITIONS})
PERSISTENTVOLUME = EMPTY
DEPLOYMENT = PatchSchema(
    {**_META, **_with_template(), **_CONDITIONS, "spec.strategy": FieldMeta("replace", None, True)}
)
REPLICASET = PatchSchema({**_META, **_with_template(), **_CONDITIONS})
REPLICATIONCONTROLLER = REPLICASET
STATEFULSET = PatchSchema({**_META, **_with_template(), **_CONDITIONS})
DAEMONSET = PatchSchema({**_META, **_with_template(), **_CONDITIONS})
JOB = PatchSchema({**_META, **_with_template(), **_CONDITIONS})
PODDISRUPTIONBUDGET = PatchSchema({**_META, **_CONDITIONS})
EVENT = EMPTY
LEASE = EMPTY

_BY_KIND: dict[str, PatchSchema] = {
    "Pod": POD,
    "Node": NODE,
    "Namespace": NAMESPACE,
    "Service": SERVICE,
    "PersistentVolumeClaim": PERSISTENTVOLUMECLAIM,
    "PersistentVolume": PERSISTENTVOLUME,
    "Deployment": DEPLOYMENT,
    "ReplicaSet": REPLICASET,
    "ReplicationController": REPLICATIONCONTROLLER,
    "StatefulSet": STATEFULSET,
    "DaemonSet": DAEMONSET,
    "Job": JOB,
    "PodDisruptionBudget": PODDISRUPTIONBUDGET,
}


def by_kind(kind: str) -> PatchSchema:
    """The kind's table, or ObjectMeta's alone for kinds without list metadata."""
    return _BY_KIND.get(kind, EMPTY)
