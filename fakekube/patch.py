"""The three Kubernetes patch types, applied to JSON-like documents.

- JSON patch (RFC 6902), as ``evanphx/json-patch`` applies it;
- JSON merge patch (RFC 7386): ``null`` deletes, objects merge, the rest replaces;
- strategic merge patch (``k8s.io/apimachinery/pkg/util/strategicpatch``): lists merge
  by a key where the kind's schema says so (:mod:`fakekube.patch_schema`), with the
  ``$patch``, ``$setElementOrder``, ``$retainKeys`` and ``$deleteFromPrimitiveList``
  directives. kube-scheduler's pod status patches depend on conditions merging by
  ``type`` and on ``$setElementOrder/conditions``.

Pure functions: inputs are never mutated. Errors are :mod:`fakekube.errors` with the
codes ``pkg/endpoints/handlers/patch.go`` uses: undecodable patches are 400, a JSON
patch that cannot be applied is 422.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from fakekube.errors import BadRequest, Invalid, UnreasonedError, UnsupportedMediaType, go_json_type
from fakekube.patch_schema import EMPTY, PatchSchema

__all__ = [
    "APPLY_PATCH",
    "JSON_PATCH",
    "MERGE_PATCH",
    "STRATEGIC_MERGE_PATCH",
    "apply_patch",
    "json_patch",
    "merge_patch",
    "strategic_merge_patch",
]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
SUPPORTED = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH]

_DIRECTIVE = "$patch"
_RETAIN = "$retainKeys"
_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"


def _unprocessable(message: str) -> Invalid:
    """errors.NewGenericServerResponse(422, …, isUnexpectedResponse=false) as patch.go builds it.

    kube-apiserver drops the JSON-patch library's own message (``details`` is empty), so
    clients only ever see the generic sentence; ``message`` is accepted so call sites read
    like patch.go, and dropped for the same reason kube-apiserver drops it.
    """
    del message
    return Invalid("the server rejected our request due to an error in our request", causes=[])


def _decode(body: bytes | Any) -> Any:
    if not isinstance(body, bytes | bytearray):
        return body
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"error decoding patch: {str(exc).split(':', 1)[0]}") from None


def apply_patch(
    content_type: str, doc: dict[str, Any], body: bytes | Any, schema: PatchSchema = EMPTY
) -> Any:
    """Apply ``body`` of media type ``content_type`` to ``doc``."""
    if content_type == JSON_PATCH:
        return json_patch(doc, _decode(body))
    if content_type == MERGE_PATCH:
        decoded = _decode(body)
        if decoded is None:
            raise BadRequest("Invalid JSON Patch")
        if not isinstance(decoded, dict):
            raise BadRequest(
                f"error decoding patch: json: cannot unmarshal {go_json_type(decoded)} into Go "
                "value of type map[string]interface {}"
            )
        return merge_patch(doc, decoded)
    if content_type == STRATEGIC_MERGE_PATCH:
        return strategic_merge_patch(doc, _decode(body), schema)
    raise UnsupportedMediaType.media(SUPPORTED)


# -- RFC 7386 ---------------------------------------------------------------------------


def _go_format(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value (maps print sorted by key)."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_format(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_format(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def merge_patch(doc: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(doc) if isinstance(doc, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


# -- RFC 6902 ---------------------------------------------------------------------------


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise _unprocessable(f"invalid JSON pointer: {path!r}")
    if path == "":
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list[Any], token: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise _unprocessable(f"invalid array index: {token}")
    idx = int(token)
    if idx > len(container) or (idx == len(container) and not allow_end):
        raise _unprocessable(f"array index out of bounds: {idx}")
    return idx


def _parent(doc: Any, tokens: list[str], path: str) -> Any:
    cur = doc
    for tok in tokens[:-1]:
        if isinstance(cur, dict):
            if tok not in cur:
                raise _unprocessable(f'doc is missing path: "{path}": missing value')
            cur = cur[tok]
        elif isinstance(cur, list):
            cur = cur[_index(cur, tok, allow_end=False)]
        else:
            raise _unprocessable(f'doc is missing path: "{path}": missing value')
    return cur


def _get(doc: Any, path: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _unprocessable(f'doc is missing path: "{path}": missing value')
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, allow_end=False)]
    raise _unprocessable(f'doc is missing path: "{path}": missing value')


def _add(doc: Any, path: str, value: Any) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, allow_end=True), value)
    else:
        raise _unprocessable(f'doc is missing path: "{path}": missing value')
    return doc


def _remove(doc: Any, path: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        raise _unprocessable("unable to remove the whole document")
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _unprocessable(f"Unable to remove nonexistent key: {last}: missing value")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, allow_end=False))
    raise _unprocessable(f'doc is missing path: "{path}": missing value')


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902 on a deep copy of ``doc``."""
    if not isinstance(ops, list):
        raise BadRequest(
            f"error decoding patch: json: cannot unmarshal {go_json_type(ops)} into Go value "
            "of type []handlers.jsonPatchOp"
        )
    out = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict):
            raise BadRequest("json: cannot unmarshal into Go value of type jsonpatch.Operation")
        kind = op.get("op")
        path = op.get("path")
        if kind in ("add", "replace", "test") and "value" not in op:
            raise _unprocessable(f"Unexpected kind: {kind} missing value")
        if kind == "add":
            out = _add(out, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            _remove(out, path)
        elif kind == "replace":
            tokens = _pointer(path)
            if not tokens or not isinstance(_parent(out, tokens, path), dict):
                _get(out, path)
            # json-patch v4 (what kube-apiserver uses) replaces a missing object key by
            # setting it, as add would; only arrays and missing parents fail.
            if not tokens:
                out = copy.deepcopy(op["value"])
            else:
                parent = _parent(out, tokens, path)
                if isinstance(parent, list):
                    parent[_index(parent, tokens[-1], allow_end=False)] = copy.deepcopy(op["value"])
                else:
                    parent[tokens[-1]] = copy.deepcopy(op["value"])
        elif kind == "move":
            value = _remove(out, op.get("from"))
            out = _add(out, path, value)
        elif kind == "copy":
            out = _add(out, path, copy.deepcopy(_get(out, op.get("from"))))
        elif kind == "test":
            try:
                current = _get(out, path)
            except Invalid:
                current = None
            if current != op["value"]:
                raise _unprocessable("testing value " + str(path) + " failed: test failed")
        else:
            raise _unprocessable(f"Unexpected kind: {kind}")
    return out


# -- strategic merge ---------------------------------------------------------------------


def strategic_merge_patch(doc: Any, patch: Any, schema: PatchSchema = EMPTY) -> Any:
    """Apply a strategic merge patch (strategicpatch.StrategicMergeMapPatch)."""
    if not isinstance(patch, dict):
        raise BadRequest('unable to find api field in struct  for the json field ""')
    if not isinstance(doc, dict):
        doc = {}
    result = _merge_map(doc, patch, schema, ())
    return {} if result is None else result


def _strip(value: Any) -> Any:
    """A patch value inserted as-is loses its directives."""
    if isinstance(value, dict):
        return {
            k: _strip(v)
            for k, v in value.items()
            if k != _DIRECTIVE
            and k != _RETAIN
            and not k.startswith(("$setElementOrder/", "$deleteFromPrimitiveList/"))
            and v is not None
        }
    if isinstance(value, list):
        return [_strip(v) for v in value if not (isinstance(v, dict) and v.get(_DIRECTIVE))]
    return value


def _merge_map(
    original: dict[str, Any], patch: dict[str, Any], schema: PatchSchema, path: tuple[str, ...]
) -> dict[str, Any] | None:
    directive = patch.get(_DIRECTIVE)
    if directive == "replace":
        return _strip(patch)
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise UnreasonedError(f"unknown patch type: {directive} in map: {_go_format(patch)}")
    out = copy.deepcopy(original)
    orders: dict[str, list[Any]] = {}
    deletions: dict[str, list[Any]] = {}
    retain = patch.get(_RETAIN)
    for key, value in patch.items():
        if key in (_DIRECTIVE, _RETAIN):
            continue
        if key.startswith(_ORDER):
            orders[key[len(_ORDER) :]] = value if isinstance(value, list) else []
            continue
        if key.startswith(_DELETE_PRIMITIVE):
            deletions[key[len(_DELETE_PRIMITIVE) :]] = value if isinstance(value, list) else []
            continue
        sub = (*path, key)
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            base = out.get(key)
            merged = _merge_map(base if isinstance(base, dict) else {}, value, schema, sub)
            if merged is None:
                out.pop(key, None)
            else:
                out[key] = merged
        elif isinstance(value, list):
            meta = schema.at(sub)
            base = out.get(key)
            base_list = base if isinstance(base, list) else []
            if meta is not None and meta.strategy == "merge":
                out[key] = _merge_list(base_list, value, meta.merge_key, schema, sub)
            else:
                out[key] = _strip(value)
        else:
            out[key] = value
    for field, values in deletions.items():
        if isinstance(out.get(field), list):
            out[field] = [v for v in out[field] if v not in values]
    for field, order in orders.items():
        if isinstance(out.get(field), list):
            meta = schema.at((*path, field))
            out[field] = _reorder(
                original.get(field) or [], out[field], order, meta.merge_key if meta else None
            )
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(
    original: list[Any],
    patch: list[Any],
    key: str | None,
    schema: PatchSchema,
    path: tuple[str, ...],
) -> list[Any]:
    if any(isinstance(p, dict) and p.get(_DIRECTIVE) == "replace" for p in patch):
        return [_strip(p) for p in patch if not (isinstance(p, dict) and _DIRECTIVE in p)]
    if key is None:
        # A primitive list with patchStrategy merge: an ordered set union.
        out = list(original)
        for item in patch:
            if item not in out:
                out.append(item)
        return _element_order(out, patch, original, None)
    out = [copy.deepcopy(o) for o in original]
    for item in patch:
        if not isinstance(item, dict):
            raise BadRequest(
                f"merging an object in json but data type is not struct, "
                f"instead is: {type(item).__name__}"
            )
        if key not in item:
            raise BadRequest(f"map: {item} does not contain declared merge key: {key}")
        idx = next(
            (i for i, o in enumerate(out) if isinstance(o, dict) and o.get(key) == item[key]), None
        )
        if item.get(_DIRECTIVE) == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(_strip(item))
        else:
            merged = _merge_map(out[idx], item, schema, path)
            if merged is None:
                out.pop(idx)
            else:
                out[idx] = merged
    return _element_order(out, patch, original, key)


def _element_order(
    merged: list[Any], patch: list[Any], original: list[Any], key: str | None
) -> list[Any]:
    """strategicpatch's normalizeElementOrder + mergeSortedSlice: the items the patch names,
    in patch order, interleaved with the server-only items, which keep their order; an item
    new to the server goes before any server item it is compared with."""

    def ident(item: Any) -> Any:
        return item.get(key) if key is not None and isinstance(item, dict) else item

    patch_ids = [ident(p) for p in patch]
    server_ids = [ident(o) for o in original]
    named = sorted(
        (m for m in merged if ident(m) in patch_ids), key=lambda m: patch_ids.index(ident(m))
    )
    server_only = [m for m in merged if ident(m) not in patch_ids]
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(named):
        if j >= len(named):
            out.append(server_only[i])
            i += 1
        elif i >= len(server_only):
            out.append(named[j])
            j += 1
        else:
            li = (
                server_ids.index(ident(server_only[i]))
                if ident(server_only[i]) in server_ids
                else -1
            )
            ri = server_ids.index(ident(named[j])) if ident(named[j]) in server_ids else -1
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server_only[i])
                i += 1
            else:
                out.append(named[j])
                j += 1
    return out


