"""The approval policies of one chain: which commands need how many approvers.

Requirements:

1. A rule names a catalogue command, a scope (``ledger``: every chain; ``domain``: one key
   domain; ``key``: one key or wallet), the number of distinct approvers it needs, how long
   a request may wait, and optionally a limit: the rule applies only when the command's
   value argument (its catalogue hook's ``value_field``) is above it.
2. Ledger-wide rules live in the system chain's book, domain and key rules in the book of
   their domain's chain, so the auditor reads each rule where and when it was in force
   (ledger-wide rules by the system-chain seq a domain event was authorized under).
3. Setting a rule to 0 approvals removes it. A book is created by its first rule (its
   events start at version 1 like any aggregate's, with no creation event of its own).
4. The same book holds the chain's threat policies (:class:`ThreatRule`,
   docs/threat-detection.md): where they live and how the auditor reads them as they were
   is the approval rules' story, so they share it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ledger.domain.aggregate import Aggregate, Event
from ledger.domain.registry import register_event

SCOPES = ("ledger", "domain", "key")
BOOK_NAMESPACE = uuid.UUID("6f1d7a52-3c1e-4b7e-9d0e-0a8f5e2b9c41")
DEFAULT_TTL_SECONDS = 86_400


def book_id(chain_id: str) -> uuid.UUID:
    """The stable aggregate id of a chain's policy book."""
    return uuid.uuid5(BOOK_NAMESPACE, f"approval-policies/{chain_id}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One policy rule (see the module doc, 1); ``when_above`` is a decimal integer."""

    scope: str
    target: str
    command_type: str
    approvals: int
    ttl_seconds: int = DEFAULT_TTL_SECONDS
    when_above: str | None = None
    value_field: str | None = None

    @property
    def key(self) -> str:
        return f"{self.scope}|{self.target}|{self.command_type}|{self.when_above or ''}"

    def label(self) -> str:
        """How a request names the rules that set its quorum (``ledger:DestroyKey>=2``)."""
        where = self.scope if self.scope == "ledger" else f"{self.scope} {self.target}"
        text = f"{where}: {self.command_type} needs {self.approvals}"
        if self.when_above is not None:
            text += f" when {self.value_field} > {self.when_above}"
        return text

    def as_record(self) -> dict[str, Any]:
        return {"scope": self.scope, "target": self.target, "command_type": self.command_type,
                "approvals": self.approvals, "ttl_seconds": self.ttl_seconds,
                "when_above": self.when_above, "value_field": self.value_field}


THREAT_ACTIONS = ("none", "suspend")


@dataclass(frozen=True, slots=True)
class ThreatRule:
    """A threat policy at one scope: record findings scoring ``threshold`` or more, and
    with ``action`` ``suspend`` hold the key until ``lift_approvals`` approvers lift it."""

    scope: str
    target: str
    threshold: int
    action: str
    lift_approvals: int

    @property
    def key(self) -> str:
        return f"{self.scope}|{self.target}"

    def as_record(self) -> dict[str, Any]:
        return {"scope": self.scope, "target": self.target, "threshold": self.threshold,
                "action": self.action, "lift_approvals": self.lift_approvals}


class ApprovalPolicies(Aggregate):
    """The rules of one chain, by :attr:`Rule.key`, and its threat policies."""

    def __init__(self, aggregate_id: uuid.UUID, chain_id: str = "") -> None:
        super().__init__(aggregate_id)
        self.chain_id = chain_id
        self.rules: dict[str, Rule] = {}
        self.threat_rules: dict[str, ThreatRule] = {}

    @classmethod
    def for_chain(cls, chain_id: str) -> ApprovalPolicies:
        """A chain's book before its first rule."""
        return cls(book_id(chain_id), chain_id)

    class PolicySet(Event):
        event_type = "ApprovalPolicySet"
        chain_id: str
        scope: str
        target: str
        command_type: str
        approvals: int
        ttl_seconds: int
        when_above: str | None
        value_field: str | None
        previous_approvals: int

        def apply(self, aggregate: Any) -> None:
            rule = Rule(self.scope, self.target, self.command_type, self.approvals,
                        self.ttl_seconds, self.when_above, self.value_field)
            if rule.approvals == 0:
                aggregate.rules.pop(rule.key, None)
            else:
                aggregate.rules[rule.key] = rule

    class ThreatPolicySet(Event):
        event_type = "ThreatPolicySet"
        chain_id: str
        scope: str
        target: str
        threshold: int
        action: str
        lift_approvals: int
        previous_threshold: int | None
        previous_action: str | None
        previous_lift_approvals: int | None

        def apply(self, aggregate: Any) -> None:
            rule = ThreatRule(self.scope, self.target, self.threshold, self.action,
                              self.lift_approvals)
            aggregate.threat_rules[rule.key] = rule

    def set_threat_rule(self, chain_id: str, rule: ThreatRule, *, at: int) -> None:
        previous = self.threat_rules.get(rule.key)
        self.trigger_event(ApprovalPolicies.ThreatPolicySet, at=at, chain_id=chain_id,
                           previous_threshold=previous.threshold if previous else None,
                           previous_action=previous.action if previous else None,
                           previous_lift_approvals=(previous.lift_approvals if previous
                                                    else None),
                           **rule.as_record())

    def set_rule(self, chain_id: str, rule: Rule, *, at: int) -> None:
        previous = self.rules.get(rule.key)
        self.trigger_event(ApprovalPolicies.PolicySet, at=at, chain_id=chain_id,
                           previous_approvals=previous.approvals if previous else 0,
                           **rule.as_record())


register_event(ApprovalPolicies.PolicySet)
register_event(ApprovalPolicies.ThreatPolicySet)
