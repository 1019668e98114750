"""Signature hashes against BIP-143's worked examples and BIP-341's wallet vectors."""

from __future__ import annotations

import re
from typing import Any

import coincurve
import pytest

from ledger.chains.bitcoin.encoding import Reader, Transaction, TxOut
from ledger.chains.bitcoin.sighash import (
    legacy_sighash,
    segwit_v0_sighash,
    taproot_hashes,
    taproot_sighash,
    taproot_sigmsg,
)
from ledger.chains.bitcoin.taproot import (
    leaf_hash,
    output_key,
    tap_tree_root,
    tap_tweak,
    tweak_private_key,
)
from ledger.crypto.ecdsa_secp256k1 import verify_digest_der
from ledger.crypto.schnorr_bip340 import sign_with_aux_rand
from ledger.errors import InvalidInput
from tests.chains.helpers import mediawiki
from tests.vectors import load_json

_FIELD = re.compile(r"(unsigned transaction:|outpoint:|scriptCode:|amount:|nHashType:|sigHash:)"
                    r"\s*([0-9a-f]+)")


def bip143_cases() -> list[tuple[str, str, str, str, int, str]]:
    """``(unsigned tx, outpoint, scriptCode, amount, hash type, sigHash)`` per example.

    The examples are read in text order; a value shown as "(see below)" is given later,
    so each ``sigHash`` takes the latest value of every field before it.
    """
    text = mediawiki("bip-0143.mediawiki")
    text = text[text.index("== Example =="):text.index("== Deployment ==")]
    cases, current = [], {}
    for name, value in _FIELD.findall(text):
        current[name] = value
        if name == "sigHash:":
            cases.append((current["unsigned transaction:"], current["outpoint:"],
                          current["scriptCode:"], current["amount:"],
                          int.from_bytes(bytes.fromhex(current["nHashType:"]), "little"), value))
    return cases


CASES = bip143_cases()


def test_all_bip143_examples_are_read() -> None:
    # Native P2WPKH 1, P2SH-P2WPKH 1, native P2WSH 2 + 2, P2SH-P2WSH 6, no FindAndDelete 1.
    assert len(CASES) == 13


@pytest.mark.parametrize(("tx_hex", "outpoint", "script_code", "amount", "hash_type",
                          "expected"), CASES)
def test_bip143_sighash(tx_hex: str, outpoint: str, script_code: str, amount: str,
                        hash_type: int, expected: str) -> None:
    tx = Transaction.parse(bytes.fromhex(tx_hex))
    index = [i.prevout.serialize().hex() for i in tx.inputs].index(outpoint)
    reader = Reader(bytes.fromhex(script_code), "scriptCode")
    code = reader.var_bytes()
    reader.finish()
    digest = segwit_v0_sighash(tx, index, code, int.from_bytes(bytes.fromhex(amount), "little"),
                               hash_type)
    assert digest.hex() == expected


def _key_path() -> dict[str, Any]:
    data: dict[str, Any] = load_json("bitcoin/bip341_wallet_test_vectors.json")
    return data["keyPathSpending"][0]


def _tx_and_spent() -> tuple[Transaction, list[TxOut]]:
    given = _key_path()["given"]
    tx = Transaction.parse(bytes.fromhex(given["rawUnsignedTx"]))
    spent = [TxOut(u["amountSats"], bytes.fromhex(u["scriptPubKey"]))
             for u in given["utxosSpent"]]
    return tx, spent


def test_bip341_precomputed_hashes() -> None:
    tx, spent = _tx_and_spent()
    hashes = taproot_hashes(tx, spent)
    expected = _key_path()["intermediary"]
    assert hashes.prevouts.hex() == expected["hashPrevouts"]
    assert hashes.amounts.hex() == expected["hashAmounts"]
    assert hashes.script_pubkeys.hex() == expected["hashScriptPubkeys"]
    assert hashes.sequences.hex() == expected["hashSequences"]
    assert hashes.outputs.hex() == expected["hashOutputs"]


@pytest.mark.parametrize("case", _key_path()["inputSpending"],
                         ids=lambda c: f"input{c['given']['txinIndex']}")
