"""Label selector parsing and matching, as apimachinery pkg/labels defines them."""

from __future__ import annotations

import pytest

from informers.labels import parse_selector


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("", {}, True),
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "web"}, True),
        ("app=web", {"app": "db"}, False),
        ("app!=web", {}, True),  # != matches objects without the key
        ("app!=web", {"app": "web"}, False),
        ("app in (web,db)", {"app": "db"}, True),
        ("app in (web,db)", {}, False),  # in needs the key
        ("app notin (web,db)", {}, True),
        ("app notin (web,db)", {"app": "web"}, False),
        ("app", {"app": ""}, True),
        ("!app", {"app": "x"}, False),
        ("!app", {}, True),
        ("gen>3", {"gen": "4"}, True),
        ("gen>3", {"gen": "3"}, False),
        ("gen<3", {"gen": "x"}, False),
        ("gen<3", {}, False),
        ("x in (a,,b)", {"x": ""}, True),  # empty values are allowed
        ("app=web, tier in (a, b) ,!legacy", {"app": "web", "tier": "b"}, True),
        ("example.com/role=db", {"example.com/role": "db"}, True),
    ],
)
def test_selector_matches_like_the_api_server(
    selector: str, labels: dict[str, str], expected: bool
) -> None:
    assert parse_selector(selector).matches(labels) is expected


def test_a_mapping_is_match_labels() -> None:
    sel = parse_selector({"app": "web", "tier": "fe"})
    assert sel.matches({"app": "web", "tier": "fe", "x": "y"})
    assert not sel.matches({"app": "web"})


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("app=we b", "invalid label value"),
        ("-bad=x", "invalid label key"),
        ("gen>x", "must be an integer"),
        ("app in (a,b", "unbalanced"),
        ("a=b,,c=d", "empty requirement"),
    ],
)
def test_malformed_selectors_are_errors_not_match_all(selector: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_selector(selector)
