"""Every named report on real ledgers, checked against what the log says happened."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ledger.errors import InvalidInput, NotFound
from projections.export import ResultSet
from projections.query import open_sandbox
from projections.reports import REPORTS, parse_time, run_report
from projections.runner import ProjectionRunner
from tests.projections.conftest import Ledger

EPOCH = dt.datetime(1970, 1, 1)


def _connect(ledger: Ledger, folder: Path) -> duckdb.DuckDBPyConnection:
    database = folder / "p.duckdb"
    with ProjectionRunner(ledger.memory_store(), database) as runner:
        runner.update()
    return open_sandbox(database)


@pytest.fixture(scope="module")
def demo(demo_ledger: Ledger, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _connect(demo_ledger, tmp_path_factory.mktemp("demo-reports"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def lifecycle(lifecycle_ledger: Ledger, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _connect(lifecycle_ledger, tmp_path_factory.mktemp("lifecycle-reports"))
    yield con
    con.close()


def records(result: ResultSet) -> list[dict[str, Any]]:
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def first_time(ledger: Ledger) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=min(e.recorded_at for e in ledger.events()))


def test_inventory(demo: duckdb.DuckDBPyConnection, demo_ledger: Ledger) -> None:
    rows = records(run_report(demo, "inventory"))
    assert sum(r["keys"] for r in rows) == demo_ledger.count("KeyGenerated") == 4
    assert sum(r["signatures"] for r in rows) == demo_ledger.signature_count() == 38
    by_state = {(r["algorithm"], r["state"]): r for r in rows}
    assert by_state[("ecdsa-secp256k1", "destroyed")]["keys"] == 1
    assert by_state[("ed25519", "active")]["signatures"] == 13  # 12 + 1 after rotation
    assert by_state[("ecdsa-secp256k1", "active")]["fips_approved"] is False
    assert by_state[("ecdsa-p256", "active")]["fips_approved"] is True
    assert {r["domain"] for r in rows} == {"payments"}


def test_overdue_rotation_depends_on_the_evaluation_time(
        demo: duckdb.DuckDBPyConnection, demo_ledger: Ledger) -> None:
    start = first_time(demo_ledger)
    assert len(run_report(demo, "overdue-rotation", at=start + dt.timedelta(days=89))) == 0
    later = records(run_report(demo, "overdue-rotation", at=start + dt.timedelta(days=95)))
    assert len(later) == 3  # the active keys; the destroyed one is not due for anything
    assert {r["algorithm"] for r in later} == {"ed25519", "ecdsa-secp256k1", "ecdsa-p256"}
    assert all(r["days_overdue"] in (4, 5) and r["rotation_period_days"] == 90 for r in later)


def test_overdue_rotation_uses_the_last_rotation_and_policy(
        lifecycle: duckdb.DuckDBPyConnection, lifecycle_ledger: Ledger) -> None:
    start = first_time(lifecycle_ledger)
    rows = records(run_report(lifecycle, "overdue-rotation", at=start + dt.timedelta(days=8)))
    # The ed25519 key's policy became 7 days; the "leaky" 1-day key is compromised.
    assert [(r["algorithm"], r["current_version"]) for r in rows] == [("ed25519", 3)]


def test_compromised_and_destroyed(demo: duckdb.DuckDBPyConnection,
                                   lifecycle: duckdb.DuckDBPyConnection) -> None:
    rows = records(run_report(demo, "compromised-and-destroyed"))
    assert [(r["label"], r["state"]) for r in rows] == [("retired-hot-wallet", "destroyed")]
    assert rows[0]["destroyed_at"] is not None and rows[0]["signature_count"] == 1
    both = {r["label"]: r for r in records(run_report(lifecycle, "compromised-and-destroyed"))}
    assert set(both) == {"retired-hot-wallet", "leaky"}
    assert both["leaky"]["state"] == "compromised"
    # compromise_time was set to the key's creation: both of its signatures are suspect.
    assert both["leaky"]["signatures_after_compromise"] == 2


def test_signing_activity(demo: duckdb.DuckDBPyConnection, demo_ledger: Ledger) -> None:
    rows = records(run_report(demo, "signing-activity"))
    assert sum(r["signatures"] for r in rows) == demo_ledger.signature_count()
    assert {r["actor_name"] for r in rows} == {"bob"}
    assert len({r["key_id"] for r in rows}) == 4
    assert all(isinstance(r["day"], dt.date) for r in rows)


def test_refused_commands(demo: duckdb.DuckDBPyConnection, demo_ledger: Ledger) -> None:
    rows = records(run_report(demo, "refused-commands"))
    assert len(rows) == demo_ledger.count("CommandRejected") == 2
    assert [(r["command_type"], r["reason_code"]) for r in rows] == [
        ("Sign", "illegal-transition"), ("RotateKey", "missing-role")]
    assert {r["actor_name"] for r in rows} == {"bob"}


def test_non_fips_in_use(demo: duckdb.DuckDBPyConnection) -> None:
    rows = records(run_report(demo, "non-fips-in-use"))
    assert [(r["algorithm"], r["state"], r["signatures"]) for r in rows] == [
        ("ecdsa-secp256k1", "active", 12)]  # the destroyed secp256k1 key is not in use


def test_chain_status(demo: duckdb.DuckDBPyConnection, demo_ledger: Ledger) -> None:
    heads = {c: len(e) - 1 for c, e in demo_ledger.envelopes.items()}
    rows = {r["chain"]: r for r in records(run_report(demo, "chain-status", heads=heads))}
    assert set(rows) == {"payments", "system"}
    for chain, row in rows.items():
        assert row["position"] == row["head"] == heads[chain] and row["lag"] == 0
        checkpoints = [e for e in demo_ledger.events() if e.chain_id == chain
                       and e.event_type == "CheckpointPublished"]
        assert row["last_checkpoint_seq"] == checkpoints[-1].seq
        assert row["last_checkpoint_size"] == checkpoints[-1].record["tree_size"]
        assert row["events_since_checkpoint"] == heads[chain] + 1 - row["last_checkpoint_size"]
    behind = records(run_report(demo, "chain-status", heads={"payments": 100}))
    assert {r["chain"]: r["lag"] for r in behind} == {"payments": 100 - heads["payments"],
                                                      "system": None}


def test_since_limits_every_windowed_report(demo: duckdb.DuckDBPyConnection,
                                            demo_ledger: Ledger) -> None:
    start = first_time(demo_ledger)
    for report in REPORTS.values():
        if not report.takes_since:
            continue
        everything = run_report(demo, report.name)
        assert run_report(demo, report.name, since=start).rows == everything.rows
        future = run_report(demo, report.name, since=start + dt.timedelta(days=3650))
        if report.name == "non-fips-in-use":  # keys stay listed, their signatures drop
            assert [r[-2] for r in future.rows] == [0]
        else:
            assert len(future) == 0, report.name


def test_bad_report_arguments_are_user_errors(demo: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NotFound, match="no report named"):
        run_report(demo, "secret-keys")
    with pytest.raises(InvalidInput) as caught:
        run_report(demo, "chain-status", since=dt.datetime(2024, 1, 1))
    assert caught.value.field == "since"


def test_parse_time() -> None:
    assert parse_time("2025-03-01", field="since") == dt.datetime(2025, 3, 1)
    assert parse_time("2025-03-01T12:30:00Z", field="since") == dt.datetime(2025, 3, 1, 12, 30)
    assert parse_time("2025-03-01T14:30:00+02:00", field="since") == dt.datetime(
        2025, 3, 1, 12, 30)
    with pytest.raises(InvalidInput) as caught:
        parse_time("last tuesday", field="since")
    assert caught.value.field == "since"
