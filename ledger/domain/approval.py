"""The Approval aggregate: one signed command waiting for an M-of-N quorum of approvers.

Requirements:

1. A request holds the full signed command (its canonical bytes and the requester's
   signature), its digest (what approvers sign), the quorum the policy in force required,
   the rules that set it, and an expiry; it lives in the chain the command acts on.
2. Approvers approve or reject by naming the request digest in their own signed
   commands. The requester never counts, each approver counts once, nothing counts after
   the expiry, and a closed request (rejected, expired, executed) takes nothing more.
3. A command whose result nobody but the requester may see, or which needs data the
   ledger never stores (its inputs), waits ``approved`` for the requester to send it
   again (``on-resubmit``); any other command is executed by the approval completing the
   quorum (``on-quorum``). Either way the execution is recorded first, naming every
   approval, and happens once.

Every method either triggers the event recording its decision or raises
:class:`~ledger.errors.CommandRejected` (recorded by the ledger) and changes nothing.
"""

from __future__ import annotations

import enum
from typing import Any

from ledger.domain.aggregate import Aggregate, Created, Event
from ledger.domain.registry import register_event
from ledger.errors import CommandRejected, IllegalTransition

ON_QUORUM = "on-quorum"
ON_RESUBMIT = "on-resubmit"
EXECUTIONS = (ON_QUORUM, ON_RESUBMIT)


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"      # quorum reached, waiting for the requester (on-resubmit)
    REJECTED = "rejected"
    EXPIRED = "expired"
    EXECUTED = "executed"


OPEN_STATES = frozenset({ApprovalStatus.PENDING, ApprovalStatus.APPROVED})


