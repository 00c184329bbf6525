"""Every scenario of the differential suite, one topic module at a time."""

from __future__ import annotations

import importlib

from conformance.differential.scenario import Scenario

__all__ = ["TOPICS", "all_scenarios"]

TOPICS = (
    "crud",
    "patches",
    "subresources",
    "errors",
    "lists",
    "selectors",
    "watches",
    "compaction",
)


def all_scenarios() -> list[Scenario]:
    out: list[Scenario] = []
    for topic in TOPICS:
        module = importlib.import_module(f"conformance.differential.scenarios.{topic}")
        out += module.SCENARIOS
    ids = [s.id for s in out]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate scenario ids: {duplicates}")
    return out
