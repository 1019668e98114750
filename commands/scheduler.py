"""The ledger's scheduler: the work that falls due with time, done as the ledger's own
``scheduler`` actor (signed by the ledger key, allowed only the catalogue's scheduled
commands), so every step is a recorded, audited command like any other.

Requirements:

1. Idempotent and safe to run from several places (``skms serve``'s timer, a cron job):
   each step re-reads the state and acts only on what is still due; a step that lost a race
   (already done elsewhere) is skipped, not reported as a failure.
2. One command per item, so a failure on one never blocks the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.handlers import execute
from ledger.application import Ledger
from ledger.command import SCHEDULER_ACTOR
from ledger.domain.approval import OPEN_STATES
from ledger.errors import CommandRejected


@dataclass
class DueWork:
    """What one run did: the approval requests it closed as expired, the keys it rotated."""

    expired_approvals: list[str] = field(default_factory=list)
    rotated_keys: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"expired_approvals": list(self.expired_approvals),
                "rotated_keys": list(self.rotated_keys)}


def expire_approvals(ledger: Ledger, done: DueWork) -> None:
    now = ledger.clock()
    due = sorted((a for a in ledger.state.approvals.values()
                  if a.status in OPEN_STATES and a.expired_at(now)),
                 key=lambda a: (a.expires_at, a.approval_id))
    for approval in due:
        signed = ledger.system_command("ExpireApproval", approval.chain_id,
                                       {"approval_id": approval.approval_id},
                                       actor_id=SCHEDULER_ACTOR)
        try:
            execute(ledger, signed)
        except CommandRejected:  # closed meanwhile (requirement 1)
            continue
        done.expired_approvals.append(approval.approval_id)


def rotate_due_keys(ledger: Ledger, done: DueWork) -> None:
    now = ledger.clock()
    due = sorted((k for k in ledger.state.keys.values()
                  if (at := k.rotation_due_at()) is not None and at <= now),
                 key=lambda k: (k.rotation_due_at() or 0, k.key_id))
    for key in due:
        signed = ledger.system_command("RotateDueKey", key.domain, {"key_id": key.key_id},
                                       actor_id=SCHEDULER_ACTOR)
        try:
            execute(ledger, signed)
        except CommandRejected:  # rotated (or changed) meanwhile (requirement 1)
            continue
        done.rotated_keys.append(key.key_id)


def run_due(ledger: Ledger) -> DueWork:
    """Everything due now (requirement 2)."""
    ledger.ensure_loaded()
    done = DueWork()
    expire_approvals(ledger, done)
    rotate_due_keys(ledger, done)
    return done
