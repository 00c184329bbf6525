"""``fakekube demo``: a server, a few nodes and pods, and a tiny scheduler binding them.

It exercises the real client path (kubernetes-asyncio over HTTP, list+watch, binding
subresource) so a new user sees the whole loop in a second, with nothing to install.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from kubernetes_asyncio import client, config

from fakekube.server import Server, write_kubeconfig

__all__ = ["run_demo"]


async def run_demo(nodes: int = 3, pods: int = 8) -> int:
    async with Server() as server:
        kubeconfig = write_kubeconfig(Path(tempfile.mkdtemp()) / "kubeconfig", server.url)
        print(f"fakekube serving on {server.url} (kubeconfig {kubeconfig})")
        cfg = client.Configuration()
        await config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
        async with client.ApiClient(cfg) as api:
            core = client.CoreV1Api(api)
            for i in range(nodes):
                await core.create_node(
                    {
                        "metadata": {"name": f"node-{i}"},
                        "status": {"capacity": {"cpu": "4", "pods": "110"}},
                    }
                )
            for i in range(pods):
                await core.create_namespaced_pod(
                    "default",
                    {
                        "metadata": {"name": f"pod-{i}"},
                        "spec": {
                            "containers": [
                                {
                                    "name": "c",
                                    "image": "busybox",
                                    "resources": {"requests": {"cpu": "1"}},
                                }
                            ]
                        },
                    },
                )
            pending = await core.list_namespaced_pod(
                "default", field_selector="spec.nodeName=", resource_version="0"
            )
            print(
                f"{len(pending.items)} pending pods at resourceVersion "
                f"{pending.metadata.resource_version}; binding round-robin…"
            )
            for i, pod in enumerate(pending.items):
                target = f"node-{i % nodes}"
                await core.create_namespaced_binding(
                    "default",
                    {
                        "metadata": {"name": pod.metadata.name},
                        "target": {"kind": "Node", "name": target},
                    },
                    _preload_content=False,
                )
            bound = await core.list_namespaced_pod("default")
            print(f"{'POD':<10} {'NODE':<10} PodScheduled")
            for pod in bound.items:
                cond = next(c for c in pod.status.conditions if c.type == "PodScheduled")
                print(f"{pod.metadata.name:<10} {pod.spec.node_name:<10} {cond.status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(run_demo()))
