"""The ledger's scheduler: the work that falls due with time, done as the ledger's own
``scheduler`` actor (signed by the ledger key, allowed only the catalogue's scheduled
commands), so every step is a recorded, audited command like any other.

Requirements:

1. Idempotent and safe to run from several places (``skms serve``'s timer, a cron job):
   each step re-reads the state and acts only on what is still due; a step that lost a race
   (already done elsewhere) is skipped, not reported as a failure.
2. One command per item, so a failure on one never blocks the rest.
3. Threat findings (docs/threat-detection.md) come from a scan of the read models handed
   in (``threats``: the time in µs to the findings); the scheduler records those of keys
   that reach the threshold of the policy in force, once per key and hour, and the
   ``RecordThreat`` command suspends the key when that policy says so.
4. In a cluster (several services on one Kafka store), each process does the due work of
   the chains it writes (``Ledger.writes``) and only those: the owner of a chain is the one
   place its scheduled commands are decided.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from commands.handlers import execute
from ledger.application import Ledger
from ledger.approvals.threat_hold import policy_for_key
from ledger.command import SCHEDULER_ACTOR
from ledger.domain.approval import OPEN_STATES
from ledger.errors import CommandRejected
from projections.threat.report import Finding

ThreatScan = Callable[[int], list[Finding]]
"""Scans the read models as of a time (µs since the epoch) and returns the findings."""


@dataclass
class DueWork:
    """What one run did: the approval requests it closed as expired, the keys it rotated."""

    expired_approvals: list[str] = field(default_factory=list)
    rotated_keys: list[str] = field(default_factory=list)
    threat_findings: list[str] = field(default_factory=list)
    suspended_keys: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"expired_approvals": list(self.expired_approvals),
                "rotated_keys": list(self.rotated_keys),
                "threat_findings": list(self.threat_findings),
                "suspended_keys": list(self.suspended_keys)}


def expire_approvals(ledger: Ledger, done: DueWork) -> None:
    now = ledger.clock()
    due = sorted((a for a in ledger.state.approvals.values()
                  if a.status in OPEN_STATES and a.expired_at(now)
                  and ledger.writes(a.chain_id)),
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
                  if (at := k.rotation_due_at()) is not None and at <= now
                  and ledger.writes(k.domain)),
                 key=lambda k: (k.rotation_due_at() or 0, k.key_id))
    for key in due:
        signed = ledger.system_command("RotateDueKey", key.domain, {"key_id": key.key_id},
                                       actor_id=SCHEDULER_ACTOR)
        try:
            execute(ledger, signed)
        except CommandRejected:  # rotated (or changed) meanwhile (requirement 1)
            continue
        done.rotated_keys.append(key.key_id)


def record_threats(ledger: Ledger, findings: list[Finding], done: DueWork) -> None:
    """Record the key findings that reach their policy's threshold (requirement 3)."""
    for finding in sorted(findings, key=lambda f: (f.window.start_us, f.subject_id)):
        key = ledger.state.keys.get(finding.subject_id) if finding.kind == "key" else None
        if (key is None or finding.window.start_us in key.threat_windows
                or not ledger.writes(key.domain)):
            continue
        if finding.score < policy_for_key(ledger.state, key.domain, key.key_id).threshold:
            continue
        signed = ledger.system_command("RecordThreat", key.domain, {
            "key_id": key.key_id, "window_start": finding.window.start_us,
            "score": finding.score, "actors": list(finding.actors),
            "features": finding.features()}, actor_id=SCHEDULER_ACTOR)
        try:
            outcome = execute(ledger, signed)
        except CommandRejected:  # recorded meanwhile, or the key changed (requirement 1)
            continue
        result = outcome.result or {}
        done.threat_findings.append(str(result["finding_id"]))
        if result["suspended"]:
            done.suspended_keys.append(key.key_id)


class Periodic:
    """``run_due`` at most every ``interval_s`` (the service's timer ticks every second; a
    scan of every key and request that often would be wasted work)."""

    def __init__(self, ledger: Ledger, interval_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 threats: ThreatScan | None = None) -> None:
        self.ledger, self.interval_s, self.clock = ledger, interval_s, clock
        self.threats = threats
        self.last: float | None = None

    def __call__(self) -> DueWork | None:
        now = self.clock()
        if self.last is not None and now - self.last < self.interval_s:
            return None
        self.last = now
        return run_due(self.ledger, self.threats)


def run_due(ledger: Ledger, threats: ThreatScan | None = None) -> DueWork:
    """Everything due now (requirement 2); threat findings when a scan is given."""
    ledger.ensure_loaded()
    done = DueWork()
    expire_approvals(ledger, done)
    rotate_due_keys(ledger, done)
    if threats is not None:
        record_threats(ledger, threats(ledger.clock()), done)
    return done
