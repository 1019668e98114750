"""Ledger benchmarks (never run by the tests): audited sign vs raw sign, verify and replay rate.

Every rate is reported with the raw primitive measured in the same run, because this
machine is noisy: compare ratios, not absolute numbers.

    .venv/bin/python tools/bench/bench_ledger.py --signs 2000 --chain-events 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import coincurve
import nacl.signing

from commands.handlers import execute
from commands.session import Session, now_micros
from ledger.audit import Auditor
from ledger.command import Command
from ledger.crypto.memory import zeroize
from ledger.home import Home
from ledger.replay import replay
from ledger.stores.sqlite import SQLiteEventStore


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def raw_sign_rate(algorithm: str, count: int) -> float:
    messages = [f"message {i}".encode() for i in range(count)]
    if algorithm == "ed25519":
        key = nacl.signing.SigningKey(bytes(range(32)))
        start = time.perf_counter()
        for message in messages:
            key.sign(message)
    else:
        secp = coincurve.PrivateKey(bytes(range(1, 33)))
        start = time.perf_counter()
        for message in messages:
            secp.sign(message)  # coincurve hashes with SHA-256 and uses RFC 6979
    return rate(count, time.perf_counter() - start)


def presigned(session: Session, key_id: str, count: int, tag: str) -> list[tuple[object, bytes]]:
    ledger = session.ledger()
    bob = session.home.identity("bob")
    secret = session.home.identity_key("bob", session.kek())
    items = []
    domain = ledger.key(key_id).domain
    for i in range(count):
        message = f"{tag} message {i}".encode()
        command = Command("Sign", bob.actor_id, domain, {
            "key_id": key_id, "message_digest": hashlib.sha256(message).hexdigest()},
            now_micros())
        items.append((command.sign(secret), message))
    zeroize(secret)
    return items


def audited_sequential(session: Session, key_id: str, count: int) -> float:
    items = presigned(session, key_id, count, "seq")
    ledger = session.ledger()
    start = time.perf_counter()
    for signed, message in items:
        execute(ledger, signed, {"message": message})  # type: ignore[arg-type]
    return rate(count, time.perf_counter() - start)


def audited_concurrent(session: Session, key_id: str, count: int,
                       threads: int) -> tuple[float, int]:
    items = presigned(session, key_id, count, f"conc{threads}")
    ledger = session.ledger()
    store = ledger.store
    appends = [0]
    original = store.append

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        appends[0] += 1
        return original(*args, **kwargs)

    store.append = counting  # type: ignore[method-assign]
    chunks = [items[i::threads] for i in range(threads)]

    def work(chunk: list[tuple[object, bytes]]) -> None:
        for signed, message in chunk:
            execute(ledger, signed, {"message": message})  # type: ignore[arg-type]

    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    store.append = original  # type: ignore[method-assign]
    return rate(count, elapsed), appends[0]


def audited_batches(session: Session, key_id: str, count: int, batch: int) -> float:
    ledger = session.ledger()
    bob = session.home.identity("bob")
    secret = session.home.identity_key("bob", session.kek())
    domain = ledger.key(key_id).domain
    prepared = []
    for start in range(0, count, batch):
        messages = [f"batch message {i}".encode() for i in range(start, min(start + batch, count))]
        command = Command("SignBatch", bob.actor_id, domain, {
            "key_id": key_id,
            "message_digests": [hashlib.sha256(m).hexdigest() for m in messages]}, now_micros())
        prepared.append((command.sign(secret), messages))
    zeroize(secret)
    begin = time.perf_counter()
    for signed, messages in prepared:
        execute(ledger, signed, {"messages": messages})
    return rate(count, time.perf_counter() - begin)


def bench_session(home: Path, store_url: str | None = None, *, name: str = "bench",
                  checkpoint_every_events: int | None = 1024) -> Session:
    """A new ledger with alice (key-manager) and bob (signer), as the benchmarks use it
    (``checkpoint_every_events`` None: the ledger's default)."""
    session = Session(Home(home, store_url), passphrase=bytearray(b"benchmark passphrase"))
    if checkpoint_every_events is None:
        session.initialize(name=name)
    else:
        session.initialize(name=name, checkpoint_every_events=checkpoint_every_events)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    return session


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signs", type=int, default=2000)
    parser.add_argument("--chain-events", type=int, default=20000)
    parser.add_argument("--chain-store", choices=["sqlite", "memory"], default="sqlite",
                        help="Where the long chain is built (memory skips fsync, for 1M events)")
    parser.add_argument("--audit-jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="Worker processes for the second audit (default: one per CPU)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="skms-bench-"))
    session = bench_session(folder / "home")
    results: dict[str, object] = {}
    for algorithm in ("ed25519", "ecdsa-secp256k1"):
        key_id = session.run("alice", "CreateKey", domain="bench",
                             algorithm=algorithm).result["key_id"]
        raw = raw_sign_rate(algorithm, args.signs)
        sequential = audited_sequential(session, key_id, args.signs)
        concurrent, appends = audited_concurrent(session, key_id, args.signs, 16)
        batched = audited_batches(session, key_id, args.signs * 5, 500)
        raw_after = raw_sign_rate(algorithm, args.signs)
        raw_mean = (raw + raw_after) / 2
        results[algorithm] = {
            "raw_signs_per_s": round(raw_mean), "audited_sequential_per_s": round(sequential),
            "audited_16_threads_per_s": round(concurrent),
            "ratio_sequential": round(sequential / raw_mean, 3),
            "ratio_16_threads": round(concurrent / raw_mean, 3),
            "audited_batch_of_500_per_s": round(batched),
            "ratio_batch_of_500": round(batched / raw_mean, 3),
            "store_transactions_for_16_threads": appends,
        }
    # A longer chain for verify and replay rates.
    if args.chain_store == "memory":
        session.close()
        session = bench_session(folder / "bulk-home", "memory://", name="bulk")
    key_id = session.act("alice", "CreateKey", "bulk", {"algorithm": "ed25519"}).result["key_id"]
    remaining = args.chain_events
    build_start = time.perf_counter()
    while remaining > 0:
        batch = min(remaining, 5000)
        if args.chain_store == "memory":
            audited_sequential(session, key_id, batch)
        else:
            audited_concurrent(session, key_id, batch, 8)
        remaining -= batch
    build_seconds = time.perf_counter() - build_start
    store = session.store()[0]
    total_events = sum(store.head(c).seq + 1 for c in store.chains())  # type: ignore[union-attr]
    start = time.perf_counter()
    Auditor(store, jobs=1).verify()
    verify_seconds = time.perf_counter() - start
    # The same audit with key domains examined in worker processes (pool start included).
    start = time.perf_counter()
    Auditor(store, jobs=args.audit_jobs, parallel_from_events=1).verify()
    parallel_seconds = time.perf_counter() - start
    target = SQLiteEventStore(folder / "replica.db")
    start = time.perf_counter()
    replay(store, target)
    replay_seconds = time.perf_counter() - start
    parallel_target = SQLiteEventStore(folder / "replica-workers.db")
    start = time.perf_counter()
    replay(store, parallel_target, jobs=args.audit_jobs, parallel_from_events=1)
    parallel_replay_seconds = time.perf_counter() - start
    # The raw baseline of the verifier's dominant cost: one Ed25519 verify per event.
    verify_key = nacl.signing.SigningKey(bytes(range(32)))
    signed = verify_key.sign(b"x" * 400)
    start = time.perf_counter()
    for _ in range(20000):
        verify_key.verify_key.verify(signed)
    raw_verify = rate(20000, time.perf_counter() - start)
    results["chain"] = {
        "events": total_events, "chain_store": args.chain_store,
        "build_events_per_s": round(rate(args.chain_events, build_seconds)),
        "verify_events_per_s": round(rate(total_events, verify_seconds)),
        "audit_jobs": args.audit_jobs,
        "verify_in_workers_events_per_s": round(rate(total_events, parallel_seconds)),
        "verify_in_workers_speedup": round(verify_seconds / parallel_seconds, 2),
        "replay_events_per_s": round(rate(total_events, replay_seconds)),
        "replay_in_workers_events_per_s": round(rate(total_events, parallel_replay_seconds)),
        "raw_ed25519_verify_per_s": round(raw_verify),
    }
    results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    session.close()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| measure | value |\n|---|---|")
    for group, values in results.items():
        if isinstance(values, dict):
            for name, value in values.items():
                print(f"| {group}: {name} | {value} |")
        else:
            print(f"| {group} | {values} |")


if __name__ == "__main__":
    main()