def _reorder(
    original: list[Any], merged: list[Any], order: list[Any], key: str | None
) -> list[Any]:
    """$setElementOrder: named items in the given order, the rest where they stood."""

    def ident(item: Any) -> Any:
        if key is not None and isinstance(item, dict):
            return item.get(key)
        return item

    wanted = [ident(o) for o in order]
    rank = {w: i for i, w in enumerate(wanted)}
    named = sorted((m for m in merged if ident(m) in rank), key=lambda m: rank[ident(m)])
    others = [m for m in merged if ident(m) not in rank]
    if not others:
        return named
    # Keep each server-only item right after the named item that preceded it originally.
    orig_ids = [ident(o) for o in original]
    out = list(named)
    for item in others:
        i = orig_ids.index(ident(item)) if ident(item) in orig_ids else len(orig_ids)
        anchor = next((orig_ids[j] for j in range(i - 1, -1, -1) if orig_ids[j] in rank), None)
        if anchor is None:
            pos = 0
            while pos < len(out) and ident(out[pos]) not in rank and out[pos] in others:
                pos += 1
        else:
            pos = next(k for k, m in enumerate(out) if ident(m) == anchor) + 1
            while pos < len(out) and ident(out[pos]) not in rank:
                pos += 1
        out.insert(pos, item)
    return out
