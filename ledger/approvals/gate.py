"""The approval gate: how the ledger holds a command until its quorum has decided.

Requirements:

1. Generic: a command is gated when its catalogue entry has an approval hook and the rules
   in force (:mod:`ledger.approvals.policy`) require approvers for it; no command has code
   of its own for this.
2. A gated command is not decided: it becomes an ``ApprovalRequested`` event holding the
   signed command, its digest (:func:`request_digest`), the quorum and the rules that set
   it, and its expiry; the command's outcome is ``pending``.
3. The same command sent again by its requester (same type, chain and arguments: the
   :func:`intent_digest`) while an ``on-resubmit`` request of it is approved and unexpired
   is decided, under that approval: ``ApprovalExecuted`` first, then its own events.
4. Digests are domain-separated SHA-256, so an approval can never be mistaken for any
   other signature or hash.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ledger.approvals.policy import (
    NOTHING,
    POLICY_COMMAND,
    Requirement,
    policy_change_requirement,
    requirement,
)
from ledger.approvals.threat_hold import with_hold
from ledger.authorization import SYSTEM_CHAIN
from ledger.canonical import canonical_json
from ledger.catalogue import APPROVAL_HOOKS, CATALOGUE, CommandSpec
from ledger.command import Command, SignedCommand
from ledger.domain.approval import ON_QUORUM, ON_RESUBMIT, Approval, ApprovalStatus
from ledger.domain.approval_policy import ApprovalPolicies, Rule
from ledger.errors import IllegalTransition
from ledger.state import LedgerState

REQUEST_DOMAIN = b"SKMS-APPROVAL-REQUEST-v1\x00"
INTENT_DOMAIN = b"SKMS-APPROVAL-INTENT-v1\x00"
MICROS = 1_000_000


def request_digest(canonical_command: bytes) -> bytes:
    """What approvers sign: the digest of the exact signed command bytes."""
    return hashlib.sha256(REQUEST_DOMAIN + canonical_command).digest()


def intent_digest(command: Command) -> bytes:
    """What a resubmission must repeat: type, requester, chain and arguments."""
    return hashlib.sha256(INTENT_DOMAIN + canonical_json({
        "type": command.command_type, "actor_id": command.actor_id,
        "chain_id": command.chain_id, "args": dict(command.args)})).digest()


def execution_of(command_type: str) -> str:
    """``on-resubmit`` for a command that needs inputs the ledger never stores or whose
    result is a secret only the requester may see; ``on-quorum`` for the rest."""
    spec = CATALOGUE.find(command_type)
    hooks = APPROVAL_HOOKS.get(command_type)
    if isinstance(spec, CommandSpec) and (spec.inputs or (hooks and hooks.reveals_secret)):
        return ON_RESUBMIT
    return ON_QUORUM


def rules_of(book: ApprovalPolicies | None) -> list[Rule]:
    return [] if book is None else list(book.rules.values())


def rules_in_force(state: LedgerState, chain_id: str) -> list[Rule]:
    """Ledger-wide rules, and on a key domain's chain that chain's own."""
    rules = rules_of(state.policy_books.get(SYSTEM_CHAIN))
    if chain_id != SYSTEM_CHAIN:
        rules += rules_of(state.policy_books.get(chain_id))
    return rules


def required(rules: list[Rule], command_type: str, chain_id: str,
             args: Mapping[str, Any]) -> Requirement:
    """The quorum ``command_type`` with ``args`` needs under ``rules`` (0: none)."""
    hooks = APPROVAL_HOOKS.get(command_type)
    if hooks is None:
        return NOTHING
    if command_type == POLICY_COMMAND:
        return policy_change_requirement(rules, chain_id, args)
    return requirement(rules, command_type, chain_id, args, hooks.value_field)


def required_now(state: LedgerState, command: Command, args: Mapping[str, Any]
                 ) -> Requirement:
    """The approval rules' quorum, raised to what the threat policy asks
    (:mod:`ledger.approvals.threat_hold`)."""
    need = required(rules_in_force(state, command.chain_id), command.command_type,
                    command.chain_id, args)
    return with_hold(need, state, command.command_type, command.chain_id, args)


def approved_for(state: LedgerState, command: Command, now: int) -> Approval | None:
    """An approved, unexpired ``on-resubmit`` request of this very command (requirement 3),
    the oldest first."""
    intent = intent_digest(command)
    for approval in sorted(state.approvals.values(), key=lambda a: (a.requested_at,
                                                                      a.approval_id)):
        if (approval.status is ApprovalStatus.APPROVED and approval.intent_digest == intent
                and approval.requester_id == command.actor_id
                and approval.chain_id == command.chain_id and not approval.expired_at(now)):
            return approval
    return None


def subject_of(args: Mapping[str, Any]) -> str | None:
    for name in ("key_id", "wallet_id", "actor_id"):
        if args.get(name):
            return str(args[name])
    return None


def open_request(approval_id: Any, signed: SignedCommand, args: Mapping[str, Any],
                 need: Requirement, *, at: int) -> Approval:
    """The ``ApprovalRequested`` event of a gated command (requirement 2)."""
    command = signed.command
    return Approval.create(
        Approval.Requested, aggregate_id=approval_id, at=at, approval_id=str(approval_id),
        chain_id=command.chain_id, command_type=command.command_type,
        requester_id=command.actor_id, command=signed.canonical_bytes,
        command_signature=signed.signature,
        request_digest=request_digest(signed.canonical_bytes),
        intent_digest=intent_digest(command), required=need.approvals, rules=need.labels(),
        expires_at=at + need.ttl_seconds * MICROS, execution=execution_of(
            command.command_type), subject=subject_of(args))


def approval_seqs(state: LedgerState, approval: Approval, deciding: str = "") -> list[int]:
    """Where each counted approval was recorded: the seq of its ``ApprovalGranted`` (the
    first event of the approver's command); ``deciding`` names the command being decided
    now, whose first event takes the chain's next seq."""
    seqs = []
    for command_id in approval.approval_command_ids:
        record = state.commands.get(command_id)
        if record is not None and record.seqs:
            seqs.append(record.seqs[0])
        elif command_id == deciding:
            seqs.append(state.chain(approval.chain_id).next_seq)
        else:
            raise IllegalTransition(f"approval {command_id} of request "
                                    f"{approval.approval_id} is not in the log",
                                    reason_code="approval-missing")
    return seqs


def book_for(state: LedgerState, chain_id: str) -> ApprovalPolicies:
    """The chain's policy book (a new, empty one until its first rule)."""
    book = state.policy_books.get(chain_id)
    return book if book is not None else ApprovalPolicies.for_chain(chain_id)


def _check_exportable(state: LedgerState, args: Mapping[str, Any]) -> None:
    state.key(str(args["key_id"])).check_can_export(args.get("key_version"))


def _check_releasable(state: LedgerState, args: Mapping[str, Any]) -> None:
    named = args.get("agent")
    wanted = state.escrow_agent(str(named), field="agent").agent_id if named else None
    state.key(str(args["key_id"])).check_can_release_escrow(wanted)


_EARLY_CHECKS: dict[str, Callable[[LedgerState, Mapping[str, Any]], None]] = {
    "ExportKey": _check_exportable, "ReleaseEscrow": _check_releasable}


def refuse_early(state: LedgerState, command: Command) -> None:
    """Refuse now a gated command whose refusal the state already shows (a key created
    non-exportable, no escrow copy to release), so approvers are never asked to approve
    what cannot run. The handler checks again when the command runs: the state may change
    while the request waits."""
    check = _EARLY_CHECKS.get(command.command_type)
    if check is not None:
        check(state, command.args)


@dataclass(frozen=True, slots=True)
class Screening:
    """What the gate decided for one admitted command: hold it as ``request`` (record the
    request instead of deciding it), run it under ``executing`` (an approved resubmission),
    or neither (no quorum needed)."""

    request: Approval | None = None
    executing: Approval | None = None


def screen(state: LedgerState, signed: SignedCommand, now: int,
           new_id: Callable[[], uuid.UUID]) -> Screening:
    """The gate (requirements 1-3), on the command's own signed arguments, so the auditor
    computes the same quorum from the envelope's bytes."""
    command = signed.command
    if command.command_type not in APPROVAL_HOOKS:
        return Screening()
    approval = approved_for(state, command, now)
    if approval is not None:
        return Screening(executing=approval)
    need = required_now(state, command, command.args)
    if need.approvals == 0:
        return Screening()
    refuse_early(state, command)
    return Screening(request=open_request(new_id(), signed, command.args, need, at=now))


def execute_under(state: LedgerState, approval: Approval, command_id: str, *, at: int,
                  deciding: str = "") -> None:
    """Record that ``command_id`` runs under ``approval`` (its ``ApprovalExecuted``)."""
    approval.execute(command_id, approval_seqs(state, approval, deciding), at=at)


def pending_result(approval: Approval, now: int) -> dict[str, Any]:
    """What a held command answers (the CLI prints it as JSON, exit 0)."""
    return {"status": "pending", "approval_id": approval.approval_id,
            "command_type": approval.command_type, "required": approval.required,
            "request_digest": approval.request_digest.hex(),
            "expires_at": approval.expires_at}
