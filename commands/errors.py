"""The one table from error classes to what each front end answers: an HTTP status, a gRPC
status code and a CLI exit code.

Why here and not on the error classes: the ledger says *what* failed (its classes); how
serious that is for a caller is the front ends' business, decided once, in one place, so
that REST, gRPC and the CLI cannot answer the same failure differently. Errors of the
service itself (authentication, rate limits, body size, timeouts) are here too. The most
specific class listed wins; anything that is not an :class:`~ledger.errors.SkmsError` is
a bug (HTTP 500, gRPC INTERNAL, exit 70).
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import (
    AuthenticationFailed,
    CommandRejected,
    ConcurrencyError,
    ConfigurationError,
    CryptoError,
    IllegalTransition,
    InvalidCiphertext,
    InvalidInput,
    InvalidSignature,
    MaterialDestroyed,
    NotFound,
    ReplayedCommand,
    SkmsError,
    StoreError,
    UnsupportedAlgorithm,
    VerificationError,
)

BUG_EXIT = 70  # EX_SOFTWARE


@dataclass(frozen=True, slots=True)
class Answer:
    """What a front end answers for an error class."""

    http: int
    grpc: str  # a grpc.StatusCode name (no grpc import for the CLI)
    exit: int


class ServiceError(SkmsError):
    """Errors only the service raises (before a request reaches the ledger)."""


class NotAuthenticated(ServiceError):
    """The request carries no valid actor credential (signature or client certificate)."""

    def __init__(self, message: str, *, reason_code: str = "unauthenticated",
                 hint: str = "") -> None:
        super().__init__(message, hint=hint or "sign the request (RFC 9421) as a registered "
                                               "actor, or present its client certificate")
        self.reason_code = reason_code


class RateLimited(ServiceError):
    """The actor's token bucket is empty; ``retry_after`` says when one token is back."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, hint=f"retry after {retry_after} s")
        self.retry_after = retry_after


class PayloadTooLarge(ServiceError):
    """The request body (or a batch in it) exceeds the configured limit."""


class MethodNotAllowed(ServiceError):
    """The path exists but not with this method."""


class HttpStatusError(ServiceError):
    """A framework-level HTTP error (an unroutable request, say) with no class of its own;
    the status it carries is answered as is."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RequestTimedOut(ServiceError):
    """The request ran longer than the configured timeout.

    A command that timed out may still commit; retrying it with the same command id (the
    ``Idempotency-Key``) returns its outcome instead of running it twice.
    """


TABLE: tuple[tuple[type[SkmsError], Answer], ...] = (
    # most specific first
    (NotAuthenticated, Answer(401, "UNAUTHENTICATED", 2)),
    (RateLimited, Answer(429, "RESOURCE_EXHAUSTED", 2)),
    (PayloadTooLarge, Answer(413, "RESOURCE_EXHAUSTED", 2)),
    (MethodNotAllowed, Answer(405, "UNIMPLEMENTED", 2)),
    (RequestTimedOut, Answer(504, "DEADLINE_EXCEEDED", 3)),
    (AuthenticationFailed, Answer(422, "INVALID_ARGUMENT", 1)),  # data did not authenticate
    (MaterialDestroyed, Answer(410, "FAILED_PRECONDITION", 2)),
    (IllegalTransition, Answer(409, "ABORTED", 2)),
    (ReplayedCommand, Answer(409, "ABORTED", 2)),
    (CommandRejected, Answer(403, "PERMISSION_DENIED", 2)),
    (InvalidSignature, Answer(422, "INVALID_ARGUMENT", 1)),
    (InvalidCiphertext, Answer(422, "INVALID_ARGUMENT", 1)),
    (VerificationError, Answer(422, "INVALID_ARGUMENT", 1)),
    (UnsupportedAlgorithm, Answer(422, "INVALID_ARGUMENT", 2)),
    (InvalidInput, Answer(422, "INVALID_ARGUMENT", 2)),
    (NotFound, Answer(404, "NOT_FOUND", 2)),
    (ConcurrencyError, Answer(409, "ABORTED", 3)),
    (StoreError, Answer(503, "UNAVAILABLE", 3)),
    (CryptoError, Answer(500, "INTERNAL", 2)),
    (ConfigurationError, Answer(500, "INTERNAL", 2)),
    (SkmsError, Answer(400, "INVALID_ARGUMENT", 2)),
)

TITLES: dict[int, str] = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
    413: "Content Too Large", 422: "Unprocessable Content", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 500: "Internal Server Error",
    503: "Service Unavailable", 504: "Gateway Timeout",
}
"""HTTP status -> problem title, for every status the service sends."""


def answer_for(error: SkmsError) -> Answer:
    if isinstance(error, HttpStatusError):
        return Answer(error.status, "INTERNAL" if error.status >= 500 else
                      "INVALID_ARGUMENT", 2)
    for cls, answer in TABLE:
        if isinstance(error, cls):
            return answer
    raise AssertionError("SkmsError is the last row")  # pragma: no cover - unreachable
