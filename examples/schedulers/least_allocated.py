"""Least allocated: each pod goes to the node with the most CPU still free, much
as kube-scheduler's default score spreads load.

A whole scheduler written directly on ``informers``: two shared informers (pods, nodes),
a work queue of pod keys, a fit check on cpu, memory and nodeSelector, a Binding, and the
``PodScheduled=False`` condition for a pod that fits nowhere (retried when a node appears
or a pod goes away). It knows nothing about fakekube; any kubeconfig will do::

    python examples/schedulers/least_allocated.py --kubeconfig ~/.kube/config \
        --scheduler-name least-allocated
    fakekube simulate --workload w.json --platform p.yaml \
        --scheduler-cmd "python examples/schedulers/least_allocated.py --kubeconfig {kubeconfig}"
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from kubernetes_asyncio import client, config

from fakekube.schedulers.quantity import parse_quantity
from informers import SharedInformerFactory
from informers.workqueue import Queue, ShutDown

Obj = dict[str, Any]
DONE = ("Succeeded", "Failed")


def requests(pod: Obj) -> dict[str, float]:
    total = {"cpu": 0.0, "memory": 0.0}
    for c in pod["spec"].get("containers") or []:
        for k, v in ((c.get("resources") or {}).get("requests") or {}).items():
            if k in total:
                total[k] += float(parse_quantity(v))
    return total


def key_of(pod: Obj) -> str:
    return f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"


class LeastAllocated:
    def __init__(self, api: client.ApiClient, scheduler_name: str) -> None:
        self.name = scheduler_name
        self.core = client.CoreV1Api(api)
        self.factory = SharedInformerFactory(api)
        self.pods = self.factory.informer("pods")
        self.nodes = self.factory.informer("nodes")
        self.queue: Queue[str] = Queue()
        self.waiting: set[str] = set()  # pods that fit nowhere, retried on any change
        self.assumed: dict[str, Obj] = {}  # bound by us, not yet seen bound
        self.labels: dict[str, dict[str, str]] = {}  # node name -> its labels

    def pending(self, pod: Obj) -> bool:
        spec, phase = pod["spec"], (pod.get("status") or {}).get("phase")
        return (
            spec.get("schedulerName") == self.name
            and not spec.get("nodeName")
            and phase not in DONE
            and not pod["metadata"].get("deletionTimestamp")
        )

    def retry_waiting(self, *_: Any) -> None:
        for key in self.waiting:
            self.queue.add(key)
        self.waiting.clear()

    def pod_changed(self, pod: Obj, *_: Any) -> None:
        key = key_of(pod)
        if pod["spec"].get("nodeName"):
            self.assumed.pop(key, None)
        if (pod.get("status") or {}).get("phase") in DONE:
            self.retry_waiting()  # its resources are free again
        elif self.pending(pod) and key not in self.waiting:
            self.queue.add(key)

    def pod_deleted(self, pod: Any) -> None:
        pod = getattr(pod, "obj", pod)  # the last state known, if the deletion was missed
        self.assumed.pop(key_of(pod), None)
        self.retry_waiting()

    async def run(self) -> None:
        self.pods.add_event_handler(
            on_add=self.pod_changed,
            on_update=lambda old, new: self.pod_changed(new),
            on_delete=self.pod_deleted,
        )
        self.nodes.add_event_handler(on_add=self.retry_waiting, on_update=self.retry_waiting)
        await self.factory.start()
        await self.factory.wait_for_cache_sync()
        try:
            while True:
                key = await self.queue.get()
                try:
                    await self.schedule(key)
                finally:
                    self.queue.done(key)
        except ShutDown:
            pass
        finally:
            await self.factory.shutdown()

    def free(self) -> dict[str, dict[str, float]]:
        """What is left on each Ready, schedulable node."""
        free = {}
        for node in self.nodes.indexer.list():
            status, spec = node.get("status") or {}, node.get("spec") or {}
            conditions = {c["type"]: c["status"] for c in status.get("conditions") or []}
            if conditions.get("Ready") == "True" and not spec.get("unschedulable"):
                alloc = status.get("allocatable") or {}
                left = {k: float(parse_quantity(alloc.get(k, 0))) for k in ("cpu", "memory")}
                free[node["metadata"]["name"]] = left
                self.labels[node["metadata"]["name"]] = node["metadata"].get("labels") or {}
        pods = {key_of(p): p for p in self.pods.indexer.list()}
        for key, bound in self.assumed.items():
            if key in pods and not pods[key]["spec"].get("nodeName"):
                pods[key] = bound  # bound by us; the watch has not shown it yet
        for pod in pods.values():
            node = pod["spec"].get("nodeName")
            if node in free and (pod.get("status") or {}).get("phase") not in DONE:
                for k, v in requests(pod).items():
                    free[node][k] -= v
        return free

    async def schedule(self, key: str) -> None:
        pod = self.pods.indexer.get_by_key(key)
        if pod is None or not self.pending(pod) or key in self.assumed:
            return
        want, free = requests(pod), self.free()
        selector = (pod["spec"].get("nodeSelector") or {}).items()
        fits = [
            n
            for n, left in free.items()
            if all(left[k] >= v for k, v in want.items()) and selector <= self.labels[n].items()
        ]
        try:
            if fits:
                # Most CPU left wins; ties go to the first node by name.
                await self.bind(pod, max(sorted(fits), key=lambda n: free[n]["cpu"]))
            else:
                self.waiting.add(key)
                message = f"0/{len(free)} nodes are available: none matches and has room."
                await self.unschedulable(pod, message)
        except client.ApiException as exc:
            self.assumed.pop(key, None)
            if exc.status not in (404, 409):  # gone, or bound by someone else: nothing to do
                print(f"{key}: {exc.status} {exc.reason}; will retry on the next change")
                self.waiting.add(key)

    async def bind(self, pod: Obj, node: str) -> None:
        meta = pod["metadata"]
        self.assumed[key_of(pod)] = {
            **pod,
            "spec": {**pod["spec"], "nodeName": node},
        }
        binding = {
            "metadata": {"name": meta["name"], "uid": meta["uid"]},
            "target": {"kind": "Node", "name": node},
        }
        await self.core.create_namespaced_pod_binding(
            meta["name"], meta["namespace"], binding, _preload_content=False
        )

    async def unschedulable(self, pod: Obj, message: str) -> None:
        """Say why on the pod, as kube-scheduler does (``kubectl describe`` shows it)."""
        condition = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
        patch = {"status": {"conditions": [{**condition, "message": message}]}}
        meta = pod["metadata"]
        await self.core.patch_namespaced_pod_status(
            meta["name"],
            meta["namespace"],
            patch,
            _content_type="application/strategic-merge-patch+json",
        )


async def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--kubeconfig", help="default: $KUBECONFIG or ~/.kube/config")
    ap.add_argument("--scheduler-name", default="default-scheduler")
    args = ap.parse_args()
    cfg = client.Configuration()
    await config.load_kube_config(config_file=args.kubeconfig, client_configuration=cfg)
    async with client.ApiClient(cfg) as api:
        api.user_agent = "least-allocated-example"
        await LeastAllocated(api, args.scheduler_name).run()


if __name__ == "__main__":
    asyncio.run(main())