def test_bip341_key_path_spending(case: dict[str, Any]) -> None:
    tx, spent = _tx_and_spent()
    given, middle = case["given"], case["intermediary"]
    index, hash_type = given["txinIndex"], given["hashType"]
    merkle_root = bytes.fromhex(given["merkleRoot"]) if given["merkleRoot"] else None
    # BIP-341's sigMsg is shown with its leading epoch byte 0x00.
    assert (b"\x00" + taproot_sigmsg(tx, index, spent, hash_type)).hex() == middle["sigMsg"]
    digest = taproot_sighash(tx, index, spent, hash_type)
    assert digest.hex() == middle["sigHash"]
    internal = coincurve.PrivateKey(bytes.fromhex(given["internalPrivkey"]))
    internal_x = internal.public_key_xonly.format()
    assert internal_x.hex() == middle["internalPubkey"]
    assert tap_tweak(internal_x, merkle_root).hex() == middle["tweak"]
    tweaked = tweak_private_key(bytearray.fromhex(given["internalPrivkey"]), merkle_root)
    assert tweaked.hex() == middle["tweakedPrivkey"]
    # The vectors' signatures use aux_rand = 32 zero bytes.
    signature = sign_with_aux_rand(tweaked, digest, bytes(32))
    suffix = b"" if hash_type == 0 else bytes([hash_type])
    assert [(signature + suffix).hex()] == case["expected"]["witness"]
    assert spent[index].script_pubkey[2:] == output_key(internal_x, merkle_root)


def _flatten(tree: Any, depth: int, out: list[tuple[int, int, bytes]]) -> None:
    """BIP-341's JSON script tree to depth-first (depth, version, script) leaves."""
    if tree is None:
        return
    if isinstance(tree, dict):
        out.append((depth, tree["leafVersion"], bytes.fromhex(tree["script"])))
        return
    for child in tree:
        _flatten(child, depth + 1, out)


@pytest.mark.parametrize("case", load_json("bitcoin/bip341_wallet_test_vectors.json")
                         ["scriptPubKey"], ids=lambda c: c["expected"]["bip350Address"][:14])
def test_bip341_output_keys(case: dict[str, Any]) -> None:
    root = case["intermediary"]["merkleRoot"]
    leaves: list[tuple[int, int, bytes]] = []
    _flatten(case["given"]["scriptTree"], 0, leaves)
    if leaves:
        assert tap_tree_root(leaves).hex() == root
        assert [leaf_hash(v, s).hex() for _, v, s in leaves] == \
            case["intermediary"]["leafHashes"]
    key = output_key(bytes.fromhex(case["given"]["internalPubkey"]),
                     bytes.fromhex(root) if root else None)
    assert key.hex() == case["intermediary"]["tweakedPubkey"]
    assert ("5120" + key.hex()) == case["expected"]["scriptPubKey"]


def test_legacy_and_v0_sighash_verify_the_bip341_fully_signed_transaction() -> None:
    """Inputs 2 (P2PKH) and 5 (P2WPKH) of the BIP-341 fully signed transaction carry ECDSA
    signatures made by other software; they verify only against our legacy and BIP-143
    digests."""
    tx, spent = _tx_and_spent()
    signed = Transaction.parse(bytes.fromhex(_key_path()["auxiliary"]["fullySignedTx"]))
    script_sig = signed.inputs[2].script_sig
    signature, public_key = script_sig[1:1 + script_sig[0]], script_sig[-33:]
    digest = legacy_sighash(tx, 2, spent[2].script_pubkey, signature[-1])
    verify_digest_der(public_key, digest, signature[:-1])
    signature, public_key = signed.witnesses[5]
    code = b"\x76\xa9\x14" + spent[5].script_pubkey[2:] + b"\x88\xac"
    digest = segwit_v0_sighash(tx, 5, code, spent[5].value, signature[-1])
    verify_digest_der(public_key, digest, signature[:-1])
    with pytest.raises(Exception, match="does not verify"):
        verify_digest_der(public_key, segwit_v0_sighash(tx, 5, code, spent[5].value + 1, 1),
                          signature[:-1])


def test_sighash_refusals() -> None:
    tx, spent = _tx_and_spent()
    with pytest.raises(InvalidInput) as caught:
        taproot_sighash(tx, 0, spent, 0x04)
    assert caught.value.field == "sighash_type"
    with pytest.raises(InvalidInput):
        taproot_sighash(tx, 0, spent[:-1], 0)
    with pytest.raises(InvalidInput):
        segwit_v0_sighash(tx, 99, b"", 1, 1)
    with pytest.raises(InvalidInput):
        legacy_sighash(tx, 0, b"", 0x00)


def test_legacy_sighash_single_quirk() -> None:
    tx, _ = _tx_and_spent()
    # Input 8 with SIGHASH_SINGLE and only two outputs: consensus signs the number one.
    assert legacy_sighash(tx, 8, b"", 0x03) == (1).to_bytes(32, "little")
