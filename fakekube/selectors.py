"""Label and field selectors, parsed and matched as k8s.io/apimachinery does.

Label syntax (``pkg/labels/selector.go``): comma-separated requirements ``key``,
``!key``, ``key=v``, ``key==v``, ``key!=v``, ``key in (a,b)``, ``key notin (a,b)``,
``key>N``, ``key<N``. ``!=`` and ``notin`` also match objects that lack the key, which is
how ``status.phase!=Succeeded``-style filters keep new objects. Field syntax
(``pkg/fields/selector.go``): ``f=v``, ``f==v``, ``f!=v`` joined by commas, with ``\\,``,
``\\=`` and ``\\\\`` escapes and no set operators.

Parse errors raise :class:`~fakekube.errors.BadRequest` worded like kube-apiserver's
query-parameter conversion (``metainternalversion.Convert_string_To_labels_Selector``).
Everything is pure and immutable, so a parsed selector is shared by every watcher.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fakekube.errors import BadRequest

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "LabelRequirement",
    "LabelSelector",
    "label_selector_from_dict",
    "parse_field_selector",
    "parse_label_selector",
]

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

_SET_OPS = ("in", "notin")


def _key_errors(key: str) -> str | None:
    """validation.IsQualifiedName, with its messages."""
    prefix, _, name = key.rpartition("/")
    if "/" in key and not prefix:
        return "prefix part must be non-empty"
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"  # noqa: E501
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _NAME.match(name):
        return (
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        )
    return None


def _value_errors(value: str) -> str | None:
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not _VALUE.match(value):
        return (
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character (e.g. "
            "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        )
    return None


@dataclass(frozen=True)
class LabelRequirement:
    """One label requirement; ``op`` is one of = == != in notin exists !exists gt lt."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.op
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        if op in ("=", "==", "in"):
            return self.key in labels and labels[self.key] in self.values
        if op in ("!=", "notin"):
            return self.key not in labels or labels[self.key] not in self.values
        if self.key not in labels:
            return False
        try:
            have = int(labels[self.key])
        except ValueError:
            return False
        want = int(self.values[0])
        return have > want if op == "gt" else have < want

    def __str__(self) -> str:
        if self.op == "exists":
            return self.key
        if self.op == "!":
            return f"!{self.key}"
        if self.op in _SET_OPS:
            return f"{self.key} {self.op} ({','.join(self.values)})"
        symbol = {"gt": ">", "lt": "<"}.get(self.op, self.op)
        return f"{self.key}{symbol}{self.values[0]}"


@dataclass(frozen=True)
class LabelSelector:
    """A conjunction of label requirements; no requirements selects everything."""

    requirements: tuple[LabelRequirement, ...] = ()
    nothing: bool = False

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        return not self.requirements and not self.nothing

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


class _Lexer:
    """Tokens of upstream's label lexer: identifiers, operators, parentheses, commas."""

    _TOKEN = re.compile(
        r"\s*(?:(?P<op>==|!=|=|>|<|!)|(?P<open>\()|(?P<close>\))|(?P<comma>,)"
        r"|(?P<id>[^\s=!<>(),]+))"
    )

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = self._TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                raise BadRequest(f"unable to parse requirement: found '{text[pos:]}'")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok


