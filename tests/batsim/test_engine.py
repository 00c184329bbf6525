"""The embedded engine plays Batsim's side and aborts where real Batsim aborts.

A scripted decision process (a REP socket answering canned replies) stands on the other
side, so each test controls exactly what the engine receives.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import zmq
import zmq.asyncio

from fakekube.batsim.engine import EmbeddedBatsim, EngineStalled
from fakekube.batsim.platform import load_platform
from fakekube.batsim.protocol import ProtocolError
from fakekube.batsim.workload import load_workload

Reply = Callable[[dict[str, Any]], list[dict[str, Any]]]


async def scripted(
    engine_factory: Callable[[str], EmbeddedBatsim], decide: Reply
) -> tuple[list[dict[str, Any]], Any]:
    """Run an engine against a REP socket whose replies come from ``decide``."""
    ctx = zmq.asyncio.Context.instance()
    rep = ctx.socket(zmq.REP)
    rep.setsockopt(zmq.LINGER, 0)
    rep.bind("tcp://127.0.0.1:*")
    endpoint = rep.getsockopt_string(zmq.LAST_ENDPOINT)
    seen: list[dict[str, Any]] = []

    async def serve() -> None:
        while True:
            msg = orjson.loads(await rep.recv())
            seen.append(msg)
            events = decide(msg)
            await rep.send(orjson.dumps({"now": msg["now"], "events": events}))
            if any(e["type"] == "SIMULATION_ENDS" for e in msg["events"]):
                return

    server = asyncio.create_task(serve())
    try:
        result = await engine_factory(endpoint).run()
        await asyncio.wait_for(server, 5)
        return seen, result
    finally:
        server.cancel()
        rep.close(0)


def one_job(tmp_path: Path, job: dict[str, Any], profile: dict[str, Any]) -> Path:
    p = tmp_path / "w.json"
    p.write_text(
        json.dumps(
            {"jobs": [{"id": 1, "subtime": 0, "profile": "p", **job}], "profiles": {"p": profile}}
        )
    )
    return p


def execute_all(msg: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for ev in msg["events"]:
        if ev["type"] == "JOB_SUBMITTED":
            res = ev["data"]["job"]["res"]
            out.append(
                {
                    "timestamp": msg["now"],
                    "type": "EXECUTE_JOB",
                    "data": {"job_id": ev["data"]["job_id"], "alloc": f"0-{res - 1}"},
                }
            )
    return out


async def test_minimal_exchange_matches_batsim(batsim_examples: Path, tmp_path: Path) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    wl = load_workload(one_job(tmp_path, {"res": 1}, {"type": "delay", "delay": 10}))
    seen, result = await scripted(lambda ep: EmbeddedBatsim(platform, [wl], ep), execute_all)
    types = [[e["type"] for e in m["events"]] for m in seen]
    assert types == [
        ["SIMULATION_BEGINS"],
        ["JOB_SUBMITTED", "NOTIFY"],
        ["JOB_COMPLETED"],
        ["SIMULATION_ENDS"],
    ]
    begins = seen[0]["events"][0]["data"]
    assert begins["nb_compute_resources"] == 4
    assert [r["name"] for r in begins["compute_resources"]] == [
        "Bourassa",
        "Fafard",
        "Ginette",
        "Jupiter",
    ]
    assert begins["allow_compute_sharing"] is False
    assert seen[1]["events"][1]["data"] == {"type": "no_more_static_job_to_submit"}
    done = seen[2]["events"][0]
    assert seen[2]["now"] == 10.0
    assert done["data"] == {
        "job_id": "w0!1",
        "job_state": "COMPLETED_SUCCESSFULLY",
        "return_code": 0,
        "alloc": "0",
    }
    assert result.end_time == 10.0


async def test_walltime_equal_to_runtime_counts_as_reached(
    batsim_examples: Path, tmp_path: Path
) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    wl = load_workload(
        one_job(tmp_path, {"res": 1, "walltime": 10}, {"type": "delay", "delay": 10})
    )
    seen, _ = await scripted(lambda ep: EmbeddedBatsim(platform, [wl], ep), execute_all)
    done = seen[2]["events"][0]["data"]
    assert (done["job_state"], done["return_code"]) == ("COMPLETED_WALLTIME_REACHED", -1)


async def test_profile_ret_makes_a_failed_job(batsim_examples: Path, tmp_path: Path) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    wl = load_workload(one_job(tmp_path, {"res": 1}, {"type": "delay", "delay": 3, "ret": 2}))
    seen, _ = await scripted(lambda ep: EmbeddedBatsim(platform, [wl], ep), execute_all)
    assert seen[2]["events"][0]["data"]["job_state"] == "COMPLETED_FAILED"
    assert seen[2]["events"][0]["data"]["return_code"] == 2


async def test_parallel_homogeneous_runs_at_the_slowest_hosts_speed(
    batsim_examples: Path, tmp_path: Path
) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    # Bourassa (0) runs 48.492 Mf, Fafard (1) 76.296 Mf: the slowest decides.
    wl = load_workload(
        one_job(tmp_path, {"res": 2}, {"type": "parallel_homogeneous", "cpu": 48.492e6, "com": 0})
    )
    seen, _ = await scripted(lambda ep: EmbeddedBatsim(platform, [wl], ep), execute_all)
    assert seen[2]["now"] == pytest.approx(1.0)


async def test_call_me_later_yields_one_requested_call(
    batsim_examples: Path, tmp_path: Path
) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    wl = load_workload(one_job(tmp_path, {"res": 1, "subtime": 0}, {"type": "delay", "delay": 1}))

    def decide(msg: dict[str, Any]) -> list[dict[str, Any]]:
        if any(e["type"] == "JOB_SUBMITTED" for e in msg["events"]):
            return [{"timestamp": 0.0, "type": "CALL_ME_LATER", "data": {"timestamp": 5.0}}]
        if any(e["type"] == "REQUESTED_CALL" for e in msg["events"]):
            return execute_all(
                {
                    "now": msg["now"],
                    "events": [
                        {"type": "JOB_SUBMITTED", "data": {"job_id": "w0!1", "job": {"res": 1}}}
                    ],
                }
            )
        return []

    seen, result = await scripted(lambda ep: EmbeddedBatsim(platform, [wl], ep), decide)
    calls = [m for m in seen if any(e["type"] == "REQUESTED_CALL" for e in m["events"])]
    assert len(calls) == 1 and calls[0]["now"] == 5.0
    assert result.end_time == 6.0


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"type": "EXECUTE_JOB", "data": {"job_id": "w0!1", "alloc": "0-1"}}, "has 2 machines"),
        (
            {"type": "EXECUTE_JOB", "data": {"job_id": "w0!1", "alloc": "0", "x": 1, "y": 2}},
            "must have 2 or 3 members",
        ),
        ({"type": "EXECUTE_JOB", "data": {"job_id": "w0!1", "alloc": ""}}, "empty alloc"),
        ({"type": "EXECUTE_JOB", "data": {"job_id": "w0!9", "alloc": "0"}}, "unknown job"),
        ({"type": "CALL_ME_LATER", "data": {"timestamp": 0.0}}, "not after the current time"),
        ({"type": "REJECT_JOB", "data": {"job_id": "w0!1", "why": "x"}}, "must have 1 members"),
        ({"type": "KILL_JOB", "data": {"job_ids": []}}, "non-empty list"),
        ({"type": "DANCE", "data": {}}, "unknown type 'DANCE'"),
        ({"type": "EXECUTE_JOB"}, "no 'data' object"),
    ],
)
async def test_decisions_real_batsim_aborts_on_abort_the_engine(
    batsim_examples: Path, tmp_path: Path, reply: dict[str, Any], message: str
) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    wl = load_workload(one_job(tmp_path, {"res": 1}, {"type": "delay", "delay": 1}))

    def decide(msg: dict[str, Any]) -> list[dict[str, Any]]:
        if any(e["type"] == "JOB_SUBMITTED" for e in msg["events"]):
            return [{"timestamp": msg["now"], **reply}]
        return []

    with pytest.raises(ProtocolError, match=message):
        await scripted(lambda ep: EmbeddedBatsim(platform, [wl], ep, reply_timeout=5), decide)


async def test_busy_host_without_compute_sharing_aborts(
    batsim_examples: Path, tmp_path: Path
) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    p = tmp_path / "w.json"
    p.write_text(
        json.dumps(
            {
                "jobs": [{"id": i, "subtime": 0, "res": 1, "profile": "p"} for i in (1, 2)],
                "profiles": {"p": {"type": "delay", "delay": 5}},
            }
        )
    )
    wl = load_workload(p)

    def same_host(msg: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "timestamp": msg["now"],
                "type": "EXECUTE_JOB",
                "data": {"job_id": e["data"]["job_id"], "alloc": "0"},
            }
            for e in msg["events"]
            if e["type"] == "JOB_SUBMITTED"
        ]

    with pytest.raises(ProtocolError, match="already computing"):
        await scripted(lambda ep: EmbeddedBatsim(platform, [wl], ep, reply_timeout=5), same_host)
    seen, _ = await scripted(
        lambda ep: EmbeddedBatsim(platform, [wl], ep, allow_compute_sharing=True), same_host
    )
    assert seen[0]["events"][0]["data"]["allow_compute_sharing"] is True


async def test_a_scheduler_that_never_decides_is_reported_as_stalled(
    batsim_examples: Path, tmp_path: Path
) -> None:
    platform = load_platform(batsim_examples / "small_platform.xml")
    wl = load_workload(one_job(tmp_path, {"res": 1}, {"type": "delay", "delay": 1}))
    with pytest.raises(EngineStalled, match=r"1 job\(s\) were never executed.*w0!1"):
        await scripted(lambda ep: EmbeddedBatsim(platform, [wl], ep), lambda msg: [])
