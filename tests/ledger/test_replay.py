"""Replay copies verified chains; rebuilding from the log gives the live ledger's state."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.session import Session
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.errors import VerificationError
from ledger.replay import replay
from ledger.stores.sqlite import SQLiteEventStore, SQLiteKeyRing
from tests.ledger.conftest import create_key


def state_of(ledger: Ledger) -> dict[str, object]:
    keys = {k: (key.state, key.versions, key.policy, key.version, key.signature_count,
                key.destroy_after) for k, key in ledger.keys.items()}
    actors = {a: (actor.name, actor.roles, actor.revoked, actor.version)
              for a, actor in ledger.actors.items()}
    heads = {c: (s.next_seq, s.head_hash, s.frontier.root()) for c, s in
             ledger.chain_states.items()}
    return {"keys": keys, "actors": actors, "heads": heads}


def busy(session: Session) -> None:
    for algorithm in ("ed25519", "ecdsa-secp256k1", "ecdsa-p256"):
        key_id = create_key(session, algorithm, domain="payments")
        for n in range(3):
            session.sign("bob", key_id, f"{algorithm}-{n}".encode())
    session.key_command("alice", "RotateKey", key_id)
    session.key_command("alice", "SuspendKey", key_id)


def test_rebuilt_state_equals_live_state(session: Session) -> None:
    busy(session)
    live = session.ledger()
    rebuilt = Ledger(*session.store())
    rebuilt.load()
    assert state_of(rebuilt) == state_of(live)


IN_ONE_PROCESS = {"jobs": 1}
IN_WORKERS = {"jobs": 2, "parallel_from_events": 1}  # spawned workers even for short chains


@pytest.mark.parametrize("parallel", [IN_ONE_PROCESS, IN_WORKERS], ids=["one", "workers"])
def test_replay_to_a_new_store_gives_identical_roots(session: Session, tmp_path: Path,
                                                     parallel: dict[str, int]) -> None:
    busy(session)
    source, keyring = session.store()
    target = SQLiteEventStore(tmp_path / "copy.db")
    target_keyring = SQLiteKeyRing(tmp_path / "copy.keyring.db")
    report = replay(source, target, source_keyring=keyring, target_keyring=target_keyring,
                    **parallel)
    assert sum(report.copied.values()) == sum(len(list(source.read(c))) for c in source.chains())
    original = Auditor(source).verify()
    copied = Auditor(target).verify()
    assert [(c.chain_id, c.size, c.root) for c in copied.chains] == [
        (c.chain_id, c.size, c.root) for c in original.chains]
    assert target_keyring.refs() == keyring.refs()
    again = replay(source, target)  # resuming over an identical prefix copies nothing
    assert sum(again.copied.values()) == 0
    rebuilt = Ledger(target, target_keyring)
    rebuilt.load()
    assert state_of(rebuilt) == state_of(session.ledger())


@pytest.mark.parametrize("parallel", [IN_ONE_PROCESS, IN_WORKERS], ids=["one", "workers"])
def test_replay_refuses_a_tampered_source_and_keeps_a_verified_prefix(
        session: Session, tmp_path: Path, parallel: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what the auditor accepted is written, even when workers read far ahead."""
    monkeypatch.setattr("ledger.replay.BATCH", 2)  # write as soon as two are accepted
    busy(session)
    source, _ = session.store()
    db = source.path  # type: ignore[attr-defined]
    import sqlite3

    with sqlite3.connect(db) as connection:
        (body,) = connection.execute("SELECT body FROM events WHERE chain_id = 'payments' "
                                     "AND seq = 5").fetchone()
        connection.execute("UPDATE events SET body = ? WHERE chain_id = 'payments' AND seq = 5",
                           (bytes(body) + b"\x00",))
    target = SQLiteEventStore(tmp_path / "copy.db")
    with pytest.raises(VerificationError) as caught:
        replay(source, target, **parallel)
    assert (caught.value.chain, caught.value.seq) == ("payments", 5)
    assert [e.seq for e in target.read("payments")] == [0, 1, 2, 3]  # 4 was not yet written
    others = [c for c in source.chains() if c != "payments"]
    assert others
    for chain_id in others:
        assert ([e.event_hash for e in target.read(chain_id)]
                == [e.event_hash for e in source.read(chain_id)])


def test_keyring_backup_mirrors_shredding(session: Session, tmp_path: Path) -> None:
    """A data key destroyed after an earlier backup is shredded from the backup too."""
    key_id = create_key(session, destruction_wait_days=0)
    source, keyring = session.store()
    target = SQLiteEventStore(tmp_path / "backup.db")
    backup_keyring = SQLiteKeyRing(tmp_path / "backup.keyring.db")
    replay(source, target, source_keyring=keyring, target_keyring=backup_keyring)
    ref = session.ledger().key(key_id).versions[1]["data_key_ref"]
    assert backup_keyring.get(ref) is not None
    session.key_command("alice", "RevokeKey", key_id)
    session.key_command("alice", "DestroyKey", key_id)
    report = replay(source, target, source_keyring=keyring, target_keyring=backup_keyring)
    assert backup_keyring.get(ref) is None and report.keyring_shredded == 1
