"""The auditor re-checks threat findings and automatic suspensions from the log alone.
Each forgery is written by a ledger whose own checks were switched off (a compromised or
buggy writer): the envelopes are well sealed and chained, so only the threat and approval
checks can catch them, and they must name the seq."""

from __future__ import annotations

import pytest

import commands.handlers.threats as threat_handlers
import commands.scheduler as scheduler
from commands.scheduler import DueWork, record_threats
from commands.session import Session
from ledger.approvals import gate
from ledger.audit import Auditor
from ledger.domain.approval_policy import ThreatRule
from ledger.domain.key import Key
from ledger.envelope import open_envelope
from ledger.errors import VerificationError
from projections.threat.baseline import Window
from projections.threat.report import Finding
from projections.threat.scoring import Observation, score
from tests.threat.conftest import create_key


def burst(session: Session, key_id: str) -> Finding:
    """A finding of the current hour scoring 60 (rate and hour of day at full surprise)."""
    scored = score([Observation("rate", 40, 2), Observation("hour_of_day", 40, 0.5)])
    return Finding("key", key_id, Window.containing(session.ledger().clock()), scored.score,
                   scored.contributions, ())


def suspend_policy(session: Session) -> str:
    key_id = create_key(session)
    session.run("admin", "SetThreatPolicy", threshold=50, action="suspend", lift_approvals=2)
    return key_id


def recorded(session: Session, key_id: str) -> DueWork:
    done = DueWork()
    record_threats(session.ledger(), [burst(session, key_id)], done)
    return done


def seq_of(session: Session, event_type: str) -> int:
    store, _ = session.store()
    return [e.seq for e in map(open_envelope, store.read("default"))
            if e.event_type == event_type][-1]


def failure(session: Session, check: str) -> VerificationError:
    with pytest.raises(VerificationError) as found:
        Auditor(session.store()[0]).verify()
    assert found.value.check == check, found.value
    return found.value


def test_an_honest_finding_suspension_and_quorum_lift_audit(session: Session) -> None:
    key_id = suspend_policy(session)
    assert recorded(session, key_id).suspended_keys == [key_id]
    held = session.run("alice", "ReactivateKey", key_id=key_id)
    for approver in ("ann", "ben"):
        session.run(approver, "ApproveRequest", approval_id=held.approval_id)
    Auditor(session.store()[0]).verify()


def test_a_suspension_citing_no_finding_is_named(session: Session,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    key_id = suspend_policy(session)
    monkeypatch.setattr(Key, "record_threat", lambda self, finding, *, at: None)
    assert recorded(session, key_id).suspended_keys == [key_id]
    found = failure(session, "threat")
    assert found.seq == seq_of(session, "KeySuspended") and "cites no finding" in found.message


def test_a_suspension_whose_reason_cites_another_finding_is_named(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    key_id = suspend_policy(session)
    monkeypatch.setattr(threat_handlers, "threat_reason", lambda *a: "threat finding elsewhere")
    recorded(session, key_id)
    found = failure(session, "threat")
    assert found.seq == seq_of(session, "KeySuspended") and "cite" in found.message


def test_a_finding_under_a_policy_not_in_force_is_named(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    key_id = create_key(session)  # no policy: the default acts from 70, suspends nothing
    lenient = ThreatRule("ledger", "", threshold=10, action="suspend", lift_approvals=1)
    for module in (threat_handlers, scheduler):
        monkeypatch.setattr(module, "policy_for_key", lambda *a: lenient)
    assert recorded(session, key_id).suspended_keys == [key_id]
    found = failure(session, "threat")
    assert found.seq == seq_of(session, "ThreatDetected") and "policy" in found.message


def test_a_lift_without_the_quorum_is_named(session: Session,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    key_id = suspend_policy(session)
    recorded(session, key_id)
    monkeypatch.setattr(gate, "screen", lambda *a, **k: gate.Screening())
    lifted = session.run("alice", "ReactivateKey", key_id=key_id)
    assert lifted.status == "done"
    found = failure(session, "approval")
    assert found.seq == lifted.seqs[0] and "missing approval" in found.message
