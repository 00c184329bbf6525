"""Defaults kube-apiserver applies on create that real clients depend on.

kube-scheduler reads ``spec.schedulerName`` (to pick its pods), ``spec.priority`` (from the
PriorityClass, for queue order and preemption) and ``status.phase``; kubectl shows the
defaults in ``get -o yaml``. Sources: kubernetes/kubernetes ``pkg/apis/core/v1/defaults.go``,
``pkg/registry/core/pod/strategy.go`` (PrepareForCreate) and the priority admission
plugin. Status resets mirror each kind's ``PrepareForCreate``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakekube.errors import Forbidden

if TYPE_CHECKING:
    from fakekube.registry import ResourceType
    from fakekube.store import Store

__all__ = ["on_create"]

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


def _pod(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            if isinstance(c, dict):
                _container(c)
    spec.setdefault(
        "tolerations",
        [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
    )
    _priority(spec, store)
    if not keep_status or "status" not in obj:
        obj["status"] = {"phase": "Pending", "qosClass": _qos(spec)}
    else:
        obj["status"].setdefault("phase", "Pending")
        obj["status"].setdefault("qosClass", _qos(spec))


def _priority(spec: dict[str, Any], store: Store) -> None:
    """The Priority admission plugin: priority comes from the named PriorityClass."""
    name = spec.get("priorityClassName")
    if name:
        pc = store.try_get("priorityclasses", name)
        if pc is None:
            raise Forbidden(f"no PriorityClass with name {name} was found")
        spec["priority"] = int(pc.get("value") or 0)
        if pc.get("preemptionPolicy"):
            spec["preemptionPolicy"] = pc["preemptionPolicy"]
        return
    for pc in store.list("priorityclasses").items:
        if pc.obj.get("globalDefault"):
            spec["priorityClassName"] = pc.name
            spec["priority"] = int(pc.obj.get("value") or 0)
            return
    spec.setdefault("priority", 0)


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


def _crd(obj: dict[str, Any], store: Store, keep_status: bool) -> None:
    from fakekube import crds

    crds.prepare(obj)


_DEFAULTERS: dict[tuple[str, str], Defaulter] = {
    ("", "Pod"): _pod,
    ("", "Node"): _node,
    ("", "Namespace"): _namespace,
    ("", "Service"): _service,
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
