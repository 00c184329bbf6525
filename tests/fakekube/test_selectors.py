"""Label and field selectors against the real apimachinery v0.35.4 parsers.

``tests/data/selectors/vectors.json`` holds what ``labels.Parse`` and
``fields.ParseSelector`` answer for each input (regenerate with
``tests/data/selectors/gen``): the canonical string of a valid selector, the exact error
text kube-apiserver puts in the 400 for an invalid one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakekube.errors import BadRequest
from fakekube.selectors import parse_field_selector, parse_label_selector

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "selectors" / "vectors.json").read_text()
)


def _answer(parse: object, text: str) -> tuple[str, str]:
    try:
        return ("string", str(parse(text)))  # type: ignore[operator]
    except BadRequest as err:
        return ("error", err.message)


def _expected(vector: dict[str, str]) -> tuple[str, str]:
    if "error" in vector:
        return ("error", vector["error"])
    return ("string", vector.get("string", ""))


@pytest.mark.parametrize("vector", VECTORS["labels"], ids=lambda v: repr(v["input"]))
def test_label_selector_parses_and_words_errors_like_apimachinery(vector: dict[str, str]) -> None:
    assert _answer(parse_label_selector, vector["input"]) == _expected(vector)


@pytest.mark.parametrize("vector", VECTORS["fields"], ids=lambda v: repr(v["input"]))
def test_field_selector_parses_and_words_errors_like_apimachinery(vector: dict[str, str]) -> None:
    assert _answer(parse_field_selector, vector["input"]) == _expected(vector)


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "db"}, False),
        ("app=web", {}, False),
        # != and notin keep objects without the label (TestRequirementMatches upstream).
        ("app!=web", {}, True),
        ("app!=web", {"app": "web"}, False),
        ("app notin (web,db)", {}, True),
        ("app notin (web,db)", {"app": "db"}, False),
        ("app in (web,db)", {"app": "db"}, True),
        ("app in (web,db)", {}, False),
        ("app", {"app": ""}, True),
        ("!app", {"app": ""}, False),
        ("!app", {"other": "x"}, True),
        # gt/lt compare integers and need the label to hold one.
        ("n>5", {"n": "10"}, True),
        ("n>5", {"n": "5"}, False),
        ("n<5", {"n": "-3"}, True),
        ("n>5", {"n": "x"}, False),
        ("n>5", {}, False),
        ("x in (a,,b)", {"x": ""}, True),
        ("app=web,tier!=db", {"app": "web", "tier": "cache"}, True),
        ("app=web,tier!=db", {"app": "web", "tier": "db"}, False),
    ],
)
def test_label_selector_matches_like_requirement_matches(
    selector: str, labels: dict[str, str], matches: bool
) -> None:
    assert parse_label_selector(selector).matches(labels) is matches


def test_field_selector_not_equal_matches_a_missing_field() -> None:
    sel = parse_field_selector("status.phase!=Succeeded,status.phase!=Failed")
    assert sel.matches({"status.phase": ""})
    assert sel.matches({})
    assert not sel.matches({"status.phase": "Failed"})
    assert parse_field_selector(r"a=x\,y").matches({"a": "x,y"})
