"""A scripted attack replayed through the real ledger (SQLite store, DuckDB read models):
five normal working days of a signer paying two known recipients, then the signer's
stolen key signing in bulk at night to new recipients. The night is flagged, the key is
suspended by the scheduler citing the finding, and lifting the hold needs the quorum;
a normal day is not flagged."""

from __future__ import annotations

from pathlib import Path

from commands.scheduler import run_due
from commands.session import Session
from ledger.audit import Auditor
from ledger.command import SCHEDULER_ACTOR
from ledger.domain.key import KeyState
from ledger.envelope import open_envelope
from projections.threat.baseline import Window
from tests.threat.conftest import (
    HOUR,
    START,
    Clock,
    attrs,
    create_key,
    key_findings,
    pay,
    read_models,
    working_day,
)

THRESHOLD = 60
NORMAL_DAYS = 5


def test_a_stolen_signer_key_at_night_is_flagged_suspended_and_lifted_only_by_quorum(
        session: Session, clock: Clock, tmp_path: Path) -> None:
    key_id = create_key(session)
    session.run("admin", "SetThreatPolicy", threshold=THRESHOLD, action="suspend",
                lift_approvals=2)
    scan = read_models(session, tmp_path / "read-models.duckdb")
    ledger = session.ledger()
    nonce = 0
    for day in range(NORMAL_DAYS):
        nonce = working_day(session, clock, key_id, day, nonce)
        clock.at(day, 17, 5)
        assert run_due(ledger, scan).threat_findings == [], f"normal day {day} flagged"

    # The last normal day, hour by hour: every score stays below the threshold.
    last_day = NORMAL_DAYS - 1
    for hour in range(9, 17):
        window = Window(START[0] + last_day * 86_400_000_000 + hour * HOUR)
        (finding,) = key_findings(scan.windows(window), key_id)
        assert finding.score < THRESHOLD // 2, (hour, finding.as_dict())

    # 02:00 the next night: 60 payments to 60 recipients never paid before.
    for i in range(60):
        clock.at(NORMAL_DAYS, 2, i // 2)
        pay(session, key_id, nonce + i, "0x" + f"{0xbad000 + i:040x}")
    clock.at(NORMAL_DAYS, 2, 45)
    done = run_due(ledger, scan)
    assert done.suspended_keys == [key_id] and len(done.threat_findings) == 1
    key = ledger.state.key(key_id)
    assert key.state is KeyState.SUSPENDED and key.threat_hold is not None
    store, _ = session.store()
    events = [open_envelope(e) for e in store.read("default")]
    detected = next(e for e in events if e.event_type == "ThreatDetected")
    record = detected.event()
    assert detected.actor_id == SCHEDULER_ACTOR and record["score"] >= 85
    assert record["finding_id"] == done.threat_findings[0] and record["suspends"]
    features = {f["name"]: f for f in record["features"]}
    for name in ("rate", "hour_of_day", "new_recipients"):
        assert features[name]["points"] == 30, features[name]  # each at full surprise
    assert features["new_recipients"]["observed_milli"] == 60_000
    suspended = events[events.index(detected) + 1]
    assert suspended.event_type == "KeySuspended"
    assert done.threat_findings[0] in suspended.event()["reason"]
    assert run_due(ledger, scan).threat_findings == []  # a re-scan records nothing new

    # The lift: held for two approvers, not executed by one.
    clock.at(NORMAL_DAYS, 9)
    held = session.run("alice", "ReactivateKey", key_id=key_id)
    assert held.status == "pending" and attrs(held)["required"] == 2
    assert ledger.state.key(key_id).state is KeyState.SUSPENDED
    session.run("ann", "ApproveRequest", approval_id=held.approval_id)
    assert ledger.state.key(key_id).state is KeyState.SUSPENDED
    session.run("ben", "ApproveRequest", approval_id=held.approval_id)
    key = ledger.state.key(key_id)
    assert key.state is KeyState.ACTIVE and key.threat_hold is None
    # Once lifted, an ordinary suspension and reactivation need no quorum again.
    session.run("alice", "SuspendKey", key_id=key_id)
    assert session.run("alice", "ReactivateKey", key_id=key_id).status == "done"
    Auditor(store).verify()
