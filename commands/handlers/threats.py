"""Handlers: the threat policy, and the scheduler recording a finding.

``RecordThreat`` is signed by the ledger key as the ``scheduler`` actor (a scheduled
command); what it records is what the scan of the read models found
(:mod:`projections.threat`). The handler re-checks the finding's arithmetic (the score is
the capped sum of the features' points), takes the threshold, action and lift quorum from
the policy in force, and suspends the key in the same command when that policy says so;
the auditor re-checks the suspension (:mod:`ledger.audit.threats`).
"""

from __future__ import annotations

from typing import Any

from commands.handlers.approvals import rule_scope
from commands.handlers.lookups import key_in_chain
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.approvals import gate
from ledger.approvals.threat_hold import policy_for_key
from ledger.domain.approval_policy import ThreatRule
from ledger.domain.key import (
    HOUR_MICROS,
    KeyState,
    threat_finding_id,
    threat_reason,
)
from ledger.errors import IllegalTransition, InvalidInput, NotFound
from projections.threat.scoring import FEATURES

FEATURE_FIELDS = ("observed_milli", "expected_milli", "surprise_milli", "points")


@handles("SetThreatPolicy")
def set_threat_policy(decision: Decision) -> dict[str, Any]:
    args = decision.args
    scope, target = rule_scope(decision)
    if scope == "key" and target not in decision.ledger.state.keys:
        raise NotFound(f"no key {target!r}", field="key_id")
    rule = ThreatRule(scope, target, int(args["threshold"]), str(args["action"]),
                      int(args["lift_approvals"]))
    book = gate.book_for(decision.ledger.state, decision.command.chain_id)
    book.set_threat_rule(decision.command.chain_id, rule, at=decision.now)
    decision.touch(book)
    return rule.as_record()


def checked_features(raw: Any, score: int) -> list[dict[str, Any]]:
    """The features as the event records them, refused unless well formed and adding up."""
    features = []
    for item in raw:
        if not isinstance(item, dict) or item.get("name") not in FEATURES:
            raise InvalidInput(f"a feature must name one of {', '.join(FEATURES)}",
                               field="features")
        values = {name: item.get(name) for name in FEATURE_FIELDS}
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                   for v in values.values()) or set(item) != {"name", *FEATURE_FIELDS}:
            raise InvalidInput(f"feature {item['name']}: give non-negative integers "
                               f"{', '.join(FEATURE_FIELDS)} and nothing else",
                               field="features")
        features.append({"name": item["name"], **values})
    names = [f["name"] for f in features]
    if len(set(names)) != len(names):
        raise InvalidInput("a feature is named twice", field="features")
    if min(100, sum(f["points"] for f in features)) != score:
        raise InvalidInput("the score is not the capped sum of the features' points",
                           field="score")
    return features


@handles("RecordThreat")
def record_threat(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    args = decision.args
    start, score = int(args["window_start"]), int(args["score"])
    if start % HOUR_MICROS or start > decision.now:
        raise InvalidInput("the window is a clock hour that has begun", field="window_start")
    features = checked_features(args["features"], score)
    policy = policy_for_key(decision.ledger.state, key.domain, key.key_id)
    if score < policy.threshold:
        raise IllegalTransition(f"score {score} is below the threshold {policy.threshold}",
                                reason_code="below-threshold")
    suspends = policy.action == "suspend" and key.state is KeyState.ACTIVE
    finding_id = threat_finding_id(key.key_id, start)
    key.record_threat({"finding_id": finding_id, "window_start": start,
                       "window_end": start + HOUR_MICROS, "score": score,
                       "threshold": policy.threshold, "action": policy.action,
                       "lift_approvals": policy.lift_approvals, "suspends": suspends,
                       "actors": [str(a) for a in args["actors"]], "features": features},
                      at=decision.now)
    if suspends:
        key.suspend(threat_reason(finding_id, score, policy.threshold), at=decision.now)
    return {"key_id": key.key_id, "finding_id": finding_id, "score": score,
            "threshold": policy.threshold, "action": policy.action, "suspended": suspends}
