"""The auditor's re-check of threat findings and automatic suspensions.

Requirements (each failure names the chain, the seq and the check ``threat``):

1. A finding (``ThreatDetected``) has its stable id (the key and the window), a score that
   is the capped sum of its features' points and reaches its threshold, and the threshold,
   action and lift quorum of the threat policy in force then (ledger-wide as of the
   system-chain seq the envelope was authorized under, the domain's and key's as the
   chain stood); it suspends exactly when that policy says suspend and the key was active.
2. A suspension by the scheduler (``KeySuspended`` caused by ``RecordThreat``) cites a
   finding recorded just before it by the same command, for the same key, that suspends.
3. Lifting such a suspension needs the quorum: that is the approval check's
   (:mod:`ledger.audit.approvals`, with :mod:`ledger.approvals.threat_hold`).
"""

from __future__ import annotations

import bisect
from typing import Any

from ledger.approvals.threat_hold import in_force, threat_rules
from ledger.audit.examine import Examined
from ledger.authorization import SYSTEM_CHAIN
from ledger.domain.approval_policy import ThreatRule
from ledger.domain.key import KeyState, threat_finding_id, threat_reason
from ledger.errors import VerificationError
from ledger.state import LedgerState

RECORDING_COMMAND = "RecordThreat"


class ThreatAudit:
    """Per-audit state: the ledger-wide threat policy by system seq, and each chain's
    finding just recorded."""

    def __init__(self, fold: LedgerState) -> None:
        self.fold = fold
        self._system_seqs: list[int] = []
        self._system_rules: list[dict[str, ThreatRule]] = []
        self._last: dict[str, tuple[str, dict[str, Any]]] = {}

    def _ledger_rules(self, authority_seq: int) -> dict[str, ThreatRule]:
        index = bisect.bisect_right(self._system_seqs, authority_seq) - 1
        return self._system_rules[index] if index >= 0 else {}

    def before(self, chain_id: str, item: Examined) -> None:
        record = item.record or {}
        if item.event_type == "ThreatDetected":
            self._finding(chain_id, item, record)
        elif item.event_type == "KeySuspended" and item.command_type == RECORDING_COMMAND:
            last = self._last.get(chain_id)
            finding = last[1] if last is not None and last[0] == item.command_id else None
            _require(finding is not None and finding["key_id"] == record["key_id"]
                     and finding["suspends"], "an automatic suspension cites no finding "
                     "recorded for it", chain_id, item)
            assert finding is not None
            _require(record["reason"] == threat_reason(finding["finding_id"], finding["score"],
                                                       finding["threshold"]),
                     "the suspension's reason does not cite its finding", chain_id, item)

    def after(self, chain_id: str, item: Examined) -> None:
        if item.event_type == "ThreatPolicySet" and chain_id == SYSTEM_CHAIN:
            self._system_seqs.append(item.seq)
            self._system_rules.append(threat_rules(self.fold, SYSTEM_CHAIN))

    def _finding(self, chain_id: str, item: Examined, record: dict[str, Any]) -> None:
        key = self.fold.keys.get(str(record["key_id"]))
        _require(key is not None, "a finding for an unknown key", chain_id, item)
        assert key is not None
        _require(record["finding_id"] == threat_finding_id(key.key_id, record["window_start"]),
                 "the finding's id is not its key's and window's", chain_id, item)
        points = sum(int(f["points"]) for f in record["features"])
        _require(record["score"] == min(100, points) and record["score"] >= record["threshold"],
                 "the score is not its features' sum, or is below its threshold",
                 chain_id, item)
        policy = in_force(self._ledger_rules(item.authority_seq),
                          threat_rules(self.fold, chain_id), key.domain, key.key_id)
        _require((record["threshold"], record["action"], record["lift_approvals"])
                 == (policy.threshold, policy.action, policy.lift_approvals),
                 "the finding does not carry the threat policy in force then", chain_id, item)
        _require(record["suspends"] == (policy.action == "suspend"
                                        and key.state is KeyState.ACTIVE),
                 "the finding's suspension does not follow the policy", chain_id, item)
        self._last[chain_id] = (item.command_id, record)


def _require(condition: Any, message: str, chain_id: str, item: Examined) -> None:
    if not condition:
        raise VerificationError(message, seq=item.seq, chain=chain_id, check="threat")
