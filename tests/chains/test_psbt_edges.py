"""PSBT v0 records the BIP vectors do not reach: each bad value is refused naming its record
and the reason, and each good one (proprietary records, the version field, output scripts)
is kept byte for byte and read the same by an independent parser (rust-bitcoin, through
bdkpython)."""

from __future__ import annotations

import base64

import bdkpython as bdk
import pytest

from ledger.chains.bitcoin.encoding import OutPoint, Transaction, TxIn, TxOut, compact_size
from ledger.chains.bitcoin.psbt import Psbt, PsbtInput, PsbtOutput, describe
from ledger.errors import InvalidInput

G = bytes.fromhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
G_X = G[1:]
PREV_TXID = b"\x11" * 32
PREVOUT = OutPoint(PREV_TXID, 0)
P2WPKH = b"\x00\x14" + b"\x22" * 20


def record(key: bytes, value: bytes) -> bytes:
    return compact_size(len(key)) + key + compact_size(len(value)) + value


def unsigned_tx(prevout: OutPoint = PREVOUT) -> bytes:
    return Transaction(2, (TxIn(prevout, b"", 0xFFFFFFFF),), (TxOut(1000, P2WPKH),),
                       0).serialize()


def psbt_bytes(*, global_extra: bytes = b"", input_map: bytes = b"", output_map: bytes = b"",
               tx: bytes | None = None) -> bytes:
    """One input, one output; each map holds what it is given."""
    tx = unsigned_tx() if tx is None else tx
    return (b"psbt\xff" + record(b"\x00", tx) + global_extra + b"\x00" + input_map + b"\x00"
            + output_map + b"\x00")


