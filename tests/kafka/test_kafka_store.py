"""The Kafka event store and key-ring against a real broker (tools/kafka/kafka.sh up)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import pytest
from kafka import KafkaConsumer, TopicPartition

from ledger.errors import ConcurrencyError, StoreMisconfigured, StoreUnavailable, WriterFenced
from ledger.stores.base import StoredCheckpoint, StoredEnvelope
from ledger.stores.kafka import KafkaEventStore
from ledger.stores.kafka import store as kafka_store_module
from ledger.stores.kafka.keyring import KafkaKeyRing
from tests.kafka.conftest import require_broker

pytestmark = pytest.mark.kafka
require_broker(module_level=True)

Factory = Callable[[], KafkaEventStore]


def env(seq: int, *, chain: str = "main", agg: str = "key-1", version: int | None = None,
        command: str = "cmd-1", body: bytes | None = None) -> StoredEnvelope:
    payload = body if body is not None else b"avro-body-%d" % seq
    return StoredEnvelope(
        chain_id=chain, seq=seq, event_hash=hashlib.sha256(payload).digest(), body=payload,
        event_type="KeyGenerated", aggregate_id=agg,
        aggregate_version=seq if version is None else version, command_id=command)


# --------------------------------------------------------------------------- event store


def test_append_read_round_trip(kafka_store: KafkaEventStore) -> None:
    store = kafka_store
    assert store.head("main") is None
    assert list(store.read("main")) == []
    assert store.chains() == []
    first = [env(0), env(1)]
    store.append("main", first, expected_seq=0)
    store.append("main", [env(2, command="cmd-2")], expected_seq=2)
    head = store.head("main")
    assert head is not None
    assert (head.chain_id, head.seq, head.event_hash) == ("main", 2, env(2).event_hash)
    assert list(store.read("main")) == [env(0), env(1), env(2, command="cmd-2")]
    assert [e.seq for e in store.read("main", 1)] == [1, 2]
    assert [e.seq for e in store.read("main", 1, 2)] == [1]
    assert [e.seq for e in store.read("main", 0, 99)] == [0, 1, 2]
    assert list(store.read("main", 3)) == []
    assert store.chains() == ["main"]
    assert store.head("other") is None


def test_odd_chain_ids_and_binary_bodies(kafka_store: KafkaEventStore) -> None:
    chain = "keys/ec:p256 é"
    body = bytes(range(256)) * 40
    kafka_store.append(chain, [env(0, chain=chain, body=body)], expected_seq=0)
    assert [e.body for e in kafka_store.read(chain)] == [body]
    assert kafka_store.chains() == [chain]


def test_multi_envelope_append_is_one_transaction(kafka_store: KafkaEventStore,
                                                  make_kafka_store: Factory,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = kafka_store
    store.append("main", [env(i) for i in range(5)], expected_seq=0)
    assert [e.seq for e in store.read("main")] == [0, 1, 2, 3, 4]

    # The commit of the next append "times out": the records reached the broker, but the
    # transaction is aborted, so nobody ever sees them and the append fails closed.
    real_end = kafka_store_module.end_transaction

    def commit_times_out(producer: object, commit: bool, timeout_ms: int) -> None:
        if commit:
            from kafka.errors import KafkaTimeoutError
            raise KafkaTimeoutError("simulated: commit not confirmed")
        real_end(producer, commit, timeout_ms)

    monkeypatch.setattr(kafka_store_module, "end_transaction", commit_times_out)
    with pytest.raises(StoreUnavailable, match="not confirm"):
        store.append("main", [env(5), env(6), env(7)], expected_seq=5)
    monkeypatch.setattr(kafka_store_module, "end_transaction", real_end)

    assert [e.seq for e in make_kafka_store().read("main")] == [0, 1, 2, 3, 4]
    head = store.head("main")
    assert head is not None and head.seq == 4
    # The same store recovers: a new producer, the chain re-read, the seqs free again.
    store.append("main", [env(5), env(6)], expected_seq=5)
    assert [e.seq for e in make_kafka_store().read("main")] == list(range(7))


def test_concurrency_errors(kafka_store: KafkaEventStore) -> None:
    store = kafka_store
    store.append("main", [env(0), env(1)], expected_seq=0)
    with pytest.raises(ConcurrencyError):
        store.append("main", [env(1)], expected_seq=1)  # head moved: next is 2
    with pytest.raises(ConcurrencyError):
        store.append("main", [env(3)], expected_seq=3)  # a gap
    with pytest.raises(ConcurrencyError):
        store.append("main", [env(2, version=1)], expected_seq=2)  # (key-1, 1) is taken
    with pytest.raises(ConcurrencyError):  # duplicate version inside one append
        store.append("main", [env(2, agg="k2", version=0), env(3, agg="k2", version=0)],
                     expected_seq=2)
    with pytest.raises(ConcurrencyError):  # seqs not consecutive
        store.append("main", [env(2), env(4)], expected_seq=2)
    assert [e.seq for e in store.read("main")] == [0, 1]
    store.append("main", [env(2)], expected_seq=2)
    assert store.head("main").seq == 2  # type: ignore[union-attr]


def test_seqs_for_command(kafka_store: KafkaEventStore) -> None:
    store = kafka_store
    store.append("main", [env(0, command="a"), env(1, command="a")], expected_seq=0)
    store.append("main", [env(2, command="b")], expected_seq=2)
    assert store.seqs_for_command("main", "a") == [0, 1]
    assert store.seqs_for_command("main", "b") == [2]
    assert store.seqs_for_command("main", "never") == []
    assert store.seqs_for_command("unknown-chain", "a") == []


def test_checkpoints(kafka_store: KafkaEventStore, make_kafka_store: Factory) -> None:
    store = kafka_store
    assert store.checkpoints("main") == []
    assert store.latest_checkpoint("main") is None
    store.append("main", [env(0), env(1), env(2)], expected_seq=0)
    store.put_checkpoint(StoredCheckpoint("main", 3, "note for 3"))
    store.put_checkpoint(StoredCheckpoint("main", 1, "note for 1"))
    store.put_checkpoint(StoredCheckpoint("main", 3, "a different note"))  # no-op
    expected = [StoredCheckpoint("main", 1, "note for 1"),
                StoredCheckpoint("main", 3, "note for 3")]
    assert store.checkpoints("main") == expected
    assert store.latest_checkpoint("main") == expected[-1]
    assert make_kafka_store().checkpoints("main") == expected


def test_restart_rebuilds_head_versions_and_commands(kafka_store: KafkaEventStore,
                                                     make_kafka_store: Factory) -> None:
    kafka_store.append("main", [env(0, command="a"), env(1, command="b")], expected_seq=0)
    kafka_store.append("side", [env(0, chain="side")], expected_seq=0)
    kafka_store.close()

    again = make_kafka_store()
    head = again.head("main")
    assert head is not None and (head.seq, head.event_hash) == (1, env(1).event_hash)
    assert again.chains() == ["main", "side"]
    assert again.seqs_for_command("main", "b") == [1]
    with pytest.raises(ConcurrencyError):
        again.append("main", [env(2, version=0)], expected_seq=2)  # (key-1, 0) still taken
    again.append("main", [env(2)], expected_seq=2)
    assert [e.seq for e in make_kafka_store().read("main")] == [0, 1, 2]


def test_second_writer_fences_the_first(make_kafka_store: Factory) -> None:
    first = make_kafka_store()
    first.append("main", [env(0), env(1)], expected_seq=0)

    second = make_kafka_store()
    second.append("main", [env(2, body=b"from the second writer")], expected_seq=2)

    with pytest.raises(WriterFenced, match="another writer"):
        first.append("main", [env(2, body=b"from the fenced writer")], expected_seq=2)
    with pytest.raises(WriterFenced):  # and it stays fenced
        first.append("main", [env(3)], expected_seq=3)
    with pytest.raises(WriterFenced):
        first.put_checkpoint(StoredCheckpoint("main", 2, "note"))

    log = list(make_kafka_store().read("main"))
    assert [e.seq for e in log] == [0, 1, 2]  # no fork
    assert log[2].body == b"from the second writer"
    # A fenced writer can still read.
    assert [e.seq for e in first.read("main")] == [0, 1, 2]
    second.append("main", [env(3)], expected_seq=3)


@pytest.mark.parametrize(("create", "configs", "bad_setting"), [
    ({"num_partitions": 1}, {"cleanup.policy": "compact"}, "cleanup.policy"),
    ({"num_partitions": 1}, {"retention.ms": "604800000"}, "retention.ms"),
    ({"num_partitions": 2}, {"retention.ms": "-1"}, "partitions"),
])
def test_misconfigured_existing_topic(kafka_url: str, kafka_prefix: str, kafka_admin: object,
                                      make_kafka_store: Factory, create: dict[str, int],
                                      configs: dict[str, str], bad_setting: str) -> None:
    make_kafka_store().close()  # a healthy prefix first, so only the bad topic differs
    topic = f"{kafka_prefix}.main.events"
    admin = kafka_admin
    replicas = min(3, len(admin.describe_cluster()["brokers"]))  # type: ignore[attr-defined]
    min_isr = "2" if replicas == 3 else "1"
    admin.create_topics(  # type: ignore[attr-defined]
        {topic: dict(create, replication_factor=replicas,
                     configs=dict(configs, **{"min.insync.replicas": min_isr}))},
        wait_for_metadata=True)
    with pytest.raises(StoreMisconfigured) as caught:
        make_kafka_store()
    assert topic in str(caught.value)
    assert bad_setting in str(caught.value)


def test_misconfigured_keyring_topic(kafka_prefix: str, kafka_admin: object,
                                     make_kafka_keyring: Callable[[], KafkaKeyRing]) -> None:
    topic = f"{kafka_prefix}.keyring"
    admin = kafka_admin
    replicas = min(3, len(admin.describe_cluster()["brokers"]))  # type: ignore[attr-defined]
    admin.create_topics(  # type: ignore[attr-defined]
        {topic: {"num_partitions": 1, "replication_factor": replicas,
                 "configs": {"cleanup.policy": "delete",
                             "min.insync.replicas": "2" if replicas == 3 else "1"}}},
        wait_for_metadata=True)
    with pytest.raises(StoreMisconfigured, match=r"keyring.*cleanup\.policy"):
        make_kafka_keyring()


# --------------------------------------------------------------------------- key-ring


def test_keyring_put_get_refs(make_kafka_keyring: Callable[[], KafkaKeyRing]) -> None:
    ring = make_kafka_keyring()
    assert ring.get("kv-1") is None
    ring.put("kv-1", b"wrapped-1")
    ring.put("kv-1", b"wrapped-1")  # same bytes: no-op
    ring.put("kv-2", b"wrapped-2")
    assert ring.get("kv-1") == b"wrapped-1"
    assert ring.refs() == ["kv-1", "kv-2"]
    other = make_kafka_keyring()
    assert other.get("kv-2") == b"wrapped-2"
    assert other.refs() == ["kv-1", "kv-2"]


def test_keyring_shred_writes_a_tombstone(kafka_bootstrap: str, kafka_prefix: str,
                                          make_kafka_keyring: Callable[[], KafkaKeyRing]) -> None:
    ring = make_kafka_keyring()
    ring.put("kv-1", b"wrapped-1")
    ring.put("kv-2", b"wrapped-2")
    ring.shred("kv-1")
    ring.shred("kv-1")  # idempotent
    assert ring.get("kv-1") is None
    assert ring.refs() == ["kv-2"]
    assert make_kafka_keyring().get("kv-1") is None  # a fresh reader agrees

    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap.split(","),
                             isolation_level="read_committed", enable_auto_commit=False)
    try:
        tp = TopicPartition(f"{kafka_prefix}.keyring", 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        end = consumer.end_offsets([tp])[tp]
        records = []
        deadline = time.monotonic() + 20
        while consumer.position(tp) < end and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    last_for_kv1 = [r for r in records if r.key == b"kv-1"][-1]
    assert last_for_kv1.value is None  # the tombstone compaction keeps instead of the key
    assert len([r for r in records if r.key == b"kv-1" and r.value is None]) == 1


def test_open_store_by_url(kafka_url: str, kafka_prefix: str, kafka_admin: object) -> None:
    from ledger.stores.url import open_store
    from tests.kafka.conftest import delete_topics

    store, ring = open_store(kafka_url)
    try:
        assert isinstance(store, KafkaEventStore)
        assert isinstance(ring, KafkaKeyRing)
        assert store.url.startswith("kafka://") and f"prefix={kafka_prefix}" in store.url
        store.append("main", [env(0)], expected_seq=0)
        ring.put("kv-1", b"w")
        assert store.chains() == ["main"] and ring.refs() == ["kv-1"]
    finally:
        store.close()
        ring.close()
        delete_topics(kafka_admin, kafka_prefix)
