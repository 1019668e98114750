"""A small, real ledger for the assurance suites (fuzz seeds, malicious stores, interop).

Built once through the product's own session (so every envelope, command, checkpoint and
proof is exactly what SKMS writes), then kept as plain lists: each test loads a fresh copy
into a memory store or an SQLite file and lies with it as it likes.

This module and ``tests/fuzz/targets.py`` hold every import of product code the assurance
suites make (besides the auditor and proof functions the adversarial tests exercise).
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from commands.session import Session
from ledger.authorization import SYSTEM_CHAIN
from ledger.stores.base import EventStore, StoredCheckpoint, StoredEnvelope
from ledger.stores.memory import MemoryEventStore
from ledger.stores.sqlite import SQLiteEventStore
from tests.ledger.conftest import create_key, new_session

KEY_CHAIN = "default"
"""The key domain the sample's keys and signatures live in."""


@dataclass(frozen=True)
class SampleLedger:
    """Every chain's envelopes and checkpoints, and the ledger's public identity."""

    chains: dict[str, list[StoredEnvelope]]
    checkpoints: dict[str, list[StoredCheckpoint]]
    ledger_public_key: bytes
    origin: str

    def memory_store(self) -> MemoryEventStore:
        """A fresh memory store holding a copy of the sample."""
        store = MemoryEventStore()
        fill(store, self)
        return store

    def sqlite_store(self, path: Path) -> SQLiteEventStore:
        """A fresh SQLite store at ``path`` holding a copy of the sample."""
        store = SQLiteEventStore(path)
        fill(store, self)
        return store

    def envelopes(self) -> Iterator[StoredEnvelope]:
        for chain_id in sorted(self.chains):
            yield from self.chains[chain_id]


def fill(store: EventStore, sample: SampleLedger) -> None:
    """Append the sample's chains (one call per chain) and store its checkpoints."""
    for chain_id in [SYSTEM_CHAIN, *sorted(c for c in sample.chains if c != SYSTEM_CHAIN)]:
        store.append(chain_id, sample.chains[chain_id], expected_seq=0)
        for checkpoint in sample.checkpoints.get(chain_id, []):
            store.put_checkpoint(checkpoint)


def _populate(session: Session, signatures: int) -> list[str]:
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    session.add_actor("admin", "carol", ["auditor"], ["*"])
    keys = [create_key(session, "ed25519"), create_key(session, "ecdsa-p256")]
    for n in range(signatures):
        session.sign("bob", keys[n % 2], f"message {n}".encode())
    session.key_command("alice", "RotateKey", keys[0])
    session.act("carol", "RequestCheckpoint", KEY_CHAIN, {})
    session.act("carol", "RequestCheckpoint", SYSTEM_CHAIN, {})
    return keys


def _snapshot(session: Session) -> SampleLedger:
    store, _ = session.store()
    chains = {c: list(store.read(c)) for c in store.chains()}
    checkpoints = {c: store.checkpoints(c) for c in store.chains()}
    return SampleLedger(chains, checkpoints, session.home.ledger_public_key(),
                        session.ledger().meta.origin)  # type: ignore[union-attr]


def build_sample(signatures: int = 12, checkpoint_every: int = 8) -> SampleLedger:
    """A ledger with three actors, two keys, signatures, a rotation and checkpoints.

    Checkpoints: one every ``checkpoint_every`` events, plus one an auditor asks for, so
    both chains have several (the malicious-store suite needs an old one and a new one).
    """
    with tempfile.TemporaryDirectory(prefix="skms-sample-") as tmp:
        session = new_session(Path(tmp) / "home")
        try:
            session.initialize(name="sample", checkpoint_every_events=checkpoint_every)
            keys = _populate(session, signatures)
            for n in range(3):
                session.sign("bob", keys[0], f"after the checkpoint {n}".encode())
            return _snapshot(session)
        finally:
            session.close()


def build_fork(signatures: int = 6) -> tuple[SampleLedger, SampleLedger, int]:
    """Two histories of one ledger that agree up to a checkpoint, then differ.

    What an operator holding every key could show two auditors: the same genesis, key and
    checkpoint of ``default`` at the fork size (returned), then different signatures (and
    checkpoints) in each branch. Both branches verify on their own.
    """
    with tempfile.TemporaryDirectory(prefix="skms-fork-") as tmp:
        home_a, home_b = Path(tmp) / "a", Path(tmp) / "b"
        session = new_session(home_a)
        try:
            session.initialize(name="fork", checkpoint_every_events=1000,
                               checkpoint_every_seconds=86_400)
            keys = _populate(session, signatures)
            fork_size = session.store()[0].latest_checkpoint(KEY_CHAIN).size  # type: ignore[union-attr]
        finally:
            session.close()
        shutil.copytree(home_a, home_b)
        branches = []
        for home, word in ((home_a, "left"), (home_b, "right")):
            session = new_session(home)  # the home names its store relatively: its own copy
            try:
                for n in range(4):
                    session.sign("bob", keys[0], f"{word} {n}".encode())
                session.act("carol", "RequestCheckpoint", KEY_CHAIN, {})
                session.sign("bob", keys[1], f"{word} after".encode())
                branches.append(_snapshot(session))
            finally:
                session.close()
    return branches[0], branches[1], fork_size


def replace_envelope(envelopes: list[StoredEnvelope], seq: int,
                     **changes: object) -> list[StoredEnvelope]:
    """A copy of ``envelopes`` with the one at ``seq`` changed field by field."""
    copy = list(envelopes)
    copy[seq] = dataclasses.replace(copy[seq], **changes)  # type: ignore[arg-type]
    return copy
