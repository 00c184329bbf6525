"""Errors a list or watch can end with, classified the way the reflector must react to them.

client-go decides between *relist*, *back off and retry the watch* and *give up this round*
by the Status reason of an error (apimachinery ``pkg/api/errors``), never by its text, and
by whether the connection was refused (``utilnet.IsConnectionRefused``). The same split is
kept here::

    InformerError
    ├── ApiError            the server answered with a non-2xx Status (or an ERROR event)
    └── TransportError      no usable answer: reset, timeout, broken stream
        └── ConnectionRefused   nobody listening: retry the watch, do not relist

No exception from aiohttp or kubernetes-asyncio escapes :mod:`informers.listwatch`; they
are mapped to these at the edge so callers depend on this module only.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "ConnectionRefused",
    "InformerError",
    "TransportError",
    "is_connection_refused",
    "is_expired",
    "is_internal_error",
    "is_too_large_resource_version",
    "is_too_many_requests",
    "is_watch_error_retriable",
]

Obj = dict[str, Any]


class InformerError(Exception):
    """Base of every error the informer machinery raises about the server or the network."""


class ApiError(InformerError):
    """A non-2xx answer, with the server's ``Status`` object when it sent one."""

    def __init__(self, code: int, status: Obj | None = None) -> None:
        self.code = code
        self.status: Obj = status or {}
        self.reason = str(self.status.get("reason", ""))
        message = str(self.status.get("message", ""))
        super().__init__(f"{code} {self.reason}: {message}".strip().rstrip(":"))

    @property
    def causes(self) -> list[Obj]:
        return list((self.status.get("details") or {}).get("causes") or [])

    @property
    def retry_after(self) -> float | None:
        """``details.retryAfterSeconds`` (what ``Retry-After`` carries), if given."""
        value = (self.status.get("details") or {}).get("retryAfterSeconds")
        return float(value) if value is not None else None


class TransportError(InformerError):
    """The request got no usable answer: connection reset, timeout, truncated stream."""


class ConnectionRefused(TransportError):
    """Nothing accepted the connection: the API server is most likely restarting."""


def is_expired(err: BaseException) -> bool:
    """410 ``Expired`` or ``Gone``: the resourceVersion asked for is out of the history."""
    if not isinstance(err, ApiError):
        return False
    if err.reason in ("Expired", "Gone"):
        return True
    return err.code == 410 and not err.reason


def is_too_large_resource_version(err: BaseException) -> bool:
    """504 with cause ``ResourceVersionTooLarge``: the server has not caught up to that RV."""
    if not isinstance(err, ApiError):
        return False
    if any(c.get("reason") == "ResourceVersionTooLarge" for c in err.causes):
        return True
    # Servers 1.17.0-1.18.5 only said so in a cause message or the Status message.
    if err.code != 504 and err.reason != "Timeout":
        return False
    text = "Too large resource version"
    return any(c.get("message") == text for c in err.causes) or text in str(
        err.status.get("message", "")
    )


def is_too_many_requests(err: BaseException) -> bool:
    """429: the server sheds load; back off (at least ``Retry-After``) and retry."""
    return isinstance(err, ApiError) and (err.code == 429 or err.reason == "TooManyRequests")


def is_internal_error(err: BaseException) -> bool:
    """500 ``InternalError`` (also what an undecodable watch event becomes)."""
    return isinstance(err, ApiError) and (err.reason == "InternalError" or err.code == 500)


def is_connection_refused(err: BaseException) -> bool:
    """Nothing listening: the server is restarting, so the last version is still good."""
    return isinstance(err, ConnectionRefused)


def is_watch_error_retriable(err: BaseException) -> bool:
    """Refused or 429: retry the watch after a backoff; relisting would only add load."""
    return is_connection_refused(err) or is_too_many_requests(err)
