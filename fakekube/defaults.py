"""Defaults kube-apiserver applies on create that real clients depend on.

kube-scheduler reads ``spec.schedulerName`` (to pick its pods), ``spec.priority`` (from the
PriorityClass, for queue order and preemption) and ``status.phase``; kubectl shows the
defaults in ``get -o yaml``. Sources: kubernetes/kubernetes ``pkg/apis/core/v1/defaults.go``,
``pkg/registry/core/pod/strategy.go`` (PrepareForCreate) and the priority admission
plugin. Status resets mirror each kind's ``PrepareForCreate``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakekube.errors import Forbidden

if TYPE_CHECKING:
    from fakekube.registry import ResourceType
    from fakekube.store import Store

__all__ = ["on_create", "on_write"]

Defaulter = Callable[[dict[str, Any], "Store", bool], None]

# Kinds whose status a create request may not set (the strategy resets it).
_RESET_STATUS = {
    ("", "Pod"),
    ("", "Service"),
    ("", "PersistentVolumeClaim"),
    ("", "PersistentVolume"),
    ("", "ReplicationController"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("policy", "PodDisruptionBudget"),
    ("resource.k8s.io", "ResourceClaim"),
    ("storage.k8s.io", "VolumeAttachment"),
}


def _container(c: dict[str, Any]) -> None:
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    image = str(c.get("image") or "")
    tag = image.rsplit("/", 1)[-1]
    latest = "@" not in tag and (":" not in tag or tag.endswith(":latest"))
    c.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
    res = c.get("resources")
    if isinstance(res, dict) and isinstance(res.get("limits"), dict):
        # SetDefaults_ResourceRequirements: requests default to limits.
        requests = res.setdefault("requests", {})
        for name, value in res["limits"].items():
            requests.setdefault(name, value)
    else:
        c.setdefault("resources", {})


def _qos(spec: dict[str, Any]) -> str:
    """pkg/apis/core/helper/qos.ComputePodQOS, for cpu and memory."""
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    requests_seen = limits_seen = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        for name in ("cpu", "memory"):
            if name in req:
                requests_seen = True
            if name in lim:
                limits_seen = True
            if name not in lim or req.get(name, lim.get(name)) != lim.get(name):
                guaranteed = False
    if not requests_seen and not limits_seen:
        return "BestEffort"
    return "Guaranteed" if guaranteed and limits_seen else "Burstable"


def _pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec and its containers': what pods and pod templates both get."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            if isinstance(c, dict):
                _container(c)
    for volume in spec.get("volumes") or []:
        for source in ("configMap", "secret", "downwardAPI", "projected"):
            if isinstance(volume, dict) and isinstance(volume.get(source), dict):
                volume[source].setdefault("defaultMode", 420)  # 0644


def _default_tolerations(spec: dict[str, Any]) -> None:
    """The DefaultTolerationSeconds admission plugin: 300 s for not-ready and unreachable,
    each appended unless an existing toleration already covers that NoExecute taint."""
    tolerations = spec.get("tolerations")
    if not isinstance(tolerations, list):
        tolerations = spec["tolerations"] = []
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        covered = any(
            isinstance(t, dict)
            and t.get("key", "") in (key, "")
            and t.get("effect", "") in ("NoExecute", "")
            for t in tolerations
        )
        if not covered:
            tolerations.append(
                {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            )


def _pod(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    spec = obj.setdefault("spec", {})
    _pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    _default_tolerations(spec)
    _priority(obj, store)
    if not keep_status or "status" not in obj:
        obj["status"] = {"phase": "Pending", "qosClass": _qos(spec)}
    else:
        obj["status"].setdefault("phase", "Pending")
        obj["status"].setdefault("qosClass", _qos(spec))


def _priority(obj: dict[str, Any], store: Store) -> None:
    """The Priority admission plugin (``plugin/pkg/admission/priority/admission.go``).

    Priority and preemption policy come from the named PriorityClass, else the global
    default one, else 0 and PreemptLowerPriority; a value the pod states itself must equal
    the computed one, or the pod is Forbidden.
    """
    spec = obj["spec"]
    pod = str((obj.get("metadata") or {}).get("name") or "")
    name = spec.get("priorityClassName")
    pc: dict[str, Any] | None = None
    if name:
        pc = store.try_get("priorityclasses", name)
        if pc is None:
            # admission.NewForbidden: the resource and name lead the message.
            raise Forbidden(
                f'pods "{pod}" is forbidden: no PriorityClass with name {name} was found',
                name=pod,
                kind="pods",
            )
    else:
        for entry in store.list("priorityclasses").items:
            if entry.obj.get("globalDefault"):
                spec["priorityClassName"] = entry.name
                pc = entry.obj
                break
    priority = int(pc.get("value") or 0) if pc else 0
    policy = (pc.get("preemptionPolicy") if pc else None) or "PreemptLowerPriority"
    given = spec.get("priority")
    if given is not None and given != priority:
        raise Forbidden(
            f'pods "{pod}" is forbidden: the integer value of priority ({given}) must not be '
            f"provided in pod spec; priority admission controller computed {priority} from the "
            "given PriorityClass name",
            name=pod,
            kind="pods",
        )
    spec["priority"] = priority
    given_policy = spec.get("preemptionPolicy")
    if given_policy is not None and given_policy != policy:
        raise Forbidden(
            f'pods "{pod}" is forbidden: the string value of PreemptionPolicy ({given_policy}) '
            f"must not be provided in pod spec; priority admission controller computed {policy} "
            "from the given PriorityClass name",
            name=pod,
            kind="pods",
        )
    spec["preemptionPolicy"] = policy


def _node(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    status = obj.setdefault("status", {})
    cap = status.get("capacity")
    if isinstance(cap, dict):
        status.setdefault("allocatable", dict(cap))
    obj.setdefault("spec", {})


def _namespace(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    name = obj["metadata"]["name"]
    obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj["status"] = {"phase": "Active"}


def _service(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))


def _priority_class(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    obj.setdefault("preemptionPolicy", "PreemptLowerPriority")


def _deployment(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    """SetDefaults_Deployment (apps/v1) plus the pod template's spec defaults."""
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    template_spec = (spec.get("template") or {}).get("spec")
    if isinstance(template_spec, dict):
        _pod_spec(template_spec)
    obj.setdefault("status", {})


