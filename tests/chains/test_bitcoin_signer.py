"""PSBT signer, combiner and finalizer: BIP-174's role vectors byte for byte, BIP-341's
key-path signatures through the signer, and every supported spend verified by BDK.

Independent verification: ``bdkpython`` (BDK, rust-bitcoin + rust-miniscript) finalizes the
PSBTs our signer produced; its finalizer runs the script interpreter, so it accepts only if
every signature is valid for its sighash, and the transaction it extracts must be the one
our finalizer built.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from bip_utils import WifDecoder

from ledger.chains.bitcoin.addresses import output_script
from ledger.chains.bitcoin.combine import combine_psbts
from ledger.chains.bitcoin.encoding import Transaction, TxOut
from ledger.chains.bitcoin.finalize import extract_transaction, finalize_inputs, finalize_psbt
from ledger.chains.bitcoin.psbt import KeyOrigin, Psbt, PsbtInput, PsbtOutput
from ledger.chains.bitcoin.sighash import TAPROOT_SIGHASH_TYPES
from ledger.chains.bitcoin.signer import SigningKey, sign_psbt, wanted_origins
from ledger.chains.bitcoin.taproot import x_only
from ledger.crypto import hd
from ledger.crypto.memory import zeroize
from ledger.errors import CommandRejected, InvalidInput, InvalidSignature
from tests.chains.helpers import (
    FINGERPRINT,
    Spend,
    after,
    bdk_finalize,
    create_psbt,
    mediawiki,
    psbt_cases,
)
from tests.vectors import load_json


def _vector_keys(section: str) -> list[SigningKey]:
    found = re.findall(r"<tt>(c[1-9A-HJ-NP-Za-km-z]+)</tt> \(<tt>([^<]+)</tt>\)", section)
    return [SigningKey.from_private(bytearray(WifDecoder.Decode(wif, net_ver=b"\xef")[0]),
                                    KeyOrigin.from_text(FINGERPRINT, path))
            for wif, path in found]


def _signer_sections() -> tuple[str, str]:
    text = mediawiki("bip-0174.mediawiki")
    first = text.index("Given the above updated PSBT, a signer that supports")
    second = text.index("Given the above updated PSBT, a signer with the following")
    end = text.index("Given both of the above PSBTs, a combiner")
    return text[first:second], text[second:end]


ROLES = after("bip-0174.mediawiki", "An updater which adds SIGHASH_ALL")
UPDATED, SIGNED_A, SIGNED_B, COMBINED, FINALIZED = ROLES[:5]


@pytest.mark.parametrize(("section", "expected"), [(0, SIGNED_A), (1, SIGNED_B)])
def test_bip174_signer_vectors_byte_for_byte(section: int, expected: str) -> None:
    keys = _vector_keys(_signer_sections()[section])
    assert len(keys) == 2
    result = sign_psbt(UPDATED, keys, network_name="testnet")
    assert result.psbt.to_base64() == expected
    assert [s.script_type for s in result.signed_inputs] == ["p2sh", "p2sh-p2wsh"]
    assert result.facts.fee == 10_000
    assert [t.value for t in result.facts.transfers] == [149_990_000, 100_000_000]
    assert result.facts.tx_hash is None  # a legacy P2SH input: the txid changes when signed


def test_signer_leaves_the_callers_psbt_untouched() -> None:
    psbt = Psbt.from_base64(UPDATED)
    sign_psbt(psbt, _vector_keys(_signer_sections()[0]), network_name="testnet")
    assert psbt.to_base64() == UPDATED


def test_bip174_combiner_finalizer_and_extractor() -> None:
    combined = combine_psbts([Psbt.from_base64(SIGNED_A), Psbt.from_base64(SIGNED_B)])
    assert combined.to_base64() == COMBINED
    final = finalize_psbt(combined)
    assert final.psbt.to_base64() == FINALIZED
    text = mediawiki("bip-0174.mediawiki")
    expected_tx = re.findall(r"Bytes in Hex: <pre>([^<]+)</pre>",
                             text[text.index("a transaction extractor must create"):])[0]
    assert final.tx_hex == expected_tx.strip()
    assert final.txid == Transaction.parse(bytes.fromhex(expected_tx.strip())).txid_hex()
    ok, bdk_tx, errors = bdk_finalize(COMBINED)
    assert ok, errors
    assert bdk_tx == final.tx_hex


def test_bip174_combiner_of_unknown_fields() -> None:
    first, second, merged = after("bip-0174.mediawiki", "Given these two PSBTs with unknown")
    assert combine_psbts([Psbt.from_base64(first), Psbt.from_base64(second)]).to_base64() \
        == merged


FAILS = psbt_cases("bip-0174.mediawiki", "Fails Signer checks",
                   "The private keys in the tests below")


@pytest.mark.parametrize(("case", "words"), list(zip(FAILS, [
    "needs PSBT_IN_NON_WITNESS_UTXO",
    "PSBT_IN_REDEEM_SCRIPT does not match",
    "PSBT_IN_REDEEM_SCRIPT does not match",
    "PSBT_IN_WITNESS_SCRIPT does not match the redeemScript",
], strict=True)), ids=lambda v: str(v)[:50])
def test_bip174_signer_checks_refuse(case: tuple[str, str], words: str) -> None:
    keys = _vector_keys(_signer_sections()[0]) + _vector_keys(_signer_sections()[1])
    with pytest.raises(InvalidInput) as caught:
        sign_psbt(case[1], keys, network_name="testnet")
    assert words in caught.value.message
    assert (caught.value.field or "").startswith("psbt.inputs[")


def _key_path() -> dict[str, Any]:
    data: dict[str, Any] = load_json("bitcoin/bip341_wallet_test_vectors.json")
    return data["keyPathSpending"][0]


def _bip341_psbt() -> tuple[Psbt, list[SigningKey]]:
    given = _key_path()["given"]
    tx = Transaction.parse(bytes.fromhex(given["rawUnsignedTx"]))
    entries = [PsbtInput(witness_utxo=TxOut(u["amountSats"], bytes.fromhex(u["scriptPubKey"])))
               for u in given["utxosSpent"]]
    keys = []
    for case in _key_path()["inputSpending"]:
        index, entry = case["given"]["txinIndex"], entries[case["given"]["txinIndex"]]
        key = SigningKey.from_private(bytearray.fromhex(case["given"]["internalPrivkey"]))
        entry.sighash_type = case["given"]["hashType"]
        entry.tap_internal_key = key.x_only
        if case["given"]["merkleRoot"]:
            entry.tap_merkle_root = bytes.fromhex(case["given"]["merkleRoot"])
        keys.append(key)
        assert index == tx.inputs.index(tx.inputs[index])
    return Psbt(tx=tx, inputs=entries, outputs=[PsbtOutput() for _ in tx.outputs]), keys


def test_signer_reproduces_the_bip341_key_path_witnesses() -> None:
    psbt, keys = _bip341_psbt()
    result = sign_psbt(psbt, keys, allowed_sighash=TAPROOT_SIGHASH_TYPES,
                       rng=lambda n: bytearray(n))  # the vectors use aux_rand = 0^32
    for case in _key_path()["inputSpending"]:
        entry = result.psbt.inputs[case["given"]["txinIndex"]]
        assert entry.tap_key_sig is not None
        assert [entry.tap_key_sig.hex()] == case["expected"]["witness"]
    digests = {s.index: s.digest for s in result.signed_inputs}
    assert digests == {c["given"]["txinIndex"]: c["intermediary"]["sigHash"]
                       for c in _key_path()["inputSpending"]}


def test_default_policy_refuses_the_bip341_sighash_types() -> None:
    psbt, keys = _bip341_psbt()
    with pytest.raises(CommandRejected) as caught:
        sign_psbt(psbt, keys)
    assert "sighash type SINGLE, which this key's policy does not allow" in caught.value.message
    assert caught.value.reason_code == "sighash-policy"
    assert caught.value.field == "psbt.inputs[0].PSBT_IN_SIGHASH_TYPE"


KEYS = [SigningKey.from_private(bytearray([i + 1]) * 32) for i in range(3)]
DESTINATION = TxOut(60_000, output_script(KEYS[2].public_key, "p2wpkh"))


@pytest.mark.parametrize("kind", ["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"])
def test_each_single_key_spend_is_verified_by_bdk(kind: str) -> None:
    spend = Spend(kind, [KEYS[0].public_key], 100_000, witness_utxo=kind != "p2pkh",
                  non_witness_utxo=kind in ("p2pkh", "p2wpkh"))
    psbt = create_psbt([spend, Spend("p2wpkh", [KEYS[1].public_key], 7_000)],
                       [DESTINATION, TxOut(40_000, output_script(KEYS[0].public_key, kind))])
    first = sign_psbt(psbt, KEYS[0], network_name="regtest")
    assert [(s.index, s.script_type) for s in first.signed_inputs] == [(0, kind)]
    assert first.skipped == ((1, "no key of this signer in its script"),)
    # The change output pays the signer: only the destination is a transfer.
    assert [t.value for t in first.facts.transfers] == [60_000]
    assert first.facts.fee == 107_000 - 100_000
    with pytest.raises(InvalidInput, match="input 1 needs the signature"):
        finalize_psbt(first.psbt)
    both = sign_psbt(first.psbt, KEYS[1], network_name="regtest")
    final = finalize_psbt(both.psbt)
    ok, bdk_tx, errors = bdk_finalize(both.psbt.to_base64())
    assert ok, errors
    assert bdk_tx == final.tx_hex
    assert both.facts.tx_hash == (final.txid if kind in ("p2wpkh", "p2tr") else None)


def test_taproot_signature_is_fresh_per_signing_and_tampering_is_caught() -> None:
    psbt = create_psbt([Spend("p2tr", [KEYS[0].public_key], 100_000)], [DESTINATION])
    one, two = sign_psbt(psbt, KEYS[0]), sign_psbt(psbt, KEYS[0])
    assert one.psbt.inputs[0].tap_key_sig != two.psbt.inputs[0].tap_key_sig  # fresh aux_rand
    tampered = one.psbt.copy()
    signature = bytearray(tampered.inputs[0].tap_key_sig or b"")
    signature[5] ^= 1
    tampered.inputs[0].tap_key_sig = bytes(signature)
    with pytest.raises(InvalidSignature, match="input 0") as caught:
        finalize_psbt(tampered)
    assert caught.value.field == "psbt.inputs[0].PSBT_IN_TAP_KEY_SIG"
    ok, _, errors = bdk_finalize(tampered.to_base64())
    assert not ok and errors


def test_p2wsh_two_of_three_each_key_adds_its_partial_signature() -> None:
    spend = Spend("p2wsh-multisig", [k.public_key for k in KEYS], 90_000, threshold=2)
    psbt = create_psbt([spend], [DESTINATION])
    first = sign_psbt(psbt, KEYS[0])
    third = sign_psbt(psbt, KEYS[2])
    assert first.signed_inputs[0].script_type == "p2wsh"
    with pytest.raises(InvalidInput, match="has 1 of the 2 signatures"):
        finalize_psbt(first.psbt)
    assert finalize_inputs(first.psbt)[1] == [0]
    ok, _, _ = bdk_finalize(first.psbt.to_base64())
    assert not ok
    combined = combine_psbts([first.psbt, third.psbt])
    final = finalize_psbt(combined)
    assert len(final.tx.witnesses[0]) == 4  # empty dummy, two signatures, witness script
    ok, bdk_tx, errors = bdk_finalize(combined.to_base64())
    assert ok, errors
    assert bdk_tx == final.tx_hex
    again = sign_psbt(first.psbt, [KEYS[0], KEYS[1]])
    assert again.skipped == ((0, f"already signed by {KEYS[0].public_key.hex()}"),)


def test_a_bad_partial_signature_is_refused_by_the_finalizer() -> None:
    spend = Spend("p2wpkh", [KEYS[0].public_key], 90_000)
    signed = sign_psbt(create_psbt([spend], [DESTINATION]), KEYS[0]).psbt
    other = sign_psbt(create_psbt([Spend("p2wpkh", [KEYS[0].public_key], 90_001)],
                                  [DESTINATION]), KEYS[0]).psbt
    signed.inputs[0].partial_sigs = other.inputs[0].partial_sigs  # signed another amount
    with pytest.raises(InvalidSignature, match="does not verify") as caught:
        finalize_psbt(signed)
    assert caught.value.field == "psbt.inputs[0].PSBT_IN_PARTIAL_SIG"


def test_refusals_name_the_input_and_reason() -> None:
    origin = KeyOrigin.from_text(FINGERPRINT, "m/84'/1'/0'/0/0")
    key = SigningKey.from_private(KEYS[0].private_key, origin)
    # Missing UTXO on an input whose derivation names this key.
    psbt = create_psbt([Spend("p2wpkh", [key.public_key], 5_000, origins=[origin],
                              witness_utxo=False)], [DESTINATION])
    with pytest.raises(InvalidInput, match="has no UTXO data") as caught:
        sign_psbt(psbt, key)
    assert caught.value.field == "psbt.inputs[0]"
    # Without a derivation naming the key, the input is only skipped; nothing signable.
    psbt = create_psbt([Spend("p2wpkh", [key.public_key], 5_000, witness_utxo=False)],
                       [DESTINATION])
    with pytest.raises(InvalidInput, match="no input can be signed"):
        sign_psbt(psbt, key)
    # A derivation that names this key on an input whose script pays someone else.
    psbt = create_psbt([Spend("p2wpkh", [KEYS[1].public_key], 5_000)], [DESTINATION])
    psbt.inputs[0].bip32_derivations[key.public_key] = origin
    with pytest.raises(InvalidInput, match="does not pay to it"):
        sign_psbt(psbt, key)
    # A sighash type outside the allowed set.
    psbt = create_psbt([Spend("p2wpkh", [key.public_key], 5_000, sighash_type=0x02)],
                       [DESTINATION])
    with pytest.raises(CommandRejected, match="sighash type NONE, which this key's policy"):
        sign_psbt(psbt, key)
    # SIGHASH_DEFAULT is taproot only.
    psbt = create_psbt([Spend("p2wpkh", [key.public_key], 5_000, sighash_type=0x00)],
                       [DESTINATION])
    with pytest.raises(InvalidInput, match="not valid for a p2wpkh input"):
        sign_psbt(psbt, key)
    # A legacy input with only a witness UTXO.
    psbt = create_psbt([Spend("p2pkh", [key.public_key], 5_000)], [DESTINATION])
    with pytest.raises(InvalidInput, match="needs PSBT_IN_NON_WITNESS_UTXO"):
        sign_psbt(psbt, key)
    # Taproot needs every input's UTXO.
    psbt = create_psbt([Spend("p2tr", [key.public_key], 5_000),
                        Spend("p2wpkh", [KEYS[1].public_key], 5_000, witness_utxo=False)],
                       [DESTINATION])
    with pytest.raises(InvalidInput, match="UTXO of every input"):
        sign_psbt(psbt, key)
    # A wrong taproot internal key.
    psbt = create_psbt([Spend("p2tr", [key.public_key], 5_000)], [DESTINATION])
    psbt.inputs[0].tap_internal_key = x_only(KEYS[1].public_key)
    with pytest.raises(InvalidInput, match="TAP_INTERNAL_KEY"):
        sign_psbt(psbt, key)


def test_hd_wallet_flow_derives_only_the_origins_asked_for() -> None:
    seed = bytearray(range(64))
    fingerprint = hd.master_fingerprint(seed)
    nodes = [hd.derive_node(seed, "secp256k1", f"m/84'/1'/0'/0/{i}") for i in range(2)]
    origins = [KeyOrigin.from_text(fingerprint, n.path) for n in nodes]
    psbt = create_psbt([Spend("p2wpkh", [nodes[1].public_key], 50_000, origins=[origins[1]]),
                        Spend("p2tr", [nodes[0].public_key], 20_000, origins=[origins[0]])],
                       [DESTINATION])
    assert wanted_origins(psbt, fingerprint) == [origins[1], origins[0]]
    assert wanted_origins(psbt, b"\x00" * 4) == []
    keys = [SigningKey.from_node(n, fingerprint) for n in nodes]
    result = sign_psbt(psbt, keys, network_name="testnet")
    assert sorted(s.index for s in result.signed_inputs) == [0, 1]
    ok, _, errors = bdk_finalize(result.psbt.to_base64())
    assert ok, errors
    assert extract_transaction(finalize_psbt(result.psbt).psbt).txid_hex() == \
        result.facts.tx_hash
    for node in nodes:  # the nodes' buffers are the caller's to wipe, not the signer's
        assert any(node.private_key)
        zeroize(node.private_key)


def test_signing_key_repr_and_bad_keys() -> None:
    assert KEYS[0].private_key.hex() not in repr(KEYS[0])
    with pytest.raises(InvalidInput) as caught:
        SigningKey.from_private(bytes(32))  # type: ignore[arg-type]
    assert caught.value.field == "private_key"
    with pytest.raises(InvalidInput, match="out of range"):
        SigningKey.from_private(bytearray(32))
    with pytest.raises(InvalidInput, match="at least one key"):
        sign_psbt(UPDATED, [])