class Approval(Aggregate):
    """A gated command and the decisions of its approvers."""

    chain_id: str
    command_type: str
    requester_id: str
    command: bytes
    command_signature: bytes
    request_digest: bytes
    intent_digest: bytes
    required: int
    rules: list[str]
    expires_at: int
    execution: str
    subject: str | None
    status: ApprovalStatus
    approvers: list[str]
    approval_command_ids: list[str]
    rejected_by: str | None
    reason: str | None
    requested_at: int
    closed_at: int | None
    executed_command_id: str | None

    class Requested(Created):
        event_type = "ApprovalRequested"
        approval_id: str
        chain_id: str
        command_type: str
        requester_id: str
        command: bytes
        command_signature: bytes
        request_digest: bytes
        intent_digest: bytes
        required: int
        rules: list[str]
        expires_at: int
        execution: str
        subject: str | None

        def apply(self, aggregate: Any) -> None:
            for name in ("chain_id", "command_type", "requester_id", "command",
                         "command_signature", "request_digest", "intent_digest", "required",
                         "expires_at", "execution", "subject"):
                setattr(aggregate, name, getattr(self, name))
            aggregate.rules = list(self.rules)
            aggregate.status = ApprovalStatus.PENDING
            aggregate.approvers = []
            aggregate.approval_command_ids = []
            aggregate.rejected_by = None
            aggregate.reason = None
            aggregate.requested_at = self.recorded_at
            aggregate.closed_at = None
            aggregate.executed_command_id = None

    class Granted(Event):
        event_type = "ApprovalGranted"
        approval_id: str
        approver_id: str
        approval_command_id: str
        request_digest: bytes
        approvals: int

        def apply(self, aggregate: Any) -> None:
            aggregate.approvers.append(self.approver_id)
            aggregate.approval_command_ids.append(self.approval_command_id)
            if len(aggregate.approvers) >= aggregate.required and (
                    aggregate.execution == ON_RESUBMIT):
                aggregate.status = ApprovalStatus.APPROVED

    class Rejected(Event):
        event_type = "ApprovalRejected"
        approval_id: str
        approver_id: str
        approval_command_id: str
        request_digest: bytes
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.status = ApprovalStatus.REJECTED
            aggregate.rejected_by = self.approver_id
            aggregate.reason = self.reason
            aggregate.closed_at = self.recorded_at

    class Expired(Event):
        event_type = "ApprovalExpired"
        approval_id: str
        expires_at: int

        def apply(self, aggregate: Any) -> None:
            aggregate.status = ApprovalStatus.EXPIRED
            aggregate.closed_at = self.recorded_at

    class Executed(Event):
        event_type = "ApprovalExecuted"
        approval_id: str
        command_id: str
        approvers: list[str]
        approval_command_ids: list[str]
        approval_seqs: list[int]

        def apply(self, aggregate: Any) -> None:
            aggregate.status = ApprovalStatus.EXECUTED
            aggregate.closed_at = self.recorded_at
            aggregate.executed_command_id = self.command_id

    # --- facts -----------------------------------------------------------------------------

    @property
    def approval_id(self) -> str:
        return str(self.id)

    @property
    def complete(self) -> bool:
        return len(self.approvers) >= self.required

    def expired_at(self, now: int) -> bool:
        return now > self.expires_at

    def status_at(self, now: int) -> str:
        """The status as a reader sees it: an open request past its expiry is expired even
        before the scheduler records it."""
        if self.status in OPEN_STATES and self.expired_at(now):
            return ApprovalStatus.EXPIRED.value
        return self.status.value

    # --- decisions ---------------------------------------------------------------------------

    def check_open(self, now: int, request_digest: bytes) -> None:
        """Refuse a decision on a closed or expired request, or one naming another digest."""
        if request_digest != self.request_digest:
            raise CommandRejected(f"approval {self.approval_id} is for another command "
                                  "(the request digest differs)", field="request_digest",
                                  reason_code="approval-digest")
        if self.status not in OPEN_STATES:
            raise IllegalTransition(f"approval {self.approval_id} is {self.status.value}",
                                    reason_code="approval-closed")
        if self.expired_at(now):
            raise IllegalTransition(f"approval {self.approval_id} expired",
                                    reason_code="approval-expired")

    def grant(self, approver_id: str, approval_command_id: str, request_digest: bytes, *,
              at: int) -> None:
        self.check_open(at, request_digest)
        if self.status is not ApprovalStatus.PENDING:
            raise IllegalTransition(f"approval {self.approval_id} already has its quorum",
                                    reason_code="approval-closed")
        if approver_id == self.requester_id:
            raise CommandRejected("the requester cannot approve its own request",
                                  reason_code="approval-self")
        if approver_id in self.approvers:
            raise CommandRejected(f"actor {approver_id} already approved this request",
                                  reason_code="approval-twice")
        self.trigger_event(Approval.Granted, at=at, approval_id=self.approval_id,
                           approver_id=approver_id, approval_command_id=approval_command_id,
                           request_digest=request_digest, approvals=len(self.approvers) + 1)

    def reject(self, approver_id: str, approval_command_id: str, request_digest: bytes,
               reason: str, *, at: int) -> None:
        self.check_open(at, request_digest)
        if approver_id == self.requester_id:
            raise CommandRejected("the requester cannot decide its own request",
                                  reason_code="approval-self")
        self.trigger_event(Approval.Rejected, at=at, approval_id=self.approval_id,
                           approver_id=approver_id, approval_command_id=approval_command_id,
                           request_digest=request_digest, reason=reason)

    def expire(self, *, at: int) -> None:
        if self.status not in OPEN_STATES:
            raise IllegalTransition(f"approval {self.approval_id} is {self.status.value}",
                                    reason_code="approval-closed")
        if not self.expired_at(at):
            raise IllegalTransition(f"approval {self.approval_id} has not expired yet",
                                    reason_code="approval-not-expired")
        self.trigger_event(Approval.Expired, at=at, approval_id=self.approval_id,
                           expires_at=self.expires_at)

    def execute(self, command_id: str, approval_seqs: list[int], *, at: int) -> None:
        if not self.complete:
            raise IllegalTransition(f"approval {self.approval_id} has "
                                    f"{len(self.approvers)} of {self.required} approvals",
                                    reason_code="approval-incomplete")
        if self.status not in OPEN_STATES or self.expired_at(at):
            raise IllegalTransition(f"approval {self.approval_id} is "
                                    f"{self.status_at(at)}", reason_code="approval-closed")
        self.trigger_event(Approval.Executed, at=at, approval_id=self.approval_id,
                           command_id=command_id, approvers=list(self.approvers),
                           approval_command_ids=list(self.approval_command_ids),
                           approval_seqs=list(approval_seqs))


for _event in (Approval.Requested, Approval.Granted, Approval.Rejected, Approval.Expired,
               Approval.Executed):
    register_event(_event)
