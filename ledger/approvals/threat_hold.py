"""The threat policy in force, and the quorums it adds to the approval gate.

Requirements (docs/threat-detection.md):

1. The most specific threat policy applies to a key: its own, else its domain's, else the
   ledger-wide one, else :data:`DEFAULT_POLICY` (record findings from 70, act on none).
2. A ``ReactivateKey`` of a key the scheduler suspended for a finding (its ``threat_hold``)
   needs at least the lift quorum recorded with that finding, whether or not an approval
   policy gates ``ReactivateKey``; a stricter approval rule still wins.
3. Changing a threat policy whose action is ``suspend`` needs that policy's lift quorum, so
   nobody switches the automatic hold off (or weakens its lift) alone.
4. Pure functions of the state handed in: the live ledger and the auditor call them with
   the fold as it stands just before the command.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.approvals.policy import NOTHING, Requirement, stronger
from ledger.authorization import SYSTEM_CHAIN
from ledger.domain.approval_policy import DEFAULT_TTL_SECONDS, Rule, ThreatRule
from ledger.state import LedgerState

POLICY_COMMAND = "SetThreatPolicy"
LIFT_COMMAND = "ReactivateKey"
DEFAULT_POLICY = ThreatRule("default", "", threshold=70, action="none", lift_approvals=2)


def rule_at(rules: Mapping[str, ThreatRule], scope: str, target: str) -> ThreatRule | None:
    return rules.get(f"{scope}|{target}")


def in_force(ledger_rules: Mapping[str, ThreatRule], domain_rules: Mapping[str, ThreatRule],
             domain: str, key_id: str) -> ThreatRule:
    """The policy for one key (requirement 1)."""
    return (rule_at(domain_rules, "key", key_id) or rule_at(domain_rules, "domain", domain)
            or rule_at(ledger_rules, "ledger", "") or DEFAULT_POLICY)


def threat_rules(state: LedgerState, chain_id: str) -> dict[str, ThreatRule]:
    book = state.policy_books.get(chain_id)
    return dict(book.threat_rules) if book is not None else {}


def policy_for_key(state: LedgerState, domain: str, key_id: str) -> ThreatRule:
    return in_force(threat_rules(state, SYSTEM_CHAIN), threat_rules(state, domain), domain,
                    key_id)


def policy_scope(chain_id: str, args: Mapping[str, Any]) -> tuple[str, str]:
    """The scope and target a ``SetThreatPolicy`` names (checked by its handler)."""
    if args.get("key_id"):
        return "key", str(args["key_id"])
    if args.get("domain"):
        return "domain", str(args["domain"])
    return "ledger", ""


def _floor(scope: str, target: str, command_type: str, approvals: int) -> Requirement:
    rule = Rule(scope, target, command_type, approvals)
    return Requirement(approvals, DEFAULT_TTL_SECONDS, (rule,))


def hold_requirement(state: LedgerState, command_type: str, chain_id: str,
                     args: Mapping[str, Any]) -> Requirement:
    """What the threat policy adds to a command's quorum (requirements 2 and 3)."""
    if command_type == LIFT_COMMAND:
        key = state.keys.get(str(args.get("key_id") or ""))
        hold = key.threat_hold if key is not None else None
        if hold:
            return _floor("threat-hold", str(hold["finding_id"]), LIFT_COMMAND,
                          int(hold["lift_approvals"]))
    elif command_type == POLICY_COMMAND:
        scope, target = policy_scope(chain_id, args)
        current = rule_at(threat_rules(state, chain_id), scope, target)
        if current is not None and current.action == "suspend":
            return _floor(f"threat-{scope}", target, POLICY_COMMAND, current.lift_approvals)
    return NOTHING


def with_hold(need: Requirement, state: LedgerState, command_type: str, chain_id: str,
              args: Mapping[str, Any]) -> Requirement:
    """``need`` raised to the threat policy's floor (the stricter of the two)."""
    return stronger(need, hold_requirement(state, command_type, chain_id, args))
