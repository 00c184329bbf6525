"""The example scheduler is a real program: ``fakekube simulate --scheduler-cmd`` runs it
as a separate process on a whole workload, with nothing but the kubeconfig it is handed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "schedulers" / "least_allocated.py"


def test_example_scheduler_runs_a_simulation_through_scheduler_cmd(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable, "-m", "fakekube", "simulate",
            "--socket", "tcp://127.0.0.1:0",
            "--workload", str(ROOT / "examples" / "workloads" / "kit39.json"),
            "--platform", str(ROOT / "examples" / "platforms" / "cluster16.xml"),
            "--out", str(out), "--no-plots", "--no-progress",
            "--scheduler-cmd", f"{sys.executable} {EXAMPLE} --kubeconfig {{kubeconfig}}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["jobs_by_state"] == {"COMPLETED_SUCCESSFULLY": 39}
    # Least allocated spreads: every one of the 16 nodes ran something.
    ratios = metrics["placement"]["allocation_ratio_per_node"]
    assert len(ratios) == 16 and all(r > 0 for r in ratios.values()), ratios