def _bad(message: str) -> BadRequest:
    return BadRequest(f"unable to parse requirement: {message}")


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse a ``labelSelector`` query value; empty selects everything."""
    if not text or not text.strip():
        return LabelSelector()
    lex = _Lexer(text)
    reqs: list[LabelRequirement] = []
    while True:
        reqs.append(_requirement(lex))
        kind, value = lex.take()
        if kind == "end":
            break
        if kind != "comma":
            raise _bad(f"found '{value}', expected: ',' or 'end of string'")
        if lex.peek()[0] == "end":
            raise _bad("found '', expected: identifier after ','")
    return LabelSelector(tuple(reqs))


def _requirement(lex: _Lexer) -> LabelRequirement:
    kind, value = lex.take()
    negate = False
    if kind == "op" and value == "!":
        negate = True
        kind, value = lex.take()
    if kind != "id":
        shown = value or ""
        raise _bad(f"found '{shown}', expected: !, identifier, or 'end of string'")
    key = value
    err = _key_errors(key)
    if err:
        raise _bad(f'invalid label key "{key}": {err}')
    if negate:
        return LabelRequirement(key, "!")
    kind, value = lex.peek()
    if kind in ("end", "comma"):
        return LabelRequirement(key, "exists")
    lex.take()
    if kind == "id" and value in _SET_OPS:
        return LabelRequirement(key, value, _set_values(lex))
    if kind != "op" or value == "!":
        raise _bad(f"found '{value}', expected: in, notin, =, ==, !=, gt, lt")
    op = {">": "gt", "<": "lt"}.get(value, value)
    vkind, val = lex.peek()
    if vkind in ("end", "comma"):
        val = ""
    elif vkind == "id":
        lex.take()
    else:
        raise _bad(f"found '{val}', expected: identifier")
    if op in ("gt", "lt"):
        try:
            int(val)
        except ValueError:
            raise BadRequest(
                f"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be "
                f"an integer, found: {val}"
            ) from None
    else:
        err = _value_errors(val)
        if err:
            raise _bad(f"invalid label value: \"{val}\": at key: '{key}': {err}")
    return LabelRequirement(key, op, (val,))


def _set_values(lex: _Lexer) -> tuple[str, ...]:
    kind, value = lex.take()
    if kind != "open":
        raise _bad(f"found '{value}', expected: '('")
    values: list[str] = []
    expect_value = True
    while True:
        kind, value = lex.take()
        if kind == "close":
            if expect_value and values:
                values.append("")
            break
        if kind == "comma":
            if expect_value:
                values.append("")
            expect_value = True
            continue
        if kind == "id" and expect_value:
            err = _value_errors(value)
            if err:
                raise _bad(f'invalid label value: "{value}": {err}')
            values.append(value)
            expect_value = False
            continue
        shown = value if kind != "end" else ""
        raise _bad(f"found '{shown}', expected: ',', ')' or identifier")
    if not values:
        raise _bad("for 'in', 'notin' operators, values set can't be empty")
    return tuple(sorted(set(values)))


def label_selector_from_dict(sel: Mapping[str, Any] | None) -> LabelSelector:
    """metav1.LabelSelectorAsSelector: ``None`` selects nothing, ``{}`` everything."""
    if sel is None:
        return LabelSelector(nothing=True)
    reqs: list[LabelRequirement] = []
    for key, value in sorted((sel.get("matchLabels") or {}).items()):
        reqs.append(LabelRequirement(key, "=", (str(value),)))
    for expr in sel.get("matchExpressions") or []:
        op = expr.get("operator")
        key = expr.get("key", "")
        values = tuple(sorted(str(v) for v in expr.get("values") or []))
        mapped = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}.get(op)
        if mapped is None:
            raise BadRequest(f'"{op}" is not a valid label selector operator')
        reqs.append(LabelRequirement(key, mapped, values))
    return LabelSelector(tuple(reqs))


# -- field selectors ------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    operator: str  # "=" or "!="
    value: str

    def __str__(self) -> str:
        esc = self.value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")
        return f"{self.field}{self.operator}{esc}"


@dataclass(frozen=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, fields: Mapping[str, str]) -> bool:
        for r in self.requirements:
            have = fields.get(r.field, "")
            if (have == r.value) != (r.operator == "="):
                return False
        return True

    def empty(self) -> bool:
        return not self.requirements

    def fields(self) -> set[str]:
        return {r.field for r in self.requirements}

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _split_unescaped(text: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if ch == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(value: str, whole: str) -> str:
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            if i + 1 >= len(value) or value[i + 1] not in "\\,=":
                raise BadRequest(f"invalid field selector: invalid escape sequence: {whole}")
            out.append(value[i + 1])
            i += 2
            continue
        if ch in ",=":
            raise BadRequest(f"invalid field selector: unescaped character: {whole}")
        out.append(ch)
        i += 1
    return "".join(out)


def parse_field_selector(text: str | None) -> FieldSelector:
    """Parse a ``fieldSelector`` query value (fields.ParseSelector)."""
    if not text:
        return FieldSelector()
    reqs: list[FieldRequirement] = []
    for part in _split_unescaped(text):
        if part == "":
            continue
        for op in ("!=", "==", "="):
            idx = _find_unescaped(part, op)
            if idx >= 0:
                field, raw = part[:idx], part[idx + len(op) :]
                value = _unescape(raw, part)
                reqs.append(FieldRequirement(field, "!=" if op == "!=" else "=", value))
                break
        else:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
    return FieldSelector(tuple(reqs))


def _find_unescaped(text: str, op: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(op, i):
            # "!=" must not be mistaken for "=": skip an "=" preceded by "!".
            if op == "=" and i > 0 and text[i - 1] == "!":
                i += 1
                continue
            return i
        i += 1
    return -1
