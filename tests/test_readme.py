"""The README's two set-up commands are the ones CI runs, and the first one works.

The README promises a fresh machine two commands: install-and-simulate, and run-every-test.
The second is what `.ci/run` executes; the first is run here as written, except that the
`pip install .` half is left to CI's own install (re-installing would replace the editable
install this suite runs from), results go to a temporary directory and the ZMQ socket takes
a free port.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _sh_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [b.strip() for b in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)]


def test_the_first_two_commands_install_and_simulate_then_run_every_test() -> None:
    simulate, tests = _sh_blocks()[:2]
    assert simulate.startswith("python3 -m pip install . && fakekube simulate ")
    assert tests == "scripts/test"
    assert "exec scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_simulation_runs_end_to_end_on_the_embedded_engine(tmp_path: Path) -> None:
    simulate = _sh_blocks()[0].split(" && ", 1)[1]
    argv = shlex.split(simulate)
    assert argv[:2] == ["fakekube", "simulate"]
    out = argv.index("--out")
    argv[out + 1] = str(tmp_path / "kit39")
    proc = subprocess.run(
        [sys.executable, "-m", "fakekube", *argv[1:], "--socket", "tcp://127.0.0.1:0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("39 jobs: makespan ")
    metrics = json.loads((tmp_path / "kit39" / "metrics.json").read_text())
    assert metrics["jobs_by_state"] == {"COMPLETED_SUCCESSFULLY": 39}
    assert {p.name for p in (tmp_path / "kit39").iterdir()} >= {
        "jobs.csv",
        "schedule.csv",
        "metrics.json",
        "gantt.png",
        "utilisation.png",
    }