def _crd(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    from fakekube import crds

    crds.prepare(obj)


_DEFAULTERS: dict[tuple[str, str], Defaulter] = {
    ("", "Pod"): _pod,
    ("", "Node"): _node,
    ("", "Namespace"): _namespace,
    ("", "Service"): _service,
    ("apps", "Deployment"): _deployment,
    ("scheduling.k8s.io", "PriorityClass"): _priority_class,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd,
}


def on_create(rt: ResourceType, obj: dict[str, Any], store: Store, *, keep_status: bool) -> None:
    """Apply the kind's defaults and status reset to a new object in place."""
    key = (rt.group, rt.kind)
    if (key in _RESET_STATUS or (rt.custom and rt.has_status)) and not keep_status:
        obj.pop("status", None)
    defaulter = _DEFAULTERS.get(key)
    if defaulter is not None:
        defaulter(obj, store, keep_status)


# -- every write ------------------------------------------------------------------------
# kube-apiserver decodes every body into Go structs and encodes them back, so fields that
# are not ``omitempty`` come back as their zero value (``null`` times, empty structs), and
# conversion folds Secret.stringData into data. Writes through any verb get the same.


def _conditions(obj: dict[str, Any], times: tuple[str, ...]) -> None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict):
            for t in times:
                c.setdefault(t, None)


def _pod_write(obj: dict[str, Any]) -> None:
    spec = obj.get("spec")
    if isinstance(spec, dict):
        # Defaulting runs on every decode, and the DefaultTolerationSeconds and Priority
        # admission plugins on updates too: a PUT of a bare spec keeps what create added.
        _pod_spec(spec)
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        spec.setdefault("priority", 0)
        _default_tolerations(spec)
    _conditions(obj, ("lastProbeTime", "lastTransitionTime"))


_NODE_INFO = (
    "machineID",
    "systemUUID",
    "bootID",
    "kernelVersion",
    "osImage",
    "containerRuntimeVersion",
    "kubeletVersion",
    "kubeProxyVersion",
    "operatingSystem",
    "architecture",
)


def _node_write(obj: dict[str, Any]) -> None:
    status = obj.setdefault("status", {})
    status.setdefault("daemonEndpoints", {"kubeletEndpoint": {"Port": 0}})
    info = status.setdefault("nodeInfo", {})
    if isinstance(info, dict):
        for k in _NODE_INFO:
            info.setdefault(k, "")
    _conditions(obj, ("lastHeartbeatTime", "lastTransitionTime"))


def _secret_write(obj: dict[str, Any]) -> None:
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj.get("data")
        if not isinstance(data, dict):
            data = obj["data"] = {}
        for k, v in string_data.items():
            data[k] = base64.b64encode(str(v).encode()).decode()
    obj.setdefault("type", "Opaque")


def _event_write(obj: dict[str, Any]) -> None:
    obj.setdefault("source", {})
    for k in ("firstTimestamp", "lastTimestamp", "eventTime"):
        obj.setdefault(k, None)
    obj.setdefault("reportingComponent", "")
    obj.setdefault("reportingInstance", "")


def _configmap_write(obj: dict[str, Any]) -> None:
    for k in ("data", "binaryData"):  # omitempty maps
        if k in obj and not obj[k]:
            del obj[k]


_WRITERS: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    ("", "ConfigMap"): _configmap_write,
    ("", "Pod"): _pod_write,
    ("", "Node"): _node_write,
    ("", "Secret"): _secret_write,
    ("", "Event"): _event_write,
    ("apps", "Deployment"): lambda obj: _deployment(obj, None, False),  # type: ignore[arg-type]
}


def on_write(rt: ResourceType, obj: dict[str, Any]) -> None:
    """What the decode/encode round trip adds to any stored object of the kind, in place."""
    writer = _WRITERS.get((rt.group, rt.kind))
    if writer is not None:
        writer(obj)
