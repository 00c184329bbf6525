"""``fakekube simulate`` end to end: determinism, outputs, and failing loudly on bad input.

These run the real wiring (FakeCluster over HTTP, the sync on a ZMQ socket, the embedded
engine on the other end, a scheduler as a client) on the project's example inputs.
"""

from __future__ import annotations

import asyncio
import csv
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fakekube.batsim.engine import EmbeddedBatsim
from fakekube.batsim.platform import load_platform
from fakekube.batsim.workload import load_workload
from fakekube.simulate import InProcessRunner, SimulationConfig, run_simulation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KIT39 = EXAMPLES / "workloads" / "kit39.json"
CLUSTER16 = EXAMPLES / "platforms" / "cluster16.xml"
# Batsim 4's jobs.csv columns, in its order (evalys reads them by name).
BATSIM_JOBS_COLUMNS = [
    "job_id",
    "workload_name",
    "profile",
    "submission_time",
    "requested_number_of_resources",
    "requested_time",
    "success",
    "final_state",
    "starting_time",
    "execution_time",
    "finish_time",
    "waiting_time",
    "turnaround_time",
    "stretch",
    "allocated_resources",
    "consumed_energy",
    "metadata",
]


def config(out: Path, **kw: object) -> SimulationConfig:
    return SimulationConfig(
        workload=KIT39,
        platform=CLUSTER16,
        out=out,
        endpoint="tcp://127.0.0.1:0",
        plots=False,
        progress=False,
        **kw,  # type: ignore[arg-type]
    )


def simulate_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakekube", "simulate", "--socket", "tcp://127.0.0.1:0", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("scheduler", ["first-fit", "best-fit", "random"])
async def test_ten_runs_of_one_workload_give_byte_identical_jobs_csv(
    tmp_path: Path, scheduler: str
) -> None:
    runs = 10 if scheduler == "first-fit" else 3
    outputs = []
    for i in range(runs):
        results = await run_simulation(
            config(tmp_path / f"run{i}"), InProcessRunner(scheduler, seed=7)
        )
        assert results.fallback_steps == 0
        outputs.append((tmp_path / f"run{i}" / "jobs.csv").read_bytes())
    assert all(o == outputs[0] for o in outputs), "runs of one workload differ"
    rows = list(csv.DictReader(outputs[0].decode().splitlines()))
    assert len(rows) == 39
    assert {r["final_state"] for r in rows} == {"COMPLETED_SUCCESSFULLY"}


