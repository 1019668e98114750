"""The runner: exactly-once batches, restart, crash recovery, rebuild == incremental,
status, lag and read-your-writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from commands.errors import answer_for
from ledger.errors import ConcurrencyError, StoreUnavailable
from ledger.stores.url import open_store
from projections.models import KEY_LIFECYCLE_EVENTS, KEY_OPERATION_NAMES, LoggedEvent, decode
from projections.runner import ProjectionRunner, ProjectionTimeout
from tests.projections.conftest import Ledger, assert_same_projection, table_counts

REPO = Path(__file__).resolve().parents[2]


def project(ledger: Ledger, database: Path, *, batch_size: int = 10_000,
            limits: dict[str, int] | None = None) -> None:
    with ProjectionRunner(ledger.memory_store(limits), database,
                          batch_size=batch_size) as runner:
        runner.update()


def test_demo_projection_matches_the_log(demo_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    store, keyring = open_store(demo_ledger.url)
    try:
        with ProjectionRunner(store, database, batch_size=16) as runner:
            applied = runner.update()
            assert applied == sum(len(e) for e in demo_ledger.envelopes.values())
            assert runner.positions() == {c: len(e) - 1 for c, e in
                                          demo_ledger.envelopes.items()}
            assert runner.update() == 0  # nothing new: nothing applied twice
    finally:
        store.close()
        keyring.close()
    counts = table_counts(database)
    assert counts["signatures"] == demo_ledger.signature_count() == 38
    assert counts["command_rejections"] == demo_ledger.count("CommandRejected") == 2
    assert counts["keys"] == demo_ledger.count("KeyGenerated") == 4
    assert counts["key_versions"] == 5  # four keys, the ed25519 one rotated once
    assert counts["actors"] == demo_ledger.count("ActorRegistered") == 5
    assert counts["checkpoints"] == demo_ledger.count("CheckpointPublished")
    assert counts["key_events"] == sum(demo_ledger.count(t) for t in KEY_LIFECYCLE_EVENTS)
    con = duckdb.connect(str(database), read_only=True)
    try:
        states = dict(con.execute("SELECT state, count(*) FROM keys GROUP BY state").fetchall())
        assert states == {"active": 3, "destroyed": 1}
        per_key = con.execute("SELECT sum(signature_count) FROM keys").fetchone()
        assert per_key is not None and per_key[0] == 38
        ed25519 = con.execute("SELECT current_version, rotated_at IS NOT NULL, fips_approved "
                              "FROM keys WHERE algorithm = 'ed25519'").fetchone()
        assert ed25519 == (2, True, True)
        shredded = con.execute("SELECT count(*) FROM key_versions k JOIN keys USING (key_id) "
                               "WHERE k.shredded_at IS NOT NULL AND state = 'destroyed'"
                               ).fetchone()
        assert shredded == (1,)
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns"
                                 " WHERE table_name = 'signatures'").fetchall())
        assert types["recorded_at"] == "TIMESTAMP"
    finally:
        con.close()


def test_lifecycle_state_is_projected(lifecycle_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    project(lifecycle_ledger, database, batch_size=5)
    con = duckdb.connect(str(database), read_only=True)
    try:
        leaky = con.execute("SELECT state, compromised_at = created_at, destroy_after, "
                            "signature_count, rotation_period_days FROM keys "
                            "WHERE label = 'leaky'").fetchone()
        assert leaky == ("compromised", True, None, 2, 1)
        ed25519 = con.execute("SELECT current_version, rotation_period_days, policy_json "
                              "FROM keys WHERE algorithm = 'ed25519'").fetchone()
        assert ed25519 is not None and ed25519[:2] == (3, 7)
        assert '"rotation_period_days":7' in ed25519[2]
        actors = dict(con.execute("SELECT name, revoked FROM actors").fetchall())
        assert actors["carol"] is True and actors["dave"] is False
        roles = con.execute("SELECT roles FROM actors WHERE name = 'dave'").fetchone()
        assert roles == (["analyst", "auditor"],)  # the domain stores roles sorted
        history = con.execute(
            "SELECT h.event_type, h.roles, h.previous_roles FROM actor_role_history h "
            "JOIN actors a USING (actor_id) WHERE a.name IN ('carol', 'dave') ORDER BY h.seq"
        ).fetchall()
        assert ("ActorRolesChanged", ["analyst", "auditor"], ["analyst"]) in history
        assert ("ActorRevoked", [], ["auditor"]) in history
        timeline = [r[0] for r in con.execute(
            "SELECT event_type FROM key_events JOIN keys USING (key_id) "
            "WHERE label = 'leaky' ORDER BY seq").fetchall()]
        assert timeline == ["KeyGenerated", "KeyActivated", "KeyCompromised",
                            "KeyDestructionScheduled", "KeyDestructionCancelled",
                            "KeyPolicyChanged"]  # the one policy change its quorum approved
    finally:
        con.close()


def test_data_operations_are_projected(lifecycle_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    project(lifecycle_ledger, database, batch_size=4)
    logged = {e.event_type: 0 for e in lifecycle_ledger.events()}
    for event in lifecycle_ledger.events():
        logged[event.event_type] += 1
    con = duckdb.connect(str(database), read_only=True)
    try:
        per_operation = dict(con.execute(
            "SELECT operation, count(*) FROM key_operations GROUP BY ALL").fetchall())
        assert per_operation == {"encrypt": 1, "decrypt": 3, "datakey": 1, "mac": 1,
                                 "mac-verify": 1, "derive": 1}
        assert sum(per_operation.values()) == sum(logged[t] for t in KEY_OPERATION_NAMES)
        decrypts = con.execute(
            "SELECT a.name, o.key_version, k.current_version, o.plaintext_size, "
            "o.ciphertext_size FROM key_operations o JOIN keys k USING (key_id) "
            "JOIN actors a ON a.actor_id = o.actor_id WHERE o.operation = 'decrypt' "
            "ORDER BY o.seq").fetchall()
        # The last one: erin, after the rotation, with the version the ciphertext names.
        assert [(d[0], d[1], d[2]) for d in decrypts] == [("bob", 1, 2), ("bob", 1, 2),
                                                          ("erin", 1, 2)]
        assert decrypts[1][3] == 32  # the unwrapped data key
        # The unwrapped data key's ciphertext is the wrapped key DataKeyGenerated named.
        matched = con.execute(
            "SELECT count(*) FROM key_operations d JOIN key_operations g "
            "ON g.ciphertext_digest_hex = d.ciphertext_digest_hex "
            "WHERE d.operation = 'decrypt' AND g.operation = 'datakey'").fetchone()
        assert matched == (1,)
        encrypted = con.execute(
            "SELECT plaintext_size, ciphertext_size, aad_digest_hex, message_digest_hex, "
            "output_size FROM key_operations WHERE operation = 'encrypt'").fetchone()
        event = next(e.record for e in lifecycle_ledger.events()
                     if e.event_type == "DataEncrypted")
        assert encrypted == (event["plaintext_size"], event["ciphertext_size"],
                             event["aad_digest"].hex(), None, None)
        derived = con.execute(
            "SELECT algorithm, output_size, peer_public_key_digest_hex IS NOT NULL, "
            "ciphertext_digest_hex FROM key_operations WHERE operation = 'derive'").fetchone()
        assert derived == ("x25519", 32, True, None)
    finally:
        con.close()


def test_wallets_and_backups_are_projected(lifecycle_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    project(lifecycle_ledger, database, batch_size=3)
    con = duckdb.connect(str(database), read_only=True)
    try:
        wallets = {r[0]: r[1:] for r in con.execute(
            "SELECT label, source, addresses_derived, addresses_used, xpub_exports, backups, "
            "recoveries, seed_version, last_backup_at IS NOT NULL, has_passphrase, "
            "purposes FROM wallets").fetchall()}
        assert wallets == {
            "treasury": ("generated", 4, 1, 1, 2, 1, 2, True, True, ["44", "84", "slip10"]),
            "test-vector": ("imported", 1, 0, 0, 0, 0, 1, False, False,
                            ["44", "49", "84", "86"])}
        # The BIP-84 vector's first receiving address: the projection keeps it as logged.
        first = con.execute("SELECT a.path, a.address, a.address_index FROM wallet_addresses a "
                            "JOIN wallets w USING (wallet_id) WHERE w.label = 'test-vector'"
                            ).fetchall()
        assert first == [("m/84'/0'/0'/0/0", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", 0)]
        slip10 = con.execute("SELECT curve, coin, address FROM wallet_addresses "
                             "WHERE purpose = 'slip10'").fetchall()
        assert slip10 == [("ed25519", "none", None)]
        used = con.execute("SELECT u.path FROM wallet_address_uses u JOIN wallet_addresses a "
                           "USING (wallet_id, path, curve)").fetchall()
        assert used == [("m/84'/0'/0'/0/0",)]
        backups = con.execute("SELECT scheme, threshold, share_count, custodians, "
                              "len(commitment_digests_hex), ciphertext_digest_hex = '' "
                              "FROM wallet_backups ORDER BY seq").fetchall()
        assert backups == [("feldman-secp256k1-aes256gcm-v1", 2, 3, ["ann", "ben", "cy"], 2,
                            False), ("slip39", 2, 2, ["ann", "dan"], 2, True)]
        recovery = con.execute("SELECT r.share_indexes, r.custodians, r.seed_version, "
                               "r.data_key_ref = w.data_key_ref, b.scheme "
                               "FROM wallet_recoveries r JOIN wallets w USING (wallet_id) "
                               "JOIN wallet_backups b USING (split_id)").fetchall()
        assert recovery == [([2, 3], ["ben", "cy"], 2, True,
                             "feldman-secp256k1-aes256gcm-v1")]
        xpub = con.execute("SELECT account_path, left(xpub, 4) FROM wallet_xpub_exports"
                           ).fetchall()
        assert xpub == [("m/84'/0'/0'", "zpub")]
        genesis = con.execute("SELECT ledger_name, ledger_id, seq FROM ledger_genesis"
                              ).fetchall()
        initialized = next(e for e in lifecycle_ledger.events()
                           if e.event_type == "LedgerInitialized")
        assert genesis == [("demo", initialized.record["ledger_id"], 0)]
    finally:
        con.close()


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_rebuild_equals_incremental(lifecycle_ledger: Ledger, tmp_path: Path,
                                    batch_size: int) -> None:
    """Incremental: the log arrives in three slices and is projected a few batches at a
    time by three successive runners. Rebuild: one replay. Every table must agree."""
    incremental = tmp_path / "incremental.duckdb"
    envelopes = lifecycle_ledger.envelopes
    slices = [{c: len(e) * k // 3 for c, e in envelopes.items()} for k in (1, 2)]
    store = lifecycle_ledger.memory_store(slices[0])
    for limits in [slices[1], None, None]:
        with ProjectionRunner(store, incremental, batch_size=batch_size) as runner:
            while runner.update(max_batches=2):
                pass
        lifecycle_ledger.extend(store, limits)
    rebuilt = tmp_path / "rebuilt.duckdb"
    project(lifecycle_ledger, rebuilt, batch_size=100_000)
    empty = [name for name, count in table_counts(rebuilt).items() if count == 0]
    assert empty == [], "every read model must hold rows for the comparison to mean much"
    assert_same_projection(incremental, rebuilt)
    with ProjectionRunner(store, incremental, batch_size=7) as runner:  # rebuild in place
        assert runner.rebuild() == sum(len(e) for e in envelopes.values())
    assert_same_projection(incremental, rebuilt)


class _CrashingRunner(ProjectionRunner):
    """Raises with a batch fully written but not committed, at the third batch."""

    batches = 0

    def _before_commit(self, chain_id: str, seq: int) -> None:
        self.batches += 1
        if self.batches == 3:
            raise RuntimeError("simulated crash inside a batch")


def _committed_prefix_equals_clean(ledger: Ledger, database: Path, tmp_path: Path) -> None:
    """The database holds exactly the rows of the log prefix its positions claim."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        positions = dict(con.execute(
            "SELECT chain_id, last_seq FROM projection_positions").fetchall())
    finally:
        con.close()
    clean = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}.duckdb"
    project(ledger, clean, limits={c: s + 1 for c, s in positions.items()})
    assert_same_projection(database, clean)


