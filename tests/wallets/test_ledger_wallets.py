"""Wallets through the ledger: signed commands, handlers, events, store, audit.

The vector mnemonic of BIP-84/BIP-86 is imported as a wallet and its ledger-derived
addresses and account keys are compared with the vectors, so the whole path (session,
sealing, key-ring, unsealing, derivation, events) is checked against official data.
"""

from __future__ import annotations

from typing import Any

import pytest

from commands.session import Session
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.crypto import hd
from ledger.errors import (
    CommandRejected,
    IllegalTransition,
    InvalidInput,
    MaterialDestroyed,
    NotFound,
    Unauthorized,
)
from tests.vectors import load_json
from tests.wallets.ledger_fixture import VECTOR_MNEMONIC


def _import_vector(session: Session, **settings: Any) -> str:
    outcome = session.import_wallet("alice", VECTOR_MNEMONIC, allow_weak=True, **settings)
    return str(outcome.result["wallet_id"])


def _events(session: Session, chain: str = "default") -> list[tuple[int, str]]:
    store, _ = session.store()
    return [(e.seq, e.event_type) for e in store.read(chain)]


@pytest.mark.parametrize("purpose", ["84", "86"])
def test_vector_mnemonic_through_the_ledger_matches_the_vectors(session: Session,
                                                                purpose: str) -> None:
    data = load_json(f"bip{purpose}/bip{purpose}_test_vectors.json")
    wallet_id = _import_vector(session)
    for row in data["derivations"][1:]:
        change = int(row["path"].split("/")[4])
        derived = session.derive_address("bob", wallet_id, purpose=purpose,
                                         change=change).result
        assert (derived["path"], derived["address"]) == (row["path"], row["address"])
        if purpose == "84":
            assert derived["public_key"] == row["pubkey"]
        else:
            assert derived["public_key"][2:] == row["internal_key"]
    exported = session.export_xpub("alice", wallet_id, purpose=purpose).result
    assert (exported["account_path"], exported["xpub"]) == (
        data["derivations"][0]["path"], data["derivations"][0]["xpub"])
    wallet = session.ledger().wallet(wallet_id)
    assert wallet.master_fingerprint.hex() == "73c5da0a" and wallet.source == "imported"
    assert [r["address"] for r in wallet.addresses.values()] == [
        r["address"] for r in data["derivations"][1:]]


def test_created_wallet_returns_its_mnemonic_once(session: Session) -> None:
    outcome = session.create_wallet("alice", word_count=18, language="spanish",
                                    passphrase="correct horse", label="ops")
    result = outcome.result
    mnemonic = hd.parse_mnemonic(result["mnemonic"], "spanish")
    assert mnemonic.word_count == 18
    wallet = session.ledger().wallet(result["wallet_id"])
    assert (wallet.source, wallet.word_count, wallet.language, wallet.has_passphrase) == (
        "generated", 18, "spanish", True)
    seed = hd.seed_from_mnemonic(mnemonic, "correct horse")
    assert wallet.master_fingerprint == hd.master_fingerprint(seed)
    derived = session.derive_address("alice", result["wallet_id"], purpose="44",
                                     coin="ethereum").result
    expected = hd.derive_address(seed, purpose="44", coin="ethereum", curve="secp256k1",
                                 account=0, change=0, index=0)
    assert derived["address"] == expected.address
    # The same mnemonic with the same passphrase is the same wallet: refused and recorded.
    with pytest.raises(CommandRejected, match="already in the ledger") as info:
        session.import_wallet("alice", result["mnemonic"], passphrase="correct horse")
    assert info.value.seq is not None
    # Without the passphrase it is a different seed, hence a different wallet.
    other = session.import_wallet("alice", result["mnemonic"]).result
    assert other["master_fingerprint"] != result["master_fingerprint"]


def test_degenerate_mnemonic_refused_unless_allowed(session: Session) -> None:
    with pytest.raises(CommandRejected, match="degenerate") as info:
        session.import_wallet("alice", VECTOR_MNEMONIC)
    assert info.value.reason_code == "weak-mnemonic" and info.value.seq is not None
    assert _import_vector(session)


def test_invalid_mnemonic_is_refused_naming_the_field(session: Session) -> None:
    words = VECTOR_MNEMONIC.split()
    words[3], words[4] = "zoo", "zoo"
    with pytest.raises(InvalidInput, match="checksum") as info:
        session.import_wallet("alice", " ".join(words))
    assert info.value.field == "mnemonic" and "zoo" not in info.value.diagnostics()


def test_signed_fingerprint_must_match_the_mnemonic(session: Session) -> None:
    """A handler never trusts inputs beside the command: the fingerprint binds them."""
    other = hd.new_mnemonic(12)
    with pytest.raises(InvalidInput, match="master_fingerprint"):
        session.act("alice", "ImportWallet", "default", {"master_fingerprint": "73c5da0a"},
                    inputs={"mnemonic": other.text.encode()})


