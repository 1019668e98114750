"""Kafka store benchmarks (never run by the tests): append rate against a raw producer, read
rate, the latency of one audited sign, and a recovery cycle.

Like ``bench_ledger.py``, every store number comes with its raw baseline measured in the same
run on the same cluster, because brokers on a small shared machine are noisy: compare the
ratio, not the absolute rate.

* append: ``KafkaEventStore.append`` (one transaction per batch of envelopes, ``acks=all``,
  idempotent, returns once ``read_committed`` readers see the batch) against a kafka-python
  transactional producer sending the same record bytes (key, value, headers) in the same
  batches to a topic with the same settings, the same replicas and the same transaction
  coordinator (see ``RawWriter``). Runs alternate store/raw to share the drift.
* read: a fresh store reading the appended chain (what ``skms replay`` and the auditor do).
* sign: p50/p99 of ``Session.sign`` on a Kafka home (command signed, admitted, key unsealed,
  signature, envelope, commit, checkpoint every 64 events), beside the p50/p99 of one
  single-record raw transaction (the floor any durable sign on Kafka pays), the same
  transaction also waiting until readers see it (as the store does), and ``Session.sign``
  on the default SQLite home.
* recovery: a ledger of ``--recovery-events`` signs restored into Kafka (``replay``),
  audited there by a fresh reader in one process and in ``--jobs`` workers, and exported
  to SQLite in workers: the steps of docs/operations.md "Disaster recovery".

    bash tools/kafka/kafka.sh up --nodes 3
    .venv/bin/python tools/bench/bench_kafka.py \\
        --bootstrap 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_ledger import bench_session
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from ledger.audit import Auditor
from ledger.replay import replay
from ledger.stores.base import StoredEnvelope
from ledger.stores.kafka import KafkaEventStore, KafkaSettings, encode_envelope
from ledger.stores.sqlite import SQLiteEventStore
from tools.bench.stats import percentile

BODY_BYTES = 850  # a SignatureIssued envelope body (command, signature, payload) is ~845


def envelopes(chain_id: str, start: int, count: int) -> list[StoredEnvelope]:
    """Envelopes with realistic sizes; the store checks seqs and versions, not signatures."""
    made = []
    for seq in range(start, start + count):
        body = hashlib.sha512(seq.to_bytes(8, "big")).digest() * (BODY_BYTES // 64 + 1)
        body = body[:BODY_BYTES]
        made.append(StoredEnvelope(
            chain_id=chain_id, seq=seq, event_hash=hashlib.sha256(body).digest(), body=body,
            event_type="SignatureIssued", aggregate_id="bench-key", aggregate_version=seq,
            command_id=str(uuid.uuid4())))
    return made


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --------------------------------------------------------------------------- append


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode`` (ASCII ids): how brokers place a transactional id."""
    value = 0
    for char in text:
        value = (31 * value + ord(char)) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def coordinator_partition(transactional_id: str, partitions: int) -> int:
    """The ``__transaction_state`` partition (so the coordinator) of a transactional id."""
    hashed = java_string_hash(transactional_id)
    return (0 if hashed == -(1 << 31) else abs(hashed)) % partitions