def test_crash_mid_batch_loses_and_doubles_nothing(lifecycle_ledger: Ledger,
                                                   tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    store = lifecycle_ledger.memory_store()
    with _CrashingRunner(store, database, batch_size=10) as runner, \
            pytest.raises(RuntimeError, match="simulated crash"):
        runner.update()
    _committed_prefix_equals_clean(lifecycle_ledger, database, tmp_path)
    before = table_counts(database)
    assert 0 < before["signatures"] < lifecycle_ledger.signature_count()
    with ProjectionRunner(store, database, batch_size=10) as runner:  # restart resumes
        runner.update()
    clean = tmp_path / "clean.duckdb"
    project(lifecycle_ledger, clean)
    assert_same_projection(database, clean)
    assert table_counts(database)["signatures"] == lifecycle_ledger.signature_count()


def test_same_runner_recovers_after_a_failed_batch(lifecycle_ledger: Ledger,
                                                   tmp_path: Path) -> None:
    """The runner's memory of entity rows must not keep the rolled-back batch's changes."""
    database = tmp_path / "p.duckdb"
    with _CrashingRunner(lifecycle_ledger.memory_store(), database, batch_size=10) as runner:
        with pytest.raises(RuntimeError, match="simulated crash"):
            runner.update()
        runner.update()  # the same instance carries on after the failure
    clean = tmp_path / "clean.duckdb"
    project(lifecycle_ledger, clean)
    assert_same_projection(database, clean)


_CHILD = """
import sys, time
from ledger.stores.url import open_store
from projections.runner import ProjectionRunner

class Slow(ProjectionRunner):
    batches = 0
    def _before_commit(self, chain_id, seq):
        self.batches += 1
        if mode == "in-batch" and self.batches == 4:
            print("in-batch 4", flush=True)
            time.sleep(60)  # killed here: every row written, the transaction still open

mode, url, database = sys.argv[1], sys.argv[2], sys.argv[3]
store, _ = open_store(url)
runner = Slow(store, database, batch_size=2)
committed = 0
while runner.update(max_batches=1):
    committed += 1
    print(f"between-batches {committed}", flush=True)
    time.sleep(0.02)
print("done", flush=True)
"""


@pytest.mark.parametrize("mode", ["in-batch", "between-batches"])
def test_killed_process_resumes_exactly_once(lifecycle_ledger: Ledger, tmp_path: Path,
                                             mode: str) -> None:
    """SIGKILL a real projection process, then restart: nothing lost, nothing doubled."""
    database = tmp_path / "p.duckdb"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, mode, lifecycle_ledger.url,
                              str(database)], stdout=subprocess.PIPE, text=True, env=env,
                             cwd=REPO)
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == f"{mode} 4":
                break
        else:
            pytest.fail("the child finished before it could be killed")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    _committed_prefix_equals_clean(lifecycle_ledger, database, tmp_path)
    counts = table_counts(database)
    assert counts["signatures"] < lifecycle_ledger.signature_count()
    store, keyring = open_store(lifecycle_ledger.url)
    try:
        with ProjectionRunner(store, database, batch_size=5) as runner:
            runner.update()
    finally:
        store.close()
        keyring.close()
    clean = tmp_path / "clean.duckdb"
    project(lifecycle_ledger, clean)
    assert_same_projection(database, clean)


