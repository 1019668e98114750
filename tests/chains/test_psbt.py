"""PSBT v0 parsing and serialisation: BIP-174 and BIP-371 vectors, plus our own corruptions."""

from __future__ import annotations

import base64

import bdkpython as bdk
import pytest

from ledger.chains.bitcoin.encoding import compact_size
from ledger.chains.bitcoin.psbt import KeyOrigin, Psbt
from ledger.chains.bitcoin.taproot import tap_tree_root
from ledger.errors import InvalidInput
from tests.chains.helpers import psbt_cases

INVALID_174 = psbt_cases("bip-0174.mediawiki", "The following are invalid PSBTs",
                         "The following are valid PSBTs")
VALID_174 = psbt_cases("bip-0174.mediawiki", "The following are valid PSBTs",
                       "Fails Signer checks")
INVALID_371 = psbt_cases("bip-0371.mediawiki", "The following are invalid PSBTs",
                         "The following are valid PSBTs")
VALID_371 = psbt_cases("bip-0371.mediawiki", "The following are valid PSBTs", None)

# What each invalid vector must be refused for: (field that is named, words in the reason).
EXPECTED_174 = [
    ("psbt", "magic"),
    ("psbt", "outputs[0]"),
    ("PSBT_GLOBAL_UNSIGNED_TX", "scriptSig"),
    ("PSBT_GLOBAL_UNSIGNED_TX", "no unsigned transaction"),
    ("psbt.inputs[0]", "duplicate key"),
    ("PSBT_GLOBAL_UNSIGNED_TX", "key must be 1 byte"),
    ("PSBT_IN_WITNESS_UTXO", "key must be 1 byte"),
    ("PSBT_IN_PARTIAL_SIG", "public key has 32 bytes"),
    ("PSBT_IN_REDEEM_SCRIPT", "key must be 1 byte"),
    ("PSBT_IN_WITNESS_SCRIPT", "key must be 1 byte"),
    ("PSBT_IN_BIP32_DERIVATION", "public key has 32 bytes"),
    ("PSBT_IN_NON_WITNESS_UTXO", "key must be 1 byte"),
    ("PSBT_IN_FINAL_SCRIPTSIG", "key must be 1 byte"),
    ("PSBT_IN_FINAL_SCRIPTWITNESS", "key must be 1 byte"),
    ("PSBT_OUT_BIP32_DERIVATION", "public key has 32 bytes"),
    ("PSBT_IN_SIGHASH_TYPE", "key must be 1 byte"),
    ("PSBT_OUT_REDEEM_SCRIPT", "key must be 1 byte"),
    ("PSBT_OUT_WITNESS_SCRIPT", "key must be 1 byte"),
    ("PSBT_GLOBAL_UNSIGNED_TX", "witness serialization"),
    ("PSBT_GLOBAL_UNSIGNED_TX", "trailing byte"),
]
EXPECTED_371 = [
    ("PSBT_IN_TAP_INTERNAL_KEY", "33 bytes; expected 32"),
    ("PSBT_IN_TAP_KEY_SIG", "63 bytes"),
    ("PSBT_IN_TAP_KEY_SIG", "66 bytes"),
    ("PSBT_IN_TAP_BIP32_DERIVATION", "33 bytes; expected 32"),
    ("PSBT_OUT_TAP_INTERNAL_KEY", "33 bytes; expected 32"),
    ("PSBT_OUT_TAP_BIP32_DERIVATION", "33 bytes; expected 32"),
    ("PSBT_IN_TAP_SCRIPT_SIG", "key data has 65 bytes"),
    ("PSBT_IN_TAP_SCRIPT_SIG", "66 bytes"),
    ("PSBT_IN_TAP_SCRIPT_SIG", "63 bytes"),
    ("PSBT_IN_TAP_LEAF_SCRIPT", "control block has 98 bytes"),
    ("PSBT_IN_TAP_LEAF_SCRIPT", "control block has 96 bytes"),
]


