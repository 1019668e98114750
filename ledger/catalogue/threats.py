"""Catalogue entries: threat detection (docs/threat-detection.md): the threat policy, and
the ledger scheduler recording a finding (and, under a suspend policy, suspending the key).

``SetThreatPolicy`` is a policy change: it has the approval hook, so an approval policy may
gate it, and changing a suspend policy needs that policy's own lift quorum
(:mod:`ledger.approvals.threat_hold`).
"""

from __future__ import annotations

from ledger.catalogue.fields import KEY_ID, document, integer, listing, text, time
from ledger.catalogue.model import ChainRule, Cli, CliRoute, CommandSpec, Hooks, Route
from ledger.catalogue.shapes import SHAPES
from ledger.domain.approval_policy import THREAT_ACTIONS

NOBODY: frozenset[str] = frozenset()
MAX_LIFT_APPROVALS = 64
MAX_FEATURES = 16

COMMANDS = (
    CommandSpec(
        name="SetThreatPolicy", doc="Set the threat-detection policy ledger-wide, in one key "
        "domain or for one key (the most specific applies): the score from which the "
        "scheduler records a finding, whether it then suspends the key, and how many "
        "approvers lifting such a suspension needs. Changing a suspend policy needs its "
        "lift quorum.",
        group="threats", roles=frozenset({"admin"}), chain=ChainRule.SCOPE,
        events=frozenset({"ThreatPolicySet"}),
        args=(integer("threshold", "Record (and act on) findings scoring this much or more "
                      "(0..100).", minimum=1, maximum=100),
              text("action", "none: record only; suspend: the scheduler suspends the key.",
                   max_length=16, choices=THREAT_ACTIONS),
              integer("lift_approvals", "Distinct approvers a ReactivateKey of a key "
                      "suspended under this policy needs (approval policies may ask more).",
                      required=False, default=2, minimum=1, maximum=MAX_LIFT_APPROVALS,
                      cli=Cli(option="--lift-approvals")),
              text("domain", "Only in this key domain.", required=False, nullable=True,
                   max_length=64),
              text("key_id", "Only for this key.", required=False, nullable=True,
                   max_length=100, cli=Cli(option="--key"))),
        result=SHAPES["ThreatPolicy"], rest=Route("POST", "/v1/threat-policies"),
        cli=CliRoute(("threats", "policy", "set"), renderer="threat-policy"),
        hooks=Hooks(approval="policy")),
    CommandSpec(
        name="RecordThreat", doc="The scheduler records a scored window of a key's activity "
        "(ThreatDetected) and, when the policy in force says suspend and the score reaches "
        "its threshold, suspends the key citing the finding (the auditor accepts the "
        "suspension only so).",
        group="threats", roles=NOBODY, chain=ChainRule.KEY,
        events=frozenset({"ThreatDetected", "KeySuspended"}),
        args=(KEY_ID,
              time("window_start", "Start of the scored clock hour (µs, UTC).", minimum=0),
              integer("score", "The score (0..100).", minimum=0, maximum=100),
              listing("actors", "Actors that signed in the window.",
                      text("item", "Actor id.", max_length=100), maximum=1000),
              listing("features", "Each feature's contribution.",
                      document("item", "name, observed_milli, expected_milli, "
                               "surprise_milli, points."), minimum=1,
                      maximum=MAX_FEATURES)),
        result=SHAPES["ThreatFinding"], system=True, scheduled=True),
)
