"""Solana: addresses from SLIP-10 accounts, legacy and v0 transactions, off-chain messages.

Independent checks: solders (Solana's Rust SDK) derives the same SLIP-10 account, verifies
every signature we add (``Transaction.verify``, ``verify_with_results``), and signs the
same message to the same signature with its own Ed25519 (ed25519-dalek) implementation.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.null_signer import NullSigner
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from ledger.chains import solana
from ledger.crypto import hd
from ledger.errors import InvalidInput

MNEMONIC = ("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
            "abandon about")
SEED = bytearray(range(32))
ME = Keypair.from_seed(bytes(SEED))
OTHER = Keypair.from_seed(bytes([7]) * 32)
BLOCKHASH = Hash.new_unique()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_slip10_account_address_matches_solders() -> None:
    seed = hd.seed_from_mnemonic(hd.parse_mnemonic(MNEMONIC))
    for index in range(3):
        node = hd.derive_node(seed, "ed25519", solana.solana_path(index))
        theirs = Keypair.from_seed_and_derivation_path(bytes(seed), solana.solana_path(index))
        assert solana.address_from_private_key(node) == str(theirs.pubkey())
    assert solana.address_from_private_key(SEED) == str(ME.pubkey())
    assert solana.address_from_public_key(bytes(ME.pubkey())) == str(ME.pubkey())


def test_legacy_transaction_with_two_signers_keeps_the_other_signature() -> None:
    pay = transfer(TransferParams(from_pubkey=ME.pubkey(), to_pubkey=OTHER.pubkey(),
                                  lamports=5_000))
    back = transfer(TransferParams(from_pubkey=OTHER.pubkey(), to_pubkey=ME.pubkey(),
                                   lamports=1))
    tx = Transaction.new_unsigned(Message.new_with_blockhash([pay, back], OTHER.pubkey(),
                                                             BLOCKHASH))
    tx.partial_sign([OTHER], BLOCKHASH)
    signed = solana.sign_transaction(SEED, _b64(bytes(tx)), cluster="devnet")
    parsed = Transaction.from_bytes(signed.transaction)
    parsed.verify()  # raises if any signature is wrong
    assert parsed.signatures[0] == tx.signatures[0]  # the fee payer's, untouched
    assert str(parsed.signatures[1]) == signed.signature
    reference = Transaction.new_unsigned(tx.message)
    reference.sign([OTHER, ME], BLOCKHASH)
    assert bytes(reference) == signed.transaction
    facts = signed.facts
    assert (facts.family, facts.network, facts.signer) == ("solana", "devnet", str(ME.pubkey()))
    assert facts.tx_hash == str(tx.signatures[0])
    assert [(t.recipient, t.value) for t in facts.transfers] == \
        [(str(OTHER.pubkey()), 5_000), (str(ME.pubkey()), 1)]
    assert facts.digests == (hashlib.sha256(bytes(tx.message)).hexdigest(),)


def test_v0_transaction_signs_the_versioned_message() -> None:
    pay = transfer(TransferParams(from_pubkey=ME.pubkey(), to_pubkey=OTHER.pubkey(),
                                  lamports=42))
    message = MessageV0.try_compile(ME.pubkey(), [pay], [], BLOCKHASH)
    unsigned = VersionedTransaction(message, [NullSigner(ME.pubkey())])
    signed = solana.sign_transaction(SEED, _b64(bytes(unsigned)))
    parsed = VersionedTransaction.from_bytes(signed.transaction)
    assert parsed.verify_with_results() == [True]
    assert bytes(VersionedTransaction(message, [ME])) == signed.transaction
    assert Signature.from_string(signed.signature).verify(ME.pubkey(),
                                                          b"\x80" + bytes(message))
    assert not Signature.from_string(signed.signature).verify(ME.pubkey(), bytes(message))
    assert signed.facts.tx_hash == signed.signature
    assert signed.facts.transfers[0].value == 42


def test_refusals() -> None:
    pay = transfer(TransferParams(from_pubkey=OTHER.pubkey(), to_pubkey=ME.pubkey(),
                                  lamports=1))
    tx = Transaction.new_unsigned(Message.new_with_blockhash([pay], OTHER.pubkey(), BLOCKHASH))
    with pytest.raises(InvalidInput, match="not a required signer") as caught:
        solana.sign_transaction(SEED, _b64(bytes(tx)))
    assert caught.value.field == "tx"
    raw = bytes(tx)
    for text, words in ((raw.hex(), "base64"), (_b64(raw[:-3]), "not a Solana"),
                        (_b64(raw + b"\x00"), "not")):
        with pytest.raises(InvalidInput, match=words):
            solana.sign_transaction(SEED, text)
    with pytest.raises(InvalidInput) as caught:
        solana.sign_transaction(SEED, _b64(raw), cluster="mainnet")
    assert caught.value.field == "cluster"
    with pytest.raises(InvalidInput, match="ed25519 keys, not secp256k1"):
        solana.sign_transaction(hd.derive_node(bytearray(range(64)), "secp256k1", "m/0"),
                                _b64(raw))
    with pytest.raises(InvalidInput):
        solana.sign_transaction(bytes(SEED), _b64(raw))  # type: ignore[arg-type]


def test_offchain_message_known_answer() -> None:
    """The solana-sdk ``offchain-message`` test: this UTF-8 text, zero application domain and
    one all-zero signer hash (SHA-256 of the serialised message) to this base58 value."""
    serialized = solana.offchain_message("Тестовое сообщение".encode(), [bytes(32)])
    assert str(Hash(hashlib.sha256(serialized).digest())) == \
        "E5tkTdEzcYTe5deSvw5jqzwPUEVBT83P4aHCYxjtzEW8"
    assert serialized[16:18] == b"\x00" + bytes(1)  # version 0, then the domain
    assert serialized[49] == 1  # limited UTF-8


def test_offchain_message_signing() -> None:
    signed = solana.sign_offchain_message(SEED, b"Sign in to example.com")
    assert signed.message.startswith(b"\xffsolana offchain\x00")
    assert signed.message[49] == 0  # restricted ASCII
    assert signed.message[51:83] == bytes(ME.pubkey())
    assert str(ME.sign_message(signed.message)) == signed.signature
    assert Signature.from_string(signed.signature).verify(ME.pubkey(), signed.message)
    assert not Signature.from_string(signed.signature).verify(ME.pubkey(),
                                                              b"Sign in to example.com")
    assert solana.offchain_message("é".encode() * 700, [bytes(32)])[49] == 2  # extended
    for message, words in ((b"", "non-empty"), (b"\xff\xfe", "UTF-8"),
                           (b"a" * 70_000, "too long")):
        with pytest.raises(InvalidInput, match=words):
            solana.sign_offchain_message(SEED, message)
    with pytest.raises(InvalidInput):
        solana.offchain_message(b"x", [bytes(32)], application_domain=b"short")
