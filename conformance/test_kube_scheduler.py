"""The real kube-scheduler, unmodified, for every pinned version, against fakekube.

Two profiles: ``default`` is kube-scheduler with nothing but a kubeconfig (protobuf bodies,
leader election through Leases, QPS 50, streaming lists on 1.35); ``simulation`` is what
``fakekube simulate`` runs (JSON, high QPS, no leader election). Scenarios that are about
default behaviour run in both; placement scenarios run in the simulation profile. Every
scenario ends by checking the requests made against the version's endpoint manifest.

Each (version, profile) shares one cluster and one kube-scheduler across scenarios (see
:mod:`conformance.scenarios`). The leader-election test starts its own pair.
"""

from __future__ import annotations

import collections
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from conformance.manifest import shared
from conformance.runners import KubeSchedulerUnderTest, kube_scheduler_versions
from conformance.scenarios import POOL, Env, Scenario, open_env
from fakekube.cluster import FakeCluster

pytestmark = pytest.mark.asyncio(loop_scope="module")

VERSIONS = kube_scheduler_versions()
BOTH = [pytest.param((v, p), id=f"{v}-{p}") for v in VERSIONS for p in ("default", "simulation")]
SIMULATION = [pytest.param((v, "simulation"), id=f"{v}-simulation") for v in VERSIONS]
ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(request: pytest.FixtureRequest) -> AsyncIterator[Env]:
    """One cluster and one kube-scheduler per (version, profile), shared by the module."""
    version, profile = request.param

    def make(kubeconfig: Any) -> KubeSchedulerUnderTest:
        return KubeSchedulerUnderTest(kubeconfig, version, profile=profile)

    async with open_env(make, shared("kube-scheduler", version)) as env:
        yield env


@pytest_asyncio.fixture(loop_scope="module")
async def scenario(env: Env, request: pytest.FixtureRequest) -> AsyncIterator[Scenario]:
    """The test's own namespace and node pool; its requests are checked when it ends."""
    name = request.node.originalname.removeprefix("test_").replace("_", "-")[:40]
    scenario = env.scenario(name.strip("-"))
    yield scenario
    scenario.close()
    env.verify()


def priority_classes(env: Env) -> None:
    for name, value in (("conformance-low", 100), ("conformance-high", 1000)):
        if env.store.try_get("priorityclasses", name) is None:
            env.store.create(
                "priorityclasses",
                {
                    "apiVersion": "scheduling.k8s.io/v1",
                    "kind": "PriorityClass",
                    "metadata": {"name": name},
                    "value": value,
                },
            )


# -- every pod bound ----------------------------------------------------------------------


@pytest.mark.parametrize("env", BOTH, indirect=True)
async def test_all_pods_bound_within_node_resources_with_scheduled_events(
    env: Env, scenario: Scenario
) -> None:
    nodes = [scenario.node(f"n{i}", cpu="4", memory="8Gi") for i in range(10)]
    pods = [scenario.pod(f"p{i}", cpu="1", memory="1Gi") for i in range(40)]

    placements = await scenario.bound(*pods)

    # 40 one-cpu pods on 10 four-cpu nodes: a correct scheduler can only fill every node.
    per_node = collections.Counter(f"{scenario.name}-{n}" for n in placements.values())
    assert per_node == dict.fromkeys(nodes, 4)
    for pod in pods:
        cond = scenario.condition(pod, "PodScheduled")
        assert cond is not None and cond["status"] == "True"
    events = await scenario.wait(
        lambda: (evs := scenario.events("Scheduled")) and len(evs) == len(pods) and evs,
        "one Scheduled event per pod",
    )
    for ev in events:
        pod = ev["regarding"]["name"]
        node = f"{scenario.name}-{placements[pod]}"
        assert ev["note"] == f"Successfully assigned {scenario.ns}/{pod} to {node}"
        assert (ev["action"], ev["type"]) == ("Binding", "Normal")
        assert ev["reportingController"] == "default-scheduler"
        assert ev["regarding"]["kind"] == "Pod"


