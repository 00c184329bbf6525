"""The kube-scheduler idle probe: what its /metrics must say before a simulated step ends.

The probe logic runs against scripted readings (real /metrics lines from kube-scheduler
1.35); one test starts the real binary in the simulation profile.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakekube import FakeCluster
from fakekube.batsim.quiescence import SchedulerStuck
from fakekube.cluster import node
from fakekube.kube_scheduler import (
    KubeScheduler,
    KubeSchedulerProbe,
    SchedulerMetrics,
    find_binary,
    simulation_config,
)

# An excerpt of kube-scheduler 1.35.4's /metrics during a loaded simulation.
METRICS = """\
scheduler_goroutines{operation="DefaultPreemption"} 0
scheduler_goroutines{operation="Filter"} 0
scheduler_goroutines{operation="binding"} 2
# HELP scheduler_pending_pods [STABLE] Number of pending pods, by the queue type.
# TYPE scheduler_pending_pods gauge
scheduler_pending_pods{queue="active"} 3
scheduler_pending_pods{queue="backoff"} 1
scheduler_pending_pods{queue="gated"} 0
scheduler_pending_pods{queue="unschedulable"} 184
scheduler_pending_pods_total_bogus{queue="active"} 99
scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} 4025
scheduler_schedule_attempts_total{profile="default-scheduler",result="unschedulable"} 26738
"""

IDLE = SchedulerMetrics(active=0, backoff=0, unschedulable=2, gated=1, binding=0, attempts=9)


def test_metrics_parse_the_queues_binding_goroutines_and_attempts() -> None:
    assert SchedulerMetrics.parse(METRICS) == SchedulerMetrics(
        active=3, backoff=1, unschedulable=184, gated=0, binding=2, attempts=4025 + 26738
    )


class Scripted:
    """Stands in for a KubeScheduler: returns the readings it is given, in order."""

    def __init__(self, *readings: SchedulerMetrics) -> None:
        self.readings = list(readings)

    async def metrics(self) -> SchedulerMetrics:
        return self.readings.pop(0)


def probe(*readings: SchedulerMetrics, pending: int = 3) -> KubeSchedulerProbe:
    return KubeSchedulerProbe(Scripted(*readings), lambda: pending)  # type: ignore[arg-type]


async def test_idle_takes_two_identical_idle_readings_within_the_step() -> None:
    p = probe(IDLE, IDLE)
    assert not await p.idle(10)  # one reading proves nothing yet
    assert await p.idle(10)


async def test_readings_from_an_earlier_step_do_not_count() -> None:
    p = probe(IDLE, IDLE, IDLE)
    assert not await p.idle(10)
    assert await p.idle(10)
    assert not await p.idle(11)  # new barrier: start over


async def test_a_pod_in_no_queue_is_being_scheduled() -> None:
    # 4 pending pods in the store, 3 in kube-scheduler's queues: one was popped and is
    # mid-cycle, although every queue gauge looks idle.
    p = probe(IDLE, IDLE, pending=4)
    assert not await p.idle(10)
    assert not await p.idle(10)


async def test_an_attempt_between_two_readings_is_activity() -> None:
    p = probe(IDLE, replace(IDLE, attempts=10), replace(IDLE, attempts=10))
    assert not await p.idle(10)
    assert not await p.idle(10)
    assert await p.idle(10)


async def test_queued_backing_off_or_binding_pods_are_work() -> None:
    for busy in (replace(IDLE, active=1), replace(IDLE, backoff=1), replace(IDLE, binding=1)):
        p = probe(busy, busy)
        assert not await p.idle(10)
        assert not await p.idle(10)
        assert "binding goroutines" in p.busy_reasons(10)[0]


async def test_simulation_profile_serves_slim_metrics(fake_cluster: FakeCluster) -> None:
    find_binary()  # fails (not skips) naming scripts/build-kube-scheduler when none is built
    async with KubeScheduler(fake_cluster.kubeconfig, profile="simulation") as ks:
        await ks.wait_healthy()
        status, text = await ks.get("/metrics")
        assert status == 200
        assert "scheduler_pending_pods{" in text
        assert "scheduler_plugin_execution_duration_seconds" not in text
        assert await ks.metrics() == SchedulerMetrics(0, 0, 0, 0, 0, 0)


class Dead:
    """A KubeScheduler whose process has exited: /metrics refuses connections."""

    async def metrics(self) -> SchedulerMetrics:
        raise ConnectionRefusedError(111, "Connect call failed")

    def check_alive(self) -> None:
        raise RuntimeError("kube-scheduler v1.35.4 exited with code 137; last log lines: …")


async def test_a_dead_scheduler_is_reported_not_raised_as_a_connection_error() -> None:
    p = KubeSchedulerProbe(Dead(), lambda: 0)  # type: ignore[arg-type]
    with pytest.raises(SchedulerStuck, match="exited with code 137"):
        await p.idle(10)


# A study's policy: bin-packing instead of kube-scheduler's default spreading.
MOST_ALLOCATED: dict[str, Any] = {
    "apiVersion": "kubescheduler.config.k8s.io/v1",
    "kind": "KubeSchedulerConfiguration",
    "percentageOfNodesToScore": 50,
    "clientConnection": {"qps": 100},
    "leaderElection": {"leaderElect": True},
    "profiles": [
        {
            "schedulerName": "default-scheduler",
            "pluginConfig": [
                {
                    "name": "NodeResourcesFit",
                    "args": {
                        "scoringStrategy": {
                            "type": "MostAllocated",
                            "resources": [{"name": "cpu", "weight": 1}],
                        }
                    },
                }
            ],
        }
    ],
}


def test_a_users_configuration_keeps_its_policy_and_gets_the_clusters_connection() -> None:
    original = copy.deepcopy(MOST_ALLOCATED)
    doc = yaml.safe_load(simulation_config(Path("/k/kubeconfig"), base=MOST_ALLOCATED))
    assert doc["profiles"] == MOST_ALLOCATED["profiles"]
    assert doc["percentageOfNodesToScore"] == 50
    assert doc["clientConnection"] == {
        "qps": 100,
        "kubeconfig": "/k/kubeconfig",
        "contentType": "application/json",
        "burst": 10000,
    }
    assert doc["leaderElection"] == {"leaderElect": False}
    assert original == MOST_ALLOCATED


def test_a_configuration_of_another_kind_or_without_the_pods_scheduler_is_refused() -> None:
    wrong_kind = r'expected apiVersion "kubescheduler\.config\.k8s\.io/v1"'
    with pytest.raises(ValueError, match=wrong_kind):
        simulation_config(Path("k"), base={"apiVersion": "v1", "kind": "ConfigMap"})
    other = {**MOST_ALLOCATED, "profiles": [{"schedulerName": "bin-packer"}]}
    with pytest.raises(ValueError, match="no profile has schedulerName 'default-scheduler'"):
        simulation_config(Path("k"), base=other)


async def test_a_most_allocated_configuration_packs_pods_onto_one_node(
    fake_cluster: FakeCluster,
) -> None:
    for name in ("node-a", "node-b", "node-c"):
        fake_cluster.store.create("nodes", node(name, cpu="4"), keep_status=True)
    for i in range(3):
        fake_cluster.store.create(
            "pods",
            {
                "metadata": {"name": f"p{i}", "namespace": "default"},
                "spec": {
                    "containers": [
                        {"name": "c", "image": "x", "resources": {"requests": {"cpu": "1"}}}
                    ]
                },
            },
        )

    def placements() -> list[str]:
        pods = fake_cluster.store.list("pods", namespace="default").objects()
        return [p["spec"].get("nodeName", "") for p in pods]

    async with KubeScheduler(fake_cluster.kubeconfig, config=MOST_ALLOCATED) as ks:
        await ks.wait_healthy()
        await fake_cluster.wait_for(lambda: all(placements()), timeout=30)
    # kube-scheduler's default (LeastAllocated) would put each pod on its own node.
    assert len(set(placements())) == 1
