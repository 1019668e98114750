"""The auditor's re-check of approval quorums, from the log alone.

Requirements (each failure names the chain, the seq and the check ``approval``):

1. A request (``ApprovalRequested``) holds exactly the command and signature of its own
   envelope, the digests of those bytes, and the quorum, rules and expiry that the policy
   in force then gives: the ledger-wide rules as of the system-chain seq the envelope was
   decided under, and the chain's own rules as they stood just before it.
2. An approval (``ApprovalGranted``) or rejection comes from an ``ApproveRequest`` /
   ``RejectRequest`` naming that request and its digest, by its own signer, never the
   requester, each approver once, on an open request, before its expiry. The approver's
   role and domain at that time are the identity check's (``authorization``): the
   command is authorized only for ``approver`` in the request's domain.
3. An expiry (``ApprovalExpired``) closes an open request only after its expiry.
4. An execution (``ApprovalExecuted``) has at least the required approvals, lists every
   approver, their commands and the seqs of their approvals as recorded, happens before
   the expiry and once; on-quorum it is written by the completing approval and names the
   held command; on-resubmit it is written by the requester's command repeating the held
   one's type, chain and arguments.
5. Every event of a gated command either runs under the execution just recorded for it
   (the held command's exact bytes, or the approved resubmission), or the policy in force
   then required no quorum for it: a missing approval is named by the seq of the event
   that ran without it.
6. The quorum is the approval rules' raised to the threat policy's floor (a threat
   suspension's lift quorum, a suspend policy's change), computed on the fold as it stood.
"""

from __future__ import annotations

import bisect
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.approvals.gate import (
    execution_of,
    intent_digest,
    request_digest,
    required,
    rules_of,
)
from ledger.approvals.threat_hold import with_hold
from ledger.audit.examine import Examined
from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import APPROVAL_HOOKS, APPROVAL_REQUEST_EVENTS
from ledger.command import parse_command
from ledger.domain.approval import ON_QUORUM, OPEN_STATES, Approval, ApprovalStatus
from ledger.domain.approval_policy import Rule
from ledger.errors import SkmsError, VerificationError
from ledger.state import LedgerState

MICROS = 1_000_000


@dataclass(frozen=True, slots=True)
class Running:
    """The command an ``ApprovalExecuted`` just let run in a chain (requirement 5)."""

    command_id: str
    approval_id: str
    written_by: str
    held: bytes  # on-quorum: the exact bytes that must run; on-resubmit: empty


