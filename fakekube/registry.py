"""The resource table: every served kind is one row of data, never a handler of its own.

The HTTP layer, discovery, field selectors and strategic-merge patching all read this
table, so adding a kind (or registering a CRD at run time) is adding one
:class:`ResourceType`. Field selectors take two facts per kind: which labels the API
accepts (the kind's ``AddFieldLabelConversionFunc`` in kubernetes/kubernetes
``pkg/apis/<group>/<version>/conversion.go``, else apimachinery's
``DefaultMetaV1FieldSelectorConversion``) with the exact refusal text (:class:`FieldLabels`),
and the selectable values (``ToSelectableFields`` in ``pkg/registry/<group>/<kind>/strategy.go``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_FIELD_LABELS",
    "DEFAULT_NAMESPACES",
    "FieldLabels",
    "DEFAULT_RESOURCES",
    "Registry",
    "ResourceType",
]

FieldExtractor = Callable[[Mapping[str, Any]], str]

#: Verbs of an ordinary collection resource, in discovery's (sorted) order.
STANDARD_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)

#: Namespaces that exist in every fresh cluster, as in kube-apiserver after bootstrap.
DEFAULT_NAMESPACES: tuple[str, ...] = ("default", "kube-node-lease", "kube-public", "kube-system")


def _get(obj: Mapping[str, Any], path: str) -> Any:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def _str(path: str) -> FieldExtractor:
    """A string field; absent means ``""`` (so ``status.phase!=Failed`` matches new pods)."""

    def extract(obj: Mapping[str, Any]) -> str:
        value = _get(obj, path)
        return "" if value is None else str(value)

    return extract


def _bool(path: str) -> FieldExtractor:
    """Go's ``strconv.FormatBool`` of a bool field that defaults to false."""

    def extract(obj: Mapping[str, Any]) -> str:
        return "true" if _get(obj, path) is True else "false"

    return extract


def _int(path: str) -> FieldExtractor:
    def extract(obj: Mapping[str, Any]) -> str:
        value = _get(obj, path)
        return str(int(value)) if isinstance(value, int | float) else "0"

    return extract


def _const(value: str) -> FieldExtractor:
    """A label the API accepts but the object never sets (``status.podIPs``)."""
    return lambda obj: value