def refused(data: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        Psbt.from_bytes(data)
    return caught.value


def bdk_round_trip(data: bytes) -> Psbt:
    return Psbt.from_base64(bdk.Psbt(base64.b64encode(data).decode()).serialize())


DER_SIG = bytes.fromhex("3006020101020101")  # r = s = 1, strict DER


@pytest.mark.parametrize(("signature", "words"), [
    (b"\x30\x01\x01", "not a DER signature followed by a sighash byte"),
    (b"\x31" + bytes(8) + b"\x01", "not valid DER"),
    # BIP-66: neither a negative r nor a padded one (the decoder is strict DER itself).
    (bytes.fromhex("3006020180020101") + b"\x01", "not valid DER"),
    (bytes.fromhex("300702020001020101") + b"\x01", "not valid DER"),
    (DER_SIG + b"\x05", "undefined sighash byte 0x05"),
])
def test_bad_partial_signatures(signature: bytes, words: str) -> None:
    problem = refused(psbt_bytes(input_map=record(b"\x02" + G, signature)))
    assert problem.field == "psbt.inputs[0].PSBT_IN_PARTIAL_SIG"
    assert words in problem.message


def test_a_partial_signature_key_with_a_wrong_prefix() -> None:
    problem = refused(psbt_bytes(input_map=record(b"\x02\x05" + G[1:], DER_SIG + b"\x01")))
    assert problem.field == "psbt.inputs[0].PSBT_IN_PARTIAL_SIG"
    assert problem.message == "public key has a wrong SEC1 prefix"


def test_a_well_formed_partial_signature_is_kept() -> None:
    data = psbt_bytes(input_map=record(b"\x02" + G, DER_SIG + b"\x01"))
    psbt = Psbt.from_bytes(data)
    assert psbt.inputs[0].partial_sigs == {G: DER_SIG + b"\x01"}
    assert psbt.serialize() == data
    assert bdk_round_trip(data) == psbt


def tap_tree(*leaves: tuple[int, int, bytes]) -> bytes:
    return b"".join(bytes([d, v]) + compact_size(len(s)) + s for d, v, s in leaves)


@pytest.mark.parametrize(("tree", "words"), [
    (tap_tree((129, 0xC0, b"\x51")), "leaf depth 129 exceeds 128"),
    (tap_tree((0, 0xC1, b"\x51")), "leaf version 0xc1 has its low bit set"),
    (b"", "taproot tree has no leaves"),
    (tap_tree((0, 0xC0, b"\x51"), (0, 0xC0, b"\x52")), "leaves past a complete tree"),
    (tap_tree((2, 0xC0, b"\x51"), (1, 0xC0, b"\x52")), "not in depth-first order"),
    (tap_tree((1, 0xC0, b"\x51")), "taproot tree is incomplete"),
])
def test_bad_taproot_trees(tree: bytes, words: str) -> None:
    problem = refused(psbt_bytes(output_map=record(b"\x06", tree)))
    assert problem.field == "psbt.outputs[0].PSBT_OUT_TAP_TREE"
    assert words in problem.message


def test_a_two_leaf_tree_is_read() -> None:
    data = psbt_bytes(output_map=record(b"\x05", G_X)
                      + record(b"\x06", tap_tree((1, 0xC0, b"\x51"), (1, 0xC0, b"\x52"))))
    out = Psbt.from_bytes(data).outputs[0]
    assert [(leaf.depth, leaf.script) for leaf in out.tap_tree or ()] == \
        [(1, b"\x51"), (1, b"\x52")]
    assert Psbt.from_bytes(data).serialize() == data


def test_output_scripts_and_proprietary_records_are_kept() -> None:
    proprietary = b"\xfc\x03abc\x00"
    data = psbt_bytes(input_map=record(proprietary, b"in"),
                      output_map=record(b"\x00", b"\x51") + record(b"\x01", b"\x52")
                      + record(proprietary, b"out"),
                      global_extra=record(proprietary, b"global"))
    psbt = Psbt.from_bytes(data)
    assert psbt.proprietary == {proprietary: b"global"}
    assert psbt.inputs[0].proprietary == {proprietary: b"in"}
    out = psbt.outputs[0]
    assert (out.redeem_script, out.witness_script, out.proprietary) == \
        (b"\x51", b"\x52", {proprietary: b"out"})
    assert psbt.serialize() == data
    assert bdk_round_trip(data) == psbt


def test_version_zero_is_kept_and_other_versions_refused() -> None:
    data = psbt_bytes(global_extra=record(b"\xfb", bytes(4)) + record(b"\xfc\x01x\x00", b"p"))
    psbt = Psbt.from_bytes(data)
    assert psbt.version == 0 and psbt.proprietary == {b"\xfc\x01x\x00": b"p"}
    assert psbt.serialize() == data
    problem = refused(psbt_bytes(global_extra=record(b"\xfb", bytes(2))))
    assert (problem.field, problem.message) == (
        "psbt.global.PSBT_GLOBAL_VERSION", "the version is a 4-byte integer")


def test_an_xpub_key_has_78_bytes() -> None:
    problem = refused(psbt_bytes(global_extra=record(b"\x01" + bytes(77), bytes(4))))
    assert (problem.field, problem.message) == (
        "psbt.global.PSBT_GLOBAL_XPUB", "an extended public key has 78 bytes")


def test_a_broken_unsigned_tx_is_named_without_the_witness_hint() -> None:
    problem = refused(psbt_bytes(tx=unsigned_tx()[:-2]))
    assert problem.field == "psbt.global.PSBT_GLOBAL_UNSIGNED_TX"
    assert "ends early" in problem.message and "witness serialization" not in problem.message


def test_a_non_witness_utxo_must_have_the_spent_output() -> None:
    funding = Transaction(2, (TxIn(OutPoint(b"\x01" * 32, 0), b"\x51", 0xFFFFFFFF),),
                          (TxOut(5000, P2WPKH),), 0)
    spend_missing = unsigned_tx(OutPoint(funding.txid(), 3))
    problem = refused(psbt_bytes(tx=spend_missing,
                                 input_map=record(b"\x00", funding.serialize())))
    assert problem.field == "psbt.inputs[0].PSBT_IN_NON_WITNESS_UTXO"
    assert "spends output 3, which this transaction does not have" in problem.message
    good = psbt_bytes(tx=unsigned_tx(OutPoint(funding.txid(), 0)),
                      input_map=record(b"\x00", funding.serialize()))
    psbt = Psbt.from_bytes(good)
    assert psbt.spent_output(0) == TxOut(5000, P2WPKH)
    assert bdk_round_trip(good) == psbt


def test_an_input_with_no_utxo_spends_nothing_known() -> None:
    psbt = Psbt.from_bytes(psbt_bytes())
    assert psbt.spent_output(0) is None
    assert describe(psbt) == {"unsigned_txid": psbt.tx.txid_hex(), "inputs": 1,
                              "outputs": 1, "final_inputs": []}


def test_a_tap_leaf_script_needs_its_leaf_version() -> None:
    problem = refused(psbt_bytes(input_map=record(b"\x15\xc0" + G_X, b"")))
    assert (problem.field, problem.message) == (
        "psbt.inputs[0].PSBT_IN_TAP_LEAF_SCRIPT", "needs a script and a leaf version byte")


def test_version_2_output_fields_are_refused() -> None:
    problem = refused(psbt_bytes(output_map=record(b"\x03", bytes(8))))
    assert (problem.field, problem.message) == (
        "psbt.outputs[0].PSBT_OUT_AMOUNT", "a version 2 field in a version 0 PSBT")


def test_built_psbts_serialise_what_they_hold() -> None:
    tx = Transaction.parse(unsigned_tx())
    psbt = Psbt(tx=tx, inputs=[PsbtInput()], outputs=[PsbtOutput(redeem_script=b"\x51")],
                version=0)
    assert Psbt.from_bytes(psbt.serialize()) == psbt
