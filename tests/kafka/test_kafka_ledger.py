"""A whole ledger on the Kafka store: lifecycle, crypto-shredding, audit, idempotent retries.

The store conformance suite proves the adapter keeps the store contract; these tests prove
the ledger built on it keeps its own promises when the log lives in Kafka topics.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from commands.handlers import execute
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.crypto.schemes import get_scheme
from ledger.envelope import open_envelope
from ledger.errors import CommandRejected, MaterialDestroyed, Unauthorized
from ledger.recipes.key_material import KeyMaterial
from ledger.stores.kafka.keyring import KafkaKeyRing
from tests.kafka.conftest import delete_topics, require_broker
from tests.kafka.kafka_ledger import (
    assert_gapless,
    command_events,
    fresh_store,
    init_ledger,
    presign,
    presign_sign,
    store_url,
)
from tests.ledger.conftest import new_session

pytestmark = pytest.mark.kafka
require_broker(module_level=True)


@pytest.fixture
def kafka_home(tmp_path: Path, kafka_bootstrap: str, kafka_prefix: str,
               kafka_admin: object) -> tuple[Path, str]:
    """An initialized ledger home whose store is a fresh Kafka prefix (deleted afterwards)."""
    url = store_url(kafka_bootstrap, kafka_prefix)
    home = tmp_path / "home"
    init_ledger(home, url, checkpoint_every_events=4)
    yield home, url
    delete_topics(kafka_admin, kafka_prefix)


def state_of(ledger: Ledger) -> dict[str, object]:
    keys = {k: (key.state, key.versions, key.policy, key.version, key.signature_count)
            for k, key in ledger.keys.items()}
    actors = {a: (actor.name, actor.roles, actor.revoked, actor.version)
              for a, actor in ledger.actors.items()}
    heads = {c: (s.next_seq, s.head_hash, s.frontier.root())
             for c, s in ledger.chain_states.items()}
    return {"keys": keys, "actors": actors, "heads": heads}


def keyring_records(bootstrap: str, topic: str) -> list[tuple[bytes, bytes | None]]:
    """(key, value) of every record of the key-ring topic, oldest first (tombstones too)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False,
                             isolation_level="read_committed")
    records: list[tuple[bytes, bytes | None]] = []
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + 30
        while (any(consumer.position(tp) < ends[tp] for tp in partitions)
               and time.monotonic() < deadline):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend((bytes(r.key), r.value) for r in batch)
    finally:
        consumer.close()
    return records