def test_every_vector_is_read() -> None:
    assert (len(INVALID_174), len(VALID_174), len(INVALID_371), len(VALID_371)) == \
        (20, 10, 11, 6)


@pytest.mark.parametrize(("case", "expected"),
                         list(zip(INVALID_174 + INVALID_371, EXPECTED_174 + EXPECTED_371,
                                  strict=True)), ids=lambda v: str(v)[:60])
def test_invalid_vectors_are_refused_naming_the_field(case: tuple[str, str],
                                                      expected: tuple[str, str]) -> None:
    _, b64 = case
    field, words = expected
    with pytest.raises(InvalidInput) as caught:
        Psbt.from_base64(b64)
    assert field in (caught.value.field or "")
    assert words in caught.value.message


@pytest.mark.parametrize("case", VALID_174 + VALID_371, ids=lambda c: c[0][:60])
def test_valid_vectors_round_trip_byte_for_byte(case: tuple[str, str]) -> None:
    _, b64 = case
    psbt = Psbt.from_base64(b64)
    assert psbt.to_base64() == b64
    assert Psbt.from_bytes(psbt.serialize()).serialize() == base64.b64decode(b64)


@pytest.mark.parametrize("case", VALID_174 + VALID_371, ids=lambda c: c[0][:60])
def test_bdk_reads_what_we_write(case: tuple[str, str]) -> None:
    """An independent parser (rust-bitcoin through bdkpython) reads our output and writes
    back the same fields (it may order taproot origins its own way)."""
    ours = Psbt.from_base64(case[1])
    theirs = Psbt.from_base64(bdk.Psbt(ours.to_base64()).serialize())
    for mine, other in zip(ours.outputs, theirs.outputs, strict=True):
        if mine.tap_tree is not None and other.tap_tree is not None:
            # BDK puts sibling leaves in hash order; the tree (its merkle root) is the same.
            assert tap_tree_root([(x.depth, x.leaf_version, x.script) for x in mine.tap_tree]) \
                == tap_tree_root([(x.depth, x.leaf_version, x.script) for x in other.tap_tree])
            mine.tap_tree = other.tap_tree = None
    assert theirs == ours


def test_taproot_fields_are_decoded() -> None:
    name, b64 = VALID_371[1]
    assert "signature" in name
    entry = Psbt.from_base64(b64).inputs[0]
    assert entry.tap_key_sig is not None and len(entry.tap_key_sig) == 64
    assert entry.tap_internal_key is not None
    (origin,) = entry.tap_bip32_derivations.values()
    assert origin.leaf_hashes == ()
    assert origin.origin.path_text == "m/86'/1'/0'/1/0"


def _global_only(tx_hex: str, extra: bytes = b"") -> bytes:
    tx = bytes.fromhex(tx_hex)
    return b"psbt\xff" + b"\x01\x00" + compact_size(len(tx)) + tx + extra + b"\x00"


EMPTY_TX = "02000000000000000000"  # version 2, no inputs, no outputs, locktime 0


