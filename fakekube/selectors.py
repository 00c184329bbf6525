"""Label and field selectors, parsed, worded and matched as k8s.io/apimachinery v0.35 does.

Clients read the 400 a bad selector gets, and kube-apiserver's text comes straight from
the parsers (``metainternalversion`` conversion returns their error unwrapped), so both
are ports, not re-implementations:

- labels (``pkg/labels/selector.go``): the byte lexer and recursive-descent parser, with
  ``NewRequirement``'s validation (``field.Error`` text, ``<nil>`` paths and aggregation
  included). Requirements: ``key``, ``!key``, ``key=v``, ``key==v``, ``key!=v``,
  ``key in (a,b)``, ``key notin (a,b)``, ``key>N``, ``key<N``; ``!=`` and ``notin`` also
  match objects without the key, which is how ``status.phase!=Succeeded``-style filters
  keep new objects.
- fields (``pkg/fields/selector.go``): terms split on unescaped commas and sorted, each
  split at its first ``!=``/``==``/``=``, values unescaped (``\\,``, ``\\=``, ``\\\\``).

Everything is pure and immutable, so a parsed selector is shared by every watcher.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fakekube.errors import BadRequest
from fakekube.validation import label_key_errors, label_value_errors

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "LabelRequirement",
    "LabelSelector",
    "label_selector_from_dict",
    "parse_field_selector",
    "parse_label_selector",
]

# -- validation messages (k8s.io/apimachinery/pkg/api/validate/content) ---------------


def _go_quote(value: str) -> str:
    """strconv.Quote for the values that can reach a message here."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _invalid(path: str, value: Any, detail: str) -> str:
    """field.Invalid(path, value, detail).Error()."""
    if isinstance(value, str):
        shown = _go_quote(value)
    else:  # a []string, rendered through encoding/json
        shown = "[" + ",".join(_go_quote(v) for v in value) + "]"
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message bare, several deduplicated."""
    seen: list[str] = []
    for m in messages:
        if m not in seen:
            seen.append(m)
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"


# -- label selectors ------------------------------------------------------------------

_SET_OPS = ("in", "notin")


@dataclass(frozen=True)
class LabelRequirement:
    """One label requirement; ``op`` is one of = == != in notin exists ! gt lt."""

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
        if self.key not in labels or len(self.values) != 1:
            return False
        have, want = _go_int(labels[self.key]), _go_int(self.values[0])
        if have is None or want is None:
            return False
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


def _go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where Go reports an error."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


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


# Tokens of labels/selector.go, named as there.
_ERROR, _END, _CLOSE, _COMMA, _NOT, _DEQ, _EQ, _GT, _ID, _IN, _LT, _NEQ, _NOTIN, _OPEN = range(14)
_STRING_TO_TOKEN = {
    ")": _CLOSE,
    ",": _COMMA,
    "!": _NOT,
    "==": _DEQ,
    "=": _EQ,
    ">": _GT,
    "in": _IN,
    "<": _LT,
    "!=": _NEQ,
    "notin": _NOTIN,
    "(": _OPEN,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_BINARY_OPS = "in, notin, =, ==, !=, gt, lt"
_OP_OF_TOKEN = {_IN: "in", _EQ: "=", _DEQ: "==", _GT: "gt", _LT: "lt", _NOTIN: "notin", _NEQ: "!="}


def _lex(text: str) -> list[tuple[int, str]]:
    """Lexer.Lex until end of string, on the UTF-8 bytes as Go scans them."""
    data = text.encode()
    pos, items = 0, []
    n = len(data)
    while True:
        while pos < n and chr(data[pos]) in _WHITESPACE:
            pos += 1
        if pos >= n or data[pos] == 0:
            items.append((_END, ""))
            return items
        if chr(data[pos]) in _SPECIAL:
            buf, last = "", (_ERROR, "")
            while pos < n and data[pos] != 0 and chr(data[pos]) in _SPECIAL:
                candidate = buf + chr(data[pos])
                if candidate in _STRING_TO_TOKEN:
                    buf, last = candidate, (_STRING_TO_TOKEN[candidate], candidate)
                    pos += 1
                elif last[0] != _ERROR:
                    break
                else:
                    buf = candidate
                    pos += 1
            if last[0] == _ERROR:
                items.append((_ERROR, f"error expected: keyword found '{buf}'"))
            else:
                items.append(last)
            continue
        start = pos
        while pos < n and data[pos] != 0:
            ch = chr(data[pos])
            if ch in _SPECIAL or ch in _WHITESPACE:
                break
            pos += 1
        word = data[start:pos].decode(errors="replace")
        items.append((_STRING_TO_TOKEN.get(word, _ID) if word in ("in", "notin") else _ID, word))


class _Parser:
    """labels.Parser: lookahead/consume over the scanned items, in/notin as values."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def lookahead(self, values: bool) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        if values and tok in (_IN, _NOTIN):
            tok = _ID
        return tok, lit

    def consume(self, values: bool) -> tuple[int, str]:
        tok, lit = self.lookahead(values)
        self.pos += 1
        return tok, lit

    def parse(self) -> list[LabelRequirement]:
        reqs: list[LabelRequirement] = []
        while True:
            tok, lit = self.lookahead(True)
            if tok in (_ID, _NOT):
                try:
                    reqs.append(self.requirement())
                except _ParseError as err:
                    raise _ParseError(f"unable to parse requirement: {err}") from None
                t, lit2 = self.consume(True)
                if t == _END:
                    return reqs
                if t == _COMMA:
                    t2, l2 = self.lookahead(True)
                    if t2 not in (_ID, _NOT):
                        raise _ParseError(f"found '{l2}', expected: identifier after ','")
                else:
                    raise _ParseError(f"found '{lit2}', expected: ',' or 'end of string'")
            elif tok == _END:
                return reqs
            else:
                raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> LabelRequirement:
        key, op = self.key_and_inferred_operator()
        if op in ("exists", "!"):
            return _new_requirement(key, op, [])
        op = self.operator()
        values = self.set_values() if op in _SET_OPS else self.exact_value()
        return _new_requirement(key, op, sorted(values))

    def key_and_inferred_operator(self) -> tuple[str, str]:
        op = ""
        tok, lit = self.consume(True)
        if tok == _NOT:
            op = "!"
            tok, lit = self.consume(True)
        if tok != _ID:
            raise _ParseError(f"found '{lit}', expected: identifier")
        errs = label_key_errors(lit)
        if errs:
            raise _ParseError(_invalid("<nil>", lit, "; ".join(errs)))
        if self.lookahead(True)[0] in (_END, _COMMA) and op != "!":
            op = "exists"
        return lit, op

    def operator(self) -> str:
        tok, lit = self.consume(False)
        op = _OP_OF_TOKEN.get(tok)
        if op is None:
            raise _ParseError(f"found '{lit}', expected: {_BINARY_OPS}")
        return op

    def set_values(self) -> set[str]:
        tok, lit = self.consume(True)
        if tok != _OPEN:
            raise _ParseError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(True)
        if tok in (_ID, _COMMA):
            values = self.identifiers()
            if self.consume(True)[0] != _CLOSE:
                raise _ParseError(f"found '{lit}', expected: ')'")
            return values
        if tok == _CLOSE:
            self.consume(True)
            return {""}
        raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")

    def identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume(True)
            if tok == _ID:
                values.add(lit)
                tok2, lit2 = self.lookahead(True)
                if tok2 == _COMMA:
                    continue
                if tok2 == _CLOSE:
                    return values
                raise _ParseError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _COMMA:
                if not values:
                    values.add("")
                tok2 = self.lookahead(True)[0]
                if tok2 == _CLOSE:
                    values.add("")
                    return values
                if tok2 == _COMMA:
                    values.add("")
                continue
            raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        tok = self.lookahead(True)[0]
        if tok in (_END, _COMMA):
            return {""}
        tok, lit = self.consume(True)
        if tok == _ID:
            return {lit}
        raise _ParseError(f"found '{lit}', expected: identifier")


