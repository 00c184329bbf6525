"""LIST/WATCH options checked, defaulted and worded as kube-apiserver 1.35 does.

Clients branch on these answers (client-go relists on 410, falls back from a streaming
list on 422) and people read their text, so each function ports one upstream piece:

- :func:`validate`: ``ValidateListOptions`` (apimachinery
  ``pkg/apis/meta/internalversion/validation``): every violation in one 422 ``Invalid``
  on ``ListOptions.meta.k8s.io``.
- :func:`watch_defaults`: ``SetListOptionsDefaults`` with the WatchList gate on (1.34+):
  a watch from ``""`` or ``"0"`` that asks for nothing else becomes a streaming list.
- :func:`parse_resource_version`: ``APIObjectVersioner.ParseResourceVersion``.
- :func:`encode_continue` / :func:`decode_continue`: apiserver ``pkg/storage/continue.go``,
  tokens relative to the listed key prefix.
"""

from __future__ import annotations

import base64
import binascii
import posixpath

import orjson

from fakekube.errors import BadRequest, Cause, Invalid, UnreasonedError

__all__ = [
    "UnknownServerError",
    "decode_continue",
    "encode_continue",
    "parse_resource_version",
    "validate",
    "watch_defaults",
]

NOT_OLDER_THAN = "NotOlderThan"
EXACT = "Exact"
_UINT64_MAX = 2**64 - 1


#: A 500 whose Status has no reason: what ``ErrorToAPIStatus`` makes of an error that is
#: not a Status (a watch from an unparsable resourceVersion gets one).
UnknownServerError = UnreasonedError


def _forbidden(field: str, detail: str) -> Cause:
    return Cause("FieldValueForbidden", f"Forbidden: {detail}", field)


def _not_supported(field: str, value: str, supported: list[str]) -> Cause:
    quoted = ", ".join(orjson.dumps(v).decode() for v in supported)
    message = f"Unsupported value: {orjson.dumps(value).decode()}: supported values: {quoted}"
    return Cause("FieldValueNotSupported", message, field)


def validate(
    *,
    watch: bool,
    resource_version: str,
    match: str,
    continue_token: str,
    send_initial_events: bool | None,
) -> None:
    """Raise the 422 kube-apiserver answers for these options, with all their causes."""
    causes: list[Cause] = []
    if watch:
        if send_initial_events is not None and match != NOT_OLDER_THAN:
            causes.append(
                _forbidden(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                )
            )
        if match:
            if send_initial_events is None:
                causes.append(
                    _forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents "
                        "is provided",
                    )
                )
            if match != NOT_OLDER_THAN:
                causes.append(_not_supported("resourceVersionMatch", match, [NOT_OLDER_THAN]))
            if continue_token:
                causes.append(
                    _forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    )
                )
    else:
        if match:
            if not resource_version:
                causes.append(
                    _forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden unless resourceVersion is provided",
                    )
                )
            if continue_token:
                causes.append(
                    _forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    )
                )
            if match not in (EXACT, NOT_OLDER_THAN):
                causes.append(
                    _not_supported("resourceVersionMatch", match, [EXACT, NOT_OLDER_THAN, ""])
                )
            if match == EXACT and resource_version == "0":
                causes.append(
                    _forbidden(
                        "resourceVersionMatch",
                        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
                    )
                )
        if send_initial_events is not None:
            detail = "sendInitialEvents is forbidden for list"
            causes.append(_forbidden("sendInitialEvents", detail))
    if causes:
        raise Invalid.fields("ListOptions", "meta.k8s.io", "", causes)


def watch_defaults(
    resource_version: str, match: str, send_initial_events: bool | None
) -> tuple[str, bool | None]:
    """SetListOptionsDefaults: a legacy watch from ``""``/``"0"`` is a streaming list.

    Such a watch gets the same synthetic ADDED events either way; the difference a client
    sees is the ``k8s.io/initial-events-end`` bookmark when it allows bookmarks.
    """
    if send_initial_events is not None or match:
        return match, send_initial_events
    if resource_version in ("", "0"):
        return NOT_OLDER_THAN, True
    return match, send_initial_events


def parse_resource_version(text: str) -> int | str:
    """The version as an int, or the ``field.Error`` text Go's ``ParseUint`` leads to."""
    if text in ("", "0"):
        return 0
    if text.isascii() and text.isdigit():
        value = int(text)
        if value <= _UINT64_MAX:
            return value
        why = f'strconv.ParseUint: parsing "{text}": value out of range'
    else:
        why = f'strconv.ParseUint: parsing "{text}": invalid syntax'
    return f'resourceVersion: Invalid value: "{text}": {why}'


def encode_continue(rv: int, start: str) -> str:
    """base64url(JSON{v, rv, start}), unpadded; ``start`` relative to the listed prefix."""
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _invalid_token(detail: str) -> BadRequest:
    return BadRequest(f"invalid continue token: continue key is not valid{detail}")


def decode_continue(token: str) -> tuple[int, str]:
    """The token's resourceVersion and start key (relative), or its 400 ``BadRequest``."""
    try:
        if len(token) % 4 == 1 or "=" in token:
            raise binascii.Error("illegal base64 data")
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise _invalid_token(f": illegal base64 data at input byte {_bad_byte(token)}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _invalid_token(f": {exc}") from None
    if not isinstance(data, dict):
        raise _invalid_token(": json: cannot unmarshal into Go value of type storage.continueToken")
    version = data.get("v")
    rv, start = data.get("rv", 0), data.get("start", "")
    if not isinstance(rv, int) or not isinstance(start, str) or not isinstance(version, str | None):
        raise _invalid_token(": json: cannot unmarshal into Go struct field of continueToken")
    if version != "meta.k8s.io/v1":
        raise _invalid_token(f": server does not recognize this encoded version {version or ''}")
    if rv == 0:
        raise _invalid_token(": incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    if not start:
        raise _invalid_token(": encoded start key empty (version meta.k8s.io/v1)")
    key = start if start.startswith("/") else "/" + start
    if _go_path_clean(key) != key:
        raise _invalid_token(f": {start}")
    return rv, key[1:]


def _go_path_clean(path: str) -> str:
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _bad_byte(token: str) -> int:
    """Where Go's RawURLEncoding decoder stops on a malformed token."""
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for i, ch in enumerate(token):
        if ch not in alphabet:
            return i
    return len(token) - 1 if len(token) % 4 == 1 else len(token)
