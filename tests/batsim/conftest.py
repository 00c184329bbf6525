"""Batsim's own example inputs (unchanged v4.2.1 files, vendored as test data)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BATSIM_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "batsim-v4.2.1"
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def batsim_examples() -> Path:
    return BATSIM_EXAMPLES