def test_batch_must_continue_the_chain(demo_ledger: Ledger, tmp_path: Path) -> None:
    events = [decode(e) for e in demo_ledger.envelopes["payments"]]
    with ProjectionRunner(demo_ledger.memory_store(), tmp_path / "p.duckdb") as runner:
        runner.apply_batch("payments", events[:10])
        with pytest.raises(ConcurrencyError):
            runner.apply_batch("payments", events[5:12])   # overlaps: would double rows
        with pytest.raises(ConcurrencyError):
            runner.apply_batch("payments", events[11:15])  # skips seq 10: would lose rows
        with pytest.raises(ConcurrencyError):
            runner.apply_batch("system", events[10:12])    # wrong chain
        assert runner.positions() == {"payments": 9}
        runner.apply_batch("payments", events[10:])
        assert runner.positions() == {"payments": len(events) - 1}


def test_status_reports_position_head_and_lag(demo_ledger: Ledger, tmp_path: Path) -> None:
    store = demo_ledger.memory_store({"payments": 20, "system": 7})
    with ProjectionRunner(store, tmp_path / "p.duckdb") as runner:
        before = {s.chain_id: (s.position, s.head, s.lag) for s in runner.status()}
        assert before == {"payments": (-1, 19, 20), "system": (-1, 6, 7)}
        runner.update()
        assert {s.chain_id: s.lag for s in runner.status()} == {"payments": 0, "system": 0}
        added = demo_ledger.extend(store)
        status = {s.chain_id: s for s in runner.status()}
        assert status["payments"].lag == len(demo_ledger.envelopes["payments"]) - 20
        assert added == status["payments"].lag + status["system"].lag
        assert status["payments"].as_dict()["position"] == 19
        runner.update()
        assert all(s.lag == 0 for s in runner.status())


