"""The baselines' SQL on a DuckDB database with the read models' own tables and rows made
for the purpose: each observation is the count the rows say, next to the history's."""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
import pytest

from projections.models import ALL_TABLES
from projections.threat.baseline import DAY_US, HOUR_US, Window, observe, pairs_of
from projections.threat.report import highest, scan

START = 1_800_000_000 * 1_000_000 // DAY_US * DAY_US  # a UTC midnight


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    for table in ALL_TABLES:
        connection.execute(table.ddl())
    yield connection
    connection.close()


def ts(micros: int) -> str:
    return f"epoch_us({micros})"


def sign(con: duckdb.DuckDBPyConnection, at: int, key: str = "k1", actor: str = "bob") -> None:
    con.execute("INSERT INTO signatures (chain, seq, key_id, actor_id, recorded_at) "
                "VALUES ('default', 0, ?, ?, make_timestamp(?))", [key, actor, at])


def pay(con: duckdb.DuckDBPyConnection, at: int, to: str, network: str = "sepolia") -> None:
    con.execute("INSERT INTO chain_signatures (chain, seq, key_id, actor_id, recorded_at, "
                "family, network, recipients) VALUES ('default', 0, 'k1', 'bob', "
                "make_timestamp(?), 'evm', ?, [?])", [at, network, to])


def observed(con: duckdb.DuckDBPyConnection, window: Window, kind: str = "key"
             ) -> dict[str, tuple[float, float]]:
    (subject,) = [s for s in observe(con, window, kind) if s.subject_id in ("k1", "bob")]
    return {o.name: (o.observed, o.expected) for o in subject.observations}


def test_rate_hour_and_silence_against_the_subjects_history(
        con: duckdb.DuckDBPyConnection) -> None:
    for day in range(4):  # 10:00-11:59 each day, 3 signatures an hour
        for hour in (10, 11):
            for minute in (5, 25, 45):
                sign(con, START + day * DAY_US + hour * HOUR_US + minute * 60_000_000)
    window = Window(START + 4 * DAY_US + 10 * HOUR_US)
    for minute in range(7):
        sign(con, window.start_us + minute * 60_000_000)
    sign(con, window.start_us, key="other")  # another key: not in k1's numbers
    found = observed(con, window)
    assert found["rate"] == (7, 3.0)           # 24 signatures in 8 active hours
    assert found["hour_of_day"] == (7, 3.0)    # 12 at 10:00 over 4 days
    longest = (DAY_US - HOUR_US - 40 * 60_000_000) / HOUR_US  # 11:45 to 10:05 next day
    assert found["silence"][1] == pytest.approx(longest)
    assert found["silence"][0] == pytest.approx(longest - 5 / 60)  # 11:45 to 10:00


def test_new_recipients_and_networks_are_those_first_seen_in_the_window(
        con: duckdb.DuckDBPyConnection) -> None:
    for hour in range(4):
        pay(con, START + hour * HOUR_US, "0xaa")
    window = Window(START + DAY_US)
    pay(con, window.start_us + 1, "0xaa")
    pay(con, window.start_us + 2, "0xbb")
    pay(con, window.start_us + 3, "0xcc", network="mainnet")
    found = observed(con, window)
    assert found["new_recipients"] == (2, 0.25)  # one known recipient, 4 active hours
    assert found["new_networks"] == (1, 0.25)


def test_refusals_and_approver_pairs_of_the_subject(con: duckdb.DuckDBPyConnection) -> None:
    window = Window(START + DAY_US)
    sign(con, window.start_us + 10)
    for i in range(5):
        con.execute("INSERT INTO command_rejections (chain, seq, actor_id, command_type, "
                    "target, reason_code, recorded_at) VALUES ('default', ?, 'bob', 'Sign', "
                    "'k1', 'x', make_timestamp(?))", [i, window.start_us + i])
    for i, (at, approvers) in enumerate([(START + 5, ["ann", "ben"]),
                                         (window.start_us + 1, ["ben", "ann"]),
                                         (window.start_us + 2, ["ann", "ben", "cy"]),
                                         (window.start_us + 3, ["cy", "dora"])]):
        approval = f"a{i}"
        con.execute("INSERT INTO approval_events (chain, seq, approval_id, event_type, "
                    "details_json, recorded_at) VALUES ('default', ?, ?, 'ApprovalRequested', "
                    "?, make_timestamp(?))", [2 * i, approval, json.dumps({"subject": "k1"}), at])
        con.execute("INSERT INTO approval_events (chain, seq, approval_id, event_type, "
                    "details_json, recorded_at) VALUES ('default', ?, ?, 'ApprovalExecuted', "
                    "?, make_timestamp(?))", [2 * i + 1, approval,
                                              json.dumps({"approvers": approvers}), at])
    found = observed(con, window)
    assert found["refusals"] == (5, 0.0)
    assert found["approver_pair"] == (2, 1 / (30 * 24))  # ann+ben twice now, once before
    assert pairs_of(["b", "a", "c"]) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_actors_are_scored_like_keys_and_the_scan_keeps_each_subjects_highest(
        con: duckdb.DuckDBPyConnection) -> None:
    window = Window(START + 2 * HOUR_US)
    for i in range(30):
        sign(con, window.start_us + i, key=f"k{i % 3}")
    assert observed(con, window, "actor")["rate"] == (30, 0.0)
    findings = scan(con, 0, windows=[Window(START + HOUR_US), window])
    assert {(f.kind, f.subject_id) for f in findings} == {
        ("key", "k0"), ("key", "k1"), ("key", "k2"), ("actor", "bob")}
    best = highest(findings)
    assert best[("actor", "bob")].score > best[("key", "k0")].score  # 30 vs 10 at once
