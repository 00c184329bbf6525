"""Structural comparison of two normalised transcripts, difference by difference.

Each :class:`Difference` names the JSON path where the servers disagree
(``steps[3].body.details.causes[0].message``) and both values, so the allowlist can name
exactly what it allows and a reader can see at once what differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ABSENT", "Difference", "diff"]


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


#: The value on the side where a key or list element does not exist.
ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Difference:
    path: str
    fakekube: Any
    reference: Any

    def __str__(self) -> str:
        return f"{self.path}: fakekube={_short(self.fakekube)} reference={_short(self.reference)}"


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def diff(fakekube: Any, reference: Any, path: str = "") -> list[Difference]:
    """Every place where the two documents differ, depth first, in document order."""
    if isinstance(fakekube, dict) and isinstance(reference, dict):
        out: list[Difference] = []
        keys = list(fakekube) + [k for k in reference if k not in fakekube]
        for key in keys:
            sub = f"{path}.{key}" if path else str(key)
            out += diff(fakekube.get(key, ABSENT), reference.get(key, ABSENT), sub)
        return out
    if isinstance(fakekube, list) and isinstance(reference, list):
        out = []
        for i in range(max(len(fakekube), len(reference))):
            a = fakekube[i] if i < len(fakekube) else ABSENT
            b = reference[i] if i < len(reference) else ABSENT
            out += diff(a, b, f"{path}[{i}]")
        return out
    if fakekube is ABSENT and reference is ABSENT:
        return []
    if type(fakekube) is not type(reference) or fakekube != reference:
        return [Difference(path, fakekube, reference)]
    return []