def test_wait_for_sees_events_written_later(demo_ledger: Ledger, tmp_path: Path) -> None:
    store = demo_ledger.memory_store({"payments": 10, "system": 7})
    last = len(demo_ledger.envelopes["payments"]) - 1

    def write_later() -> None:
        time.sleep(0.3)
        demo_ledger.extend(store)

    writer = threading.Thread(target=write_later)
    with ProjectionRunner(store, tmp_path / "p.duckdb") as runner:
        writer.start()
        status = runner.wait_for("payments", last, timeout=10)
        writer.join()
        assert status.position == last and status.lag == 0
        assert runner.wait_for("payments", 3, timeout=0).position == last  # already there


def test_wait_for_times_out_with_a_clear_error(demo_ledger: Ledger, tmp_path: Path) -> None:
    ticks = iter(range(1000))
    slept: list[float] = []
    with ProjectionRunner(demo_ledger.memory_store(), tmp_path / "p.duckdb",
                          clock=lambda: float(next(ticks)), sleep=slept.append) as runner, \
            pytest.raises(ProjectionTimeout, match="not 10000") as caught:
        runner.wait_for("payments", 10_000, timeout=5, poll_interval=0.5)
    assert answer_for(caught.value).exit == 3
    assert slept and all(s == 0.5 for s in slept)