class _ParseError(Exception):
    pass


def _new_requirement(key: str, op: str, values: list[str]) -> LabelRequirement:
    """labels.NewRequirement with a nil path: its checks, worded and aggregated as there."""
    errs: list[str] = []
    key_errs = label_key_errors(key)
    if key_errs:
        errs.append(_invalid("key", key, "; ".join(key_errs)))
    values_path = "values"
    if op in _SET_OPS and not values:
        detail = "for 'in', 'notin' operators, values set can't be empty"
        errs.append(_invalid(values_path, values, detail))
    elif op in ("=", "==", "!=") and len(values) != 1:
        detail = "exact-match compatibility requires one single value"
        errs.append(_invalid(values_path, values, detail))
    elif op in ("gt", "lt"):
        if len(values) != 1:
            detail = "for 'Gt', 'Lt' operators, exactly one value is required"
            errs.append(_invalid(values_path, values, detail))
        for i, v in enumerate(values):
            if _go_int(v) is None:
                detail = "for 'Gt', 'Lt' operators, the value must be an integer"
                errs.append(_invalid(f"values[{i}]", v, detail))
    for i, v in enumerate(values):
        value_errs = label_value_errors(v)
        if value_errs:
            errs.append(_invalid(f"values[{i}][{key}]", v, "; ".join(value_errs)))
    if errs:
        raise _ParseError(_aggregate(errs))
    return LabelRequirement(key, op, tuple(values))


