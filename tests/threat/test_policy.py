"""The threat policy under the approval machinery, and what RecordThreat refuses."""

from __future__ import annotations

import pytest

from commands.handlers import execute
from commands.scheduler import DueWork, record_threats
from commands.session import Session
from ledger.command import SCHEDULER_ACTOR
from ledger.domain.key import HOUR_MICROS, KeyState
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput, NotFound
from projections.threat.baseline import Window
from projections.threat.report import Finding
from projections.threat.scoring import Observation, score
from tests.threat.conftest import create_key


def burst(session: Session, key_id: str) -> Finding:
    scored = score([Observation("rate", 40, 2), Observation("hour_of_day", 40, 0.5)])
    return Finding("key", key_id, Window.containing(session.ledger().clock()), scored.score,
                   scored.contributions, ())


def record(session: Session, key_id: str, **changes: object) -> object:
    finding = burst(session, key_id)
    args = {"key_id": key_id, "window_start": finding.window.start_us,
            "score": finding.score, "actors": [], "features": finding.features(), **changes}
    ledger = session.ledger()
    signed = ledger.system_command("RecordThreat", "default", args, actor_id=SCHEDULER_ACTOR)
    return execute(ledger, signed)


def test_changing_a_suspend_policy_needs_its_lift_quorum(session: Session) -> None:
    first = session.run("admin", "SetThreatPolicy", threshold=50, action="suspend",
                        lift_approvals=2)
    assert first.status == "done"
    weaker = session.run("admin", "SetThreatPolicy", threshold=90, action="none")
    assert weaker.status == "pending" and (weaker.result or {})["required"] == 2
    session.run("ann", "ApproveRequest", approval_id=weaker.approval_id)
    book = session.ledger().state.policy_books["system"]
    assert book.threat_rules["ledger|"].action == "suspend"  # not yet
    session.run("ben", "ApproveRequest", approval_id=weaker.approval_id)
    assert book.threat_rules["ledger|"].action == "none"
    assert session.run("admin", "SetThreatPolicy", threshold=80,
                       action="none").status == "done"  # a none policy holds nothing


def test_the_most_specific_policy_applies_and_a_stricter_approval_rule_wins(
        session: Session) -> None:
    watched, other = create_key(session), create_key(session)
    session.run("admin", "SetThreatPolicy", threshold=95, action="none")
    session.run("admin", "SetThreatPolicy", threshold=50, action="suspend",
                lift_approvals=1, key_id=watched)
    done = DueWork()
    record_threats(session.ledger(), [burst(session, watched), burst(session, other)], done)
    assert done.suspended_keys == [watched] and len(done.threat_findings) == 1  # 60 < 95
    session.run("admin", "SetApprovalPolicy", command="ReactivateKey", approvals=3,
                domain="default")
    held = session.run("alice", "ReactivateKey", key_id=watched)
    assert (held.result or {})["required"] == 3


def test_an_ordinary_suspension_is_lifted_without_a_quorum(session: Session) -> None:
    key_id = create_key(session)
    session.run("admin", "SetThreatPolicy", threshold=50, action="suspend")
    session.run("alice", "SuspendKey", key_id=key_id)
    assert session.run("alice", "ReactivateKey", key_id=key_id).status == "done"


def test_record_threat_refuses_what_does_not_add_up(session: Session) -> None:
    key_id = create_key(session)
    session.run("admin", "SetThreatPolicy", threshold=50, action="suspend")
    with pytest.raises(InvalidInput, match="capped sum") as bad_score:
        record(session, key_id, score=99)
    assert bad_score.value.field == "score"
    with pytest.raises(InvalidInput, match="clock hour"):
        record(session, key_id, window_start=burst(session, key_id).window.start_us + 1)
    with pytest.raises(InvalidInput, match="name one of"):
        record(session, key_id, features=[{"name": "vibes", "observed_milli": 1,
                                           "expected_milli": 1, "surprise_milli": 1,
                                           "points": 60}])
    with pytest.raises(IllegalTransition, match="below the threshold"):
        low = score([Observation("rate", 6, 2)])
        record(session, key_id, score=low.score,
               features=[c.as_record() for c in low.contributions])
    assert session.ledger().state.key(key_id).state is KeyState.ACTIVE
    record(session, key_id)
    with pytest.raises(CommandRejected, match="already has a finding"):
        record(session, key_id)
    later = burst(session, key_id).window.start_us + HOUR_MICROS
    with pytest.raises(InvalidInput, match="has begun"):
        record(session, key_id, window_start=later)


def test_a_policy_names_a_key_that_exists_and_one_scope(session: Session) -> None:
    with pytest.raises(NotFound):
        session.run("admin", "SetThreatPolicy", threshold=50, action="none",
                    key_id="00000000-0000-4000-8000-000000000000")
    with pytest.raises(InvalidInput, match="not both"):
        session.act("admin", "SetThreatPolicy", "default", {
            "threshold": 50, "action": "none", "domain": "default",
            "key_id": create_key(session)})
    with pytest.raises(InvalidInput):
        session.run("admin", "SetThreatPolicy", threshold=50, action="destroy")
