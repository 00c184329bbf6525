"""Label selectors, parsed and matched as the API server does (apimachinery ``pkg/labels``).

Listers filter the cache locally, so they must agree with the server on what a selector
means: ``!=`` and ``notin`` also match objects without the key, ``in``, ``>`` and ``<``
need it, ``>``/``<`` compare integers. A malformed selector is a ``ValueError`` naming
the offending part, never a silent match-all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Requirement", "Selector", "parse_selector"]

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}$")
_VALUE = re.compile(rf"^({_NAME})?$")
_OPS = ("==", "!=", "=", ">", "<")


@dataclass(frozen=True)
class Requirement:
    """One ``key op values`` term of a selector."""

    key: str
    op: str  # exists, !, =, !=, in, notin, >, <
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.op
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        if op in ("=", "in"):
            return self.key in labels and labels[self.key] in self.values
        if op in ("!=", "notin"):
            return self.key not in labels or labels[self.key] not in self.values
        value = labels.get(self.key)
        if value is None:
            return False
        try:
            have = int(value)
        except ValueError:
            return False
        (bound,) = self.values
        return have > int(bound) if op == ">" else have < int(bound)


@dataclass(frozen=True)
class Selector:
    """All requirements must hold; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        return not self.requirements

    __call__ = matches


def _check_key(key: str, text: str) -> str:
    if not _KEY.match(key) or len(key.rpartition("/")[2]) > 63:
        raise ValueError(f"invalid label key {key!r} in selector {text!r}")
    return key


def _check_value(value: str, text: str) -> str:
    if len(value) > 63 or not _VALUE.match(value):
        raise ValueError(f"invalid label value {value!r} in selector {text!r}")
    return value


def _split_terms(text: str) -> list[str]:
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ')' in selector {text!r}")
        elif ch == "," and depth == 0:
            terms.append(text[start:i])
            start = i + 1
    if depth:
        raise ValueError(f"unbalanced '(' in selector {text!r}")
    terms.append(text[start:])
    return terms


_SET = re.compile(r"^\s*(\S+)\s+(in|notin)\s*\((.*)\)\s*$")


def _parse_term(term: str, text: str) -> Requirement:
    stripped = term.strip()
    if not stripped:
        raise ValueError(f"empty requirement in selector {text!r}")
    m = _SET.match(term)
    if m:
        key, op, inner = m.groups()
        values = frozenset(_check_value(v.strip(), text) for v in inner.split(","))
        return Requirement(_check_key(key, text), op, values)
    if stripped.startswith("!"):
        return Requirement(_check_key(stripped[1:].strip(), text), "!")
    for op in _OPS:
        key, sep, value = stripped.partition(op)
        if sep:
            key, value = key.strip(), value.strip()
            norm = "=" if op == "==" else op
            if norm in (">", "<"):
                try:
                    int(value)
                except ValueError:
                    raise ValueError(
                        f"for '{op}' the value must be an integer, got {value!r} in {text!r}"
                    ) from None
            else:
                _check_value(value, text)
            return Requirement(_check_key(key, text), norm, frozenset((value,)))
    return Requirement(_check_key(stripped, text), "exists")


def parse_selector(selector: str | Mapping[str, str] | Selector | None) -> Selector:
    """A :class:`Selector` from text (``"app=web,tier in (a,b)"``) or a ``matchLabels`` dict."""
    if selector is None:
        return Selector()
    if isinstance(selector, Selector):
        return selector
    if isinstance(selector, Mapping):
        return Selector(
            tuple(Requirement(k, "=", frozenset((v,))) for k, v in sorted(selector.items()))
        )
    if not selector.strip():
        return Selector()
    return Selector(tuple(_parse_term(t, selector) for t in _split_terms(selector)))