def parse_label_selector(text: str | None) -> LabelSelector:
    """labels.Parse: a ``labelSelector`` query value; empty selects everything.

    Raises :class:`BadRequest` with the parser's own message.
    """
    if not text:
        return LabelSelector()
    try:
        reqs = _Parser(text).parse()
    except _ParseError as err:
        raise BadRequest(str(err)) from None
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))


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
    """A conjunction of field terms, in the parser's (sorted) order."""

    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, fields: Mapping[str, str]) -> bool:
        for r in self.requirements:
            have = fields.get(r.field, "")
            if (have == r.value) != (r.operator == "="):
                return False
        return True

    def empty(self) -> bool:
        return not self.requirements

    def fields(self) -> list[str]:
        """The fields named, in order (kube-apiserver reports the first unsupported)."""
        return [r.field for r in self.requirements]

    def requires_exact(self, field: str) -> str | None:
        """fields.Selector.RequiresExactMatch."""
        for r in self.requirements:
            if r.field == field and r.operator == "=":
                return r.value
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _split_terms(text: str) -> list[str]:
    """splitTerms: commas not preceded by an escaping backslash separate terms."""
    terms, start, in_slash = [], 0, False
    for i, ch in enumerate(text):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _unescape(value: str) -> str:
    """fields.UnescapeValue, with its two error texts."""
    if not any(c in value for c in "\\,="):
        return value
    out, in_slash = [], False
    for ch in value:
        if in_slash:
            if ch not in "\\,=":
                raise BadRequest(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in ",=":
            raise BadRequest(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if in_slash:
        raise BadRequest("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(text: str | None) -> FieldSelector:
    """fields.ParseSelector: a ``fieldSelector`` query value; empty selects everything."""
    if not text:
        return FieldSelector()
    reqs: list[FieldRequirement] = []
    for part in sorted(_split_terms(text)):
        if part == "":
            continue
        for i in range(len(part)):
            op = next((o for o in ("!=", "==", "=") if part.startswith(o, i)), None)
            if op is not None:
                value = _unescape(part[i + len(op) :])
                reqs.append(FieldRequirement(part[:i], "!=" if op == "!=" else "=", value))
                break
        else:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
    return FieldSelector(tuple(reqs))
