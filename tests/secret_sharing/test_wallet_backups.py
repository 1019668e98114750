"""Wallet backups through the ledger: BackupWallet → SecretSplit, RecoverWallet →
SecretRecovered, with share documents checked against what the split recorded."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto import secret_sharing
from ledger.envelope import open_envelope
from ledger.errors import CommandRejected, InvalidInput, MaterialDestroyed
from ledger.stores.base import StoredEnvelope
from tests.wallets.ledger_fixture import VECTOR_MNEMONIC

FIRST_ADDRESS = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"


def _wallet(session: Session) -> str:
    return str(session.import_wallet("alice", VECTOR_MNEMONIC, allow_weak=True)
               .result["wallet_id"])


def _last(session: Session, event_type: str) -> dict[str, Any]:
    store, _ = session.store()
    found: list[StoredEnvelope] = [e for e in store.read("default")
                                   if e.event_type == event_type]
    return open_envelope(found[-1]).event()


@pytest.mark.parametrize("scheme", ["feldman", "slip39"])
def test_backup_and_recovery_are_recorded(session: Session, scheme: str) -> None:
    wallet_id = _wallet(session)
    made = session.backup_wallet("alice", wallet_id, threshold=3,
                                 custodians=["ann", "ben", "cy", "di", "ed"],
                                 scheme=scheme).result
    split = _last(session, "SecretSplit")
    assert (split["split_id"], split["threshold"], split["share_count"], split["custodians"]) \
        == (made["split_id"], 3, 5, ["ann", "ben", "cy", "di", "ed"])
    if scheme == "feldman":
        assert split["scheme"] == secret_sharing.SCHEME_ID
        assert len(split["commitment_digests"]) == 3 and len(split["ciphertext_digest"]) == 32
        commitments = [bytes.fromhex(c) for c in made["documents"][0]["commitments"]]
        assert split["commitment_digests"] == [secret_sharing.commitment_digest(c)
                                               for c in commitments]
    else:
        assert split["scheme"] == "slip39" and len(split["commitment_digests"]) == 5
    documents = made["documents"]
    recovered = session.recover_wallet("alice", [documents[4], documents[0], documents[2]])
    assert recovered.result["share_indexes"] == [1, 3, 5]
    event = _last(session, "SecretRecovered")
    assert (event["share_indexes"], event["custodians"], event["seed_version"]) == (
        [1, 3, 5], ["ann", "cy", "ed"], 2)
    assert session.derive_address("bob", wallet_id).result["address"] == FIRST_ADDRESS
    assert session.ledger().wallet(wallet_id).seed_version == 2
    store, _ = session.store()
    Auditor(store).verify()


@pytest.mark.parametrize("scheme", ["feldman", "slip39"])
def test_corrupted_share_is_named_and_the_refusal_recorded(session: Session,
                                                           scheme: str) -> None:
    wallet_id = _wallet(session)
    documents = session.backup_wallet("alice", wallet_id, threshold=2,
                                      custodians=["ann", "ben", "cy"],
                                      scheme=scheme).result["documents"]
    bad = copy.deepcopy(documents[1])
    if scheme == "feldman":
        bad["share"] = f"{int(bad['share'], 16) ^ 4:064x}"
    else:
        words = bad["mnemonic"].split()
        bad["mnemonic"] = " ".join([*words[:5], words[6], words[5], *words[7:]])
    with pytest.raises(CommandRejected, match=r"share\(s\) 2 ") as info:
        session.recover_wallet("alice", [documents[0], bad])
    assert info.value.reason_code == "invalid-share" and info.value.seq is not None
    rejected = _last(session, "CommandRejected")
    assert rejected["reason_code"] == "invalid-share" and "2" in rejected["reason"]
    # Good shares still work.
    assert session.recover_wallet("alice", [documents[0], documents[2]]).result


def test_forged_commitments_are_refused(session: Session) -> None:
    """Shares made up with commitments of their own do not match the recorded digests."""
    wallet_id = _wallet(session)
    made = session.backup_wallet("alice", wallet_id, threshold=2,
                                 custodians=["ann", "ben"]).result
    forged = secret_sharing.split_secret(b"\x01" * 64, 2, 2, context=b"x")
    documents = copy.deepcopy(made["documents"])
    for document, share in zip(documents, forged.shares, strict=True):
        document["share"] = share.to_bytes().hex()
        document["commitments"] = [c.hex() for c in forged.commitments]
    with pytest.raises(CommandRejected, match=r"share\(s\) 1, 2 "):
        session.recover_wallet("alice", documents)


def test_below_threshold_and_foreign_shares_fail(session: Session) -> None:
    wallet_id = _wallet(session)
    first = session.backup_wallet("alice", wallet_id, threshold=3,
                                  custodians=["a", "b", "c"]).result["documents"]
    with pytest.raises(InvalidInput, match="2 valid share"):
        session.recover_wallet("alice", first[:2])
    second = session.backup_wallet("alice", wallet_id, threshold=2,
                                   custodians=["a", "b"]).result["documents"]
    with pytest.raises(InvalidInput, match="another wallet or backup"):
        session.recover_wallet("alice", [first[0], second[1]])
    with pytest.raises(InvalidInput, match="twice"):
        session.recover_wallet("alice", [second[0], second[0]])
    other = session.create_wallet("alice", word_count=12).result["wallet_id"]
    moved = [dict(d, wallet_id=other) for d in second]
    with pytest.raises(InvalidInput, match="has no backup"):
        session.recover_wallet("alice", moved)


def test_backup_parameters_are_checked(session: Session) -> None:
    wallet_id = _wallet(session)
    with pytest.raises(InvalidInput, match="distinct custodians"):
        session.backup_wallet("alice", wallet_id, threshold=1, custodians=["a", "a"])
    with pytest.raises(InvalidInput, match="from 1 to 2") as info:
        session.backup_wallet("alice", wallet_id, threshold=3, custodians=["a", "b"])
    assert info.value.field == "threshold"
    with pytest.raises(InvalidInput, match="threshold 1"):
        session.backup_wallet("alice", wallet_id, threshold=1, custodians=["a", "b"],
                              scheme="slip39")


def test_recovery_restores_a_wallet_whose_key_ring_entry_was_lost(session: Session) -> None:
    wallet_id = _wallet(session)
    documents = session.backup_wallet("alice", wallet_id, threshold=2,
                                      custodians=["a", "b", "c"],
                                      scheme="slip39").result["documents"]
    _, keyring = session.store()
    keyring.shred(session.ledger().wallet(wallet_id).data_key_ref)
    with pytest.raises(MaterialDestroyed):
        session.derive_address("bob", wallet_id)
    session.recover_wallet("alice", documents[1:])
    assert session.derive_address("bob", wallet_id).result["address"] == FIRST_ADDRESS
    store, _ = session.store()
    Auditor(store).verify()
