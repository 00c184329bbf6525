"""The sync turns Batsim messages into Kubernetes objects and bindings into decisions.

A scripted Batsim double (a REQ socket sending canned messages, checking every reply the
way real Batsim does) drives the sync; the scheduler is the store-level first-fit from
``schedulers.py``, so these tests are about translation and gating, not about a client.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
import zmq
import zmq.asyncio
from schedulers import StoreFirstFit

from fakekube.api.state import Recorder
from fakekube.batsim.engine import EmbeddedBatsim, job_duration
from fakekube.batsim.platform import load_platform
from fakekube.batsim.protocol import DECISION_EVENTS, Message, check_decisions
from fakekube.batsim.quiescence import Quiescence
from fakekube.batsim.sync import EPOCH, BatsimSync, SimClock
from fakekube.batsim.translate import HOST_RESOURCE, JOB_ID_ANNOTATION, Translator
from fakekube.batsim.workload import load_workload
from fakekube.store import Store


def resources(names: list[str], **props: str) -> list[dict[str, Any]]:
    return [
        {"id": i, "name": n, "state": "idle", "properties": {"role": "", **props}}
        for i, n in enumerate(names)
    ]


def begins(names: list[str], sharing: bool = False, **props: str) -> dict[str, Any]:
    return {
        "timestamp": 0.0,
        "type": "SIMULATION_BEGINS",
        "data": {
            "nb_resources": len(names),
            "nb_compute_resources": len(names),
            "allow_compute_sharing": sharing,
            "compute_resources": resources(names, **props),
        },
    }


def submitted(t: float, job_id: str, res: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "timestamp": t,
        "type": "JOB_SUBMITTED",
        "data": {
            "job_id": job_id,
            "job": {"id": job_id, "subtime": t, "res": res, "profile": "p", **fields},
        },
    }


class Double:
    """Batsim's side, scripted: send a message, get the checked reply."""

    def __init__(self, endpoint: str) -> None:
        self.sock = zmq.asyncio.Context.instance().socket(zmq.REQ)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.res: dict[str, int] = {}
        self.submitted: set[str] = set()

    async def send(self, now: float, *events: dict[str, Any]) -> Message:
        for ev in events:
            if ev["type"] == "JOB_SUBMITTED":
                self.res[ev["data"]["job_id"]] = ev["data"]["job"]["res"]
                self.submitted.add(ev["data"]["job_id"])
        await self.sock.send(orjson.dumps({"now": now, "events": list(events)}))
        reply = Message.decode(await asyncio.wait_for(self.sock.recv(), 10), known=DECISION_EVENTS)
        check_decisions(reply, now=now, job_res=self.res, submitted=self.submitted, nb_resources=64)
        for ev in reply.events:
            self.submitted.discard(ev["data"].get("job_id"))
        return reply


@pytest.fixture
async def rig() -> Any:
    clock = SimClock()
    store = Store(clock=clock.wall)
    sched = StoreFirstFit(store)
    sync = BatsimSync(
        store,
        Quiescence(store, Recorder(10), sched),
        Translator(),
        clock,
        endpoint="tcp://127.0.0.1:*",
    )
    double = Double(sync.bind())
    task = asyncio.create_task(sync.run())
    yield store, sync, double, sched
    task.cancel()
    double.sock.close(0)
    sched.close()


async def test_resources_become_ready_nodes_with_one_host_slot(rig: Any) -> None:
    store, sync, double, _ = rig
    reply = await double.send(0.0, begins(["Bourassa", "node_B.x"], core="4", memory="8Gi"))
    assert reply.events == [] and reply.now == 0.0
    nodes = {n["metadata"]["name"]: n for n in store.list("nodes").objects()}
    assert sorted(nodes) == ["bourassa", "node-b-x"]
    node = nodes["bourassa"]
    assert node["status"]["capacity"] == {
        "cpu": "4",
        "memory": "8Gi",
        "pods": "110",
        "ephemeral-storage": "100Gi",
        HOST_RESOURCE: "1",
    }
    assert node["metadata"]["labels"]["batsim.fakekube.io/core"] == "4"
    assert node["status"]["conditions"][0]["type"] == "Ready"
    assert sync.translator.resource_of_node == {"bourassa": 0, "node-b-x": 1}


async def test_a_job_becomes_a_pod_then_execute_job_at_the_same_now(rig: Any) -> None:
    store, _sync, double, _ = rig
    await double.send(0.0, begins(["a", "b"]))
    reply = await double.send(7.5, submitted(7.5, "w0!job/1", cpu="500m"))
    assert [e["type"] for e in reply.events] == ["EXECUTE_JOB"]
    assert reply.events[0]["data"] == {"job_id": "w0!job/1", "alloc": "0"}
    assert reply.events[0]["timestamp"] == 7.5 and reply.now == 7.5
    pod = store.get("pods", "w0-job-1", "default")
    assert pod["metadata"]["annotations"][JOB_ID_ANNOTATION] == "w0!job/1"
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {
        "cpu": "500m",
        HOST_RESOURCE: "1",
    }
    assert pod["status"]["phase"] == "Running"
    assert pod["metadata"]["creationTimestamp"] == "2025-01-01T00:00:07Z"
    assert EPOCH == 1_735_689_600.0


