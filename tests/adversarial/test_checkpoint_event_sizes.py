"""A checkpoint event names the chain as it stood when recorded; the auditor keeps only the
roots it needs (ledger/audit/chain_roots.py), so an event naming some other earlier size is
refused by name, even when the ledger key signed it with the true root at that size."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ledger.audit import Auditor
from ledger.envelope import open_envelope
from ledger.errors import VerificationError
from ledger.events.codec import encode_payload
from ledger.merkle.checkpoint import Checkpoint, chain_origin, sign_ledger_checkpoint
from ledger.merkle.hasher import hash_leaf
from ledger.merkle.tree import root_from_leaf_hashes
from ledger.stores.base import StoredEnvelope
from tests.adversarial.lying_stores import ForgedStore, reseal_from
from tests.ledger.conftest import create_key, new_session
from tests.sample_ledger import KEY_CHAIN


def forged_store(tmp_path: Path, claim: int | None) -> tuple[ForgedStore, int, int]:
    """A ledger whose requested checkpoint event is re-signed (by the ledger key) to cover
    ``claim`` events fewer than the chain before it (``None``: the size of the checkpoint
    event before it); the event's seq and its size."""
    session = new_session(tmp_path / "home")
    try:
        session.initialize(name="sizes", checkpoint_every_events=1000,
                           checkpoint_every_seconds=86_400)
        session.add_actor("admin", "bob", ["signer"], ["*"])
        session.add_actor("admin", "alice", ["key-manager"], ["*"])
        session.add_actor("admin", "carol", ["auditor"], ["*"])
        key = create_key(session, "ed25519")
        for n in range(6):
            session.sign("bob", key, f"message {n}".encode())
        session.act("carol", "RequestCheckpoint", KEY_CHAIN, {})
        store, _ = session.store()
        chains = {c: list(store.read(c)) for c in store.chains()}
        origin = session.ledger().meta.origin  # type: ignore[union-attr]
        private = session.home.ledger_key(session.kek())
    finally:
        session.close()
    envelopes = chains[KEY_CHAIN]
    event = [e for e in envelopes if e.event_type == "CheckpointPublished"][-1]  # requested
    first = next(e for e in envelopes if e.event_type == "CheckpointPublished")
    size = (open_envelope(first).event()["tree_size"] if claim is None
            else event.seq - claim)
    leaf_hashes = [hash_leaf(e.event_hash) for e in envelopes[:size]]
    checkpoint = Checkpoint(chain_origin(origin, KEY_CHAIN), size,
                            root_from_leaf_hashes(leaf_hashes))
    note = sign_ledger_checkpoint(checkpoint, origin, private)

    def earlier(envelope):  # type: ignore[no-untyped-def]
        record = envelope.event()
        record.update(tree_size=size, root_hash=checkpoint.root_hash, note=note)
        version, payload = encode_payload(envelope.event_type, record)
        return dataclasses.replace(envelope, schema_version=version, payload=payload)

    forged: dict[str, list[StoredEnvelope]] = {**chains,
                                               KEY_CHAIN: reseal_from(envelopes, event.seq,
                                                                      earlier)}
    return ForgedStore(forged, {}), event.seq, size


def test_an_event_naming_an_earlier_unkept_size_is_refused(tmp_path: Path) -> None:
    store, seq, size = forged_store(tmp_path, claim=2)
    with pytest.raises(VerificationError) as caught:
        Auditor(store).verify()
    error = caught.value
    assert (error.chain, error.seq, error.check) == (KEY_CHAIN, seq, "checkpoint")
    assert error.message == (f"checkpoint event covers {size} events: one covers the chain "
                             f"before it ({seq} events) or an earlier checkpoint's size")


def test_the_unforged_event_names_the_chain_before_it(tmp_path: Path) -> None:
    store, seq, size = forged_store(tmp_path, claim=0)
    assert size == seq
    report = Auditor(store).verify()
    chain = next(c for c in report.chains if c.chain_id == KEY_CHAIN)
    events = store.lists[KEY_CHAIN]
    assert chain.checkpoints_verified == sum(e.event_type == "CheckpointPublished"
                                             for e in events) >= 1
    assert chain.size == seq + 1


def test_an_event_naming_an_earlier_checkpoints_size_verifies(tmp_path: Path) -> None:
    store, seq, size = forged_store(tmp_path, claim=None)
    assert size < seq
    report = Auditor(store).verify()
    assert next(c for c in report.chains if c.chain_id == KEY_CHAIN).size == seq + 1