def test_signature_batches_become_one_row_per_signature(tmp_path: Path,
                                                        demo_ledger: Ledger) -> None:
    events = [decode(e) for e in demo_ledger.envelopes["payments"]]
    key_id = events[0].record["key_id"]
    digests = [bytes([i]) * 32 for i in range(3)]
    batch = LoggedEvent("payments", len(events), "SignatureBatchIssued", "bob-id",
                        events[-1].recorded_at + 1, {
                            "key_id": key_id, "key_version": 2, "algorithm": "ed25519",
                            "message_digests": digests,
                            "signature_digests": [d[::-1] for d in digests],
                            "actor_id": "bob-id"})
    database = tmp_path / "p.duckdb"
    with ProjectionRunner(demo_ledger.memory_store(), database) as runner:
        runner.update()
        runner.apply_batch("payments", [batch])
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute("SELECT batch_index, message_digest_hex FROM signatures "
                           "WHERE seq = $s ORDER BY batch_index", {"s": batch.seq}).fetchall()
        assert rows == [(i, d.hex()) for i, d in enumerate(digests)]
        count = con.execute("SELECT signature_count, last_event_seq FROM keys "
                            "WHERE key_id = $k", {"k": key_id}).fetchone()
        assert count == (13 + 3, batch.seq)
    finally:
        con.close()