class ApprovalAudit:
    """Per-audit state beside the auditor's fold: ledger-wide rules by system seq, the
    seqs of every counted approval, and what each chain is running under an approval."""

    def __init__(self, fold: LedgerState) -> None:
        self.fold = fold
        self._system_seqs: list[int] = []
        self._system_rules: list[list[Rule]] = []
        self._granted: dict[str, list[int]] = {}
        self._running: dict[str, Running] = {}

    # --- the policy in force -----------------------------------------------------------------

    def rules_at(self, chain_id: str, authority_seq: int) -> list[Rule]:
        """The rules in force for an envelope of ``chain_id`` (requirement 1)."""
        chain_rules = rules_of(self.fold.policy_books.get(chain_id))
        if chain_id == SYSTEM_CHAIN:
            return chain_rules
        index = bisect.bisect_right(self._system_seqs, authority_seq) - 1
        system = self._system_rules[index] if index >= 0 else []
        return list(system) + chain_rules

    # --- the checks --------------------------------------------------------------------------

    def before(self, chain_id: str, item: Examined) -> None:
        """Check ``item`` against the state just before it is folded."""
        running = self._running.get(chain_id)
        if running is not None and item.command_id not in (running.command_id,
                                                           running.written_by):
            del self._running[chain_id]
        record = item.record
        assert record is not None
        kind = item.event_type
        try:
            if kind == "ApprovalRequested":
                self._requested(chain_id, item, record)
            elif kind == "ApprovalGranted":
                self._granted_check(item, record)
            elif kind == "ApprovalRejected":
                self._rejected(item, record)
            elif kind == "ApprovalExpired":
                self._expired(item, record)
            elif kind == "ApprovalExecuted":
                self._executed(chain_id, item, record)
            elif item.command_type in APPROVAL_HOOKS and kind not in APPROVAL_REQUEST_EVENTS:
                self._gated_event(chain_id, item)
        except VerificationError as failure:
            raise VerificationError(failure.message, seq=item.seq, chain=chain_id,
                                    check="approval") from None
        except SkmsError as failure:  # a malformed command or digest in a forged event
            raise VerificationError(f"approval record unreadable: {failure.message}",
                                    seq=item.seq, chain=chain_id, check="approval") from None

    def after(self, chain_id: str, item: Examined) -> None:
        """Note what ``item`` changed once folded."""
        record = item.record
        assert record is not None
        if item.event_type == "ApprovalGranted":
            self._granted.setdefault(record["approval_id"], []).append(item.seq)
        elif item.event_type == "ApprovalPolicySet" and chain_id == SYSTEM_CHAIN:
            self._system_seqs.append(item.seq)
            self._system_rules.append(rules_of(self.fold.policy_books.get(SYSTEM_CHAIN)))

    # --- one event each ----------------------------------------------------------------------

    def _requested(self, chain_id: str, item: Examined, record: Mapping[str, Any]) -> None:
        held = bytes(record["command"])
        _require(hmac.compare_digest(held, item.command_bytes)
                 and hmac.compare_digest(bytes(record["command_signature"]),
                                         item.actor_signature),
                 "the request does not hold its own envelope's signed command")
        _require(record["requester_id"] == item.actor_id
                 and record["command_type"] == item.command_type
                 and record["chain_id"] == chain_id,
                 "the request names another requester, command or chain than its envelope")
        _require(hmac.compare_digest(bytes(record["request_digest"]), request_digest(held)),
                 "the request digest is not the digest of the held command")
        command = parse_command(held)
        _require(hmac.compare_digest(bytes(record["intent_digest"]), intent_digest(command)),
                 "the intent digest is not the held command's")
        need = with_hold(required(self.rules_at(chain_id, item.authority_seq),
                                  item.command_type, chain_id, item.command_args or {}),
                         self.fold, item.command_type, chain_id, item.command_args or {})
        _require(need.approvals > 0, f"{item.command_type} needed no approval then, yet "
                                     "it was held")
        _require(record["required"] == need.approvals and list(record["rules"])
                 == need.labels(), f"the request requires {record['required']} approvals, "
                                   f"the policy in force then required {need.approvals}")
        _require(record["expires_at"] == item.recorded_at + need.ttl_seconds * MICROS,
                 "the request's expiry is not the policy's")
        _require(record["execution"] == execution_of(item.command_type),
                 "the request's execution mode is not its command's")

    def _request(self, record: Mapping[str, Any]) -> Approval:
        approval = self.fold.approvals.get(str(record["approval_id"]))
        _require(approval is not None, f"no request {record['approval_id']} before this")
        assert approval is not None
        return approval

    def _decision(self, item: Examined, record: Mapping[str, Any], command_type: str
                  ) -> Approval:
        approval = self._request(record)
        args = item.command_args or {}
        _require(item.command_type == command_type, f"a {item.command_type} command cannot "
                                                    "decide a request")
        digest = bytes(record["request_digest"])
        _require(args.get("approval_id") == record["approval_id"]
                 and args.get("request_digest") == digest.hex()
                 and hmac.compare_digest(digest, approval.request_digest),
                 "the decision names another request or digest than the one it is "
                 "recorded for (tampered or replayed)")
        _require(record["approver_id"] == item.actor_id
                 and record["approval_command_id"] == item.command_id,
                 "the decision is recorded for another actor or command than its signer's")
        _require(item.actor_id != approval.requester_id,
                 "the requester decided its own request")
        _require(approval.status in OPEN_STATES, f"the request was already "
                                                 f"{approval.status.value}")
        _require(item.recorded_at <= approval.expires_at, "decided after the request expired")
        return approval

    def _granted_check(self, item: Examined, record: Mapping[str, Any]) -> None:
        approval = self._decision(item, record, "ApproveRequest")
        _require(approval.status is ApprovalStatus.PENDING, "the request had its quorum")
        _require(item.actor_id not in approval.approvers,
                 f"actor {item.actor_id} approved this request twice")
        _require(record["approvals"] == len(approval.approvers) + 1,
                 "the approval count is wrong")

    def _rejected(self, item: Examined, record: Mapping[str, Any]) -> None:
        self._decision(item, record, "RejectRequest")

    def _expired(self, item: Examined, record: Mapping[str, Any]) -> None:
        approval = self._request(record)
        _require(item.command_type == "ExpireApproval", "only the scheduler closes a request "
                                                        "as expired")
        _require(approval.status in OPEN_STATES, f"the request was already "
                                                 f"{approval.status.value}")
        _require(record["expires_at"] == approval.expires_at
                 and item.recorded_at > approval.expires_at,
                 "the request was closed as expired before its expiry")

    def _executed(self, chain_id: str, item: Examined, record: Mapping[str, Any]) -> None:
        approval = self._request(record)
        _require(approval.status in OPEN_STATES, f"the request was already "
                                                 f"{approval.status.value} (replayed)")
        _require(item.recorded_at <= approval.expires_at, "executed after the request expired")
        _require(len(approval.approvers) >= approval.required,
                 f"executed with {len(approval.approvers)} of {approval.required} approvals")
        _require(list(record["approvers"]) == approval.approvers
                 and list(record["approval_command_ids"]) == approval.approval_command_ids
                 and list(record["approval_seqs"]) == self._granted.get(
                     approval.approval_id, []),
                 "the execution does not name every approval as recorded")
        if approval.execution == ON_QUORUM:
            held = parse_command(approval.command)
            _require(item.command_type == "ApproveRequest" and approval.approval_command_ids
                     and approval.approval_command_ids[-1] == item.command_id,
                     "an on-quorum request is executed by the approval completing it")
            _require(record["command_id"] == held.command_id,
                     "the execution names another command than the held one")
            self._running[chain_id] = Running(held.command_id, approval.approval_id,
                                              item.command_id, approval.command)
        else:
            _require(item.command_type == approval.command_type
                     and item.actor_id == approval.requester_id
                     and record["command_id"] == item.command_id
                     and approval.status is ApprovalStatus.APPROVED,
                     "an on-resubmit request is executed by its requester's resubmission")
            command = parse_command(item.command_bytes)
            _require(hmac.compare_digest(intent_digest(command), approval.intent_digest),
                     "the resubmission differs from the approved command")
            self._running[chain_id] = Running(item.command_id, approval.approval_id,
                                              item.command_id, b"")

    def _gated_event(self, chain_id: str, item: Examined) -> None:
        running = self._running.get(chain_id)
        if running is not None and item.command_id == running.command_id:
            if running.held:
                _require(hmac.compare_digest(item.command_bytes, running.held),
                         "the executed command is not the held one")
            return
        need = with_hold(required(self.rules_at(chain_id, item.authority_seq),
                                  item.command_type, chain_id, item.command_args or {}),
                         self.fold, item.command_type, chain_id, item.command_args or {})
        _require(need.approvals == 0, f"{item.command_type} needed {need.approvals} "
                                      "approval(s) and ran without them (missing approval)")


def _require(condition: Any, message: str) -> None:
    if not condition:
        raise VerificationError(message)