def test_minimal_psbt_and_corruptions() -> None:
    good = _global_only(EMPTY_TX)
    assert Psbt.from_bytes(good).serialize() == good
    for data, words in [
        (good + b"\x00", "after the last output map"),
        (good[:-1], "ends inside the global map"),
        (b"psbt\xfe" + good[5:], "magic"),
        (_global_only(EMPTY_TX, b"\x01\xfb\x04\x02\x00\x00\x00"), "version 2 is not"),
        (_global_only(EMPTY_TX, b"\x01\x02\x04\x02\x00\x00\x00"), "version 2 field"),
        (b"psbt\xff\x01\x00\xfd\x0a\x00" + bytes.fromhex(EMPTY_TX) + b"\x00", "non-minimal"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            Psbt.from_bytes(data)
        assert words in caught.value.message, data.hex()


def test_input_field_checks() -> None:
    _, b64 = VALID_174[0]  # one P2PKH input with its non-witness UTXO
    raw = bytearray(base64.b64decode(b64))
    psbt = Psbt.from_base64(b64)
    utxo = psbt.inputs[0].non_witness_utxo
    assert utxo is not None
    position = raw.index(utxo.serialize())
    raw[position + 10] ^= 0x01  # the UTXO no longer hashes to the txid the input spends
    with pytest.raises(InvalidInput) as caught:
        Psbt.from_bytes(bytes(raw))
    assert "txid" in caught.value.message
    assert caught.value.field == "psbt.inputs[0].PSBT_IN_NON_WITNESS_UTXO"


def _with_input_record(record: bytes) -> bytes:
    """The 0-input, 1-output transaction of BIP-174's unknown-types vector, with one
    extra input map added in front of a P2PKH spend we make up."""
    tx = bytes.fromhex("0200000001" + "11" * 32 + "00000000" + "00" + "ffffffff"
                       + "00" + "00000000")
    return b"psbt\xff" + b"\x01\x00" + compact_size(len(tx)) + tx + b"\x00" + record + b"\x00"


@pytest.mark.parametrize(("record", "field", "words"), [
    (b"\x21\x0a" + bytes(32) + b"\x01\x00", "PSBT_IN_RIPEMD160", "20-byte hash"),
    (b"\x15\x0b" + bytes(20) + b"\x01\x00", "PSBT_IN_SHA256", "32-byte hash"),
    (b"\x21\x0b" + bytes(32) + b"\x01\x00", "PSBT_IN_SHA256", "does not hash"),
    (b"\x01\x0e\x20" + bytes(32), "PSBT_IN_PREVIOUS_TXID", "version 2 field"),
    (b"\x01\x17\x20" + b"\xff" * 32, "PSBT_IN_TAP_INTERNAL_KEY", "not on secp256k1"),
    (b"\x01\x18\x1f" + bytes(31), "PSBT_IN_TAP_MERKLE_ROOT", "32 bytes"),
    (b"\x01\x03\x02\x01\x00", "PSBT_IN_SIGHASH_TYPE", "4-byte"),
    (b"\x22\x02\x02" + b"\xff" * 32 + b"\x01\x00", "PSBT_IN_PARTIAL_SIG", "not a point"),
    (b"\x01\x13\x41" + bytes(64) + b"\x00", "PSBT_IN_TAP_KEY_SIG", "0x00 is written"),
])
def test_bad_input_records(record: bytes, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Psbt.from_bytes(_with_input_record(record))
    assert caught.value.field == f"psbt.inputs[0].{field}"
    assert words in caught.value.message


def test_preimage_that_matches_is_kept() -> None:
    import hashlib

    digest = hashlib.sha256(b"x").digest()
    data = _with_input_record(b"\x21\x0b" + digest + b"\x01x")
    psbt = Psbt.from_bytes(data)
    assert psbt.inputs[0].preimages == {(0x0B, digest): b"x"}
    assert psbt.serialize() == data


def test_key_origin_text() -> None:
    origin = KeyOrigin.from_text(bytes(4), "m/84'/1h/0'/1/7")
    assert origin.path == (84 | 0x8000_0000, 1 | 0x8000_0000, 0x8000_0000, 1, 7)
    assert origin.path_text == "m/84'/1'/0'/1/7"
    assert KeyOrigin.parse(origin.serialize(), "x") == origin
    for bad in ("84'/0", "m/x", f"m/{2**31}"):
        with pytest.raises(InvalidInput):
            KeyOrigin.from_text(bytes(4), bad)
    with pytest.raises(InvalidInput):
        KeyOrigin.parse(b"\x00" * 6, "x")


def test_base64_errors() -> None:
    with pytest.raises(InvalidInput) as caught:
        Psbt.from_base64("not base64!")
    assert caught.value.field == "psbt"
