"""Errors of the service and the ONE table that maps every error to HTTP and gRPC.

Why one table keyed by ``SkmsError.http_status``: the ledger already decides how serious
each failure is (its classes carry ``http_status``); the front ends only translate. REST
answers RFC 9457 ``application/problem+json`` built by :func:`problem`; gRPC answers the
status code of the same row, with the same problem document in the ``skms-problem``
trailer. Anything that is not an ``SkmsError`` is a bug: it becomes a bare 500 without
details (so no internal text, and never secret material, reaches a client) and is logged.
"""

from __future__ import annotations

import re
from typing import Any

import grpc

from ledger.errors import CommandRejected, SkmsError, VerificationError

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:skms:problem:"

STATUS_TABLE: dict[int, tuple[str, grpc.StatusCode]] = {
    400: ("Bad Request", grpc.StatusCode.INVALID_ARGUMENT),
    401: ("Unauthorized", grpc.StatusCode.UNAUTHENTICATED),
    403: ("Forbidden", grpc.StatusCode.PERMISSION_DENIED),
    404: ("Not Found", grpc.StatusCode.NOT_FOUND),
    405: ("Method Not Allowed", grpc.StatusCode.UNIMPLEMENTED),
    409: ("Conflict", grpc.StatusCode.ABORTED),
    410: ("Gone", grpc.StatusCode.FAILED_PRECONDITION),
    413: ("Content Too Large", grpc.StatusCode.RESOURCE_EXHAUSTED),
    415: ("Unsupported Media Type", grpc.StatusCode.INVALID_ARGUMENT),
    422: ("Unprocessable Content", grpc.StatusCode.INVALID_ARGUMENT),
    429: ("Too Many Requests", grpc.StatusCode.RESOURCE_EXHAUSTED),
    500: ("Internal Server Error", grpc.StatusCode.INTERNAL),
    503: ("Service Unavailable", grpc.StatusCode.UNAVAILABLE),
    504: ("Gateway Timeout", grpc.StatusCode.DEADLINE_EXCEEDED),
}
"""HTTP status → (problem title, gRPC status code). Every status the service sends is here."""


class AuthenticationFailed(SkmsError):
    """The request carries no valid actor credential (signature or client certificate)."""

    http_status = 401

    def __init__(self, message: str, *, reason_code: str = "unauthenticated",
                 hint: str = "") -> None:
        super().__init__(message, hint=hint or "sign the request (RFC 9421) as a registered "
                                               "actor, or present its client certificate")
        self.reason_code = reason_code


class RateLimited(SkmsError):
    """The actor's token bucket is empty; ``retry_after`` says when one token is back."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, hint=f"retry after {retry_after} s")
        self.retry_after = retry_after


class PayloadTooLarge(SkmsError):
    """The request body (or a batch in it) exceeds the configured limit."""

    http_status = 413


class UnsupportedMediaType(SkmsError):
    """The request body is not JSON."""

    http_status = 415


class MethodNotAllowed(SkmsError):
    """The path exists but not with this method."""

    http_status = 405


class RequestTimedOut(SkmsError):
    """The request ran longer than the configured timeout.

    A command that timed out may still commit; retrying it with the same command id (the
    ``Idempotency-Key``) returns its outcome instead of running it twice.
    """

    http_status = 504


def status_of(error: SkmsError) -> int:
    """The HTTP status of an error; unknown statuses fall back to their class (4xx/5xx)."""
    status = error.http_status
    if status in STATUS_TABLE:
        return status
    return 500 if status >= 500 else 400


def grpc_code(error: SkmsError) -> grpc.StatusCode:
    return STATUS_TABLE[status_of(error)][1]


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem(error: SkmsError, *, instance: str | None = None,
            correlation_id: str | None = None) -> dict[str, Any]:
    """The RFC 9457 problem document of an ``SkmsError`` (messages never hold secrets)."""
    status = status_of(error)
    document: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + _kebab(type(error).__name__),
        "title": STATUS_TABLE[status][0],
        "status": status,
        "detail": error.message,
        "error": type(error).__name__,
    }
    if instance is not None:
        document["instance"] = instance
    if error.field:
        document["field"] = error.field
    if error.hint:
        document["hint"] = error.hint
    reason_code = getattr(error, "reason_code", None)
    if isinstance(reason_code, str):
        document["reason_code"] = reason_code
    if isinstance(error, CommandRejected) and error.seq is not None:
        document["recorded_seq"] = error.seq
    if isinstance(error, VerificationError):
        document.update(chain=error.chain, seq=error.seq, check=error.check)
    if isinstance(error, RateLimited):
        document["retry_after"] = error.retry_after
    if correlation_id:
        document["correlation_id"] = correlation_id
    return document


def internal_problem(*, instance: str | None = None,
                     correlation_id: str | None = None) -> dict[str, Any]:
    """What a client sees of a bug: status 500 and the correlation id to find the log."""
    document: dict[str, Any] = {"type": PROBLEM_TYPE_PREFIX + "internal", "status": 500,
                                "title": STATUS_TABLE[500][0],
                                "detail": "internal error; the log has the details"}
    if instance is not None:
        document["instance"] = instance
    if correlation_id:
        document["correlation_id"] = correlation_id
    return document
