"""Kubernetes ``Status`` errors, shaped and worded like kube-apiserver's.

Clients (client-go, kubernetes-asyncio, kubectl) decide what to do from ``reason`` and
``code``, and people read ``message``; both must match
``k8s.io/apimachinery/pkg/api/errors/errors.go`` exactly, so every constructor here
mirrors one ``New*`` function there and keeps its wording.

Hierarchy::

    StatusError                      code/reason are class attributes
    ├── ClientError (4xx)
    │   ├── BadRequest 400, Unauthorized 401, Forbidden 403, NotFound 404,
    │   ├── MethodNotAllowed 405, NotAcceptable 406, AlreadyExists 409, Conflict 409,
    │   ├── Gone 410, Expired 410, RequestEntityTooLarge 413,
    │   └── UnsupportedMediaType 415, Invalid 422, TooManyRequests 429
    └── ServerError (5xx)
        └── InternalError 500, ServiceUnavailable 503, Timeout 504

Nothing here imports aiohttp: the store raises these and ``fakekube.api`` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "AlreadyExists",
    "BadRequest",
    "Cause",
    "ClientError",
    "Conflict",
    "Expired",
    "Forbidden",
    "Gone",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "RequestEntityTooLarge",
    "ServerError",
    "ServiceUnavailable",
    "StatusError",
    "Timeout",
    "TooLargeResourceVersion",
    "TooManyRequests",
    "Unauthorized",
    "UnreasonedError",
    "UnsupportedMediaType",
    "go_json_type",
    "qualified_resource",
    "status_success",
]


def qualified_resource(resource: str, group: str) -> str:
    """``pods`` for core, ``deployments.apps`` otherwise: schema.GroupResource.String()."""
    return f"{resource}.{group}" if group else resource


@dataclass(frozen=True)
class Cause:
    """One ``details.causes`` entry (metav1.StatusCause)."""

    reason: str
    message: str
    field: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {}
        if self.reason:
            out["reason"] = self.reason
        if self.message:
            out["message"] = self.message
        if self.field:
            out["field"] = self.field
        return out


class StatusError(Exception):
    """An API error that renders as a ``metav1.Status`` with ``status: Failure``."""

    code: ClassVar[int] = 500
    reason: ClassVar[str] = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        group: str = "",
        kind: str = "",
        uid: str = "",
        causes: list[Cause] | None = None,
        retry_after_seconds: int = 0,
        details: bool = True,
        continue_token: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = list(causes or [])
        self.retry_after_seconds = retry_after_seconds
        # kube-apiserver omits ``details`` entirely for some errors (BadRequest, Gone,
        # Expired) and sends ``"details": {}`` for others; clients compare both.
        self.has_details = details
        self.continue_token = continue_token

    def to_status(self) -> dict[str, Any]:
        """The ``metav1.Status`` body, keys in kube-apiserver's order."""
        metadata: dict[str, Any] = {}
        if self.continue_token:
            metadata["continue"] = self.continue_token
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": metadata,
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.has_details:
            det: dict[str, Any] = {}
            if self.name:
                det["name"] = self.name
            if self.group:
                det["group"] = self.group
            if self.kind:
                det["kind"] = self.kind
            if self.uid:
                det["uid"] = self.uid
            if self.causes:
                det["causes"] = [c.to_dict() for c in self.causes]
            if self.retry_after_seconds:
                det["retryAfterSeconds"] = self.retry_after_seconds
            body["details"] = det
        body["code"] = self.code
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.message!r})"


class ClientError(StatusError):
    """A 4xx: the request was wrong; retrying it unchanged will not help (except 409/429)."""

    code = 400
    reason = "BadRequest"


class ServerError(StatusError):
    """A 5xx: the server could not serve a valid request."""


class BadRequest(ClientError):
    code = 400
    reason = "BadRequest"

    def __init__(self, message: str, **kw: Any) -> None:
        kw.setdefault("details", False)
        super().__init__(message, **kw)


class Unauthorized(ClientError):
    code = 401
    reason = "Unauthorized"


class Forbidden(ClientError):
    code = 403
    reason = "Forbidden"


class NotFound(ClientError):
    code = 404
    reason = "NotFound"

    @classmethod
    def object(cls, resource: str, group: str, name: str) -> NotFound:
        """``pods "x" not found`` (errors.NewNotFound)."""
        qr = qualified_resource(resource, group)
        return cls(f'{qr} "{name}" not found', name=name, group=group, kind=resource)

    @classmethod
    def path(cls) -> NotFound:
        """An unknown resource or path under an API prefix (errors.NewGenericServerResponse)."""
        return cls("the server could not find the requested resource")


class MethodNotAllowed(ClientError):
    code = 405
    reason = "MethodNotAllowed"

    @classmethod
    def for_resource(cls, resource: str, group: str, action: str) -> MethodNotAllowed:
        """errors.NewMethodNotSupported."""
        qr = qualified_resource(resource, group)
        return cls(
            f'{action} is not supported on resources of kind "{qr}"', group=group, kind=resource
        )

    @classmethod
    def route(cls) -> MethodNotAllowed:
        """No handler for this method on this path (a PUT on a collection, a POST on an
        object): the mux's 405 as kube-apiserver renders it, with empty details."""
        return cls("the server does not allow this method on the requested resource")


