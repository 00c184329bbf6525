"""Go yaml.v3's block YAML for a JSON value: the text gnostic keeps in an OpenAPI ``Any``.

gnostic stores every vendor extension, ``default``, ``example`` and ``enum`` value of an
OpenAPI v2 document as ``Any{yaml: ...}``: the JSON node re-marshalled by yaml.v3 with its
styles cleared (gnostic-models ``compiler.Marshal``). kubectl reads these back
(``x-kubernetes-group-version-kind`` finds the schema of a kind), so the text must parse
to the same value; it is also written the way yaml.v3 writes it, so the bytes fakekube
serves equal kube-apiserver's for the same document: 4-space indentation, a mapping in a
sequence item starting on the dash line, ``{}``/``[]`` for empty collections, literal
blocks for multi-line strings, and a string quoted only where yaml.v3 quotes it: double
quotes where the plain scalar would read as another type (``""``, ``"1"``, ``"true"``)
or needs escapes, single quotes where an indicator forbids plain (``'a: b'``).

Floats are written as Python spells them (yaml.v3 keeps the JSON text, which a parsed
document no longer has); they differ only for exponents (``1e+30`` vs ``1e30``).
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["marshal"]

_INDENT = 4
_NULLS = frozenset({"~", "null", "Null", "NULL", ""})
_BOOLS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_SPECIAL_FLOATS = frozenset(
    {
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
        "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
    }
)  # fmt: skip
#: What Go's strconv.ParseInt/ParseUint(s, 0, 64) accept once yaml.v3 drops underscores.
_GO_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2})?)?"
)
_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
#: Line breaks other than ``\n``: no plain scalar, and no literal block either.
_BREAKS = frozenset("\x85\u2028\u2029")


def marshal(value: Any) -> str:
    """``value`` as yaml.v3's ``Marshal`` writes the node JSON parsed into."""
    if isinstance(value, dict) and value:
        return "".join(_mapping(value, 0))
    if isinstance(value, list) and value:
        return "".join(_sequence(value, 0))
    return _inline(value, _deeper(0)) + "\n"


def _deeper(indent: int) -> int:
    """yaml.v3 (emitterc.go ``increase_indent``): below a key, the next multiple of 4."""
    return _INDENT * ((indent + _INDENT) // _INDENT)


def _mapping(value: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out = []
    for key, item in value.items():
        head = f"{pad}{_scalar(str(key), indent, key=True)}:"
        if isinstance(item, dict) and item:
            out += [head + "\n", *_mapping(item, _deeper(indent))]
        elif isinstance(item, list) and item:
            out += [head + "\n", *_sequence(item, _deeper(indent))]
        else:
            out.append(f"{head} {_inline(item, _deeper(indent))}\n")
    return out


def _sequence(value: list[Any], indent: int) -> list[str]:
    """Items at ``indent``; inside an item, yaml.v3 only skips the two columns of ``- ``."""
    pad = " " * indent
    out = []
    for item in value:
        if isinstance(item, dict) and item:
            lines = _mapping(item, indent + 2)
        elif isinstance(item, list) and item:
            lines = _sequence(item, indent + 2)
        else:
            out.append(f"{pad}- {_inline(item, indent + 2)}\n")
            continue
        out += [f"{pad}- {lines[0][indent + 2 :]}", *lines[1:]]
    return out


def _inline(value: Any, indent: int) -> str:
    """A scalar or an empty collection, on the line of its key or dash."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        if math.isnan(value):
            return ".nan"
        return repr(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(str(value), indent, key=False)


def _resolves_to_other_type(text: str) -> bool:
    """Whether yaml.v3 would read ``text`` unquoted as something other than a string."""
    if text in _NULLS or text in _BOOLS or text in _SPECIAL_FLOATS:
        return True
    if text[0] not in "0123456789+-.":
        return False
    plain = text.replace("_", "")
    return bool(
        _GO_INT.fullmatch(plain)
        or _YAML_FLOAT.fullmatch(plain)
        or (text[0].isdigit() and _TIMESTAMP.fullmatch(text))
    )


def _printable(char: str) -> bool:
    # libyaml's IS_PRINTABLE: a tab or another control character needs escapes.
    code = ord(char)
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or code == 0x85
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


def _plain_allowed(text: str) -> bool:
    """libyaml's analysis of a scalar for the plain style in block context."""
    if text.startswith(("---", "...")) or text[0] in _INDICATORS:
        return False
    if text[0] in "?:-" and (len(text) == 1 or text[1] == " "):
        return False
    if text[0] == " " or text[-1] == " " or text.endswith(":"):
        return False
    return ": " not in text and " #" not in text


def _scalar(text: str, indent: int, *, key: bool) -> str:
    if _resolves_to_other_type(text) or not all(_printable(c) for c in text):
        return _double_quoted(text)
    if "\n" in text:
        return _double_quoted(text) if key else _literal(text, indent)
    if _plain_allowed(text) and not any(c in _BREAKS for c in text):
        return text
    return "'" + text.replace("'", "''") + "'"


def _literal(text: str, indent: int) -> str:
    """A ``|`` block with its lines at ``indent``: yaml.v3 writes multi-line strings so.

    The indentation hint is libyaml's best indent (4) wherever the block sits.
    """
    if text.endswith("\n\n") or text == "\n":
        chomp = "+"
    elif text.endswith("\n"):
        chomp = ""
    else:
        chomp = "-"
    hint = str(_INDENT) if text[0] in " \n" else ""
    body = text[:-1] if text.endswith("\n") else text
    pad = " " * indent
    return f"|{hint}{chomp}\n" + "\n".join(
        (pad + line) if line else "" for line in body.split("\n")
    )


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _printable(char) and char != "\n":
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02X}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        else:
            out.append(f"\\U{code:08X}")
    out.append('"')
    return "".join(out)


_ESCAPES = {
    "\x00": "\\0",
    "\x07": "\\a",
    "\x08": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\x0b": "\\v",
    "\x0c": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    "\x85": "\\N",
    "\xa0": "\\_",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