@pytest.mark.parametrize("env", BOTH, indirect=True)
async def test_profile_settings_reach_the_wire(env: Env, scenario: Scenario) -> None:
    """The default profile really is the default: protobuf bodies, events.k8s.io/v1,
    leader election through a Lease with ``?timeout=5s``, and on 1.35 streaming lists;
    the simulation profile sends JSON, never touches a Lease and serves ``/metrics``."""
    scenario.node("a")
    scenario.pod("p")
    await scenario.bound("p")
    records = env.cluster.requests()
    default = env.scheduler.profile == "default"

    [binding] = [r for r in records if r.path == f"/api/v1/namespaces/{scenario.ns}/pods/p/binding"]
    protobuf = "application/vnd.kubernetes.protobuf"
    assert binding.content_type == (protobuf if default else "application/json")
    assert binding.user_agent.startswith(f"kube-scheduler/v{env.scheduler.version} ")
    assert any(r.template == "/apis/events.k8s.io/v1" and r.status == 200 for r in records)
    leases = [r for r in records if r.resource == "leases"]
    if default:
        verbs = {r.verb for r in leases}
        assert {"get", "create"} <= verbs, verbs
        assert all(r.query.get("timeout") == "5s" for r in leases)
        assert {r.path for r in leases if r.verb == "get"} == {
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler"
        }
    else:
        assert leases == []
    pods = [r for r in records if r.resource == "pods" and r.verb in ("list", "watch")]
    streaming = [r for r in pods if r.query.get("sendInitialEvents") == "true"]
    if env.scheduler.version.startswith("1.35."):
        assert streaming and not [r for r in pods if r.verb == "list"]
    else:
        assert not streaming and [r for r in pods if r.verb == "list"]
    ks = env.scheduler
    assert isinstance(ks, KubeSchedulerUnderTest)
    if default:  # /metrics needs authorization, which a bare kubeconfig does not give
        assert (await ks.get("/metrics"))[0] == 403
    else:
        assert (await ks.metrics()).attempts >= 1


# -- unschedulable, then schedulable ------------------------------------------------------


@pytest.mark.parametrize("env", BOTH, indirect=True)
async def test_unschedulable_pod_binds_after_a_node_is_added(
    env: Env, scenario: Scenario, record_property: Any
) -> None:
    scenario.node("a", cpu="1")
    scenario.pod("first", cpu="1")
    assert await scenario.bound("first") == {"first": "a"}
    scenario.pod("second", cpu="1")

    cond = await scenario.unschedulable("second")

    assert cond["reason"] == "Unschedulable"
    assert re.match(r"0/\d+ nodes are available: .*1 Insufficient cpu", cond["message"])
    await scenario.wait(lambda: scenario.events("FailedScheduling"), "a FailedScheduling event")
    scenario.node("b", cpu="1")
    placements, seconds = await scenario.timed(scenario.bound("second"))
    assert placements == {"second": "b"}
    record_property("node_added_to_bound_seconds", round(seconds, 2))


@pytest.mark.parametrize("env", BOTH, indirect=True)
async def test_unschedulable_pod_binds_after_another_pod_completes(
    env: Env, scenario: Scenario, record_property: Any
) -> None:
    scenario.node("a", cpu="1")
    scenario.pod("first", cpu="1")
    await scenario.bound("first")
    scenario.pod("second", cpu="1")
    cond = await scenario.unschedulable("second")
    assert "Insufficient cpu" in cond["message"]

    scenario.complete("first")

    placements, seconds = await scenario.timed(scenario.bound("second"))
    assert placements == {"second": "a"}
    record_property("pod_completed_to_bound_seconds", round(seconds, 2))


@pytest.mark.parametrize("env", BOTH, indirect=True)
async def test_repeated_scheduling_failure_patches_the_event_series(
    env: Env, scenario: Scenario
) -> None:
    scenario.node("a", cpu="1")
    # Room, but outside the pod's pool: growing it requeues the pod (NodeResourcesFit's
    # queueing hint) without changing why it fails.
    elsewhere = scenario.node("elsewhere", cpu="4", labels={POOL: f"{scenario.name}-unused"})
    scenario.pod("big", cpu="2")
    await scenario.unschedulable("big")

    def series() -> list[dict[str, Any]]:
        events = scenario.events("FailedScheduling")
        return [e for e in events if (e.get("series") or {}).get("count", 0) >= 2]

    # client-go's event recorder keys events by note *and* the pod's resourceVersion, so
    # the first failures may each be posted (the status patch moves the pod on); once the
    # pod stops changing, the next identical failure becomes a series: a PATCH of the last
    # event with series.count 2. Each growth of the node is one more attempt.
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
    assert {e["regarding"]["name"] for e in scenario.events("FailedScheduling")} == {"big"}


# -- preemption ---------------------------------------------------------------------------