async def test_completion_sets_the_pod_phase_and_frees_the_host(rig: Any) -> None:
    store, _sync, double, _ = rig
    await double.send(0.0, begins(["a"]))
    await double.send(0.0, submitted(0.0, "w0!1"), submitted(0.0, "w0!2"))
    assert store.get("pods", "w0-2")["spec"].get("nodeName") is None  # one host only
    reply = await double.send(
        10.0,
        {
            "timestamp": 10.0,
            "type": "JOB_COMPLETED",
            "data": {
                "job_id": "w0!1",
                "job_state": "COMPLETED_FAILED",
                "return_code": 3,
                "alloc": "0",
            },
        },
    )
    done = store.get("pods", "w0-1")
    assert done["status"]["phase"] == "Failed"
    term = done["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 3 and term["finishedAt"] == "2025-01-01T00:00:10Z"
    assert reply.events[0]["data"] == {"job_id": "w0!2", "alloc": "0"}


async def test_multi_resource_job_starts_when_all_pods_are_bound(rig: Any) -> None:
    store, _sync, double, _ = rig
    await double.send(0.0, begins(["a", "b", "c"]))
    reply = await double.send(0.0, submitted(0.0, "w0!big", res=3))
    assert reply.events[0]["data"] == {"job_id": "w0!big", "alloc": "0-2"}
    assert sorted(p["metadata"]["name"] for p in store.list("pods").objects()) == [
        "w0-big-0",
        "w0-big-1",
        "w0-big-2",
    ]


async def test_jobs_larger_than_the_platform_are_rejected(rig: Any) -> None:
    _, sync, double, _ = rig
    await double.send(0.0, begins(["a"]))
    reply = await double.send(1.0, submitted(1.0, "w0!huge", res=2))
    assert reply.events == [{"timestamp": 1.0, "type": "REJECT_JOB", "data": {"job_id": "w0!huge"}}]
    assert sync.results.jobs["w0!huge"].state == "REJECTED"


async def test_simulation_ends_gets_one_empty_reply(rig: Any) -> None:
    _, sync, double, _ = rig
    await double.send(0.0, begins(["a"]))
    reply = await double.send(3.0, {"timestamp": 3.0, "type": "SIMULATION_ENDS", "data": {}})
    assert reply.events == [] and reply.now == 3.0
    assert sync.finished


def test_pods_sharing_a_host_get_a_mapping() -> None:
    tr = Translator(allow_compute_sharing=True)
    for rid, name in enumerate(["a", "b"]):
        tr.node({"id": rid, "name": name, "properties": {}})
    pods = tr.pods("w0!1", {"res": 3})
    assert HOST_RESOURCE not in pods[0]["spec"]["containers"][0]["resources"]["requests"]
    assert tr.bound(pods[0]["metadata"]["name"], "b") is None
    assert tr.bound(pods[1]["metadata"]["name"], "a") is None
    assert tr.bound(pods[2]["metadata"]["name"], "b") == "w0!1"
    assert tr.allocation("w0!1").data("w0!1") == {
        "job_id": "w0!1",
        "alloc": "0-1",
        "mapping": {"0": "1", "1": "0", "2": "1"},
    }


def test_pod_names_never_collide() -> None:
    tr = Translator()
    a = tr.pods("w0!a-b", {"res": 1})[0]["metadata"]["name"]
    b = tr.pods("w0!a!b", {"res": 1})[0]["metadata"]["name"]
    assert a != b
    assert tr.job_of_pod[a] == ("w0!a-b", 0) and tr.job_of_pod[b] == ("w0!a!b", 0)


def test_call_me_later_is_future_only_and_never_duplicated() -> None:
    store = Store()
    sync = BatsimSync(store, Quiescence(store, Recorder(1)), Translator(), SimClock(now=5.0))
    assert sync.call_me_later(5.0) is None
    first = sync.call_me_later(9.0)
    assert first is not None and first["data"] == {"timestamp": 9.0}
    assert sync.call_me_later(9.0) is None


async def run_store_level(platform: Path, workload: Path) -> str:
    clock = SimClock()
    store = Store(clock=clock.wall)
    sched = StoreFirstFit(store)
    sync = BatsimSync(
        store,
        Quiescence(store, Recorder(10), sched),
        Translator(),
        clock,
        endpoint="tcp://127.0.0.1:*",
    )
    engine = EmbeddedBatsim(load_platform(platform), [load_workload(workload)], sync.bind())
    results, _ = await asyncio.gather(sync.run(), engine.run())
    sched.close()
    return results.jobs_csv()


@pytest.mark.parametrize(
    ("platform", "workload"),
    [
        ("small_platform.xml", "test_delays.json"),
        ("small_platform.xml", "test_same_submit_time.json"),
        ("small_platform.xml", "test_walltime.json"),
        ("cluster512.xml", "example_workload_hpc_seed1_jobs250.json"),
    ],
)
async def test_batsim_examples_run_through_the_embedded_engine(
    batsim_examples: Path, platform: str, workload: str
) -> None:
    text = await run_store_level(batsim_examples / platform, batsim_examples / workload)
    rows = [line.split(",") for line in text.splitlines()[1:]]
    wl = load_workload(batsim_examples / workload)
    assert len(rows) == len(wl.jobs)
    assert all(r[7].startswith("COMPLETED_") for r in rows)
    if workload == "test_walltime.json":
        # A job is cut at its walltime when it would run at least that long (equal counts).
        hosts = load_platform(batsim_examples / platform)
        profiles = wl.profiles
        for r, job in zip(rows, wl.jobs, strict=True):
            run = job_duration(job, profiles[job.profile], [hosts.by_id(int(r[14])).speed])
            reached = job.walltime is not None and run >= job.walltime
            assert r[7] == (
                "COMPLETED_WALLTIME_REACHED" if reached else "COMPLETED_SUCCESSFULLY"
            ), r
            assert float(r[9]) == pytest.approx(job.walltime if reached else run)
