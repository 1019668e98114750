"""What the auditor holds while it verifies, against the chain's length (never run by tests).

Builds one key-domain chain of signatures in a memory store, in steps, and after each step
verifies the whole store under ``tracemalloc``: the peak of memory allocated during the
audit (the store's own envelopes were allocated before and are not counted), per event, and
the files that hold most of it at the end. Beside it, the same leaves in a full
``MerkleTree``, which is what the auditor's Merkle state was before the compact range.

    .venv/bin/python tools/bench/bench_audit_memory.py --steps 10000 20000 40000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import tracemalloc
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from commands.session import Session
from ledger.audit import Auditor
from ledger.merkle.hasher import hash_leaf
from ledger.merkle.tree import MerkleTree
from tools.bench.bench_ledger import audited_sequential, bench_session


def audit_peak(store: object) -> tuple[int, list[tuple[str, int]]]:
    """Peak bytes allocated during the audit, and where the live ones were allocated (by
    line) as the longest chain's last event was accepted."""
    snapshots: list[tracemalloc.Snapshot] = []
    longest = max(store.head(c).seq + 1 for c in store.chains())  # type: ignore[attr-defined]

    def progress(chain_id: str, done: int, total: int) -> None:
        if done == total == longest:
            snapshots.append(tracemalloc.take_snapshot())

    tracemalloc.start()
    try:
        Auditor(store, jobs=1, progress=progress).verify()  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    top = [(f"{stat.traceback[0].filename.split('/main/')[-1]}:{stat.traceback[0].lineno}",
            stat.size) for stat in snapshots[-1].statistics("lineno")[:8]]
    return peak, top


def tree_bytes(leaves: list[bytes]) -> int:
    tracemalloc.start()
    try:
        tree = MerkleTree()
        for leaf in leaves:
            tree.append(leaf)
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del tree
    return current


def grown_chain(folder: Path, steps: Iterable[int]) -> Iterator[tuple[int, Session]]:
    """One key-domain chain of Ed25519 signs in a memory store, grown to each step in turn
    (the step and the session are yielded after each). Commands are signed in chunks of
    10,000 just before they run, so each stays inside the admission clock window."""
    session = bench_session(folder / "home", "memory://", checkpoint_every_events=1024)
    try:
        key_id = str(session.run("alice", "CreateKey", domain="bulk",
                                 algorithm="ed25519").result["key_id"])
        built = 0
        for target in sorted(steps):
            while built < target:
                chunk = min(10_000, target - built)
                audited_sequential(session, key_id, chunk)
                built += chunk
            yield target, session
    finally:
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[5000, 10000, 20000])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for _, session in grown_chain(Path(folder), args.steps):
            store = session.store()[0]
            events = sum(store.head(c).seq + 1  # type: ignore[union-attr]
                         for c in store.chains())
            peak, top = audit_peak(store)
            leaves = [hash_leaf(e.event_hash) for c in store.chains() for e in store.read(c)]
            rows.append({"events": events, "audit_peak_bytes": peak,
                         "audit_peak_bytes_per_event": round(peak / events, 1),
                         "full_merkle_tree_bytes_per_event":
                             round(tree_bytes(leaves) / events, 1),
                         "held_at_end_by_file": top})
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
