"""Ed25519 batch verification against one-at-a-time verification, CPU per signature (never
run by the tests): what batching would give the auditor, whose largest single cost per
event is its command signature check (issue 20, target 2: "use batch verification if a
vetted library offers it; measure, say which").

libsodium (PyNaCl, what the ledger and the auditor use) has no batch verification;
ed25519-dalek 2 (`verify_batch`, through skms_native) has. Rows, one run, the same
signatures (PyNaCl made them, over 300-byte messages, 16 signers):

* libsodium, one at a time (the auditor's check today);
* ed25519-dalek `verify_strict`, one at a time (the same library's single check);
* ed25519-dalek `verify_batch`, in batches of 8, 64, 256 and 1024.

    .venv/bin/python tools/bench/bench_batch_verify.py --signatures 4096
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nacl.signing

from ledger.crypto.zk import native

BATCHES = (8, 64, 256, 1024)


def cpu_us_per(count: int, work: Callable[[], object]) -> float:
    begin = time.process_time()
    work()
    return (time.process_time() - begin) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not native.available():
        raise SystemExit("skms_native is not installed: run `make native`")
    signers = [nacl.signing.SigningKey.generate() for _ in range(16)]
    messages = [os.urandom(300) for _ in range(args.signatures)]
    signed = [(m, signers[i % 16].sign(m).signature, bytes(signers[i % 16].verify_key))
              for i, m in enumerate(messages)]
    keys = {bytes(s.verify_key): s.verify_key for s in signers}
    count = len(signed)
    columns = ([m for m, _, _ in signed], [s for _, s, _ in signed], [k for _, _, k in signed])

    def libsodium() -> None:
        for message, signature, key in signed:
            keys[key].verify(message, signature)

    def dalek_each() -> None:
        if native.invoke("ed25519_verify_each", *columns) is not True:
            raise SystemExit("ed25519-dalek refused a PyNaCl signature")

    def dalek_batch(size: int) -> Callable[[], None]:
        def run() -> None:
            for start in range(0, count, size):
                part = [column[start:start + size] for column in columns]
                if native.invoke("ed25519_verify_batch", *part) is not True:
                    raise SystemExit("ed25519-dalek's batch refused PyNaCl signatures")
        return run

    rows: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        rows.setdefault("libsodium, one at a time", []).append(cpu_us_per(count, libsodium))
        rows.setdefault("ed25519-dalek verify_strict, one at a time", []).append(
            cpu_us_per(count, dalek_each))
        for size in BATCHES:
            rows.setdefault(f"ed25519-dalek verify_batch, {size} per batch", []).append(
                cpu_us_per(count, dalek_batch(size)))
    baseline = min(rows["libsodium, one at a time"])
    print(json.dumps({name: {"us_per_signature": [round(v, 2) for v in values],
                             "x_libsodium": round(baseline / min(values), 2)}
                      for name, values in rows.items()}, indent=2))


if __name__ == "__main__":
    main()