class RawWriter:
    """The baseline: a transactional producer on one topic with the store's topic settings.

    Why ``like_topic``/``like_transactional_id``: on a small cluster the latency of a
    transaction depends mostly on which brokers lead the partition and coordinate the
    transaction. The baseline's topic gets the same replicas (leader first) as the store's
    topic, and its transactional id hashes to the same coordinator partition as the store
    writer's, so the comparison is of the clients, not of broker placement.
    """

    def __init__(self, bootstrap: list[str], topic: str, *, like_topic: str,
                 like_transactional_id: str) -> None:
        self.topic = topic
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="skms-bench")
        try:
            (model,) = admin.describe_topics([like_topic])
            partition = model["partitions"][0]
            leader = int(partition["leader_id"])
            replicas = [leader] + [int(n) for n in partition["replica_nodes"] if n != leader]
            admin.create_topics({topic: {
                "assignments": {0: replicas},
                "configs": {"min.insync.replicas": "2" if len(replicas) >= 3 else "1",
                            "unclean.leader.election.enable": "false",
                            "cleanup.policy": "delete", "retention.ms": "-1",
                            "retention.bytes": "-1"}}})
            admin.wait_for_topics([topic], timeout_ms=30_000)
            (state,) = admin.describe_topics(["__transaction_state"])
            count = len(state["partitions"])
        finally:
            admin.close()
        wanted = coordinator_partition(like_transactional_id, count)
        transactional_id = next(
            candidate for candidate in (f"{topic}.raw-writer-{n}" for n in range(10_000))
            if coordinator_partition(candidate, count) == wanted)
        # The same client settings the store's producer uses, so only the store's own work
        # (checks, index, waiting for readers to see the commit) separates the two.
        self.producer = KafkaProducer(
            bootstrap_servers=bootstrap, client_id="skms-bench", acks="all",
            enable_idempotence=True, linger_ms=0, retry_backoff_ms=20,
            transactional_id=transactional_id, reconnect_backoff_max_ms=1000)
        self.producer.init_transactions()
        self.last_offset = -1

    def append(self, records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> None:
        self.producer.begin_transaction()
        futures = [self.producer.send(self.topic, key=key, value=value, headers=headers,
                                      partition=0) for key, value, headers in records]
        for future in futures:
            self.last_offset = int(future.get(timeout=60).offset)
        self.producer.commit_transaction()

    def close(self) -> None:
        self.producer.close(timeout=5)


def timed(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def bench_append(url: str, bootstrap: list[str], prefix: str, batch: int, events: int,
                 rounds: int) -> dict[str, Any]:
    store = KafkaEventStore.from_url(url)
    chain = f"bench-{batch}"
    raw: RawWriter | None = None
    try:
        # Warm-up: producers made, topics created and checked, coordinators found.
        store.append(chain, envelopes(chain, 0, batch), expected_seq=0)
        next_seq = batch
        raw = RawWriter(bootstrap, f"{prefix}.raw{batch}",
                        like_topic=f"{prefix}.{chain}.events",
                        like_transactional_id=f"{prefix}.{chain}.writer")
        raw.append([encode_envelope(e) for e in envelopes(chain, 0, batch)])
        store_rates, raw_rates = [], []
        for _ in range(rounds):
            planned = [envelopes(chain, next_seq + i, min(batch, events - i))
                       for i in range(0, events, batch)]
            encoded = [[encode_envelope(e) for e in chunk] for chunk in planned]

            def run_store(chunks: list[list[StoredEnvelope]] = planned) -> None:
                for chunk in chunks:
                    store.append(chain, chunk, expected_seq=chunk[0].seq)

            def run_raw(chunks: list[list[Any]] = encoded) -> None:
                for records in chunks:
                    raw.append(records)

            store_rates.append(events / timed(run_store))
            raw_rates.append(events / timed(run_raw))
            next_seq += events
        store_rate, raw_rate = statistics.median(store_rates), statistics.median(raw_rates)
        return {"batch": batch, "events": events * rounds,
                "store_events_per_s": round(store_rate), "raw_events_per_s": round(raw_rate),
                "ratio": round(store_rate / raw_rate, 3)}
    finally:
        store.close()
        if raw is not None:
            raw.close()


def bench_read(url: str, chain: str) -> dict[str, Any]:
    store = KafkaEventStore.from_url(url)
    try:
        start = time.perf_counter()
        count = sum(1 for _ in store.read(chain))
        seconds = time.perf_counter() - start
    finally:
        store.close()
    return {"events": count, "events_per_s": round(count / seconds)}


# --------------------------------------------------------------------------- recovery


def bench_recovery(url: str, events: int, jobs: int) -> dict[str, Any]:
    """Disaster recovery on a real ledger: restore a file-sized ledger into Kafka (replay),
    audit it there in one process and in ``jobs`` workers, export it back (replay)."""
    folder = Path(tempfile.mkdtemp(prefix="skms-bench-recovery-"))
    session = bench_session(folder / "home", "memory://", name="recovery")
    key_id = session.act("alice", "CreateKey", "default", {"algorithm": "ed25519"}).result["key_id"]
    for n in range(events):
        session.sign("bob", key_id, f"invoice {n}".encode())
    source = session.store()[0]
    total = sum(1 for c in source.chains() for _ in source.read(c))

    def rate(run: Callable[[], object]) -> float:
        start = time.perf_counter()
        run()
        return round(total / (time.perf_counter() - start))

    result: dict[str, Any] = {"events": total, "jobs": jobs}
    target = KafkaEventStore.from_url(url)
    try:
        result["restore_into_kafka_per_s"] = rate(lambda: replay(source, target))
    finally:
        target.close()
    for name, options in (("audit_kafka_one_process_per_s", {"jobs": 1}),
                          ("audit_kafka_in_workers_per_s",
                           {"jobs": jobs, "parallel_from_events": 1})):
        store = KafkaEventStore.from_url(url)  # a fresh reader, as `skms audit verify` is
        try:
            result[name] = rate(lambda s=store, o=options: Auditor(s, **o).verify())
        finally:
            store.close()
    store = KafkaEventStore.from_url(url)
    try:
        result["export_to_sqlite_in_workers_per_s"] = rate(lambda: replay(
            store, SQLiteEventStore(folder / "export.db"), jobs=jobs, parallel_from_events=1))
    finally:
        store.close()
    session.close()
    return result


# --------------------------------------------------------------------------- one sign


def sign_latencies(home: Path, store_url: str | None, count: int) -> list[float]:
    # Checkpoints every 64 events, the ledger's default.
    session = bench_session(home, store_url, checkpoint_every_events=None)
    try:
        key_id = session.act("alice", "CreateKey", "default",
                                 {"algorithm": "ed25519"}).result["key_id"]
        for n in range(20):  # warm-up
            session.sign("bob", key_id, f"warm-up {n}".encode())
        latencies = []
        for n in range(count):
            message = f"invoice {n}".encode()
            start = time.perf_counter()
            session.sign("bob", key_id, message)
            latencies.append(time.perf_counter() - start)
        return latencies
    finally:
        session.close()


def raw_commit_latencies(bootstrap: list[str], topic: str, count: int, *, like_topic: str,
                         like_transactional_id: str) -> tuple[list[float], list[float]]:
    """One-record transactions back to back: as they come, and each also waiting, like the
    store, until ``read_committed`` readers see the record (its commit markers written).
    Both on the same producer and topic, in alternating blocks."""
    raw = RawWriter(bootstrap, topic, like_topic=like_topic,
                    like_transactional_id=like_transactional_id)
    record = encode_envelope(envelopes("raw", 0, 1)[0])
    reader = KafkaConsumer(bootstrap_servers=bootstrap, client_id="skms-bench",
                           isolation_level="read_committed", enable_auto_commit=False)
    partition = TopicPartition(topic, 0)

    def plain() -> None:
        raw.append([record])

    def until_visible() -> None:
        raw.append([record])
        while reader.end_offsets([partition])[partition] <= raw.last_offset:
            time.sleep(0.002)

    try:
        for _ in range(20):
            until_visible()
        plain_times: list[float] = []
        visible_times: list[float] = []
        for _round in range(10):
            for _ in range(max(1, count // 10)):
                plain_times.append(timed(plain))
            until_visible()  # let the last plain commit settle before timing the other kind
            for _ in range(max(1, count // 10)):
                visible_times.append(timed(until_visible))
        return plain_times, visible_times
    finally:
        reader.close()
        raw.close()


def summary(latencies: list[float]) -> dict[str, float]:
    return {"p50_ms": ms(percentile(latencies, 0.50)), "p99_ms": ms(percentile(latencies, 0.99)),
            "mean_ms": ms(statistics.fmean(latencies))}


# --------------------------------------------------------------------------- main


def machine() -> dict[str, Any]:
    """What the numbers depend on besides the code: cores, load, client and its CRC-32C.

    kafka-python checks every fetched batch's CRC-32C; without the native ``crc32c``
    package it does so in pure Python, which dominates read time.
    """
    from importlib.metadata import version

    from kafka.record import util

    return {"cpus": os.cpu_count(), "python": sys.version.split()[0],
            "kafka_python": version("kafka-python"),
            "crc32c": "pure Python" if util._crc32c is util.crc32c_py else "native",
            "load_average_start": round(os.getloadavg()[0], 1)}


def delete_prefix(bootstrap: list[str], prefix: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="skms-bench")
    try:
        names = [n for n in admin.list_topics() if n.startswith(prefix + ".")]
        if names:
            admin.delete_topics(names)
    finally:
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default=os.environ.get(
        "SKMS_KAFKA_BOOTSTRAP", "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094"))
    parser.add_argument("--events", type=int, default=2000, help="events per round and batch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", default="1,10,100,500")
    parser.add_argument("--signs", type=int, default=500)
    parser.add_argument("--recovery-events", type=int, default=20_000,
                        help="signs in the ledger restored, audited and exported (0: skip)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="worker processes for the audit and export in workers")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep-topics", action="store_true")
    args = parser.parse_args()
    bootstrap = args.bootstrap.split(",")
    prefix = "bench" + uuid.uuid4().hex[:8]
    url = KafkaSettings(bootstrap=tuple(bootstrap), prefix=prefix).url()
    results: dict[str, Any] = {"brokers": len(bootstrap), "body_bytes": BODY_BYTES,
                               "machine": machine()}
    try:
        appends = []
        for batch in (int(b) for b in args.batches.split(",")):
            # One transaction per event costs ~15 ms: keep the batch-of-1 run short.
            events = min(args.events, 200) if batch == 1 else args.events
            appends.append(bench_append(url, bootstrap, prefix, batch, events, args.rounds))
        results["append"] = appends
        largest = max(int(b) for b in args.batches.split(","))
        results["read"] = bench_read(url, f"bench-{largest}")
        folder = Path(tempfile.mkdtemp(prefix="skms-bench-kafka-"))
        results["sign_kafka"] = summary(sign_latencies(
            folder / "kafka-home", KafkaSettings(bootstrap=tuple(bootstrap),
                                                 prefix=prefix + "-ledger").url(), args.signs))
        plain, visible = raw_commit_latencies(
            bootstrap, f"{prefix}.raw-latency", args.signs,
            like_topic=f"{prefix}-ledger.default.events",
            like_transactional_id=f"{prefix}-ledger.default.writer")
        results["raw_one_record_transaction"] = summary(plain)
        results["raw_one_record_transaction_until_visible"] = summary(visible)
        results["sign_sqlite"] = summary(sign_latencies(folder / "sqlite-home", None,
                                                        args.signs))
        if args.recovery_events:
            results["recovery"] = bench_recovery(
                KafkaSettings(bootstrap=tuple(bootstrap), prefix=prefix + "-recovery").url(),
                args.recovery_events, args.jobs)
    finally:
        if not args.keep_topics:
            for name in (prefix, prefix + "-ledger", prefix + "-recovery"):
                delete_prefix(bootstrap, name)
    results["machine"]["load_average_end"] = round(os.getloadavg()[0], 1)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    info = results["machine"]
    print(f"Kafka store, {len(bootstrap)} broker(s), {BODY_BYTES}-byte envelope bodies; "
          f"{info['cpus']} CPU(s), Python {info['python']}, kafka-python {info['kafka_python']} "
          f"(CRC-32C: {info['crc32c']}); 1-minute load average {info['load_average_start']} "
          f"at the start, {info['load_average_end']} at the end\n")
    print("| batch | store events/s | raw producer events/s | ratio |\n|---|---|---|---|")
    for row in results["append"]:
        print(f"| {row['batch']} | {row['store_events_per_s']} | {row['raw_events_per_s']} | "
              f"{row['ratio']} |")
    print(f"\nread (fresh store): {results['read']['events_per_s']} events/s over "
          f"{results['read']['events']} events\n")
    print("| one command | p50 ms | p99 ms | mean ms |\n|---|---|---|---|")
    for name in ("sign_kafka", "raw_one_record_transaction",
                 "raw_one_record_transaction_until_visible", "sign_sqlite"):
        row = results[name]
        print(f"| {name} | {row['p50_ms']} | {row['p99_ms']} | {row['mean_ms']} |")
    if "recovery" in results:
        recovery = results["recovery"]
        print(f"\nrecovery of a {recovery['events']}-event ledger, events/s "
              f"(workers: {recovery['jobs']}):\n\n| step | events/s |\n|---|---|")
        for name, value in recovery.items():
            if name.endswith("_per_s"):
                print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
