"""Count the pods on every node: an informer controller with a lister, an index and a work queue.

    python examples/informers/pods_per_node.py --kubeconfig PATH [--once]

Informers keep the caches; their handlers only say *which node changed* by queueing its
name; a worker reconciles one node at a time from the caches. A burst of events for one
node collapses into one reconcile, a node is never reconciled by two workers at once,
and a failed reconcile is retried with backoff: the client-go controller pattern.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from informers import DeletedFinalStateUnknown, NotFoundError, SharedInformerFactory
from informers.workqueue import RateLimitingQueue, ShutDown

NODE_INDEX = "node"


def pod_node(pod: dict[str, Any]) -> list[str]:
    """Index pods by the node they are bound to (unscheduled pods are not indexed)."""
    node = (pod.get("spec") or {}).get("nodeName")
    return [node] if node else []


class PodsPerNode:
    def __init__(self, api_client: Any, workers: int = 2) -> None:
        self.factory = SharedInformerFactory(api_client)
        self.pods = self.factory.informer("pods", indexers={NODE_INDEX: pod_node})
        self.nodes = self.factory.lister("nodes")
        self.queue: RateLimitingQueue[str] = self.factory.track(RateLimitingQueue())
        self.counts: dict[str, int] = {}
        self.workers = workers
        self._tasks: list[asyncio.Task[None]] = []
        self.pods.add_event_handler(
            on_add=lambda pod, _initial: self._enqueue(pod),
            on_update=self._moved,
            on_delete=self._enqueue,
        )
        self.factory.informer("nodes").add_event_handler(
            on_add=lambda node, _initial: self.queue.add(node["metadata"]["name"]),
            on_delete=lambda node: self.queue.add(_unwrap(node)["metadata"]["name"]),
        )

    def _moved(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self._enqueue(old)  # the node it left (if it changed) and the one it is on
        self._enqueue(new)

    def _enqueue(self, pod: Any) -> None:
        for node in pod_node(_unwrap(pod)):
            self.queue.add(node)

    def reconcile(self, node: str) -> None:
        """Make ``counts[node]`` match the caches (the node gone: forget it)."""
        try:
            self.nodes.get(node)
        except NotFoundError:
            self.counts.pop(node, None)
            return
        self.counts[node] = len(self.pods.indexer.by_index(NODE_INDEX, node))

    async def _work(self) -> None:
        while True:
            try:
                node = await self.queue.get()
            except ShutDown:
                return
            try:
                self.reconcile(node)
                self.queue.forget(node)
            except Exception:
                self.queue.add_rate_limited(node)  # retried later, with backoff
            finally:
                self.queue.done(node)

    async def start(self) -> None:
        await self.factory.start()
        synced = await self.factory.wait_for_cache_sync(30)
        if not all(synced.values()):
            raise RuntimeError(f"caches did not sync: {synced}")
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        await self.queue.shut_down_with_drain()
        await asyncio.gather(*self._tasks)
        await self.factory.shutdown()


def _unwrap(obj: Any) -> dict[str, Any]:
    """The object itself, or the last state a DeletedFinalStateUnknown carries."""
    return obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj  # type: ignore[no-any-return]


async def main(kubeconfig: str, once: bool) -> None:
    from kubernetes_asyncio import client, config

    cfg = client.Configuration()
    await config.load_kube_config(config_file=kubeconfig, client_configuration=cfg)
    async with client.ApiClient(cfg) as api:
        controller = PodsPerNode(api)
        await controller.start()
        try:
            while True:
                while not controller.factory.quiescent():
                    await asyncio.sleep(0.05)
                for node, n in sorted(controller.counts.items()):
                    print(f"{node}\t{n}")
                if once:
                    return
                print()
                await asyncio.sleep(5)
        finally:
            await controller.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--once", action="store_true", help="print the counts once, then exit")
    args = ap.parse_args()
    asyncio.run(main(args.kubeconfig, args.once))
