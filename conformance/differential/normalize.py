"""Normalise a transcript so that only what may legitimately differ is made equal.

Two correct API servers still answer with different uids, timestamps and resourceVersion
numbers; those must not count as differences, while everything a client can rely on must
still be compared. Each rule below is listed in :data:`RULES` with its reason (rendered in
docs/fidelity.md):

* resourceVersions become ranks, so their order is still compared;
* uids become the order in which their objects were created, so "the same object" and
  "a different object" are still told apart;
* timestamps become ``<time>``;
* ``managedFields`` are dropped;
* names generated from ``generateName`` keep their prefix and lose the random suffix;
* continue tokens keep the resourceVersion they carry and lose the start key.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["RULES", "normalize"]

#: Every normalisation rule and why it is legitimate (docs/fidelity.md shows this table).
RULES: tuple[tuple[str, str], ...] = (
    (
        "resourceVersion values → `rv#k`, the rank among the versions of the scenario's own "
        "objects (the newest at or below the value)",
        "Both servers count writes with one global counter, but the numbers differ (the "
        "reference has bootstrap objects and its own lease renewals in other namespaces). "
        "Ranks keep what clients rely on: which object version is newer, and which object "
        "version a list, bookmark or error refers to.",
    ),
    (
        "uids → `uid#n`, n the order in which their objects were first written",
        "Random per server; numbering by creation order still tells the same object from "
        "a recreated one (uid preconditions, DELETED events).",
    ),
    (
        "RFC 3339 timestamps → `<time>`",
        "Wall-clock times of two servers in two processes never agree to the second.",
    ),
    (
        "`metadata.managedFields` dropped",
        "Field ownership bookkeeping of server-side apply; fakekube does not record it (see "
        "the allowlist for server-side apply itself).",
    ),
    (
        "names made from `generateName` → prefix + `<#n>`",
        "The five-character suffix is random on both servers.",
    ),
    (
        "continue tokens → `continue(rv#k)`",
        "Opaque to clients by contract. The resourceVersion inside is kept (it decides "
        "snapshot reads and the 410 recovery token); the start key encodes the storage "
        "key layout (etcd key prefixes), which fakekube does not have.",
    ),
    (
        "resourceVersions and uids quoted inside error messages are rewritten as above",
        "Same values, same reasons, in prose (`too old resource version: 12 (40)`).",
    ),
)

_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
#: Numbers in error messages that are resourceVersions.
_RV_IN_TEXT = re.compile(
    r"(?P<pre>(?:resource version:? |resourceVersion |current:? |requested |"
    r"ResourceVersion in precondition: |ResourceVersion in object meta: |"
    r"ResourceVersion in the precondition \(|ResourceVersion in record \(|"
    r"resource version: \d+ \())(?P<rv>\d+)"
)


def _walk(node: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(node, dict):
        visit(node)
        for v in node.values():
            _walk(v, visit)
    elif isinstance(node, list):
        for v in node:
            _walk(v, visit)


class _Normalizer:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        anchors: set[int] = set()
        first_rv: dict[str, int] = {}
        generated: dict[str, tuple[str, int]] = {}

        unstored: list[str] = []

        def visit(node: dict[str, Any]) -> None:
            meta = node.get("metadata")
            if not isinstance(meta, dict) or not meta.get("uid"):
                return
            uid = str(meta["uid"])
            rv = meta.get("resourceVersion")
            if not (isinstance(rv, str) and rv.isdigit()):
                # Never written (a dry run): numbered after the stored objects.
                if uid not in unstored:
                    unstored.append(uid)
                return
            n = int(rv)
            anchors.add(n)
            first_rv[uid] = min(n, first_rv.get(uid, n))
            gen, name = meta.get("generateName"), meta.get("name")
            if (
                isinstance(gen, str)
                and isinstance(name, str)
                and name.startswith(gen)
                and len(name) == len(gen) + 5
                and name not in generated
            ):
                generated[name] = (gen, n)

        _walk(records, visit)
        self.anchors = sorted(anchors)
        ordered_uids = sorted(first_rv, key=first_rv.__getitem__)
        ordered_uids += [u for u in unstored if u not in first_rv]
        self.uids = {u: f"uid#{i + 1}" for i, u in enumerate(ordered_uids)}
        ordered = sorted(generated.items(), key=lambda kv: kv[1][1])
        self.names = {name: f"{gen}<#{i + 1}>" for i, (name, (gen, _)) in enumerate(ordered)}
        self._names_re = (
            re.compile("|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True)))
            if self.names
            else None
        )

    def rv(self, value: int) -> str:
        return f"rv#{bisect.bisect_right(self.anchors, value)}"

    def text(self, s: str) -> str:
        if _TIME.match(s):
            return "<time>"
        s = _UID.sub(lambda m: self.uids.get(m.group(0), m.group(0)), s)
        if self._names_re is not None:
            s = self._names_re.sub(lambda m: self.names[m.group(0)], s)
        return s

    def message(self, s: str) -> str:
        s = self.text(s)
        return _RV_IN_TEXT.sub(lambda m: m.group("pre") + self.rv(int(m.group("rv"))), s)

    def continue_token(self, token: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = orjson.loads(raw)
            rv = int(data["rv"])
        except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            return "continue(<undecodable>)"
        return "continue(rv=-1)" if rv < 0 else f"continue({self.rv(rv)})"

    def value(self, node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "managedFields":
                    continue
                out[k] = self.value(v, k)
            return out
        if isinstance(node, list):
            return [self.value(v, key) for v in node]
        if isinstance(node, str):
            if key == "resourceVersion" and node.isdigit():
                return self.rv(int(node))
            if key == "continue" and node:
                return self.continue_token(node)
            if key == "message":
                return self.message(node)
            return self.text(node)
        return node


def normalize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The comparable form of a transcript: ``{"steps": [...]}``."""
    return {"steps": _Normalizer(records).value(records)}