class NotAcceptable(ClientError):
    code = 406
    reason = "NotAcceptable"

    @classmethod
    def media(cls, accepted: list[str]) -> NotAcceptable:
        # go-restful's wording, as kube-apiserver renders it.
        return cls("406: Not Acceptable\n\nAvailable representations: " + ", ".join(accepted))


class AlreadyExists(ClientError):
    code = 409
    reason = "AlreadyExists"

    @classmethod
    def object(cls, resource: str, group: str, name: str) -> AlreadyExists:
        qr = qualified_resource(resource, group)
        return cls(f'{qr} "{name}" already exists', name=name, group=group, kind=resource)


class Conflict(ClientError):
    code = 409
    reason = "Conflict"

    @classmethod
    def object(cls, resource: str, group: str, name: str, why: str) -> Conflict:
        """errors.NewConflict: ``Operation cannot be fulfilled on pods "x": <why>``."""
        qr = qualified_resource(resource, group)
        return cls(
            f'Operation cannot be fulfilled on {qr} "{name}": {why}',
            name=name,
            group=group,
            kind=resource,
        )

    @classmethod
    def stale(cls, resource: str, group: str, name: str) -> Conflict:
        """The optimistic-concurrency failure every controller retries on."""
        return cls.object(
            resource,
            group,
            name,
            "the object has been modified; please apply your changes to the latest "
            "version and try again",
        )


class Gone(ClientError):
    code = 410
    reason = "Gone"

    def __init__(self, message: str, **kw: Any) -> None:
        kw.setdefault("details", False)
        super().__init__(message, **kw)


class Expired(Gone):
    """410 with reason ``Expired``: history or a continue token is compacted away."""

    reason = "Expired"


class RequestEntityTooLarge(ClientError):
    code = 413
    reason = "RequestEntityTooLarge"

    @classmethod
    def limit(cls, limit: int) -> RequestEntityTooLarge:
        return cls(f"Request entity too large: limit is {limit}", details=False)


class UnsupportedMediaType(ClientError):
    code = 415
    reason = "UnsupportedMediaType"

    @classmethod
    def media(cls, accepted: list[str]) -> UnsupportedMediaType:
        """negotiation.NewUnsupportedMediaTypeError."""
        return cls(
            "the body of the request was in an unknown format - accepted media types include: "
            + ", ".join(accepted),
            details=False,
        )

    @classmethod
    def route(cls) -> UnsupportedMediaType:
        """A PATCH whose Content-Type no route consumes: go-restful refuses it before any
        handler runs, and kube-apiserver renders its bare words with empty details."""
        return cls("415: Unsupported Media Type")


class Invalid(ClientError):
    code = 422
    reason = "Invalid"

    @classmethod
    def fields(cls, kind: str, group: str, name: str, causes: list[Cause]) -> Invalid:
        """errors.NewInvalid: ``Pod "x" is invalid: <field>: <msg>`` (bracketed when several)."""
        parts = [f"{c.field}: {c.message}" if c.field else c.message for c in causes]
        agg = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
        qualified = f"{kind}.{group}" if group else kind  # schema.GroupKind.String()
        return cls(
            f'{qualified} "{name}" is invalid: {agg}',
            name=name,
            group=group,
            kind=kind,
            causes=causes,
        )


class TooManyRequests(ClientError):
    code = 429
    reason = "TooManyRequests"


class UnreasonedError(ServerError):
    """A plain Go error that reached ``ErrorToAPIStatus``: 500, no reason, no details.

    kube-apiserver answers this way where a registry returns ``fmt.Errorf`` instead of an
    API error (a resourceVersion on create, an unknown strategic-merge directive)."""

    code = 500
    reason = ""

    def __init__(self, message: str, **kw: Any) -> None:
        kw.setdefault("details", False)
        super().__init__(message, **kw)

    def to_status(self) -> dict[str, Any]:
        body = super().to_status()
        del body["reason"]  # omitempty
        return body


class InternalError(ServerError):
    code = 500
    reason = "InternalError"

    @classmethod
    def wrap(cls, err: BaseException | str) -> InternalError:
        text = str(err)
        return cls(f"Internal error occurred: {text}", causes=[Cause("", text)])


class ServiceUnavailable(ServerError):
    code = 503
    reason = "ServiceUnavailable"


class Timeout(ServerError):
    code = 504
    reason = "Timeout"


class TooLargeResourceVersion(Timeout):
    """storage.NewTooLargeResourceVersionError: a read at a version the store has not
    reached. ``resource_version`` is that version, so the API server can wait for it (as
    the watch cache's ``waitUntilFreshAndBlock`` does) before answering with this."""

    def __init__(self, resource_version: int, current: int) -> None:
        super().__init__(
            f"Timeout: Too large resource version: {resource_version}, current: {current}",
            causes=[Cause("ResourceVersionTooLarge", "Too large resource version")],
            retry_after_seconds=1,
        )
        self.resource_version = resource_version


def status_success(**details: Any) -> dict[str, Any]:
    """A ``Status`` with ``status: Success`` (binding and deletecollection replies)."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    }
    if details:
        body["details"] = details
    body["code"] = 200
    return body


def go_json_type(value: Any) -> str:
    """How encoding/json names a JSON value's type in an UnmarshalTypeError ("json: cannot
    unmarshal string into Go struct field ..."), which kube-apiserver's decode errors quote."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"