def test_cli_writes_batsim_outputs_metrics_and_plots(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = simulate_cli("--workload", str(KIT39), "--platform", str(CLUSTER16), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "39 jobs: makespan" in proc.stdout
    with open(out / "jobs.csv") as f:
        assert next(csv.reader(f)) == BATSIM_JOBS_COLUMNS
    with open(out / "schedule.csv") as f:
        header = next(csv.reader(f))
    assert {"batsim_version", "makespan", "mean_waiting_time", "nb_jobs", "nb_jobs_success"} <= set(
        header
    )
    metrics = json.loads((out / "metrics.json").read_text())
    for key in (
        "makespan",
        "mean_waiting_time",
        "p95_waiting_time",
        "mean_turnaround_time",
        "mean_bounded_slowdown",
        "bounded_slowdown_formula",
        "utilisation_per_resource",
        "placement",
        "steps_closed_by_fallback",
    ):
        assert key in metrics
    assert metrics["steps_closed_by_fallback"] == 0
    for png in ("gantt.png", "utilisation.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("workload", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"jobs": [{"id": 1, "subtime": 0}], "profiles": {}}', "res"),
        (
            '{"jobs": [{"id": 1, "subtime": 0, "res": 1, "profile": "p"}], '
            '"profiles": {"p": {"type": "smpi"}}}',
            "delay",
        ),
    ],
    ids=["invalid-json", "missing-field", "unsupported-profile"],
)
def test_bad_workloads_exit_non_zero_with_a_clear_message(
    tmp_path: Path, workload: str, message: str
) -> None:
    w = tmp_path / "w.json"
    w.write_text(workload)
    proc = simulate_cli("--workload", str(w), "--platform", str(CLUSTER16), "--out", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.startswith("fakekube simulate:"), proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_scheduler_and_missing_files_are_named(tmp_path: Path) -> None:
    proc = simulate_cli(
        "--workload", str(KIT39), "--platform", str(CLUSTER16), "--scheduler", "nope"
    )
    assert proc.returncode == 1
    assert "unknown scheduler 'nope'" in proc.stderr
    proc = simulate_cli("--workload", str(tmp_path / "absent.json"), "--platform", str(CLUSTER16))
    assert proc.returncode == 1
    assert "absent.json" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_jobs_larger_than_the_platform_are_rejected_not_fatal(tmp_path: Path) -> None:
    w = tmp_path / "w.json"
    w.write_text(
        json.dumps(
            {
                "nb_res": 32,
                "jobs": [
                    {"id": 1, "subtime": 0, "res": 32, "walltime": 100, "profile": "p"},
                    {"id": 2, "subtime": 1, "res": 1, "walltime": 100, "profile": "p"},
                ],
                "profiles": {"p": {"type": "delay", "delay": 10}},
            }
        )
    )
    out = tmp_path / "out"
    proc = simulate_cli(
        "--workload", str(w), "--platform", str(CLUSTER16), "--out", str(out), "--no-plots"
    )
    assert proc.returncode == 0, proc.stderr
    assert "request more than the platform's 16 resources" in proc.stderr
    rows = {r["job_id"]: r for r in csv.DictReader((out / "jobs.csv").open())}
    assert rows["1"]["final_state"] == "REJECTED"
    assert rows["2"]["final_state"] == "COMPLETED_SUCCESSFULLY"


def test_a_scheduler_command_that_dies_is_reported_not_waited_for(tmp_path: Path) -> None:
    proc = simulate_cli(
        "--workload",
        str(KIT39),
        "--platform",
        str(CLUSTER16),
        "--out",
        str(tmp_path),
        "--scheduler-cmd",
        f"{sys.executable} -c 'import sys; sys.exit(3)'",
        timeout=120,
    )
    assert proc.returncode == 1
    assert "exited with code 3" in proc.stderr, proc.stderr


def gang_safe_platform(tmp_path: Path) -> Path:
    """cluster16 grown to 40 hosts, as many as kit39's multi-host jobs need all together.

    kube-scheduler binds a job's pods one at a time and a job starts once all are bound; on
    16 hosts, partly bound jobs can end up holding every host and wait for each other
    forever (seen once in CI: "8 job(s) were never executed"). With room for every gang at
    once that cannot happen, so a kube-scheduler run of kit39 always completes.
    """
    platform = tmp_path / "cluster40.xml"
    platform.write_text(CLUSTER16.read_text().replace('radical="0-15"', 'radical="0-39"'))
    return platform


def test_kube_scheduler_runs_a_simulation_with_its_metrics_as_idle_probe(tmp_path: Path) -> None:
    from fakekube.kube_scheduler import find_binary

    find_binary()  # fails (not skips) naming scripts/build-kube-scheduler when none is built
    out = tmp_path / "out"
    proc = simulate_cli(
        "--workload",
        str(KIT39),
        "--platform",
        str(gang_safe_platform(tmp_path)),
        "--out",
        str(out),
        "--scheduler",
        "kube-scheduler",
        "--no-plots",
    )
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["jobs_by_state"] == {"COMPLETED_SUCCESSFULLY": 39}
    assert metrics["steps_closed_by_fallback"] == 0


def test_kube_scheduler_runs_the_users_configuration_and_refuses_a_wrong_one(
    tmp_path: Path,
) -> None:
    # kube-scheduler's own default policy, spelled out: this tests the plumbing; a policy
    # that changes placements is tested in tests/fakekube/test_kube_scheduler.py.
    own_policy = tmp_path / "least-allocated.yaml"
    own_policy.write_text(
        "apiVersion: kubescheduler.config.k8s.io/v1\n"
        "kind: KubeSchedulerConfiguration\n"
        "profiles:\n"
        "- schedulerName: default-scheduler\n"
        "  pluginConfig:\n"
        "  - name: NodeResourcesFit\n"
        "    args:\n"
        "      scoringStrategy:\n"
        "        type: LeastAllocated\n"
    )
    common = ["--workload", str(KIT39), "--platform", str(gang_safe_platform(tmp_path))]
    common += ["--no-plots"]
    common += ["--scheduler", "kube-scheduler"]
    out = tmp_path / "out"
    proc = simulate_cli(*common, "--out", str(out), "--kube-scheduler-config", str(own_policy))
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["jobs_by_state"] == {"COMPLETED_SUCCESSFULLY": 39}

    other = tmp_path / "other.yaml"
    other.write_text(own_policy.read_text().replace("default-scheduler", "bin-packer"))
    proc = simulate_cli(
        *common, "--out", str(tmp_path / "o2"), "--kube-scheduler-config", str(other)
    )
    assert proc.returncode == 1
    assert f"{other}: no profile has schedulerName 'default-scheduler'" in proc.stderr
    assert not (tmp_path / "o2").exists()


def test_a_scheduler_command_slow_to_start_still_sees_every_job(tmp_path: Path) -> None:
    """Simulated time starts only once the program watches pods (it has no idle probe)."""
    platform = tmp_path / "platform.yaml"
    platform.write_text("nodes:\n- {name: node-0, properties: {core: '2'}}\n")
    workload = tmp_path / "workload.json"
    jobs = [{"id": i, "subtime": i, "res": 1, "walltime": 50, "profile": "p"} for i in range(2)]
    workload.write_text(
        json.dumps({"nb_res": 1, "jobs": jobs, "profiles": {"p": {"type": "delay", "delay": 5}}})
    )
    slow = (
        f"sh -c 'sleep 2; exec {sys.executable} -m fakekube.schedulers.first_fit "
        "--kubeconfig {kubeconfig}'"
    )
    proc = simulate_cli(
        "--workload", str(workload), "--platform", str(platform), "--out", str(tmp_path / "o"),
        "--no-plots", "--scheduler-cmd", slow, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((tmp_path / "o" / "jobs.csv").open()))
    assert [r["final_state"] for r in rows] == ["COMPLETED_SUCCESSFULLY"] * 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_external_simulate(endpoint: str, *args: str) -> asyncio.subprocess.Process:
    """``fakekube simulate --batsim external`` on ``endpoint`` (kit39 on cluster16), returned
    once it waits for its Batsim peer: its scheduler is up and the socket is bound."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fakekube", "simulate", "--batsim", "external",
        "--socket", endpoint, "--workload", str(KIT39), "--platform", str(CLUSTER16), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    line = await asyncio.wait_for(proc.stderr.readline(), 60)
    assert f"waiting for Batsim on {endpoint}".encode() in line, line
    return proc


async def test_external_batsim_drives_the_same_simulation_as_the_embedded_engine(
    tmp_path: Path,
) -> None:
    # `--batsim external` waits on the socket for real Batsim; a separate Batsim peer (the
    # engine, in this process) gives byte-identical results to the embedded default.
    endpoint = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "external"
    proc = await start_external_simulate(endpoint, "--out", str(out), "--no-plots")
    engine = EmbeddedBatsim(load_platform(CLUSTER16), [load_workload(KIT39)], endpoint)
    await asyncio.wait_for(engine.run(), 120)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    await run_simulation(config(tmp_path / "embedded"), InProcessRunner("first-fit"))
    external = (out / "jobs.csv").read_bytes()
    assert external == (tmp_path / "embedded" / "jobs.csv").read_bytes()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
async def test_an_interrupted_simulation_writes_the_results_so_far(
    tmp_path: Path, sig: signal.Signals
) -> None:
    # The Batsim peer runs here, so the test knows the run is under way (40 messages
    # answered) before it interrupts; with the embedded engine it could not tell.
    endpoint = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "out"
    proc = await start_external_simulate(endpoint, "--out", str(out), "--no-plots", "--no-progress")
    answered = 0
    under_way = asyncio.Event()

    def count(request: object, reply: object) -> None:
        nonlocal answered
        answered += 1
        if answered == 40:
            under_way.set()

    engine = EmbeddedBatsim(
        load_platform(CLUSTER16), [load_workload(KIT39)], endpoint, on_message=count
    )
    peer = asyncio.create_task(engine.run())
    await asyncio.wait_for(under_way.wait(), 60)
    proc.send_signal(sig)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    peer.cancel()
    await asyncio.gather(peer, return_exceptions=True)

    assert proc.returncode == 130, err.decode()
    assert f"submitted jobs ended; results so far in {out}/" in err.decode()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["interrupted"] is True
    rows = list(csv.DictReader((out / "jobs.csv").open()))
    ended = [r for r in rows if r["finish_time"]]
    assert 0 < len(ended) < 39
    assert len(rows) == metrics["jobs"]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
async def test_killing_simulate_never_leaves_kube_scheduler_running(
    tmp_path: Path, sig: signal.Signals
) -> None:
    from fakekube.kube_scheduler import find_binary

    find_binary()  # fails (not skips) naming scripts/build-kube-scheduler when none is built
    endpoint = f"tcp://127.0.0.1:{_free_port()}"
    proc = await start_external_simulate(
        endpoint, "--scheduler", "kube-scheduler", "--out", str(tmp_path)
    )
    (scheduler,) = _children(proc.pid)
    proc.send_signal(sig)
    await asyncio.wait_for(proc.wait(), 30)
    for _ in range(200):
        if _gone(scheduler):
            break
        await asyncio.sleep(0.05)
    assert _gone(scheduler), f"kube-scheduler (pid {scheduler}) outlived fakekube simulate"
    if sig == signal.SIGTERM:
        assert proc.returncode == 130
