"""The example scheduler is a real program: ``fakekube simulate --scheduler-cmd`` runs it
as a separate process on a workload, with nothing but the kubeconfig it is handed."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "schedulers" / "least_allocated.py"


def test_example_scheduler_runs_a_simulation_through_scheduler_cmd(tmp_path: Path) -> None:
    platform = tmp_path / "platform.yaml"
    platform.write_text(
        "nodes:\n" + "".join(f"- {{name: node-{i}, properties: {{core: '4'}}}}\n" for i in range(4))
    )
    workload = tmp_path / "workload.json"
    jobs = [
        {"id": i, "subtime": i * 5, "res": 1, "walltime": 100, "profile": "p", "cpu": "1"}
        for i in range(4)
    ]
    profiles = {"p": {"type": "delay", "delay": 12}}
    workload.write_text(json.dumps({"nb_res": 4, "jobs": jobs, "profiles": profiles}))
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable, "-m", "fakekube", "simulate",
            "--socket", "tcp://127.0.0.1:0",
            "--workload", str(workload), "--platform", str(platform),
            "--out", str(out), "--no-plots", "--no-progress",
            # No idle probe for an external program: a step closes after this much quiet.
            # Generous, so a slow machine never closes a step before the binding.
            "--settle", "0.3",
            "--scheduler-cmd", f"{sys.executable} {EXAMPLE} --kubeconfig {{kubeconfig}}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((out / "jobs.csv").open()))
    assert [r["final_state"] for r in rows] == ["COMPLETED_SUCCESSFULLY"] * 4
    # Submitted every 5 s, each running 12 s: the scheduler bound each one at once.
    assert all(float(r["waiting_time"]) == 0 for r in rows), rows
