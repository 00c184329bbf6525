"""The ingest benchmark still runs end to end (its numbers are for people, not assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "informer_ingest.py"


def test_informer_ingest_bench_prints_every_row(tmp_path: Path) -> None:
    out = tmp_path / "ingest.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--events", "150", "--repeat", "1", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [r["row"] for r in json.loads(out.read_text())["rows"]]
    assert rows == [
        "floor: read bytes",
        "floor: orjson decode, keep",
        "informers watch (dicts)",
        "informers watch (lazy objects)",
        "informers watch (lazy, then every object decoded)",
        "informers streaming list",
        "informers LIST sync",
        "kubernetes_asyncio Watch (models)",
    ]
    for row in rows:
        assert row in proc.stdout
