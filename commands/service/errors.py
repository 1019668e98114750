"""Problem documents (RFC 9457) and gRPC statuses, from the one table of ``commands/errors``.

REST answers ``application/problem+json`` built by :func:`problem`; gRPC answers the status
code of the same row, with the same problem document in the ``skms-problem`` trailer.
Anything that is not an ``SkmsError`` is a bug: it becomes a bare 500 without details (so
no internal text, and never secret material, reaches a client) and is logged.
"""

from __future__ import annotations

import re
from typing import Any

import grpc

from commands.errors import (
    TITLES,
    HttpStatusError,
    MethodNotAllowed,
    NotAuthenticated,
    PayloadTooLarge,
    RateLimited,
    RequestTimedOut,
    answer_for,
)
from ledger.errors import CommandRejected, NotChainOwner, SkmsError, VerificationError

__all__ = ["PROBLEM_JSON", "PROBLEM_TYPE_PREFIX", "HttpStatusError", "MethodNotAllowed",
           "NotAuthenticated", "PayloadTooLarge", "RateLimited", "RequestTimedOut",
           "grpc_code", "internal_problem", "problem", "status_of"]

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:skms:problem:"


def status_of(error: SkmsError) -> int:
    return answer_for(error).http


def grpc_code(error: SkmsError) -> grpc.StatusCode:
    return grpc.StatusCode[answer_for(error).grpc]


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem(error: SkmsError, *, instance: str | None = None,
            correlation_id: str | None = None) -> dict[str, Any]:
    """The RFC 9457 problem document of an ``SkmsError`` (messages never hold secrets)."""
    status = status_of(error)
    document: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + _kebab(type(error).__name__),
        "title": TITLES.get(status, "Error"),
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
    if isinstance(error, NotChainOwner) and error.owner:
        document["owner"] = error.owner
    if correlation_id:
        document["correlation_id"] = correlation_id
    return document


def internal_problem(*, instance: str | None = None,
                     correlation_id: str | None = None) -> dict[str, Any]:
    """What a client sees of a bug: status 500 and the correlation id to find the log."""
    document: dict[str, Any] = {"type": PROBLEM_TYPE_PREFIX + "internal", "status": 500,
                                "title": TITLES[500],
                                "detail": "internal error; the log has the details"}
    if instance is not None:
        document["instance"] = instance
    if correlation_id:
        document["correlation_id"] = correlation_id
    return document
