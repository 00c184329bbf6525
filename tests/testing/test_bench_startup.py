"""The start-up benchmark still runs (its numbers are for people, not assertions)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fixture_startup.py"


def test_fixture_startup_bench_prints_its_table(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("fixture_startup", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--iterations", "2", "--reference-iterations", "0"]) == 0
    out = capsys.readouterr().out
    assert "FakeClusterSync + first request" in out
    assert "reference: not measured (--reference-iterations 0)" in out