@pytest.mark.parametrize("env", BOTH, indirect=True)
async def test_preemption_evicts_lower_priority_victim_then_binds_preemptor(
    env: Env, scenario: Scenario
) -> None:
    priority_classes(env)
    scenario.node("a", cpu="2")
    scenario.pod("victim", cpu="2", priority_class="conformance-low")
    await scenario.bound("victim")
    changes = scenario.history()

    scenario.pod("preemptor", cpu="2", priority_class="conformance-high")

    assert await scenario.bound("preemptor") == {"preemptor": "a"}
    assert scenario.get("victim") is None
    node = f"{scenario.name}-a"

    def first(predicate: Any) -> int:
        return next(i for i, change in enumerate(changes) if predicate(*change))

    def condition(pod: dict[str, Any], kind: str) -> dict[str, Any]:
        conds = (pod.get("status") or {}).get("conditions") or []
        return next((c for c in conds if c["type"] == kind), {})

    def named(pod: dict[str, Any], name: str) -> bool:
        return bool(pod["metadata"]["name"] == name)

    disrupted = first(
        lambda t, p: named(p, "victim") and condition(p, "DisruptionTarget").get("status") == "True"
    )
    deleted = first(lambda t, p: t == "DELETED" and named(p, "victim"))
    nominated = first(
        lambda t, p: named(p, "preemptor") and p["status"].get("nominatedNodeName") == node
    )
    bound = first(lambda t, p: named(p, "preemptor") and p["spec"].get("nodeName") == node)
    # kube-scheduler's order (pkg/scheduler/framework/preemption): nominate the preemptor,
    # mark the victim DisruptionTarget, delete it; bind only once the deletion is seen.
    assert nominated < bound
    assert disrupted < deleted < bound
    target = condition(changes[disrupted][1], "DisruptionTarget")
    assert target["reason"] == "PreemptionByScheduler"
    assert target["message"] == "default-scheduler: preempting to accommodate a higher priority pod"
    preempted = await scenario.wait(lambda: scenario.events("Preempted"), "a Preempted event")
    assert preempted[0]["regarding"]["name"] == "victim"


# -- placement ----------------------------------------------------------------------------


@pytest.mark.parametrize("env", SIMULATION, indirect=True)
async def test_node_affinity_required_and_preferred(env: Env, scenario: Scenario) -> None:
    for name, zone in (("a", "z1"), ("b", "z2"), ("c", "z3")):
        scenario.node(name, labels={ZONE: zone})

    def term(zone: str) -> dict[str, Any]:
        return {"matchExpressions": [{"key": ZONE, "operator": "In", "values": [zone]}]}

    scenario.pod(
        "required",
        affinity={
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [term("z2")]
                }
            }
        },
    )
    scenario.pod(
        "preferred",
        affinity={
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 100, "preference": term("z3")}
                ]
            }
        },
    )
    assert await scenario.bound("required", "preferred") == {"required": "b", "preferred": "c"}


@pytest.mark.parametrize("env", SIMULATION, indirect=True)
async def test_taints_repel_pods_without_a_matching_toleration(
    env: Env, scenario: Scenario
) -> None:
    scenario.node("infra", taints=[{"key": "dedicated", "value": "infra", "effect": "NoSchedule"}])
    scenario.node("gpu", taints=[{"key": "gpu", "value": "true", "effect": "NoExecute"}])
    scenario.pod(
        "infra-pod",
        tolerations=[{"key": "dedicated", "operator": "Equal", "value": "infra"}],
    )
    scenario.pod(
        "gpu-pod", tolerations=[{"key": "gpu", "operator": "Exists", "effect": "NoExecute"}]
    )
    scenario.pod("plain")

    assert await scenario.bound("infra-pod", "gpu-pod") == {"infra-pod": "infra", "gpu-pod": "gpu"}
    cond = await scenario.unschedulable("plain")
    # 1.33 names each taint ("1 node(s) had untolerated taint {gpu: true}"), later ones do not.
    tainted = re.findall(r"(\d+) node\(s\) had untolerated taint", cond["message"])
    assert sum(map(int, tainted)) == 2, cond["message"]


async def kube_scheduler_sees_every_node(env: Env) -> None:
    """Wait until kube-scheduler's cache holds as many nodes as the store."""
    ks = env.scheduler
    assert isinstance(ks, KubeSchedulerUnderTest)
    want = len(env.store.list("nodes").items)

    async def every_node_cached() -> bool:
        status, text = await ks.get("/metrics")
        cached = re.search(r'^scheduler_cache_size\{type="nodes"\} (\d+)$', text, re.M)
        return status == 200 and cached is not None and int(cached.group(1)) >= want

    await env.cluster.wait_for(every_node_cached, timeout=30)


