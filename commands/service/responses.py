"""The responses every front layer writes for errors: RFC 9457 problem documents, with the
headers authentication and rate limits owe the client."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import Scope

from commands.service.errors import (
    PROBLEM_JSON,
    NotAuthenticated,
    RateLimited,
    internal_problem,
    problem,
    status_of,
)
from commands.service.observability import logger
from ledger.errors import SkmsError

ACCEPT_SIGNATURE = ('sig1=("@method" "@target-uri" "content-digest");alg="ed25519";'
                    'keyid="ACTOR_ID"')


def correlation_of(scope: Scope) -> str:
    state = scope.get("state") or {}
    return str(state.get("correlation_id", ""))


def problem_response(request_or_scope: Request | Scope, error: SkmsError) -> JSONResponse:
    scope = request_or_scope.scope if isinstance(request_or_scope, Request) else request_or_scope
    document = problem(error, instance=scope.get("path"), correlation_id=correlation_of(scope))
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, NotAuthenticated):
        headers["WWW-Authenticate"] = 'Signature realm="skms"'
        headers["Accept-Signature"] = ACCEPT_SIGNATURE
    return JSONResponse(document, status_code=status_of(error), headers=headers,
                        media_type=PROBLEM_JSON)


def internal_error_response(scope: Scope, exc: BaseException) -> JSONResponse:
    """A bug: logged with its traceback; the client learns only the correlation id."""
    logger().error("internal error", exc_info=exc, path=scope.get("path"))
    return JSONResponse(internal_problem(instance=scope.get("path"),
                                         correlation_id=correlation_of(scope)),
                        status_code=500, media_type=PROBLEM_JSON)
