"""Automatic rotation by period (issue 15, section 6): the scheduler rotates every key whose
period has passed, as the ledger's own ``scheduler`` actor, recorded; ``skms rotate-due``
does it once; the auditor accepts a scheduled rotation only for a key that was due."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from commands.cli.main import cli
from commands.handlers import execute
from commands.scheduler import Periodic, run_due
from commands.session import Session
from ledger.audit import Auditor
from ledger.command import SCHEDULER_ACTOR
from ledger.domain.key import DAY_MICROS, Key
from ledger.errors import Unauthorized, VerificationError
from tests.approvals.conftest import audit, create_key, envelopes
from tests.ledger.conftest import PASSPHRASE


def later(session: Session, days: float) -> None:
    ledger = session.ledger()
    real = ledger.clock
    ledger.clock = lambda: real() + int(days * DAY_MICROS)


def test_the_scheduler_rotates_exactly_the_keys_that_are_due(session: Session) -> None:
    due = create_key(session, rotation_period_days=1)
    not_yet = create_key(session, rotation_period_days=30)
    never = create_key(session, rotation_period_days=0)
    suspended = create_key(session, rotation_period_days=1)
    session.run("alice", "SuspendKey", key_id=suspended)
    assert run_due(session.ledger()).rotated_keys == []
    later(session, 1.01)
    done = run_due(session.ledger())
    assert done.rotated_keys == [due]
    ledger = session.ledger()
    assert [ledger.key(k).current_version for k in (due, not_yet, never, suspended)] == [
        2, 1, 1, 1]
    (rotation,) = [e for e in envelopes(session) if e.event_type == "KeyRotated"]
    assert rotation.actor_id == SCHEDULER_ACTOR
    assert run_due(ledger).rotated_keys == []  # the next due time moved a period on
    assert ledger.key(due).rotation_due_at() == ledger.key(due).rotated_at + DAY_MICROS
    audit(session)


def test_only_the_scheduler_may_rotate_on_schedule_and_only_when_due(
        session: Session) -> None:
    key_id = create_key(session, rotation_period_days=1)
    with pytest.raises(Unauthorized):
        session.act("alice", "RotateDueKey", "default", {"key_id": key_id})
    ledger = session.ledger()
    signed = ledger.system_command("RotateDueKey", "default", {"key_id": key_id},
                                   actor_id=SCHEDULER_ACTOR)
    with pytest.raises(Exception, match="not due"):
        execute(ledger, signed)


def test_the_auditor_refuses_a_scheduled_rotation_of_a_key_not_due(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    key_id = create_key(session, rotation_period_days=30)
    monkeypatch.setattr(Key, "rotation_due_at", lambda self: 0)  # a writer that lies
    assert run_due(session.ledger()).rotated_keys == [key_id]
    monkeypatch.undo()
    with pytest.raises(VerificationError) as found:
        Auditor(session.store()[0]).verify()
    assert found.value.check == "scheduled"
    assert found.value.seq == next(e.seq for e in envelopes(session)
                                   if e.event_type == "KeyRotated")


def test_skms_rotate_due_once_for_cron(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"SKMS_PASSPHRASE": PASSPHRASE}

    def skms(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--home", str(home), *args], env=env,
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    skms("init", "--name", "cron")
    skms("actor", "add", "km", "--role", "key-manager")
    assert json.loads(skms("rotate-due", "--json")) == {"expired_approvals": [],
                                                        "rotated_keys": [],
                                                        "threat_findings": [],
                                                        "suspended_keys": []}
    assert "rotated 0 key(s)" in skms("rotate-due")


def test_the_service_timer_runs_the_scheduler_at_most_every_interval(session: Session) -> None:
    key_id = create_key(session, rotation_period_days=1)
    ticks = iter([0.0, 10.0, 31.0])
    periodic = Periodic(session.ledger(), 30.0, clock=lambda: next(ticks))
    later(session, 1.01)
    first = periodic()
    assert first is not None and first.rotated_keys == [key_id]
    assert periodic() is None  # 10 s later: skipped
    third = periodic()
    assert third is not None and third.rotated_keys == []
