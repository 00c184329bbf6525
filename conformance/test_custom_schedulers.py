"""Schedulers that are not kube-scheduler: the bundled Python ones (``python -m``), the
example in examples/schedulers, and a small client-go program. Each runs as its own
process with nothing but a kubeconfig, runs the scenarios that apply to it, and is
checked against its own endpoint manifest.
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from conformance.manifest import shared
from conformance.runners import CUSTOM, CommandScheduler, CustomScheduler
from conformance.scenarios import POOL, Env, Scenario, open_env

pytestmark = pytest.mark.asyncio(loop_scope="module")

SPECS = {s.scheduler: s for s in CUSTOM}
ALL = [pytest.param(s, id=s.scheduler) for s in CUSTOM]
WITH_EVENTS = [pytest.param(s, id=s.scheduler) for s in CUSTOM if s.posts_events]
WITH_TAINTS = [pytest.param(s, id=s.scheduler) for s in CUSTOM if s.handles_taints]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    """One cluster and one scheduler process per scheduler, shared by the module."""
    spec: CustomScheduler = request.param

    def make(kubeconfig: Any) -> CommandScheduler:
        return spec.runner(kubeconfig)

    async with open_env(make, shared(spec.scheduler, spec.version)) as env:
        yield env


@pytest_asyncio.fixture(loop_scope="module")
async def scenario(env: Env, request: pytest.FixtureRequest) -> AsyncIterator[Scenario]:
    name = request.node.originalname.removeprefix("test_").replace("_", "-")[:40]
    scenario = env.scenario(name.strip("-"))
    yield scenario
    scenario.close()
    env.verify()


@pytest.mark.parametrize("env", ALL, indirect=True)
async def test_all_pods_bound_within_node_resources(env: Env, scenario: Scenario) -> None:
    nodes = [scenario.node(f"n{i}", cpu="4", memory="8Gi") for i in range(10)]
    pods = [scenario.pod(f"p{i}", cpu="1", memory="1Gi") for i in range(40)]

    placements = await scenario.bound(*pods)

    per_node = collections.Counter(f"{scenario.name}-{n}" for n in placements.values())
    assert per_node == dict.fromkeys(nodes, 4)
    if SPECS[env.scheduler.scheduler].posts_events:
        events = await scenario.wait(
            lambda: len(evs := scenario.events("Scheduled")) == len(pods) and evs,
            "one Scheduled event per pod",
        )
        assert {e["regarding"]["name"] for e in events} == set(pods)


@pytest.mark.parametrize("env", ALL, indirect=True)
async def test_unschedulable_pod_binds_after_a_node_is_added(env: Env, scenario: Scenario) -> None:
    scenario.node("a", cpu="1")
    scenario.pod("first", cpu="1")
    assert await scenario.bound("first") == {"first": "a"}
    scenario.pod("second", cpu="1")

    cond = await scenario.unschedulable("second")
    assert cond["reason"] == "Unschedulable" and cond["message"].startswith("0/")
    scenario.node("b", cpu="1")

    assert await scenario.bound("second") == {"second": "b"}


@pytest.mark.parametrize("env", ALL, indirect=True)
async def test_unschedulable_pod_binds_after_another_pod_completes(
    env: Env, scenario: Scenario
) -> None:
    scenario.node("a", cpu="1")
    scenario.pod("first", cpu="1")
    await scenario.bound("first")
    scenario.pod("second", cpu="1")
    await scenario.unschedulable("second")

    scenario.complete("first")

    assert await scenario.bound("second") == {"second": "a"}


@pytest.mark.parametrize("env", WITH_TAINTS, indirect=True)
async def test_taints_repel_pods_without_a_matching_toleration(
    env: Env, scenario: Scenario
) -> None:
    scenario.node("infra", taints=[{"key": "dedicated", "value": "infra", "effect": "NoSchedule"}])
    scenario.node("gpu", taints=[{"key": "gpu", "value": "true", "effect": "NoExecute"}])
    scenario.pod(
        "infra-pod", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "infra"}]
    )
    scenario.pod(
        "gpu-pod", tolerations=[{"key": "gpu", "operator": "Exists", "effect": "NoExecute"}]
    )
    scenario.pod("plain")

    assert await scenario.bound("infra-pod", "gpu-pod") == {"infra-pod": "infra", "gpu-pod": "gpu"}
    cond = await scenario.unschedulable("plain")
    assert "2 node(s) had untolerated taint" in cond["message"]


@pytest.mark.parametrize("env", WITH_EVENTS, indirect=True)
async def test_repeated_scheduling_failure_patches_the_event_series(
    env: Env, scenario: Scenario
) -> None:
    """client-go's event recorder turns a repeated identical event into a series (see the
    kube-scheduler scenario of the same name): growing a node outside the pod's pool makes
    the scheduler retry, and fail the same way, until that happens."""
    scenario.node("a", cpu="1")
    elsewhere = scenario.node("elsewhere", cpu="4", labels={POOL: f"{scenario.name}-unused"})
    scenario.pod("big", cpu="2")
    await scenario.unschedulable("big")

    def series() -> list[dict[str, Any]]:
        events = scenario.events("FailedScheduling")
        return [e for e in events if (e.get("series") or {}).get("count", 0) >= 2]

    for cpu in ("8", "16", "32", "64"):
        if series():
            break
        seen = len(scenario.events("FailedScheduling"))
        env.store.patch(
            "nodes",
            elsewhere,
            "application/merge-patch+json",
            {"status": {"capacity": {"cpu": cpu}, "allocatable": {"cpu": cpu}}},
            subresource="status",
        )
        await scenario.wait(
            lambda seen=seen: len(scenario.events("FailedScheduling")) > seen or series(),
            f"another scheduling attempt after the node grew to {cpu} cpu",
        )

    [event] = await scenario.wait(series, "a FailedScheduling event patched into a series")
    assert event["regarding"]["name"] == "big"


#: Where one 1-cpu pod goes among a (2 cpu), b (1 cpu), c (4 cpu), by policy.
EXPECTED = {"first-fit": "a", "best-fit": "b", "least-allocated": "c"}


@pytest.mark.parametrize("env", ALL, indirect=True)
async def test_policy_places_pod_on_its_node(env: Env, scenario: Scenario) -> None:
    for name, cpu in (("a", "2"), ("b", "1"), ("c", "4")):
        scenario.node(name, cpu=cpu)
    scenario.pod("p", cpu="1")

    placements = await scenario.bound("p")

    policy = SPECS[env.scheduler.scheduler].policy
    assert placements["p"] == EXPECTED.get(policy, placements["p"])
    assert placements["p"] in ("a", "b", "c")
