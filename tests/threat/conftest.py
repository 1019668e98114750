"""Fixtures: a real ledger on SQLite whose clock the test drives (the ledger's clock and
the session's command times move together), read models in a DuckDB file beside it, and
a scripted custody workload: a signer paying two known recipients in working hours."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import commands.session as session_module
from commands.session import Session
from commands.threats import scan_database
from projections.query import open_sandbox
from projections.runner import ProjectionRunner
from projections.threat.baseline import Window
from projections.threat.report import Finding, scan
from tests.ledger.conftest import new_session

HOUR = 3_600_000_000
DAY = 24 * HOUR
MINUTE = 60_000_000
KNOWN = ("0x3535353535353535353535353535353535353535",
         "0x7070707070707070707070707070707070707070")


@dataclass
class Clock:
    now: int

    def __call__(self) -> int:
        return self.now

    def at(self, day: int, hour: int, minute: int = 0) -> None:
        """Move to ``day`` (from the scripted start) at HH:MM UTC; never backwards."""
        target = START[0] + day * DAY + hour * HOUR + minute * MINUTE
        assert target >= self.now, "the ledger's clock never goes back"
        self.now = target


START = [0]


def next_midnight() -> int:
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((today + dt.timedelta(days=2)).timestamp() * 1_000_000)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    START[0] = next_midnight()
    driven = Clock(session_module.now_micros())
    monkeypatch.setattr(session_module, "now_micros", driven)
    return driven


@pytest.fixture
def session(tmp_path: Path, clock: Clock) -> Iterator[Session]:
    """alice (key-manager), ann, ben, cy (approvers), bob (signer), admin."""
    current = new_session(tmp_path / "home")
    current.initialize(name="threats", checkpoint_every_events=5000)
    current.ledger().clock = clock
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    for name in ("ann", "ben", "cy"):
        current.add_actor("admin", name, ["approver"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    yield current
    current.close()


def evm_tx(nonce: int, to: str, value: int = 10**15) -> bytes:
    return json.dumps({"nonce": nonce, "gas": 21000, "maxFeePerGas": 3 * 10**9,
                       "maxPriorityFeePerGas": 10**9, "to": to, "value": value,
                       "chainId": 11155111}).encode()


def pay(session: Session, key_id: str, nonce: int, to: str) -> None:
    session.run("bob", "SignEvmTransaction", key_id=key_id, tx=evm_tx(nonce, to))


def working_day(session: Session, clock: Clock, key_id: str, day: int, nonce: int) -> int:
    """09:00-16:59: four to six payments an hour to the two known recipients."""
    for hour in range(9, 17):
        count = 4 + (day * 7 + hour) % 3
        for i in range(count):
            clock.at(day, hour, 3 + i * (55 // count))
            pay(session, key_id, nonce, KNOWN[(hour + i) % 2])
            nonce += 1
    return nonce


class ReadModelScan:
    """The scan the scheduler gets (the read models caught up, then scored), and the same
    scoring of chosen windows."""

    def __init__(self, session: Session, database: Path) -> None:
        self.store, _ = session.store()
        self.database = database

    def update(self) -> None:
        with ProjectionRunner(self.store, self.database) as runner:
            runner.update()

    def __call__(self, now_us: int) -> list[Finding]:
        self.update()
        return scan_database(self.database, now_us)

    def windows(self, *windows: Window) -> list[Finding]:
        self.update()
        con = open_sandbox(self.database)
        try:
            return scan(con, 0, windows=windows)
        finally:
            con.close()


def read_models(session: Session, database: Path) -> ReadModelScan:
    return ReadModelScan(session, database)


def key_findings(findings: list[Finding], key_id: str) -> list[Finding]:
    return [f for f in findings if f.kind == "key" and f.subject_id == key_id]


def points(finding: Finding) -> dict[str, int]:
    return {c.name: c.points for c in finding.contributions}


def create_key(session: Session) -> str:
    return str(attrs(session.run("alice", "CreateKey", algorithm="ecdsa-secp256k1"))["key_id"])


def attrs(outcome: Any) -> dict[str, Any]:
    return dict(outcome.result or {})
