"""Every example in docs/testing.md runs, as a user would run it: the ```python file=NAME
blocks are written to a fresh directory and pytest runs them with nothing but fakekube
installed, so the documentation cannot drift from what works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
_BLOCK = re.compile(r"^```python file=(?P<name>\S+)\n(?P<body>.*?)^```$", re.S | re.M)


def examples() -> dict[str, str]:
    return {m["name"]: m["body"] for m in _BLOCK.finditer(DOC.read_text())}


def test_docs_hold_the_four_examples_the_issue_asks_for() -> None:
    assert sorted(examples()) == [
        "test_informer_controller.py",
        "test_kopf_operator.py",
        "test_kubectl.py",
        "test_official_client.py",
    ]


@pytest.mark.parametrize("name", sorted(examples()))
def test_docs_example_passes(pytester: pytest.Pytester, name: str) -> None:
    pytester.makepyfile(**{name.removesuffix(".py"): examples()[name]})
    result = pytester.runpytest_inprocess(
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1)
