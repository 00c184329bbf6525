"""The guide's example controller (examples/informers/pods_per_node.py) works, in process
and as the command docs/informers.md tells people to run."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from fakekube import FakeCluster
from fakekube.cluster import node

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "informers" / "pods_per_node.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pods_per_node", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pod(name: str, node_name: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox"}]}
    if node_name:
        spec["nodeName"] = node_name
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


def seed(cluster: FakeCluster) -> None:
    for name in ("n1", "n2"):
        cluster.store.create("nodes", node(name))
    for name, where in (("a", "n1"), ("b", "n1"), ("c", "")):
        cluster.store.create("pods", pod(name, where))


async def test_counts_follow_binds_deletes_and_node_removal(fake_cluster: FakeCluster) -> None:
    seed(fake_cluster)
    controller = load_example().PodsPerNode(fake_cluster.api_client())
    await controller.start()
    try:

        async def settled(expected: dict[str, int], resource: str = "pods") -> None:
            # Idle once the informer that saw the last write has read up to it: then every
            # event is delivered and every queued node reconciled.
            rv = fake_cluster.store.resource_version
            informer = controller.factory.informer(resource)
            await fake_cluster.wait_for(
                lambda: (
                    int(informer.last_sync_resource_version) >= rv
                    and controller.factory.quiescent()
                )
            )
            assert controller.counts == expected

        await settled({"n1": 2, "n2": 0})
        binding = {"target": {"apiVersion": "v1", "kind": "Node", "name": "n2"}}
        fake_cluster.store.bind("default", "c", binding)
        await settled({"n1": 2, "n2": 1})
        fake_cluster.store.delete("pods", "a", namespace="default")
        await settled({"n1": 1, "n2": 1})
        fake_cluster.store.delete("nodes", "n2")
        await settled({"n1": 1}, "nodes")
    finally:
        await controller.stop()


async def test_the_command_prints_the_counts_once(fake_cluster: FakeCluster) -> None:
    seed(fake_cluster)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        "--kubeconfig",
        str(fake_cluster.kubeconfig),
        "--once",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert out.decode().splitlines() == ["n1\t2", "n2\t0"]
