"""The audited single sign, one command at a time, for a sampling profiler (never run by the
tests): CPU per sign next to the raw signature in the same run, one caller's p50 and p99 wall
time per sign, and a loop long enough for py-spy to sample where the time goes.

    py-spy record --format raw -o sign.txt -- \\
        .venv/bin/python tools/bench/profile_sign.py --signs 20000
    .venv/bin/python tools/bench/stack_shares.py sign.txt

``--store sqlite`` (the default) commits every event with ``synchronous=FULL``, as the
service does; ``memory`` leaves the fsync out to show the ledger's own CPU alone.
``--audit`` then verifies the whole store in this process (``--within Auditor.verify`` in
stack_shares.py), next to raw Ed25519 verifications timed in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nacl.signing

from commands.handlers import execute
from ledger.audit import Auditor
from tools.bench.bench_ledger import bench_session, presigned, raw_sign_rate
from tools.bench.stats import percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signs", type=int, default=5000)
    parser.add_argument("--algorithm", default="ed25519",
                        choices=("ed25519", "ecdsa-secp256k1"))
    parser.add_argument("--store", default="sqlite", choices=("sqlite", "memory"))
    parser.add_argument("--audit", action="store_true")
    args = parser.parse_args()
    audit: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = "memory://" if args.store == "memory" else None
        session = bench_session(Path(folder) / "home", url)
        try:
            key_id = str(session.run("alice", "CreateKey", domain="default",
                                     algorithm=args.algorithm).result["key_id"])
            items = presigned(session, key_id, args.signs, "profile")
            ledger = session.ledger()
            latencies = []
            clock = time.perf_counter
            cpu, wall = time.process_time(), clock()
            for signed, message in items:
                began = clock()
                execute(ledger, signed, {"message": message})  # type: ignore[arg-type]
                latencies.append(clock() - began)
            cpu, wall = time.process_time() - cpu, clock() - wall
            if args.audit:
                audit = audited(session)
        finally:
            session.close()
    raw = raw_sign_rate(args.algorithm, 20_000)
    per_sign = cpu / args.signs * 1e6
    print(json.dumps({
        "algorithm": args.algorithm, "store": args.store, "signs": args.signs,
        "cpu_us_per_sign": round(per_sign, 1),
        "wall_us_per_sign": round(wall / args.signs * 1e6, 1),
        "p50_wall_us": round(percentile(latencies, 0.50) * 1e6, 1),
        "p99_wall_us": round(percentile(latencies, 0.99) * 1e6, 1),
        "raw_sign_us": round(1e6 / raw, 1),
        "ratio_to_raw": round((1e6 / raw) / per_sign, 4), **audit}, indent=2))


def audited(session: object) -> dict[str, float]:
    """Events/s of one auditor process over the store, and raw Ed25519 verifications/s."""
    store = session.store()[0]  # type: ignore[attr-defined]
    cpu = time.process_time()
    report = Auditor(store).verify()
    cpu = time.process_time() - cpu
    events = report.events
    key = nacl.signing.SigningKey(bytes(range(32)))
    signed = [key.sign(b"message %d" % i) for i in range(5000)]
    verify = key.verify_key
    start = time.process_time()
    for item in signed:
        verify.verify(item)
    raw = 5000 / (time.process_time() - start)
    rate = events / cpu
    return {"audit_events": events, "audit_events_per_cpu_s": round(rate),
            "raw_verify_per_s": round(raw), "audit_ratio_to_raw": round(rate / raw, 3),
            "audit_own_us_per_event": round(1e6 / rate - 1e6 / raw, 1)}


if __name__ == "__main__":
    main()
