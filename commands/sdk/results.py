"""What the SDK returns and raises: a command's outcome, and the service's problems."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ApiError(Exception):
    """A problem answered by the service (RFC 9457 document in :attr:`problem`)."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem = dict(problem)
        self.error = str(problem.get("error", ""))
        self.reason_code = problem.get("reason_code")
        self.recorded_seq = problem.get("recorded_seq")
        self.field = problem.get("field")
        super().__init__(f"{status} {self.error}: {problem.get('detail', '')}")


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Where a command's events went and what it produced (``result``: the catalogue's
    result shape as JSON, its fields also readable as attributes; None for a replay past
    the server's cache)."""

    command_id: str
    chain: str
    seqs: list[int]
    seq: int | None
    replayed: bool
    correlation_id: str
    result: Any
    status: str = "done"  # "pending": held for an approval quorum (see approval_id)
    approval_id: str | None = None

    def __getattr__(self, name: str) -> Any:
        """The result's fields read as attributes (``signed.signature``)."""
        result = object.__getattribute__(self, "result")
        if isinstance(result, Mapping) and name in result:
            return result[name]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> CommandResult:
        return cls(data["command_id"], data["chain"], list(data["seqs"]), data.get("seq"),
                   bool(data["replayed"]), data["correlation_id"], data.get("result"),
                   str(data.get("status") or "done"), data.get("approval_id"))