def test_other_schema_version_is_rebuilt(demo_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    project(demo_ledger, database)
    con = duckdb.connect(str(database))
    con.execute("UPDATE projection_meta SET schema_version = 0")
    con.execute("CREATE TABLE keys_from_an_old_layout (x INTEGER)")
    con.close()
    with ProjectionRunner(demo_ledger.memory_store(), database) as runner:
        assert runner.positions() == {}  # dropped: the old rows cannot be trusted
        runner.update()
    clean = tmp_path / "clean.duckdb"
    project(demo_ledger, clean)
    assert_same_projection(database, clean)


V2_TABLES = ("key_operations", "wallets", "wallet_addresses", "wallet_address_uses",
             "wallet_xpub_exports", "wallet_backups", "wallet_recoveries", "ledger_genesis")
"""Tables schema version 2 added: a version 1 database has none of them."""


def test_a_version_1_database_is_rebuilt_with_every_event(lifecycle_ledger: Ledger,
                                                          tmp_path: Path) -> None:
    """A file written before data operations and wallets were projected says it is caught
    up; opening it with this code must replay the log, not leave those events out."""
    database = tmp_path / "p.duckdb"
    project(lifecycle_ledger, database)
    con = duckdb.connect(str(database))
    for name in V2_TABLES:
        con.execute(f"DROP TABLE {name}")
    con.execute("UPDATE projection_meta SET schema_version = 1")
    con.close()
    with ProjectionRunner(lifecycle_ledger.memory_store(), database) as runner:
        assert runner.positions() == {}
        runner.update()
    counts = table_counts(database)
    assert all(counts[name] > 0 for name in V2_TABLES), counts
    clean = tmp_path / "clean.duckdb"
    project(lifecycle_ledger, clean)
    assert_same_projection(database, clean)


_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(60)
"""


def test_database_locked_by_another_process(demo_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(database)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreUnavailable, match="in use by another process"):
            ProjectionRunner(demo_ledger.memory_store(), database)
    finally:
        holder.kill()
        holder.wait(timeout=30)


IN_WORKERS: dict[str, Any] = {"jobs": 2, "parallel_from_events": 1}  # workers even for a small log


@pytest.mark.parametrize("batch_size", [3, 10_000])
def test_rebuild_in_worker_processes_equals_one_process(lifecycle_ledger: Ledger,
                                                        tmp_path: Path, batch_size: int,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    from ledger.parallel import worker_pool

    pools: list[int] = []

    def counted_pool(jobs: int) -> Any:
        pools.append(jobs)
        return worker_pool(jobs)

    monkeypatch.setattr("projections.runner.worker_pool", counted_pool)
    alone = tmp_path / "alone.duckdb"
    project(lifecycle_ledger, alone, batch_size=batch_size)
    workers = tmp_path / "workers.duckdb"
    with ProjectionRunner(lifecycle_ledger.memory_store(), workers, batch_size=batch_size,
                          **IN_WORKERS) as runner:
        assert runner.rebuild() == sum(len(e) for e in lifecycle_ledger.envelopes.values())
        assert runner.update() == 0
    assert pools == [2]  # the rebuild decoded in workers; the empty update did not start any
    assert_same_projection(alone, workers)


def test_workers_keep_max_batches_and_resume_exactly(lifecycle_ledger: Ledger,
                                                     tmp_path: Path) -> None:
    """Batches decoded ahead and not written are dropped: the next call starts after the
    last batch written, so nothing is skipped or applied twice."""
    database = tmp_path / "p.duckdb"
    store = lifecycle_ledger.memory_store()
    with ProjectionRunner(store, database, batch_size=4, **IN_WORKERS) as runner:
        assert runner.update(max_batches=2) == 8
        while runner.update(max_batches=3):
            pass
    clean = tmp_path / "clean.duckdb"
    project(lifecycle_ledger, clean)
    assert_same_projection(database, clean)


def test_a_corrupt_envelope_stops_workers_at_the_same_batch(lifecycle_ledger: Ledger,
                                                            tmp_path: Path) -> None:
    import dataclasses

    from ledger.errors import VerificationError

    def corrupted() -> Any:
        store = lifecycle_ledger.memory_store()
        chain = max(lifecycle_ledger.envelopes, key=lambda c: len(lifecycle_ledger.envelopes[c]))
        events = store._chains[chain]  # the memory store's own list: corrupt it in place
        events[9] = dataclasses.replace(events[9], body=events[9].body + b"\0")
        return store, chain

    outcomes: list[tuple[int | None, str | None, int]] = []
    for options in ({}, IN_WORKERS):
        store, chain = corrupted()
        database = tmp_path / f"p{len(outcomes)}.duckdb"
        with ProjectionRunner(store, database, batch_size=4, **options) as runner:
            with pytest.raises(VerificationError) as caught:
                runner.update()
            outcomes.append((caught.value.seq, caught.value.check, runner.positions()[chain]))
    assert outcomes[0] == outcomes[1] == (9, "event-hash", 7)