def test_full_lifecycle_with_crypto_shredding_audits(kafka_home: tuple[Path, str],
                                                     kafka_bootstrap: str,
                                                     kafka_prefix: str) -> None:
    home, url = kafka_home
    session = new_session(home)  # the home's config names the Kafka store
    try:
        assert session.store()[0].url.startswith("kafka://")
        doomed = session.act("alice", "CreateKey", "payments", {
            "algorithm": "ed25519", "destruction_wait_days": 0}).result["key_id"]
        kept = session.act("alice", "CreateKey", "payments", {
            "algorithm": "ecdsa-p256"}).result["key_id"]
        ledger = session.ledger()
        for key_id, algorithm in ((doomed, "ed25519"), (kept, "ecdsa-p256")):
            for n in range(3):
                message = f"{algorithm} invoice {n}".encode()
                signature = bytes.fromhex(session.sign("bob", key_id, message).result["signature"])
                get_scheme(algorithm).verify(ledger.key(key_id).versions[1]["public_key"],
                                             message, signature)
        assert session.key_command("alice", "RotateKey", doomed).result["version"] == 2
        after_rotation = bytes.fromhex(
            session.sign("bob", doomed, b"signed by version 2").result["signature"])
        get_scheme("ed25519").verify(ledger.key(doomed).versions[2]["public_key"],
                                     b"signed by version 2", after_rotation)
        with pytest.raises(Unauthorized) as refused:  # a signer may not rotate: recorded
            session.key_command("bob", "RotateKey", kept)
        assert refused.value.seq is not None

        versions = dict(ledger.key(doomed).versions)
        refs = [versions[v]["data_key_ref"] for v in (1, 2)]
        keyring = session.store()[1]
        assert all(keyring.get(ref) for ref in refs)
        session.key_command("alice", "RevokeKey", doomed, {"reason": "retired"})
        destroyed = session.key_command("alice", "DestroyKey", doomed).result
        assert destroyed["state"] == "destroyed"
        (event,) = [e for e in ledger.store.read(ledger.key(doomed).domain)
                    if e.event_type == "KeyDestroyed"]
        assert sorted(open_envelope(event).event()["shredded_refs"]) == sorted(refs)

        # Crypto-shredding: the data keys are gone for this process, a fresh reader and the
        # topic itself (a tombstone is the last record of each), so no copy of the event log
        # can unseal the material again, even with the passphrase.
        assert [keyring.get(ref) for ref in refs] == [None, None]
        fresh_ring = KafkaKeyRing.from_url(url)
        try:
            assert [fresh_ring.get(ref) for ref in refs] == [None, None]
            assert not set(refs) & set(fresh_ring.refs())
        finally:
            fresh_ring.close()
        last_value = dict(keyring_records(kafka_bootstrap, f"{kafka_prefix}.keyring"))
        assert [last_value[ref.encode()] for ref in refs] == [None, None]
        with pytest.raises(MaterialDestroyed):
            KeyMaterial(ledger.material.kek, keyring).sign(
                "ed25519", doomed, 2, versions[2], b"after destruction")
        with pytest.raises(CommandRejected):  # and the ledger refuses (and records) the use
            session.sign("bob", doomed, b"after destruction")
        session.sign("bob", kept, b"the other key still signs")

        live = Auditor(session.store()[0]).verify()
        assert {c.chain_id for c in live.chains} == {"system", "payments"}
        assert all(c.checkpoints_verified > 0 for c in live.chains)
        with fresh_store(url) as store:  # what an auditor elsewhere sees: the same log
            assert_gapless(store)
            audited = Auditor(store).verify()
            assert [(c.chain_id, c.size, c.root) for c in audited.chains] == [
                (c.chain_id, c.size, c.root) for c in live.chains]
            rebuilt = Ledger(store, session.store()[1])
            rebuilt.load()
            assert state_of(rebuilt) == state_of(ledger)
    finally:
        session.close()


def test_a_retried_command_id_yields_its_events_once(kafka_home: tuple[Path, str]) -> None:
    home, url = kafka_home
    session = new_session(home)
    try:
        create = presign(session, "alice", "CreateKey", "default", {"algorithm": "ed25519"})
        ledger = session.ledger()
        first = execute(ledger, create)
        key_id = str(first.result["key_id"])
        again = execute(ledger, create)
        assert (again.replayed, again.seqs, again.chain_id) == (True, first.seqs, "default")

        sign = presign_sign(session, "bob", key_id, b"exactly once")
        signed = execute(ledger, sign, {"message": b"exactly once"})
        assert not signed.replayed and signed.result
        head = session.store()[0].head("default")
        retried = execute(ledger, sign, {"message": b"exactly once"})
        assert retried.replayed and retried.seqs == signed.seqs
        assert retried.result is None  # a replay never signs again
        assert session.store()[0].head("default") == head
    finally:
        session.close()

    # After a restart (new process, new store instance) the command id is still known.
    restarted = new_session(home)
    try:
        outcome = execute(restarted.ledger(), sign, {"message": b"exactly once"})
        assert outcome.replayed and outcome.seqs == signed.seqs
    finally:
        restarted.close()
    with fresh_store(url) as store:
        by_command = command_events(store, "default")
        assert [seq for seq, _ in by_command[create.command.command_id]] == first.seqs
        assert by_command[sign.command.command_id] == [(signed.seqs[0], "SignatureIssued")]
        assert store.seqs_for_command("default", sign.command.command_id) == signed.seqs
        assert_gapless(store)
        Auditor(store).verify()
