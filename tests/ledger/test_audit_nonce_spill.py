"""The auditor's nonce rule holds when its index has spilled to disk: a replay signed by the
actor's own key, far enough after the first use that the first use lives only in the
scratch file, is named at its seq, exactly as with the index in memory; an honest chain
gives the same report either way."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from commands.session import Session
from ledger.audit import Auditor
from ledger.command import parse_command
from ledger.crypto.memory import zeroize
from ledger.envelope import Envelope, open_envelope
from ledger.errors import VerificationError
from tests.adversarial.lying_stores import ForgedStore, reseal_from
from tests.ledger.conftest import create_key

SIGNS = 40


@pytest.fixture
def signed(session: Session) -> Session:
    key_id = create_key(session)
    for n in range(SIGNS):
        session.sign("bob", key_id, f"message {n}".encode())
    return session


def test_an_honest_chain_audits_the_same_with_a_spilled_index(signed: Session,
                                                              tmp_path: Path) -> None:
    store, _ = signed.store()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    seen: dict[str, list[str]] = {}

    def progress(chain_id: str, done: int, total: int) -> None:
        if done == total:  # the chain's last event, its index still open
            seen[chain_id] = [p.name for p in scratch.iterdir()]

    in_memory = Auditor(store).verify().as_dict()
    spilled = Auditor(store, nonces_in_memory=3, spill_dir=str(scratch),
                      progress=progress).verify().as_dict()
    assert spilled == in_memory and in_memory["events"] > SIGNS
    assert [name[:11] for name in seen["default"]] == ["skms-audit-"]  # it did spill
    assert list(scratch.iterdir()) == []  # and removed its file


def test_a_replayed_nonce_is_named_at_its_seq_after_a_spill(signed: Session) -> None:
    store, _ = signed.store()
    chains = {c: list(store.read(c)) for c in store.chains()}
    checkpoints = {c: store.checkpoints(c) for c in store.chains()}
    envelopes = [open_envelope(e) for e in chains["default"]]
    signs = [e for e in envelopes if e.event_type == "SignatureIssued"]
    first, last = signs[1], signs[-1]
    used = parse_command(first.command).nonce
    bob = signed.home.identity_key("bob", signed.kek())
    try:
        replay = dataclasses.replace(parse_command(last.command), nonce=used).sign(bob)
    finally:
        zeroize(bob)

    def reuse_nonce(envelope: Envelope) -> Envelope:
        return dataclasses.replace(envelope, command=replay.canonical_bytes,
                                   actor_signature=replay.signature)

    chains["default"] = reseal_from(chains["default"], last.seq, reuse_nonce)
    forged = ForgedStore(chains, checkpoints)
    distinct_between = len({parse_command(e.command).nonce
                            for e in envelopes[first.seq + 1:last.seq]})
    assert distinct_between > 3  # the first use is spilled before the replay is read
    for nonces_in_memory in (3, 1 << 16):
        with pytest.raises(VerificationError) as caught:
            Auditor(forged, nonces_in_memory=nonces_in_memory).verify()
        error = caught.value
        assert (error.chain, error.seq, error.check) == ("default", last.seq, "command")
        assert "nonce reused by a different command (replay)" in error.message
