"""Benchmark the DuckDB projections on a synthetic log of real envelopes (not a test).

What it measures, on one machine in one run:

1. ``generate``: N real envelopes (codec-encoded payloads, sealed and hash-linked with
   ``ledger.envelope.seal_envelope``) appended to a ``MemoryEventStore``. Not a projection
   cost; shown so the run's duration makes sense.
2. ``decode``: ``projections.models.decode`` (= ``open_envelope`` with its hash and
   canonical-encoding checks, then the payload decode) over every envelope.
3. ``runner map+write``: ``ProjectionRunner.apply_batch`` over the decoded events, i.e.
   mapping, entity loads and replacements, Arrow inserts and the position, one DuckDB
   transaction per batch: the code path ``update()`` runs after decoding.
4. ``runner end-to-end``: ``ProjectionRunner.update()`` from the store (read + decode +
   map + write) into a fresh file.
5. Baselines: the very rows the mapping produced, inserted without the runner, per batch
   and transaction, (a) as Arrow tables, (b) with the DuckDB Appender (times as BIGINT
   microseconds, so the Appender converts no datetimes): the ceiling for that batch size.
6. Every report's latency on the resulting database (median of ``--repeat`` runs, through
   the same read-only sandbox connection ``skms report`` uses).

Usage: ``python tools/bench/bench_projections.py [--events 1000000] [--batch-size 5000]
[--mix signatures|full] [--write-docs]``. ``--write-docs`` puts the table into
``docs/performance.md`` under "## Projections". ``--mix full`` turns 40% of the
signatures into data operations (encrypt, decrypt, data keys, MACs, key agreement) and HD
wallet events (addresses derived and used, xpub exports, backups), which exercise every
table; the default mix is the one the documented figures were measured on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ledger.envelope import Envelope, seal_envelope  # noqa: E402
from ledger.events.codec import encode_payload  # noqa: E402
from ledger.stores.base import GENESIS_PREV_HASH, StoredEnvelope  # noqa: E402
from ledger.stores.memory import MemoryEventStore  # noqa: E402
from projections.models import (  # noqa: E402
    READ_MODELS,
    TIMESTAMP,
    LoggedEvent,
    Table,
    decode,
    map_events,
)
from projections.query import open_sandbox  # noqa: E402
from projections.reports import REPORTS, run_report  # noqa: E402
from projections.runner import CHECKPOINT_THRESHOLD, ProjectionRunner, to_arrow  # noqa: E402

DAY_US = 86_400_000_000
START_US = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
SPAN_DAYS = 90
ALGORITHMS = ("ed25519", "ecdsa-p256", "ecdsa-secp256k1")
DATA_OPERATIONS = ("DataEncrypted", "DataDecrypted", "DataKeyGenerated", "MacGenerated",
                   "MacVerified", "SharedSecretDerived")
WALLETS = 20
POLICY = {"rotation_period_days": 30, "destruction_wait_days": 0, "allowed_signers": [],
          "max_signatures_per_day": None}


class LogWriter:
    """Builds hash-linked envelopes per chain with the real codec and sealing."""

    def __init__(self, store: MemoryEventStore, total: int) -> None:
        self.store = store
        self.total = total
        self.written = 0
        self.prev: dict[str, bytes] = {}
        self.seq: dict[str, int] = {}
        self.versions: dict[tuple[str, str], int] = {}
        self.pending: dict[str, list[StoredEnvelope]] = {}

    def add(self, chain: str, event_type: str, aggregate_id: str, actor_id: str,
            record: dict[str, Any]) -> None:
        seq = self.seq.get(chain, 0)
        version = self.versions.get((chain, aggregate_id), 0) + 1
        schema_version, payload = encode_payload(event_type, record)
        recorded_at = START_US + self.written * (SPAN_DAYS * DAY_US // self.total)
        envelope = Envelope(chain, seq, self.prev.get(chain, GENESIS_PREV_HASH), event_type,
                            schema_version, aggregate_id, version, recorded_at, actor_id,
                            f"cmd-{chain}-{seq}", b"", b"", -1, f"corr-{seq}",
                            f"cmd-{chain}-{seq}", payload)
        stored = seal_envelope(envelope)
        self.prev[chain] = stored.event_hash
        self.seq[chain] = seq + 1
        self.versions[(chain, aggregate_id)] = version
        self.written += 1
        batch = self.pending.setdefault(chain, [])
        batch.append(stored)
        if len(batch) >= 10_000:
            self.flush(chain)

    def flush(self, chain: str | None = None) -> None:
        for name in [chain] if chain else list(self.pending):
            batch = self.pending.pop(name, [])
            if batch:
                self.store.append(name, batch, expected_seq=batch[0].seq)


def data_operation(event_type: str, key_id: str, version: int, actor: str,
                   rng: random.Random) -> dict[str, Any]:
    """The record of a key used on data: digests and sizes, as the handlers record them."""
    record: dict[str, Any] = {"key_id": key_id, "key_version": version,
                              "algorithm": "aes-256-gcm", "actor_id": actor}
    if event_type in ("DataEncrypted", "DataDecrypted"):
        size = rng.randrange(16, 65_536)
        record.update(aad_digest=rng.randbytes(32), ciphertext_digest=rng.randbytes(32),
                      plaintext_size=size, ciphertext_size=size + 34)
    elif event_type == "DataKeyGenerated":
        record.update(aad_digest=rng.randbytes(32), wrapped_key_digest=rng.randbytes(32),
                      data_key_size=32)
    elif event_type in ("MacGenerated", "MacVerified"):
        record.update(algorithm="hmac-sha256", message_digest=rng.randbytes(32),
                      mac_digest=rng.randbytes(32))
    else:
        record.update(algorithm="x25519", peer_public_key_digest=rng.randbytes(32),
                      salt_digest=rng.randbytes(32), info_digest=rng.randbytes(32),
                      output_size=32)
    return record


class WalletTraffic:
    """HD wallet events: WALLETS wallets, then addresses derived (most), marked used,
    account xpubs exported and seed backups."""

    def __init__(self, log: LogWriter, actors: list[str], rng: random.Random) -> None:
        self.log, self.actors, self.rng = log, actors, rng
        self.next_index: dict[str, int] = {}
        for index in range(WALLETS):
            wallet_id = f"wallet-{index:03d}"
            log.add("payments", "WalletCreated", wallet_id, actors[0], {
                "wallet_id": wallet_id, "domain": "payments", "label": f"bench-{index}",
                "source": "generated", "word_count": 24, "language": "english",
                "has_passphrase": False, "master_fingerprint": rng.randbytes(4),
                "sealed_seed": rng.randbytes(96), "data_key_ref": f"{wallet_id}/s1",
                "purposes": ["84"], "curves": ["secp256k1"], "gap_limit": 20})
            self.next_index[wallet_id] = 0

    def add(self) -> None:
        rng, log = self.rng, self.log
        wallet_id = f"wallet-{rng.randrange(WALLETS):03d}"
        actor = self.actors[1 + int(wallet_id[7:]) % (len(self.actors) - 1)]
        roll = rng.random()
        if roll < 0.75 or self.next_index[wallet_id] == 0:
            index = self.next_index[wallet_id]
            self.next_index[wallet_id] = index + 1
            log.add("payments", "WalletAddressDerived", wallet_id, actor, {
                "wallet_id": wallet_id, "path": f"m/84'/0'/0'/0/{index}", "purpose": "84",
                "coin": "bitcoin", "curve": "secp256k1", "account": 0, "change": 0,
                "index": index, "public_key": b"\x02" + rng.randbytes(32),
                "address": f"bc1q{rng.randbytes(20).hex()}", "actor_id": actor})
        elif roll < 0.97:
            index = rng.randrange(self.next_index[wallet_id])
            log.add("payments", "WalletAddressUsed", wallet_id, actor, {
                "wallet_id": wallet_id, "path": f"m/84'/0'/0'/0/{index}",
                "curve": "secp256k1", "actor_id": actor})
        elif roll < 0.995:
            log.add("payments", "WalletXpubExported", wallet_id, actor, {
                "wallet_id": wallet_id, "purpose": "84", "coin": "bitcoin", "account": 0,
                "account_path": "m/84'/0'/0'", "xpub": "zpub" + rng.randbytes(52).hex(),
                "actor_id": actor})
        else:
            log.add("payments", "SecretSplit", wallet_id, self.actors[0], {
                "wallet_id": wallet_id, "split_id": f"split-{log.written}",
                "scheme": "feldman-secp256k1-aes256gcm-v1", "seed_version": 1,
                "threshold": 2, "share_count": 3, "custodians": ["ann", "ben", "cy"],
                "commitment_digests": [rng.randbytes(32), rng.randbytes(32)],
                "ciphertext_digest": rng.randbytes(32), "actor_id": self.actors[0]})


def generate(total: int, keys: int, rng: random.Random, *, mix: str = "signatures"
             ) -> MemoryEventStore:
    """A log of ``total`` envelopes: actors, keys with lifecycles, checkpoints, refusals,
    and signatures for the rest (spread over 90 days, each key used by one service); with
    ``mix="full"``, 30% of the rest are data operations and 10% wallet events."""
    store = MemoryEventStore()
    log = LogWriter(store, total)
    actors = [f"actor-{i:03d}" for i in range(24)]
    for actor in actors:
        log.add("system", "ActorRegistered", actor, "admin", {
            "actor_id": actor, "name": actor.replace("actor", "person"),
            "public_key": hashlib.sha256(actor.encode()).digest(),
            "roles": ["signer"], "domains": ["*"]})
    key_ids = [f"key-{i:05d}" for i in range(keys)]
    for index, key_id in enumerate(key_ids):
        algorithm = ALGORITHMS[index % len(ALGORITHMS)]
        log.add("payments", "KeyGenerated", key_id, actors[0], {
            "key_id": key_id, "domain": "payments", "label": f"bench-{index}",
            "algorithm": algorithm, "usage": ["sign", "verify"], "version": 1,
            "public_key": hashlib.sha256(key_id.encode()).digest(),
            "sealed_material": rng.randbytes(72), "data_key_ref": f"{key_id}/v1",
            "policy": POLICY})
        log.add("payments", "KeyActivated", key_id, actors[0], {"key_id": key_id, "version": 1})
    versions = dict.fromkeys(key_ids, 1)
    live = list(key_ids)
    wallets = WalletTraffic(log, actors, rng) if mix == "full" else None
    while log.written < total:
        position = log.written
        roll = rng.random()
        if position % 1000 == 999:
            log.add("payments", "CheckpointPublished", "checkpoints-payments", "ledger", {
                "tree_size": log.seq.get("payments", 0),
                "root_hash": hashlib.sha256(str(position).encode()).digest(),
                "note": f"bench checkpoint {position}"})
        elif roll < 0.005:
            log.add("payments", "CommandRejected", "rejections-payments", "ledger", {
                "actor_id": rng.choice(actors), "command_type": "RotateKey",
                "command_id": f"refused-{position}", "target": rng.choice(key_ids),
                "reason_code": rng.choice(["missing-role", "illegal-transition"]),
                "reason": "refused by the benchmark", "command_digest": bytes(32)})
        elif roll < 0.006 and len(live) > keys // 2:
            key_id = live.pop(rng.randrange(len(live)))
            versions[key_id] += 1
            log.add("payments", "KeyRotated", key_id, actors[0], {
                "key_id": key_id, "previous_version": versions[key_id] - 1,
                "version": versions[key_id],
                "public_key": hashlib.sha256(f"{key_id}{versions[key_id]}".encode()).digest(),
                "sealed_material": rng.randbytes(72),
                "data_key_ref": f"{key_id}/v{versions[key_id]}"})
            live.append(key_id)
        elif roll < 0.0065 and len(live) > keys // 2:
            key_id = live.pop(rng.randrange(len(live)))
            log.add("payments", "KeyCompromised", key_id, actors[0], {
                "key_id": key_id, "reason": "benchmark",
                "compromise_time": START_US + position * (SPAN_DAYS * DAY_US // total)})
        elif wallets is not None and roll < 0.1065:
            wallets.add()
        elif wallets is not None and roll < 0.4065:
            key_id = live[rng.randrange(len(live))]
            actor = actors[1 + int(key_id[4:]) % (len(actors) - 1)]
            event_type = DATA_OPERATIONS[rng.randrange(len(DATA_OPERATIONS))]
            log.add("payments", event_type, key_id, actor,
                    data_operation(event_type, key_id, versions[key_id], actor, rng))
        else:
            key_id = live[rng.randrange(len(live))]
            actor = actors[1 + int(key_id[4:]) % (len(actors) - 1)]  # each key has one user
            message = rng.randbytes(32)
            log.add("payments", "SignatureIssued", key_id, actor, {
                "key_id": key_id, "key_version": versions[key_id],
                "algorithm": ALGORITHMS[int(key_id[4:]) % len(ALGORITHMS)],
                "message_digest": message, "signature_digest": message[::-1],
                "actor_id": actor})
    log.flush()
    return store


class DictEntities:
    """Entity rows in dicts, so the baselines get the mapping's rows without DuckDB."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def load(self, table: Table, ids: Collection[str]) -> list[dict[str, Any]]:
        found = self.rows.get(table.name, {})
        return [dict(row) for i in ids for row in found.get(i, [])]

    def keep(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        assert table.entity_key is not None
        by_id: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            record = dict(zip(table.column_names, row, strict=True))
            by_id.setdefault(record[table.entity_key], []).append(record)
        self.rows.setdefault(table.name, {}).update(by_id)


def batches(events: list[LoggedEvent], size: int) -> Iterator[tuple[str, list[LoggedEvent]]]:
    by_chain: dict[str, list[LoggedEvent]] = {}
    for event in events:
        by_chain.setdefault(event.chain_id, []).append(event)
    for chain in sorted(by_chain):
        chain_events = by_chain[chain]
        for start in range(0, len(chain_events), size):
            yield chain, chain_events[start:start + size]


class Stopwatch:
    """Wall-clock and process CPU seconds of the code run inside :meth:`running`.

    CPU time is reported beside wall time because the benchmark machine may be shared:
    for the single-threaded Python stages it is what the wall time would be on an idle
    machine; DuckDB's worker threads add to it, so it never flatters the runner.
    """

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    @contextmanager
    def running(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu


def baselines(events: list[LoggedEvent], size: int, folder: Path) -> dict[str, Stopwatch]:
    """Time to insert the mapping's rows (a) as Arrow, (b) with the Appender."""
    entities = DictEntities()
    arrow_con = duckdb.connect(str(folder / f"baseline-arrow-{size}.duckdb"))
    appender_con = duckdb.connect(str(folder / f"baseline-appender-{size}.duckdb"))
    for con in (arrow_con, appender_con):  # the runner's setting, for a fair comparison
        con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
    for table in READ_MODELS:
        arrow_con.execute(table.ddl())
        appender_con.execute(table.ddl().replace(f" {TIMESTAMP}", " BIGINT"))
    spent = {"arrow": Stopwatch(), "appender": Stopwatch()}
    for _, batch in batches(events, size):
        rows = map_events(batch, entities)
        for table in READ_MODELS:
            if table.entity_key is not None:
                entities.keep(table, rows.replaced.get(table.name, []))
        work = [(t, (rows.replaced if t.entity_key else rows.appended).get(t.name, []))
                for t in READ_MODELS]
        work = [(t, r) for t, r in work if r]
        with spent["arrow"].running():
            arrow_con.begin()
            for table, table_rows in work:
                arrow_con.from_arrow(to_arrow(table, table_rows)).insert_into(table.name)
            arrow_con.commit()
        with spent["appender"].running():
            appender_con.begin()
            for table, table_rows in work:
                appender = appender_con.appender(table.name)
                appender.append_rows(table_rows)
                appender.flush()
            appender_con.commit()
    arrow_con.close()
    appender_con.close()
    return spent


def report_latencies(database: Path, repeat: int) -> dict[str, tuple[float, float, int]]:
    con = open_sandbox(database)
    heads = {"payments": 10**9, "system": 10**9}
    at = dt.datetime(2025, 6, 1)
    result: dict[str, tuple[float, float, int]] = {}
    try:
        for name, report in REPORTS.items():
            times = []
            rows = 0
            for _ in range(repeat):
                started = time.perf_counter()
                fetched = run_report(con, name, at=at if "at" in report.params else None,
                                     heads=heads)
                times.append(time.perf_counter() - started)
                rows = len(fetched)
            result[name] = (statistics.median(times) * 1000, min(times) * 1000, rows)
    finally:
        con.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--batch-size", type=int, nargs="+", default=[20_000, 5_000, 50_000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--mix", choices=("signatures", "full"), default="signatures",
                        help="full: also data operations and wallet events")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                        help="Worker processes for the second end-to-end run")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    rng = random.Random(20250101)
    lines: list[str] = []
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, int, Stopwatch]] = []

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def stage(label: str, count: int) -> Stopwatch:
        watch = Stopwatch()
        rows.append((label, count, watch))
        return watch

    with tempfile.TemporaryDirectory(prefix="skms-bench-projections-") as tmp:
        folder = Path(tmp)
        watch = stage("generate (real envelopes; not a projection cost)", args.events)
        with watch.running():
            store = generate(args.events, args.keys, rng, mix=args.mix)
        total = sum(1 for c in store.chains() for _ in store.read(c))
        say(f"generated {total:,} envelopes in {watch.wall:.1f} s")

        watch = stage("decode (`open_envelope` + payload decode)", total)
        with watch.running():
            events = [decode(e) for c in store.chains() for e in store.read(c)]
        say(f"decoded in {watch.wall:.1f} s")
        # The harness holds every envelope and decoded event at once (the runner holds one
        # batch): keep the garbage collector from rescanning those millions of objects
        # during the timed phases.
        gc.collect()
        gc.freeze()

        databases: dict[int, Path] = {}
        for size in args.batch_size:
            database = folder / f"runner-{size}.duckdb"
            gc.collect()
            watch = stage(f"**runner map+write**, batch {size:,}", total)
            with ProjectionRunner(store, database, batch_size=size) as runner, \
                    watch.running():
                for chain, batch in batches(events, size):
                    runner.apply_batch(chain, batch)
            databases[size] = database
            say(f"runner map+write, batch {size}: {watch.wall:.1f} s")
            spent = baselines(events, size, folder)
            rows.append((f"baseline: same rows as Arrow, batch {size:,}", total,
                         spent["arrow"]))
            rows.append((f"baseline: same rows via Appender, batch {size:,}", total,
                         spent["appender"]))
            say(f"baselines, batch {size}: arrow {spent['arrow'].wall:.1f} s, "
                f"appender {spent['appender'].wall:.1f} s")
        size = args.batch_size[0]
        if not args.skip_end_to_end:
            del events
            gc.unfreeze()
            gc.collect()
            database = folder / "end-to-end.duckdb"
            watch = stage(f"runner end-to-end (`update()`: read, decode, map, write), batch "
                          f"{size:,}", total)
            with ProjectionRunner(store, database, batch_size=size) as runner, \
                    watch.running():
                runner.update()
            say(f"runner end-to-end: {watch.wall:.1f} s")
            database = folder / "end-to-end-workers.duckdb"
            watch = stage(f"runner end-to-end, decoding in {args.jobs} worker processes "
                          f"(CPU: this process only), batch {size:,}", total)
            with ProjectionRunner(store, database, batch_size=size, jobs=args.jobs,
                                  parallel_from_events=1) as runner, watch.running():
                runner.update()
            say(f"runner end-to-end in {args.jobs} workers: {watch.wall:.1f} s")
        latencies = report_latencies(databases[size], args.repeat)

    load = os.getloadavg()[0]
    mixed = " --mix full" if args.mix == "full" else ""
    rest = ("the rest 60% signatures, 30% data operations and 10% wallet events "
            f"({WALLETS} wallets)" if args.mix == "full" else "the rest signatures")
    lines.append(f"Measured {dt.date.today().isoformat()} with "
                 f"`python tools/bench/bench_projections.py --events {args.events}{mixed}` on "
                 f"{os.cpu_count()} CPU(s), Python {platform.python_version()}, DuckDB "
                 f"{duckdb.__version__}, pyarrow {pa.__version__}; 1-minute load average "
                 f"{load_before:.1f} at the start and {load:.1f} at the end (other work shared "
                 f"the machine). The log: {args.keys:,} keys, 24 actors, a checkpoint every "
                 f"1,000 events, 0.5% refused commands, rotations and compromises; "
                 f"{rest} over {SPAN_DAYS} days.")
    lines.append("")
    lines.append("| Stage | Events | Wall s | Events/s (wall) | CPU s | Events/s (CPU) |")
    lines.append("|-------|-------:|-------:|----------------:|------:|---------------:|")
    for label, count, watch in rows:
        lines.append(f"| {label} | {count:,} | {watch.wall:.2f} | {count / watch.wall:,.0f} | "
                     f"{watch.cpu:.2f} | {count / watch.cpu:,.0f} |")
    lines.append("")
    lines.append(f"Report latency on the {total:,}-event database (batch {size:,}): query and "
                 f"fetch through the sandboxed read-only connection `skms report` uses, "
                 f"{args.repeat} runs:")
    lines.append("")
    lines.append("| Report | Rows | Median ms | Best ms |")
    lines.append("|--------|-----:|----------:|--------:|")
    for name, (median, best, count) in latencies.items():
        lines.append(f"| `{name}` | {count:,} | {median:.1f} | {best:.1f} |")
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        write_docs(text)


BEGIN = "<!-- bench_projections: begin (generated by tools/bench/bench_projections.py) -->"
END = "<!-- bench_projections: end -->"


def write_docs(table: str) -> None:
    """Replace the generated part of the "## Projections" section of docs/performance.md
    (between the markers), adding the section if it is missing; prose around it stays."""
    path = REPO / "docs" / "performance.md"
    body = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    generated = f"{BEGIN}\n\n{table}\n\n{END}"
    if BEGIN in body and END in body:
        head, rest = body.split(BEGIN, 1)
        body = head + generated + rest.split(END, 1)[1]
    else:
        body = body.rstrip() + f"\n\n## Projections\n\n{generated}\n"
    path.write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main()