def test_gap_limit_and_used_addresses(session: Session) -> None:
    wallet_id = _import_vector(session, gap_limit=3)
    paths = [session.derive_address("bob", wallet_id).result["path"] for _ in range(3)]
    assert paths == [f"m/84'/0'/0'/0/{i}" for i in range(3)]
    with pytest.raises(IllegalTransition, match="gap limit") as info:
        session.derive_address("bob", wallet_id)
    assert info.value.reason_code == "gap-limit" and info.value.seq is not None
    # Other chains (change, accounts, purposes) have their own window.
    assert session.derive_address("bob", wallet_id, change=1).result["index"] == 0
    assert session.derive_address("bob", wallet_id, account=1).result["index"] == 0
    session.mark_address_used("bob", wallet_id, paths[0])
    assert session.derive_address("bob", wallet_id).result["index"] == 3
    with pytest.raises(IllegalTransition, match="gap limit"):
        session.derive_address("bob", wallet_id)
    with pytest.raises(IllegalTransition, match="already marked used"):
        session.mark_address_used("bob", wallet_id, paths[0])
    with pytest.raises(InvalidInput, match="derived no secp256k1 address"):
        session.mark_address_used("bob", wallet_id, "m/84'/0'/0'/0/99")
    session.mark_address_used("bob", wallet_id, "m/84'/0'/0'/0/3")
    assert session.derive_address("bob", wallet_id).result["index"] == 4
    wallet = session.ledger().wallet(wallet_id)
    assert wallet.unused_tail("84/bitcoin/secp256k1/0/0") == 1


def test_slip10_curves(session: Session) -> None:
    wallet_id = _import_vector(session, purposes=["84", "slip10"],
                               curves=["secp256k1", "ed25519", "nist256p1"])
    seed = hd.seed_from_mnemonic(hd.parse_mnemonic(VECTOR_MNEMONIC))
    for curve in ("ed25519", "nist256p1", "secp256k1"):
        derived = session.derive_address("bob", wallet_id, purpose="slip10", curve=curve,
                                         account=2).result
        node = hd.derive_node(seed, curve, "m/2'/0'/0'")
        expected = node.public_key[1:] if curve == "ed25519" else node.public_key
        assert (derived["path"], derived["public_key"], derived["address"]) == (
            "m/2'/0'/0'", expected.hex(), None)
    with pytest.raises(IllegalTransition, match="does not allow purpose"):
        session.derive_address("bob", wallet_id, purpose="44")
    default_curves = _import_other(session)
    with pytest.raises(IllegalTransition, match="does not allow"):
        session.derive_address("bob", default_curves, purpose="slip10", curve="ed25519")


def _import_other(session: Session) -> str:
    return str(session.create_wallet("alice", word_count=12).result["wallet_id"])


def test_authorization_refusals_are_recorded(session: Session) -> None:
    wallet_id = _import_vector(session)
    refusals = [
        lambda: session.create_wallet("carol"),  # auditor
        lambda: session.create_wallet("bob"),  # signer may not create
        lambda: session.export_xpub("bob", wallet_id),  # nor export
        lambda: session.backup_wallet("bob", wallet_id, threshold=1, custodians=["x"]),
        lambda: session.derive_address("carol", wallet_id),
        lambda: session.create_wallet("dave", domain="default"),  # domain not granted
    ]
    for refuse in refusals:
        with pytest.raises(Unauthorized) as info:
            refuse()
        assert info.value.seq is not None
        assert (info.value.seq, "CommandRejected") in _events(session)
    assert session.create_wallet("dave", domain="treasury").result["wallet_id"]


def test_wallet_commands_stay_in_their_domain(session: Session) -> None:
    wallet_id = _import_vector(session)
    with pytest.raises(CommandRejected, match="belongs to domain") as info:
        session.act("alice", "DeriveAddress", "treasury", {"wallet_id": wallet_id})
    assert info.value.reason_code == "wrong-chain"
    with pytest.raises(NotFound):
        session.derive_address("bob", "no-such-wallet")
    with pytest.raises(InvalidInput, match="system chain"):
        session.create_wallet("alice", domain="system")


def test_state_rebuilds_from_the_log_and_audit_passes(session: Session) -> None:
    wallet_id = _import_vector(session, gap_limit=5)
    for _ in range(3):
        session.derive_address("bob", wallet_id)
    session.mark_address_used("bob", wallet_id, "m/84'/0'/0'/0/1")
    session.export_xpub("alice", wallet_id, purpose="49")
    session.backup_wallet("alice", wallet_id, threshold=2, custodians=["a", "b"])
    live = session.ledger().wallet(wallet_id)
    store, keyring = session.store()
    rebuilt_ledger = Ledger(store, keyring)
    rebuilt_ledger.load()
    rebuilt = rebuilt_ledger.wallet(wallet_id)
    for name in ("addresses", "next_index", "last_used", "xpub_exports", "splits", "seeds",
                 "master_fingerprint", "purposes", "curves", "gap_limit", "seed_version"):
        assert getattr(rebuilt, name) == getattr(live, name), name
    report = Auditor(store).verify()
    assert report.events == sum(len(list(store.read(c))) for c in store.chains())
    kinds = {t for _, t in _events(session)}
    assert {"WalletCreated", "WalletAddressDerived", "WalletAddressUsed",
            "WalletXpubExported", "SecretSplit"} <= kinds


def test_shredded_seed_cannot_be_used(session: Session) -> None:
    wallet_id = _import_vector(session)
    _, keyring = session.store()
    keyring.shred(session.ledger().wallet(wallet_id).data_key_ref)
    with pytest.raises(MaterialDestroyed):
        session.derive_address("bob", wallet_id)
    assert not session.ledger().wallet(wallet_id).addresses
