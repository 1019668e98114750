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


def test_the_rotation_schedule_gives_each_keys_next_due_time(
        demo: duckdb.DuckDBPyConnection, demo_ledger: Ledger) -> None:
    start = first_time(demo_ledger)
    early = records(run_report(demo, "rotation-schedule", at=start + dt.timedelta(days=10)))
    late = records(run_report(demo, "rotation-schedule", at=start + dt.timedelta(days=95)))
    overdue = records(run_report(demo, "overdue-rotation", at=start + dt.timedelta(days=95)))
    assert len(early) == len(late) == 3  # every active key with a period, due or not
    for row in early:
        expected = row["last_rotated_at"] + dt.timedelta(days=row["rotation_period_days"])
        assert row["next_due_at"] == expected
        assert row["days_until_due"] in (79, 80)
    assert all(r["days_until_due"] in (-4, -5) for r in late)
    assert {r["key_id"]: r["next_due_at"] for r in late} == {
        r["key_id"]: r["due_at"] for r in overdue}


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


def recorded_at(ledger: Ledger, event_type: str, index: int = 0) -> dt.datetime:
    """When the ``index``-th event of a type was recorded, as the reports' naive UTC."""
    times = [e.recorded_at for e in ledger.events() if e.event_type == event_type]
    return EPOCH + dt.timedelta(microseconds=times[index])


def actor_ids(ledger: Ledger) -> dict[str, str]:
    return {e.record["name"]: e.record["actor_id"] for e in ledger.events()
            if e.event_type == "ActorRegistered"}


def test_data_key_usage(lifecycle: duckdb.DuckDBPyConnection, lifecycle_ledger: Ledger) -> None:
    rows = records(run_report(lifecycle, "data-key-usage"))
    totals: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (row["key_label"], row["actor_name"], row["operation"])
        totals[key] = totals.get(key, 0) + row["operations"]
    assert totals == {("records", "bob", "encrypt"): 1, ("records", "bob", "decrypt"): 2,
                      ("records", "bob", "datakey"): 1, ("records", "erin", "decrypt"): 1,
                      ("webhooks", "bob", "mac"): 1, ("webhooks", "erin", "mac-verify"): 1,
                      ("peering", "bob", "derive"): 1}
    events = lifecycle_ledger.events()
    encrypted = next(e.record for e in events if e.event_type == "DataEncrypted")
    bob_decrypts = [e.record for e in events if e.event_type == "DataDecrypted"][:2]
    by_key = {(r["key_label"], r["actor_name"], r["operation"]): r for r in rows}
    encrypt = by_key[("records", "bob", "encrypt")]
    assert (encrypt["plaintext_bytes"], encrypt["ciphertext_bytes"], encrypt["output_bytes"]) \
        == (encrypted["plaintext_size"], encrypted["ciphertext_size"], None)
    decrypt = by_key[("records", "bob", "decrypt")]
    assert decrypt["plaintext_bytes"] == sum(d["plaintext_size"] for d in bob_decrypts)
    assert decrypt["plaintext_bytes"] == encrypted["plaintext_size"] + 32  # + the data key
    assert by_key[("records", "bob", "datakey")]["output_bytes"] == 32
    assert by_key[("peering", "bob", "derive")]["output_bytes"] == 32
    assert by_key[("webhooks", "bob", "mac")]["plaintext_bytes"] is None
    assert {r["algorithm"] for r in rows} == {"aes-256-gcm", "hmac-sha256", "x25519"}
    assert all(isinstance(r["day"], dt.date) for r in rows)
    since = records(run_report(lifecycle, "data-key-usage",
                               since=recorded_at(lifecycle_ledger, "MacGenerated")))
    assert {(r["operation"], r["operations"]) for r in since} == {
        ("mac", 1), ("mac-verify", 1), ("derive", 1)}