def _pod_ip(obj: Mapping[str, Any]) -> str:
    # pkg/registry/core/pod/strategy.go reads status.podIPs[0]; v1 → internal conversion
    # fills podIPs from podIP when only the latter is set.
    ips = _get(obj, "status.podIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], Mapping):
        return str(ips[0].get("ip") or "")
    return _str("status.podIP")(obj)


def _event_source(obj: Mapping[str, Any]) -> str:
    # pkg/registry/core/event/strategy.go: source is source.component, else reportingController.
    return str(_get(obj, "source.component") or obj.get("reportingComponent") or "")


_POD_FIELDS: dict[str, FieldExtractor] = {
    "spec.nodeName": _str("spec.nodeName"),
    "spec.restartPolicy": _str("spec.restartPolicy"),
    "spec.schedulerName": _str("spec.schedulerName"),
    "spec.serviceAccountName": _str("spec.serviceAccountName"),
    "spec.hostNetwork": _bool("spec.hostNetwork"),
    "status.phase": _str("status.phase"),
    "status.podIP": _pod_ip,
    "status.podIPs": _const(""),  # accepted, but not in ToSelectableFields: never matches
    "status.nominatedNodeName": _str("status.nominatedNodeName"),
    "spec.host": _str("spec.nodeName"),  # legacy alias kept by the pod field label conversion
}

_CORE_EVENT_FIELDS: dict[str, FieldExtractor] = {
    **{
        f"involvedObject.{f}": _str(f"involvedObject.{f}")
        for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
    "reason": _str("reason"),
    "reportingComponent": _str("reportingComponent"),
    "source": _event_source,
    "type": _str("type"),
}

_EVENTS_V1_FIELDS: dict[str, FieldExtractor] = {
    **{
        f"regarding.{f}": _str(f"regarding.{f}")
        for f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
    "reason": _str("reason"),
    "reportingController": _str("reportingController"),
    "type": _str("type"),
}


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class FieldLabels:
    """The field-selector labels kube-apiserver accepts for a kind, and how it refuses others.

    ``metadata`` lists the ``metadata.*`` labels the conversion function lets through (the
    kind-specific ones are the keys of :attr:`ResourceType.fields`); ``refusal`` is its
    error text, ``{label}`` and ``{quoted}`` (Go ``%q``) standing for the label. The API
    answers it as a 400 ``BadRequest``.
    """

    metadata: tuple[str, ...] = ("metadata.name", "metadata.namespace")
    refusal: str = (
        '{quoted} is not a known field selector: only "metadata.name", "metadata.namespace"'
    )

    def refuse(self, label: str) -> str:
        return self.refusal.format(label=label, quoted=_go_quote(label))


#: ``runtime.DefaultMetaV1FieldSelectorConversion``: kinds without a conversion function.
DEFAULT_FIELD_LABELS = FieldLabels()
#: The wording of every core/v1 (and events.k8s.io/v1) conversion function.
_CORE_LABELS = FieldLabels(refusal="field label not supported: {label}")
_CORE_CLUSTER_LABELS = FieldLabels(("metadata.name",), "field label not supported: {label}")


@dataclass(frozen=True)
class ResourceType:
    """One served resource: its identity, its scope and what can be asked of it.

    ``fields`` holds the kind-specific field-selector extractors; ``field_labels`` says
    which ``metadata.*`` labels are accepted besides them and how others are refused.
    """

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: frozenset[str] = frozenset()
    fields: Mapping[str, FieldExtractor] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    #: PUT on a missing object creates it (``AllowCreateOnUpdate`` in the kind's strategy).
    create_on_update: bool = False
    singular: str = ""
    #: Served because a CustomResourceDefinition says so (``fakekube.crds``).
    custom: bool = False
    field_labels: FieldLabels = DEFAULT_FIELD_LABELS

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``group/version`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def qualified(self) -> str:
        """``pods`` or ``deployments.apps``: how errors name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def tracks_generation(self) -> bool:
        """Whether ``metadata.generation`` is set (its strategy's ``PrepareForCreate``)."""
        return self.custom or (self.group, self.plural) in GENERATION_KINDS

    @property
    def returns_deleted_object(self) -> bool:
        """DELETE answers with the object (``ReturnDeletedObject``), else a Success Status."""
        return self.custom or (self.group, self.plural) in RETURNS_DELETED_OBJECT

    def field_set(self, obj: Mapping[str, Any]) -> dict[str, str]:
        """Every selectable field of ``obj``: what a field selector is matched against."""
        meta = obj.get("metadata") or {}
        out = {"metadata.name": str(meta.get("name") or "")}
        if self.namespaced:
            out["metadata.namespace"] = str(meta.get("namespace") or "")
        for name, extract in self.fields.items():
            out[name] = extract(obj)
        return out

    def supports_field(self, name: str) -> bool:
        return name in self.field_labels.metadata or name in self.fields

    def field_refusal(self, name: str) -> str:
        """The 400 message for a field selector on a label this kind does not accept."""
        return self.field_labels.refuse(name)


def _r(
    group: str,
    version: str,
    kind: str,
    plural: str,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    sub: tuple[str, ...] = (),
    fields: Mapping[str, FieldExtractor] | None = None,
    categories: tuple[str, ...] = (),
    create_on_update: bool = False,
    labels: FieldLabels = DEFAULT_FIELD_LABELS,
    verbs: tuple[str, ...] = STANDARD_VERBS,
) -> ResourceType:
    return ResourceType(
        group=group,
        version=version,
        kind=kind,
        plural=plural,
        namespaced=namespaced,
        short_names=short,
        subresources=frozenset(sub),
        fields=dict(fields or {}),
        categories=categories,
        create_on_update=create_on_update,
        field_labels=labels,
        verbs=verbs,
    )


_ALL = ("all",)

#: Kinds whose strategy sets ``metadata.generation`` (``Generation = 1`` in
#: kubernetes/kubernetes ``pkg/registry/*/*/strategy.go``); others never have one.
GENERATION_KINDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "pods"),
        ("", "podtemplates"),
        ("", "replicationcontrollers"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
        ("policy", "poddisruptionbudgets"),
        ("scheduling.k8s.io", "priorityclasses"),
        ("networking.k8s.io", "ingresses"),
        ("networking.k8s.io", "ingressclasses"),
        ("networking.k8s.io", "networkpolicies"),
        ("discovery.k8s.io", "endpointslices"),
        ("resource.k8s.io", "resourceslices"),
        ("resource.k8s.io", "deviceclasses"),
        ("resource.k8s.io", "devicetaintrules"),
        ("flowcontrol.apiserver.k8s.io", "flowschemas"),
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"),
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    }
)

#: Kinds whose DELETE returns the deleted object (``ReturnDeletedObject: true`` in their
#: ``pkg/registry/*/*/storage/storage.go``); the others answer a Success ``Status``.
RETURNS_DELETED_OBJECT: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "pods"),
        ("", "podtemplates"),
        ("", "services"),
        ("", "namespaces"),
        ("", "persistentvolumes"),
        ("", "persistentvolumeclaims"),
        ("", "serviceaccounts"),
        ("", "resourcequotas"),
        ("storage.k8s.io", "storageclasses"),
        ("storage.k8s.io", "csidrivers"),
        ("storage.k8s.io", "csinodes"),
        ("storage.k8s.io", "volumeattachments"),
        ("storage.k8s.io", "volumeattributesclasses"),
        ("resource.k8s.io", "resourceclaims"),
        ("resource.k8s.io", "resourceclaimtemplates"),
        ("resource.k8s.io", "resourceslices"),
        ("resource.k8s.io", "deviceclasses"),
        ("resource.k8s.io", "devicetaintrules"),
    }
)

#: The built-in kinds. One row per kind; the order is discovery's order within a group.
DEFAULT_RESOURCES: tuple[ResourceType, ...] = (
    # core/v1
    _r(
        "",
        "v1",
        "Pod",
        "pods",
        short=("po",),
        sub=("status", "binding", "eviction"),
        fields=_POD_FIELDS,
        categories=_ALL,
        labels=_CORE_LABELS,
    ),
    _r(
        "",
        "v1",
        "Node",
        "nodes",
        False,
        short=("no",),
        sub=("status",),
        fields={"spec.unschedulable": _bool("spec.unschedulable")},
        labels=_CORE_CLUSTER_LABELS,
    ),
    _r(
        "",
        "v1",
        "Namespace",
        "namespaces",
        False,
        short=("ns",),
        sub=("status", "finalize"),
        fields={"status.phase": _str("status.phase")},
        labels=_CORE_CLUSTER_LABELS,
        # The namespace REST has no DeleteCollection: kube-apiserver answers 405.
        verbs=tuple(v for v in STANDARD_VERBS if v != "deletecollection"),
    ),
    _r(
        "",
        "v1",
        "Event",
        "events",
        short=("ev",),
        fields=_CORE_EVENT_FIELDS,
        create_on_update=True,
        labels=_CORE_LABELS,
    ),
    _r(
        "",
        "v1",
        "Service",
        "services",
        short=("svc",),
        sub=("status",),
        fields={"spec.clusterIP": _str("spec.clusterIP"), "spec.type": _str("spec.type")},
        categories=_ALL,
        labels=_CORE_LABELS,
    ),
    _r("", "v1", "Endpoints", "endpoints", short=("ep",), create_on_update=True),
    _r("", "v1", "ConfigMap", "configmaps", short=("cm",)),
    _r("", "v1", "Secret", "secrets", fields={"type": _str("type")}, labels=_CORE_LABELS),
    _r("", "v1", "ServiceAccount", "serviceaccounts", short=("sa",)),
    _r("", "v1", "PersistentVolume", "persistentvolumes", False, short=("pv",), sub=("status",)),
    _r(
        "", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", short=("pvc",), sub=("status",)
    ),
    _r(
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        short=("rc",),
        sub=("status", "scale"),
        fields={"status.replicas": _int("status.replicas")},
        categories=_ALL,
        labels=_CORE_LABELS,
    ),
    # apps/v1
    _r(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        short=("deploy",),
        sub=("status", "scale"),
        categories=_ALL,
    ),
    _r(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        short=("rs",),
        sub=("status", "scale"),
        categories=_ALL,
    ),
    _r(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        short=("sts",),
        sub=("status", "scale"),
        categories=_ALL,
    ),
    _r("apps", "v1", "DaemonSet", "daemonsets", short=("ds",), sub=("status",), categories=_ALL),
    # batch/v1
    _r(
        "batch",
        "v1",
        "Job",
        "jobs",
        sub=("status",),
        fields={"status.successful": _int("status.succeeded")},
        categories=_ALL,
        labels=FieldLabels(refusal="field label {quoted} not supported for Job"),
    ),
    # policy/v1
    _r(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        short=("pdb",),
        sub=("status",),
    ),
    # storage.k8s.io/v1
    _r("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, short=("sc",)),
    _r("storage.k8s.io", "v1", "CSINode", "csinodes", False),
    _r("storage.k8s.io", "v1", "CSIDriver", "csidrivers", False),
    _r("storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities"),
    _r("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", False, sub=("status",)),
    # resource.k8s.io/v1
    _r("resource.k8s.io", "v1", "ResourceClaim", "resourceclaims", sub=("status",)),
    _r(
        "resource.k8s.io",
        "v1",
        "ResourceSlice",
        "resourceslices",
        False,
        fields={"spec.nodeName": _str("spec.nodeName"), "spec.driver": _str("spec.driver")},
        labels=FieldLabels(
            ("metadata.name",),
            "field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: {label}",
        ),
    ),
    _r("resource.k8s.io", "v1", "DeviceClass", "deviceclasses", False),
    # events.k8s.io/v1
    _r(
        "events.k8s.io",
        "v1",
        "Event",
        "events",
        short=("ev",),
        fields=_EVENTS_V1_FIELDS,
        create_on_update=True,
        labels=_CORE_LABELS,
    ),
    # coordination.k8s.io/v1
    _r("coordination.k8s.io", "v1", "Lease", "leases"),
    # scheduling.k8s.io/v1
    _r("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False, short=("pc",)),
    # apiextensions.k8s.io/v1: creating one serves a new kind (fakekube.crds)
    _r(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        False,
        short=("crd", "crds"),
        sub=("status",),
        categories=("api-extensions",),
    ),
)


class Registry:
    """The set of served resources, looked up the ways the API and clients name them.

    A registry belongs to one server, so a CRD registered in one test never leaks into
    another.
    """

    def __init__(self, resources: Iterable[ResourceType] = DEFAULT_RESOURCES) -> None:
        self._by_path: dict[tuple[str, str, str], ResourceType] = {}
        self._ordered: list[ResourceType] = []
        # resolve() answers per name; the store asks for "pods" and "namespaces" at every
        # write, so its answers are kept until the set of resources changes.
        self._resolved: dict[str, ResourceType] = {}
        for rt in resources:
            self.add(rt)

    def add(self, rt: ResourceType) -> None:
        """Serve ``rt``; replacing a row with the same group/version/plural is an update."""
        key = (rt.group, rt.version, rt.plural)
        if key in self._by_path:
            self._ordered = [r for r in self._ordered if (r.group, r.version, r.plural) != key]
        self._by_path[key] = rt
        self._ordered.append(rt)
        self._resolved.clear()

    def remove(self, group: str, version: str, plural: str) -> None:
        rt = self._by_path.pop((group, version, plural), None)
        if rt is not None:
            self._ordered.remove(rt)
            self._resolved.clear()

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_path.get((group, version, plural))

    def resolve(self, name: str) -> ResourceType:
        """Find a resource the way kubectl names it: plural, ``plural.group``, kind, short name.

        Core group wins ties, as kubectl's RESTMapper prefers it.
        """
        if (known := self._resolved.get(name)) is not None:
            return known
        lowered = name.lower()
        plural, _, group = lowered.partition(".")
        candidates = [
            rt
            for rt in self._ordered
            if (not group or rt.group == group)
            and lowered != ""
            and (
                rt.plural == plural
                or rt.singular_name == plural
                or rt.kind.lower() == plural
                or plural in rt.short_names
            )
        ]
        if not candidates:
            raise KeyError(name)
        candidates.sort(key=lambda rt: rt.group != "")
        self._resolved[name] = candidates[0]
        return candidates[0]

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        for rt in self._ordered:
            if rt.api_version == api_version and rt.kind == kind:
                return rt
        return None

    def groups(self) -> dict[str, list[str]]:
        """Group name → its versions, in first-registered order (core is ``""``)."""
        out: dict[str, list[str]] = {}
        for rt in self._ordered:
            versions = out.setdefault(rt.group, [])
            if rt.version not in versions:
                versions.append(rt.version)
        return out

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [rt for rt in self._ordered if rt.group == group and rt.version == version]

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(list(self._ordered))

    def __len__(self) -> int:
        return len(self._ordered)
