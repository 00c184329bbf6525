"""The standalone server as a user runs it: ``fakekube serve`` in one process, schedulers in
others (kube-scheduler, the Go one, a Python one, side by side on one cluster, each with
its own ``schedulerName``), and the workload applied with kubectl. Nothing is seeded
behind the API: every object goes through HTTP, as on a real cluster."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from conformance.runners import (
    CUSTOM,
    CommandScheduler,
    KubeSchedulerUnderTest,
    kube_scheduler_versions,
)
from fakekube.kube_scheduler import KubeSchedulerNotBuilt

SCHEDULERS = {
    "default-scheduler": "kube-scheduler",
    "fakekube-go-scheduler": "go-scheduler",
    "first-fit": "python first-fit",
}


def _workload() -> str:
    docs: list[dict[str, object]] = []
    for i in range(3):
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": f"node-{i}",
                    "labels": {"kubernetes.io/hostname": f"node-{i}"},
                },
                "status": {
                    "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                    "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            }
        )
    for name in SCHEDULERS:
        for i in range(2):
            container = {"name": "c", "image": "pause", "resources": {"requests": {"cpu": "1"}}}
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": f"{name}-{i}", "namespace": "default"},
                    "spec": {"schedulerName": name, "containers": [container]},
                }
            )
    # One v1 List, as `kubectl get -o yaml` writes them: kubectl validates it against
    # /openapi/v2 in protobuf.
    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": docs})


async def _kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not on PATH (scripts/test requires it)", pytrace=False)
    proc = await asyncio.create_subprocess_exec(
        kubectl,
        "--kubeconfig",
        str(kubeconfig),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 60)
    assert proc.returncode == 0, f"kubectl {' '.join(args)}: {err.decode()}"
    return out.decode()


async def test_schedulers_side_by_side_on_fakekube_serve(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fakekube",
        "serve",
        "--port",
        "0",
        "--kubeconfig",
        str(kubeconfig),
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdout is not None
    first = await asyncio.wait_for(server.stdout.readline(), 30)
    assert first.startswith(b"fakekube serving on http://127.0.0.1:"), first
    go = next(s for s in CUSTOM if s.scheduler == "go-scheduler")
    try:
        schedulers = [
            KubeSchedulerUnderTest(kubeconfig, kube_scheduler_versions()[-1], profile="default"),
            go.runner(kubeconfig),
            CommandScheduler(
                "first-fit",
                "python",
                [sys.executable, "-m", "fakekube.schedulers.first_fit", "--kubeconfig",
                 "{kubeconfig}", "--scheduler-name", "first-fit"],
                kubeconfig,
                scheduler_name="first-fit",
            ),
        ]  # fmt: skip
    except KubeSchedulerNotBuilt as exc:
        server.terminate()
        await server.wait()
        pytest.fail(str(exc), pytrace=False)
    try:
        for s in schedulers:
            await s.start()
        await _kubectl(kubeconfig, "apply", "-f", "-", stdin=_workload())
        await _kubectl(
            kubeconfig, "wait", "pods", "--all", "--for=condition=PodScheduled", "--timeout=60s"
        )
        pods = json.loads(await _kubectl(kubeconfig, "get", "pods", "-o", "json"))["items"]
        bound = {p["metadata"]["name"]: p["spec"].get("nodeName") for p in pods}
        assert len(bound) == 6 and all(bound.values()), bound
        # Two one-cpu pods per scheduler, three four-cpu nodes: every pod fits somewhere.
        per_node: dict[str, int] = {}
        for node in bound.values():
            per_node[node] = per_node.get(node, 0) + 1
        assert max(per_node.values()) <= 4, per_node
        for s in schedulers:
            s.check_alive()
    finally:
        for s in schedulers:
            await s.stop()
        server.terminate()
        await server.wait()