def test_decrypt_activity(lifecycle: duckdb.DuckDBPyConnection,
                          lifecycle_ledger: Ledger) -> None:
    rows = records(run_report(lifecycle, "decrypt-activity"))
    assert len(rows) == lifecycle_ledger.count("DataDecrypted") == 3
    bob = actor_ids(lifecycle_ledger)["bob"]
    assert [(r["actor_name"], r["key_label"], r["key_version"], r["key_current_version"],
             r["origin_operation"], r["origin_actor_id"]) for r in rows] == [
        ("bob", "records", 1, 2, "encrypt", bob),
        ("bob", "records", 1, 2, "datakey", bob),
        ("erin", "records", 1, 2, "encrypt", bob)]
    assert rows[0]["ciphertext_digest_hex"] == rows[2]["ciphertext_digest_hex"]
    assert rows[0]["origin_recorded_at"] == recorded_at(lifecycle_ledger, "DataEncrypted")
    assert rows[1]["plaintext_size"] == 32
    since = records(run_report(lifecycle, "decrypt-activity",
                               since=recorded_at(lifecycle_ledger, "DataDecrypted", 2)))
    assert [r["actor_name"] for r in since] == ["erin"]


def test_wallet_activity(lifecycle: duckdb.DuckDBPyConnection,
                         lifecycle_ledger: Ledger) -> None:
    rows = records(run_report(lifecycle, "wallet-activity"))
    assert [(r["label"], r["source"], r["addresses_derived"], r["addresses_used"],
             r["xpub_exports"], r["exported_accounts"]) for r in rows] == [
        ("treasury", "generated", 4, 1, 1, 1), ("test-vector", "imported", 1, 0, 0, 0)]
    assert sum(r["addresses_derived"] for r in rows) == lifecycle_ledger.count(
        "WalletAddressDerived")
    assert rows[0]["last_exported_at"] == recorded_at(lifecycle_ledger, "WalletXpubExported")
    assert rows[1]["last_used_at"] is None and rows[1]["last_exported_at"] is None
    # Since the second wallet was imported, only it did anything.
    since = records(run_report(lifecycle, "wallet-activity",
                               since=recorded_at(lifecycle_ledger, "WalletCreated", 1)))
    assert [(r["label"], r["addresses_derived"]) for r in since] == [("test-vector", 1)]


def test_backups(lifecycle: duckdb.DuckDBPyConnection, lifecycle_ledger: Ledger) -> None:
    rows = records(run_report(lifecycle, "backups"))
    assert [(r["label"], r["status"], r["scheme"], r["threshold"], r["share_count"],
             r["custodians"], r["recoveries"], r["last_recovery_custodians"]) for r in rows] == [
        ("treasury", "recovered", "feldman-secp256k1-aes256gcm-v1", 2, 3, ["ann", "ben", "cy"],
         1, ["ben", "cy"]),
        ("treasury", "not-recovered", "slip39", 2, 2, ["ann", "dan"], 0, None),
        ("test-vector", "no-backup", None, None, None, None, 0, None)]
    splits = [e.record for e in lifecycle_ledger.events() if e.event_type == "SecretSplit"]
    assert [r["split_id"] for r in rows[:2]] == [s["split_id"] for s in splits]
    assert rows[0]["backed_up_by"] == "alice" and rows[0]["seed_version"] == 1
    assert rows[0]["last_recovered_at"] == recorded_at(lifecycle_ledger, "SecretRecovered")
    assert rows[2]["split_id"] is None and rows[2]["backed_up_at"] is None
    since = records(run_report(lifecycle, "backups",
                               since=recorded_at(lifecycle_ledger, "WalletCreated", 1)))
    assert [(r["label"], r["status"]) for r in since] == [("test-vector", "no-backup")]


def test_since_takes_a_span_back_from_now() -> None:
    import datetime as dt

    from ledger.errors import InvalidInput
    from projections.reports import parse_time

    now = dt.datetime(2026, 12, 1, 12, 0)
    assert parse_time("7d", field="since", now=now) == dt.datetime(2026, 11, 24, 12, 0)
    assert parse_time("24h", field="since", now=now) == dt.datetime(2026, 11, 30, 12, 0)
    assert parse_time("30m", field="since", now=now) == dt.datetime(2026, 12, 1, 11, 30)
    assert parse_time("2026-01-02T03:04:05+01:00", field="since") == dt.datetime(
        2026, 1, 2, 2, 4, 5)
    for bad in ("7w", "-1d", "d7", "1.5h"):
        with pytest.raises(InvalidInput) as refused:
            parse_time(bad, field="since")
        assert refused.value.field == "since" and "7d" in refused.value.hint