@pytest.mark.parametrize("env", SIMULATION, indirect=True)
async def test_topology_spread_evens_pods_across_zones(env: Env, scenario: Scenario) -> None:
    # Three nodes in z1, one in z2: plain spreading would put three pods in z1.
    for name, zone in (("a", "z1"), ("b", "z1"), ("c", "z1"), ("d", "z2")):
        scenario.node(name, cpu="4", labels={ZONE: zone})
    # Nodes and pods reach kube-scheduler on separate watches: a pod scheduled before it
    # has seen node d spreads over z1 alone, as it would in a real cluster.
    await kube_scheduler_sees_every_node(env)
    spread = [
        {
            "maxSkew": 1,
            "topologyKey": ZONE,
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "web"}},
        }
    ]
    pods = [
        scenario.pod(f"web{i}", labels={"app": "web"}, topologySpreadConstraints=spread)
        for i in range(4)
    ]

    placements = await scenario.bound(*pods)

    zones = collections.Counter("z2" if n == "d" else "z1" for n in placements.values())
    assert zones == {"z1": 2, "z2": 2}


@pytest.mark.parametrize("env", SIMULATION, indirect=True)
async def test_pod_anti_affinity_puts_one_replica_per_node(env: Env, scenario: Scenario) -> None:
    for name in ("a", "b", "c"):
        scenario.node(name)
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": HOSTNAME}
            ]
        }
    }
    pods = [scenario.pod(f"db{i}", labels={"app": "db"}, affinity=anti) for i in range(3)]

    placements = await scenario.bound(*pods)

    assert sorted(placements.values()) == ["a", "b", "c"]
    scenario.pod("db3", labels={"app": "db"}, affinity=anti)
    cond = await scenario.unschedulable("db3")
    assert "3 node(s) didn't match pod anti-affinity rules" in cond["message"]


# -- leader election ----------------------------------------------------------------------

#: Shorter than the defaults (15 s / 10 s / 2 s) so a takeover after SIGKILL takes seconds;
#: the only flags any test passes to kube-scheduler besides the kubeconfig.
FAST_LEASE = [
    "--leader-elect-lease-duration=4s",
    "--leader-elect-renew-deadline=3s",
    "--leader-elect-retry-period=1s",
]


def acquired(scheduler: KubeSchedulerUnderTest) -> bool:
    """Whether its log says it became the leader (leaderelection.go, any klog format)."""
    return "successfully acquired lease" in scheduler.log_tail(10_000).lower()


@pytest.mark.parametrize("version", VERSIONS)
async def test_leader_election_standby_takes_over_when_leader_is_killed(version: str) -> None:
    manifest = shared("kube-scheduler", version)
    async with FakeCluster() as cluster:
        leader = KubeSchedulerUnderTest(
            cluster.kubeconfig, version, profile="default", extra_args=FAST_LEASE
        )
        standby = KubeSchedulerUnderTest(
            cluster.kubeconfig, version, profile="default", extra_args=FAST_LEASE
        )
        env = Env(cluster, leader, manifest)
        scenario = env.scenario("leader-election")
        scenario.node("a")

        def lease() -> dict[str, Any] | None:
            return cluster.store.try_get("leases", "kube-scheduler", "kube-system")  # type: ignore[no-any-return]

        def holder() -> str:
            return str(((lease() or {}).get("spec") or {}).get("holderIdentity") or "")

        try:
            await leader.start()
            first = await scenario.wait(holder, "the first instance holds the lease")
            await standby.start()
            scenario.pod("before")
            await scenario.bound("before")
            assert holder() == first
            assert not acquired(standby)

            await leader.kill()
            env.scheduler = standby

            second = await scenario.wait(
                lambda: holder() not in ("", first) and holder(), "the standby takes the lease"
            )
            scenario.pod("after")
            await scenario.bound("after")
            assert lease()["spec"]["leaseTransitions"] >= 1  # type: ignore[index]
            # Renewals are PUTs with ?timeout=max(1s, renew deadline / 2)
            # (client-go resourcelock.NewFromKubeconfig): 1.5s here, 5s by default.
            renewals = cluster.requests(resource="leases", method="PUT")
            assert renewals and all(r.query == {"timeout": "1.5s"} for r in renewals)
            assert second.split("_")[0] == first.split("_")[0]  # same host, new identity
            assert acquired(standby)
            env.verify()
        finally:
            await standby.stop()
            await leader.stop()
