"""Batsim ↔ Kubernetes: compute resources become Nodes, jobs become Pods, bindings allocations.

Every correspondence is an explicit dictionary filled when an object is created: Batsim
job ids contain ``!`` and host names may contain anything, so deriving one name from the
other by string surgery breaks on the first unusual name. Names are made DNS-1123-safe and
de-duplicated once, then only ever looked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from procset import ProcSet

__all__ = [
    "HOST_RESOURCE",
    "JOB_ID_ANNOTATION",
    "Allocation",
    "Translator",
    "dns_label",
]

GROUP = "batsim.fakekube.io"
#: Extended resource every node has one of when compute sharing is off: a pod requests it,
#: so any Kubernetes scheduler keeps Batsim's one-job-per-host rule with its own Fit logic.
HOST_RESOURCE = f"{GROUP}/host"
JOB_ID_ANNOTATION = f"{GROUP}/job-id"
INDEX_ANNOTATION = f"{GROUP}/index"
RESOURCE_ID_LABEL = f"{GROUP}/resource-id"
WORKLOAD_LABEL = f"{GROUP}/workload"

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_KEY = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


def dns_label(text: str, limit: int = 63) -> str:
    """Lower-case, ``[a-z0-9-]`` only, starting and ending alphanumeric."""
    out = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    out = re.sub(r"-{2,}", "-", out)[:limit].strip("-")
    return out or "x"


@dataclass(frozen=True)
class Allocation:
    """Where a job's pods landed, as EXECUTE_JOB says it."""

    alloc: ProcSet
    mapping: dict[str, str] | None

    def data(self, job_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {"job_id": job_id, "alloc": str(self.alloc)}
        if self.mapping is not None:
            data["mapping"] = self.mapping
        return data


@dataclass
class _JobPods:
    job_id: str
    res: int
    pods: list[str]
    nodes: dict[int, str] = field(default_factory=dict)  # pod index -> node name


class Translator:
    """The dictionaries between Batsim ids and Kubernetes names, and the object builders."""

    def __init__(
        self,
        *,
        namespace: str = "default",
        scheduler_name: str = "default-scheduler",
        allow_compute_sharing: bool = False,
        image: str = "registry.k8s.io/pause:3.10",
    ) -> None:
        self.namespace = namespace
        self.scheduler_name = scheduler_name
        self.allow_compute_sharing = allow_compute_sharing
        self.image = image
        self.node_of_resource: dict[int, str] = {}
        self.resource_of_node: dict[str, int] = {}
        self.job_of_pod: dict[str, tuple[str, int]] = {}
        self._jobs: dict[str, _JobPods] = {}
        self._used_pod_names: set[str] = set()

    # -- resources → nodes ----------------------------------------------------------------
    def node(self, resource: dict[str, Any]) -> dict[str, Any]:
        """The Node for one ``compute_resources`` entry of SIMULATION_BEGINS."""
        rid = int(resource["id"])
        name = dns_label(str(resource["name"]))
        if name in self.resource_of_node:
            name = dns_label(f"{name}-{rid}")
        self.node_of_resource[rid] = name
        self.resource_of_node[name] = rid
        props: dict[str, str] = {
            str(k): str(v) for k, v in (resource.get("properties") or {}).items()
        }
        labels = {
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            RESOURCE_ID_LABEL: str(rid),
        }
        for key, value in props.items():
            if key in ("taints",) or not _LABEL_KEY.match(key) or len(key) > 63:
                continue
            if _LABEL_VALUE.match(value) and len(value) <= 63:
                labels[f"{GROUP}/{key}"] = value
        capacity = {
            "cpu": _quantity(props.get("cpu") or props.get("core"), "1"),
            "memory": _quantity(props.get("memory"), "64Gi"),
            "pods": _quantity(props.get("pods"), "110"),
            "ephemeral-storage": "100Gi",
        }
        if not self.allow_compute_sharing:
            capacity[HOST_RESOURCE] = "1"
        spec: dict[str, Any] = {}
        taints = _taints(props.get("taints", ""))
        if taints:
            spec["taints"] = taints
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels},
            "spec": spec,
            "status": {
                "capacity": capacity,
                "allocatable": dict(capacity),
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "simulated by fakekube",
                    }
                ],
                "addresses": [
                    {
                        "type": "InternalIP",
                        "address": f"10.{rid >> 16 & 255}.{rid >> 8 & 255}.{rid & 255}",
                    },
                    {"type": "Hostname", "address": name},
                ],
                "nodeInfo": {
                    "kubeletVersion": "v1.35.0-fakekube",
                    "osImage": "fakekube simulated node",
                    "kernelVersion": "",
                    "containerRuntimeVersion": "fakekube://0",
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
            },
        }

    # -- jobs → pods ------------------------------------------------------------------------
    def pods(self, job_id: str, job: dict[str, Any]) -> list[dict[str, Any]]:
        """The ``res`` pods standing for one JOB_SUBMITTED job."""
        res = int(job.get("res", 1))
        workload, _, short = job_id.partition("!")
        base = dns_label(f"{workload}-{short}", 55)
        names = []
        for i in range(res):
            name = base if res == 1 else f"{base}-{i}"
            n = 1
            while name in self._used_pod_names:
                name = f"{base}-{i}-{n}" if res > 1 else f"{base}-{n}"
                n += 1
            self._used_pod_names.add(name)
            self.job_of_pod[name] = (job_id, i)
            names.append(name)
        self._jobs[job_id] = _JobPods(job_id, res, names)
        return [self._pod(name, job_id, i, workload, job) for i, name in enumerate(names)]

    def _pod(
        self, name: str, job_id: str, index: int, workload: str, job: dict[str, Any]
    ) -> dict[str, Any]:
        template = job.get("pod") if isinstance(job.get("pod"), dict) else {}
        requests: dict[str, str] = {}
        if job.get("cpu") is not None:
            requests["cpu"] = str(job["cpu"])
        if job.get("memory") is not None:
            requests["memory"] = str(job["memory"])
        limits: dict[str, str] = {}
        if not self.allow_compute_sharing:
            requests[HOST_RESOURCE] = "1"
            limits[HOST_RESOURCE] = "1"  # extended resources need limits == requests
        spec: dict[str, Any] = dict(template.get("spec") or {})
        containers = [dict(c) for c in spec.get("containers") or []] or [
            {"name": "job", "image": self.image}
        ]
        first = containers[0]
        resources = dict(first.get("resources") or {})
        resources["requests"] = {**(resources.get("requests") or {}), **requests}
        if limits:
            resources["limits"] = {**(resources.get("limits") or {}), **limits}
        first["resources"] = resources
        spec["containers"] = containers
        spec.setdefault("restartPolicy", "Never")
        spec.setdefault("terminationGracePeriodSeconds", 0)
        spec["schedulerName"] = str(
            job.get("scheduler") or spec.get("schedulerName") or self.scheduler_name
        )
        if job.get("priority_class"):
            spec["priorityClassName"] = str(job["priority_class"])
        meta_t = template.get("metadata") or {}
        labels = {**(meta_t.get("labels") or {}), WORKLOAD_LABEL: dns_label(workload)}
        annotations = {
            **(meta_t.get("annotations") or {}),
            JOB_ID_ANNOTATION: job_id,
            INDEX_ANNOTATION: str(index),
        }
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": self.namespace,
                "labels": labels,
                "annotations": annotations,
            },
            "spec": spec,
        }

    # -- bindings → allocations -----------------------------------------------------------
    def bound(self, pod: str, node: str) -> str | None:
        """Record a binding; returns the job id once every pod of that job is bound."""
        entry = self.job_of_pod.get(pod)
        if entry is None or node not in self.resource_of_node:
            return None
        job_id, index = entry
        job = self._jobs[job_id]
        job.nodes[index] = node
        return job_id if len(job.nodes) == job.res else None

    def allocation(self, job_id: str) -> Allocation:
        job = self._jobs[job_id]
        ids = [self.resource_of_node[job.nodes[i]] for i in range(job.res)]
        alloc = ProcSet(*ids)
        if len(alloc) == len(ids):
            return Allocation(alloc, None)
        order = list(alloc)
        return Allocation(alloc, {str(i): str(order.index(r)) for i, r in enumerate(ids)})

    def pods_of(self, job_id: str) -> list[str]:
        return list(self._jobs[job_id].pods)

    def has_job(self, job_id: str) -> bool:
        return job_id in self._jobs


def _quantity(value: str | None, default: str) -> str:
    if value is None or not _QUANTITY.match(value.strip()):
        return default
    return value.strip()


def _taints(text: str) -> list[dict[str, str]]:
    """``key=value:Effect,key2:Effect`` → Node taints."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        kv, _, effect = part.partition(":")
        key, _, value = kv.partition("=")
        taint = {"key": key, "effect": effect or "NoSchedule"}
        if value:
            taint["value"] = value
        out.append(taint)
    return out
