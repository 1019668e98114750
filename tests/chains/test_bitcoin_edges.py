"""Bitcoin edges the vectors do not reach: wire sizes at each compact-size and push-size
boundary, bare P2SH multisig (whose redeem script needs PUSHDATA1/2 in the scriptSig), a
``<key> OP_CHECKSIG`` witness script, SIGHASH_NONE/SINGLE on legacy inputs, the combiner's
and the key-path signer's refusals. Every transaction we finalise is also finalised by BDK
(rust-miniscript runs the script interpreter, so it checks each signature we made)."""

from __future__ import annotations

import bdkpython as bdk
import coincurve
import pytest
from bip_utils import Base58Decoder, Bip32Slip10Secp256k1, SegwitBech32Encoder

from ledger.chains.bitcoin.addresses import (
    address_for_key,
    address_from_script,
    bitcoin_path,
    output_script,
    public_key_of,
    script_from_address,
)
from ledger.chains.bitcoin.combine import combine_psbts
from ledger.chains.bitcoin.encoding import (
    OP_CHECKSIG,
    OutPoint,
    Reader,
    Transaction,
    TxIn,
    TxOut,
    compact_size,
    hash160,
    multisig_script,
    p2sh_script,
    p2tr_script,
    p2wsh_script,
    parse_multisig,
    push_data,
    read_pushes,
    sha256,
)
from ledger.chains.bitcoin.finalize import extract_transaction, finalize_inputs, finalize_psbt
from ledger.chains.bitcoin.inputs import UnsupportedInput, plan_input
from ledger.chains.bitcoin.keypath import key_path_input, with_key_path_signature
from ledger.chains.bitcoin.psbt import KeyOrigin, Psbt, PsbtInput, PsbtOutput
from ledger.chains.bitcoin.sighash import legacy_sighash, segwit_v0_sighash, taproot_sigmsg
from ledger.chains.bitcoin.signer import SigningKey, sign_psbt
from ledger.chains.bitcoin.taproot import (
    output_key,
    tap_tree_root,
    tap_tweak,
    tweak_private_key,
    x_only,
)
from ledger.errors import InvalidInput
from tests.chains.helpers import FINGERPRINT, Spend, bdk_finalize, create_psbt

KEYS = [SigningKey.from_private(bytearray([i + 1]) * 32) for i in range(15)]
DESTINATION = TxOut(60_000, output_script(KEYS[0].public_key, "p2wpkh"))


def funded(scripts: list[tuple[bytes, int]], outputs: list[TxOut], *,
           non_witness: bool = True) -> Psbt:
    """A PSBT spending one made-up output per ``(scriptPubKey, amount)``."""
    inputs, entries = [], []
    for position, (script, amount) in enumerate(scripts):
        funding = Transaction(
            2, (TxIn(OutPoint(bytes([position + 7]) * 32, 0), b"\x51", 0xFFFFFFFF),),
            (TxOut(amount, script),), 0)
        inputs.append(TxIn(OutPoint(funding.txid(), 0), b"", 0xFFFFFFFD))
        entries.append(PsbtInput(non_witness_utxo=funding if non_witness else None,
                                 witness_utxo=None if non_witness else funding.outputs[0]))
    tx = Transaction(2, tuple(inputs), tuple(outputs), 0)
    return Psbt(tx=tx, inputs=entries, outputs=[PsbtOutput() for _ in outputs])


def finalised_by_both(psbt: Psbt) -> str:
    ours = finalize_psbt(psbt)
    ok, theirs, errors = bdk_finalize(psbt.to_base64())
    assert ok, errors
    assert theirs == ours.tx_hex
    return ours.tx_hex


# --- wire encoding --------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "encoded"), [
    (0xFC, "fc"), (0xFD, "fdfd00"), (0xFFFF, "fdffff"), (0x10000, "fe00000100"),
    (0xFFFF_FFFF, "feffffffff"), (0x1_0000_0000, "ff0000000001000000"),
])
def test_compact_sizes_at_each_boundary_read_back(value: int, encoded: str) -> None:
    assert compact_size(value).hex() == encoded
    reader = Reader(compact_size(value), "n")
    assert reader.compact_size() == value
    reader.finish()


def test_a_non_minimal_four_byte_size_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Reader(b"\xfe\xff\xff\x00\x00", "psbt").compact_size("key length")
    assert (caught.value.field, caught.value.message) == (
        "psbt", "non-minimal compact size for key length")


def test_reading_past_the_end_names_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        Reader(b"ab", "tx").read(3, "txid")
    assert (caught.value.field, caught.value.message) == (
        "tx", "ends early: 3 bytes of txid announced, 2 left")


def test_long_outputs_and_many_outputs_are_read_like_bdk_reads_them() -> None:
    """253 outputs (a 3-byte count) and a 65 536-byte script (a 5-byte length)."""
    outputs = (*(TxOut(n, b"\x6a") for n in range(253)), TxOut(1, b"\x6a" * 0x10000))
    tx = Transaction(2, (TxIn(OutPoint(b"\x01" * 32, 0), b"", 0xFFFFFFFF),), outputs, 0)
    raw = tx.serialize()
    assert compact_size(254) in raw and b"\xfe\x00\x00\x01\x00" in raw
    assert Transaction.parse(raw) == tx
    theirs = bdk.Transaction(raw)
    assert len(theirs.output()) == 254
    assert str(theirs.compute_txid()) == tx.txid_hex()
    assert bytes(theirs.output()[253].script_pubkey.to_bytes()) == b"\x6a" * 0x10000


def _segwit(witness: bytes) -> bytes:
    return (bytes.fromhex("02000000") + b"\x00\x01" + b"\x01" + bytes(32) + bytes(4) + b"\x00"
            + b"\xff" * 4 + b"\x01" + bytes(8) + b"\x01\x51" + witness + bytes(4))


def test_witness_flags_are_checked() -> None:
    assert Transaction.parse(_segwit(b"\x01\x01\xaa")).witnesses == ((b"\xaa",),)
    bad_flag = bytearray(_segwit(b"\x01\x01\xaa"))
    bad_flag[5] = 2
    with pytest.raises(InvalidInput) as caught:
        Transaction.parse(bytes(bad_flag), "tx")
    assert (caught.value.field, caught.value.message) == ("tx", "unknown witness flag 2")
    with pytest.raises(InvalidInput) as empty:
        Transaction.parse(_segwit(b"\x00"), "tx")
    assert empty.value.message == "witness flag set but every witness is empty"


@pytest.mark.parametrize(("size", "prefix"), [
    (75, "4b"), (76, "4c4c"), (255, "4cff"), (256, "4d0001"), (0xFFFF, "4dffff"),
    (0x10000, "4e00000100"),
])
def test_pushes_of_each_size_read_back(size: int, prefix: str) -> None:
    data = bytes([0x5A]) * size
    pushed = push_data(data)
    assert pushed[:len(prefix) // 2].hex() == prefix
    assert read_pushes(pushed + bytes([OP_CHECKSIG])) == [data, OP_CHECKSIG]


@pytest.mark.parametrize("script", [b"\x4d\x01", b"\x4c\x05abc", b"\x03ab", b"\x4e\x00\x00"])
def test_truncated_pushes_make_no_script(script: bytes) -> None:
    assert read_pushes(script) is None


def test_multisig_bounds_and_what_is_not_multisig() -> None:
    keys = [k.public_key for k in KEYS[:3]]
    for threshold, count in ((0, 3), (4, 3)):
        with pytest.raises(InvalidInput) as caught:
            multisig_script(threshold, keys[:count])
        assert (caught.value.field, caught.value.message) == (
            "threshold", "multisig needs 1 <= m <= n <= 16")
    good = multisig_script(2, keys)
    assert parse_multisig(good) == (2, keys)
    ops = {"m": good[0], "n": good[-2]}
    assert parse_multisig(good[:-1] + b"\xac") is None                        # CHECKSIG
    assert parse_multisig(b"\x52\x51\xae") is None                             # too short
    assert parse_multisig(push_data(b"x") + good[1:]) is None                  # m is data
    assert parse_multisig(bytes([0x00]) + good[1:]) is None                    # m = OP_0
    assert parse_multisig(good[:-2] + bytes([ops["n"] + 1, 0xAE])) is None     # n != keys
    assert parse_multisig(bytes([0x54]) + good[1:]) is None                    # m > n
    short_key = bytes([0x52]) + push_data(keys[0]) + push_data(b"k" * 20) + bytes([0x52, 0xAE])
    assert parse_multisig(short_key) is None


# --- bare P2SH multisig, P2WSH <key> CHECKSIG -----------------------------------------------

@pytest.mark.parametrize(("threshold", "count", "push"), [(2, 3, 0x4C), (1, 8, 0x4D)])
def test_bare_p2sh_multisig_is_signed_and_finalised_like_bdk(threshold: int, count: int,
                                                           push: int) -> None:
    keys = sorted(k.public_key for k in KEYS[:count])
    redeem = multisig_script(threshold, keys)
    psbt = funded([(p2sh_script(hash160(redeem)), 50_000)], [DESTINATION])
    psbt.inputs[0].redeem_script = redeem
    signers = [k for k in KEYS[:count] if k.public_key in keys[:threshold]]
    for signer in signers:
        psbt = sign_psbt(psbt, signer).psbt
    assert plan_input(psbt, 0).kind == "p2sh" and plan_input(psbt, 0).is_multisig
    tx = Transaction.parse(bytes.fromhex(finalised_by_both(psbt)))
    script_sig = read_pushes(tx.inputs[0].script_sig)
    assert script_sig is not None and script_sig[0] == 0 and script_sig[-1] == redeem
    assert tx.inputs[0].script_sig[-len(redeem) - 3 + (push == 0x4C)] == push


def test_a_bare_p2sh_input_without_its_previous_transaction_is_unsupported() -> None:
    redeem = multisig_script(1, [KEYS[0].public_key])
    psbt = funded([(p2sh_script(hash160(redeem)), 50_000)], [DESTINATION], non_witness=False)
    psbt.inputs[0].redeem_script = redeem
    with pytest.raises(UnsupportedInput, match="needs PSBT_IN_NON_WITNESS_UTXO") as caught:
        plan_input(psbt, 0)
    assert caught.value.field == "psbt.inputs[0]"


def test_a_p2wsh_key_checksig_script_is_signed_and_finalised_like_bdk() -> None:
    script = push_data(KEYS[1].public_key) + bytes([OP_CHECKSIG])
    psbt = funded([(p2wsh_script(sha256(script)), 40_000)], [DESTINATION], non_witness=False)
    psbt.inputs[0].witness_script = script
    plan = plan_input(psbt, 0)
    assert (plan.checksig, plan.threshold, plan.keys) == (True, 1, (KEYS[1].public_key,))
    signed = sign_psbt(psbt, KEYS[1]).psbt
    tx = Transaction.parse(bytes.fromhex(finalised_by_both(signed)))
    assert len(tx.witnesses[0]) == 2 and tx.witnesses[0][1] == script  # no dummy item


@pytest.mark.parametrize(("build", "error", "words"), [
    ("p2wsh-no-script", UnsupportedInput, "spends P2WSH but has no PSBT_IN_WITNESS_SCRIPT"),
    ("p2wsh-other", UnsupportedInput, "neither m-of-n CHECKMULTISIG nor <key> OP_CHECKSIG"),
    ("p2sh-no-redeem", UnsupportedInput, "spends P2SH but has no PSBT_IN_REDEEM_SCRIPT"),
    ("nonstandard", UnsupportedInput, "spends an output script of no standard type"),
    ("utxo-disagree", InvalidInput, "PSBT_IN_WITNESS_UTXO disagrees with the output"),
])
def test_inputs_that_cannot_be_planned(build: str, error: type[InvalidInput],
                                       words: str) -> None:
    other = b"\x51\x75"
    script = {"p2wsh-no-script": p2wsh_script(sha256(other)),
              "p2wsh-other": p2wsh_script(sha256(other)),
              "p2sh-no-redeem": p2sh_script(hash160(other)),
              "nonstandard": b"\x6a\x01\x00",
              "utxo-disagree": DESTINATION.script_pubkey}[build]
    psbt = funded([(script, 30_000)], [DESTINATION])
    if build == "p2wsh-other":
        psbt.inputs[0].witness_script = other
    if build == "utxo-disagree":
        psbt.inputs[0].witness_utxo = TxOut(30_001, script)
    with pytest.raises(error) as caught:
        plan_input(psbt, 0)
    assert type(caught.value) is error
    assert caught.value.field == "psbt.inputs[0]" and words in caught.value.message


# --- signature hashes -----------------------------------------------------------------------

@pytest.mark.parametrize("hash_type", [0x02, 0x03, 0x82, 0x83])
def test_legacy_none_and_single_signatures_verify_in_bdk(hash_type: int) -> None:
    spends = [Spend("p2pkh", [KEYS[i].public_key], 20_000 + i, witness_utxo=False,
                    non_witness_utxo=True, sighash_type=hash_type) for i in range(2)]
    psbt = create_psbt(spends, [DESTINATION, TxOut(1_000, DESTINATION.script_pubkey)])
    for key in KEYS[:2]:
        psbt = sign_psbt(psbt, key, allowed_sighash=frozenset({hash_type})).psbt
    assert all(next(iter(e.partial_sigs.values()))[-1] == hash_type for e in psbt.inputs)
    finalised_by_both(psbt)


def test_malformed_script_codes_and_undefined_types_are_refused() -> None:
    tx = Transaction(2, (TxIn(OutPoint(bytes(32), 0), b"", 0),), (), 0)
    with pytest.raises(InvalidInput) as code:
        legacy_sighash(tx, 0, b"\x4c", 0x01)
    assert (code.value.field, code.value.message) == (
        "script_code", "the script code is malformed (a push runs past its end)")
    with pytest.raises(InvalidInput) as kind:
        segwit_v0_sighash(tx, 0, b"", 1, 0x04)
    assert (kind.value.field, kind.value.message) == (
        "sighash_type", "sighash type 0x4 is not defined")
    with pytest.raises(InvalidInput) as single:
        taproot_sigmsg(tx, 0, [TxOut(1, p2tr_script(bytes(32)))], 0x03)
    assert (single.value.field, single.value.message) == (
        "sighash_type", "SIGHASH_SINGLE on input 0 has no matching output")


# --- taproot helpers ------------------------------------------------------------------------

def test_taproot_helpers_refuse_bad_sizes_and_points() -> None:
    cases = [
        (lambda: tap_tweak(bytes(33), None), "internal_key", "an x-only key has 32 bytes"),
        (lambda: tap_tweak(bytes(32), bytes(31)), "merkle_root",
         "a taproot merkle root has 32 bytes"),
        (lambda: x_only(b"\x04" + bytes(32)), "public_key",
         "expected a compressed (33-byte) or x-only (32-byte) key"),
        (lambda: output_key(b"\xff" * 32), "internal_key", "not a valid x-only public key"),
        (lambda: tweak_private_key(bytearray(32)), "private_key",
         "secp256k1 private key is out of range"),
        (lambda: tap_tree_root([(1, 0xC0, b"\x51")]), "tap_tree",
         "the leaves do not form a complete binary tree"),
    ]
    for call, field, message in cases:
        with pytest.raises(InvalidInput) as caught:
            call()
        assert (caught.value.field, caught.value.message) == (field, message)


# --- addresses ------------------------------------------------------------------------------

def test_address_refusals_name_the_field() -> None:
    off_curve = b"\x02" + b"\xff" * 32
    with pytest.raises(InvalidInput) as point:
        output_script(off_curve, "p2wpkh")
    assert (point.value.field, point.value.message) == ("public_key", "not a point on secp256k1")
    order = bytearray.fromhex(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
    with pytest.raises(InvalidInput) as scalar:
        public_key_of(order)
    assert (scalar.value.field, scalar.value.message) == (
        "private_key", "secp256k1 private key is out of range")
    with pytest.raises(InvalidInput) as size:
        public_key_of(bytearray(31))
    assert (size.value.field, size.value.message) == ("private_key", "a private key has 32 bytes")
    with pytest.raises(InvalidInput) as kind:
        bitcoin_path("p2wsh")
    assert kind.value.field == "type" and "p2pkh, p2sh-p2wpkh, p2wpkh, p2tr" in kind.value.message


def test_taproot_addresses_decode_like_bdk_and_future_versions_are_refused() -> None:
    address = address_for_key(KEYS[3].public_key, "p2tr", "testnet")
    ours = script_from_address(address, "testnet")
    theirs = bdk.Address(address, bdk.Network.TESTNET).script_pubkey().to_bytes()
    assert ours == bytes(theirs) == output_script(KEYS[3].public_key, "p2tr")
    witness_script = multisig_script(1, [KEYS[3].public_key])
    p2wsh = address_from_script(p2wsh_script(sha256(witness_script)), "testnet")
    assert p2wsh is not None and p2wsh.startswith("tb1q")
    assert script_from_address(p2wsh, "testnet") == bytes(
        bdk.Address(p2wsh, bdk.Network.TESTNET).script_pubkey().to_bytes())
    # A segwit v2 address: valid bech32m, which BDK takes, but no standard output yet.
    future = SegwitBech32Encoder.Encode("tb", 2, bytes(range(16)))
    assert bytes(bdk.Address(future, bdk.Network.TESTNET).script_pubkey().to_bytes()) == \
        b"\x52\x10" + bytes(range(16))
    with pytest.raises(InvalidInput) as caught:
        script_from_address(future, "testnet")
    assert caught.value.field == "address"
    assert caught.value.message == (
        "segwit v2 address with a 16-byte program is not a standard output")


# --- combiner -------------------------------------------------------------------------------

def _two_signed() -> tuple[Psbt, Psbt]:
    spend = Spend("p2wsh-multisig", [k.public_key for k in KEYS[:3]], 90_000, threshold=2)
    psbt = create_psbt([spend], [DESTINATION])
    return sign_psbt(psbt, KEYS[0]).psbt, sign_psbt(psbt, KEYS[2]).psbt


XPUB = bytes(Base58Decoder.CheckDecode(
    Bip32Slip10Secp256k1.FromSeed(bytes(range(32))).PublicKey().ToExtended()))


def test_combining_agrees_with_bdk_and_merges_xpubs() -> None:
    first, second = _two_signed()
    xpub = XPUB
    origin = KeyOrigin.from_text(FINGERPRINT, "m/48'/1'/0'/2'")
    first.xpubs[xpub] = origin
    second.xpubs[xpub] = origin
    ours = combine_psbts([first, second])
    theirs = Psbt.from_base64(bdk.Psbt(first.to_base64()).combine(
        bdk.Psbt(second.to_base64())).serialize())
    assert ours.inputs == theirs.inputs and ours.xpubs == {xpub: origin}
    finalised_by_both(ours)


def test_combining_refuses_disagreements() -> None:
    with pytest.raises(InvalidInput) as nothing:
        combine_psbts([])
    assert (nothing.value.field, nothing.value.message) == ("psbts", "nothing to combine")
    first, second = _two_signed()
    other = create_psbt([Spend("p2wpkh", [KEYS[0].public_key], 1)], [DESTINATION])
    with pytest.raises(InvalidInput) as different:
        combine_psbts([first, other])
    assert (different.value.field, different.value.message) == (
        "psbts", "PSBT 1 is for a different transaction")
    for change, field, words in [
        (lambda p: p.xpubs.update({XPUB: KeyOrigin(b"\x01" * 4, ())}), "psbt.global",
         "the PSBTs disagree on an xpub origin"),
        (lambda p: p.inputs[0].partial_sigs.update(
            {KEYS[0].public_key: second.inputs[0].partial_sigs[KEYS[2].public_key]}),
         "psbt.inputs[0]", "the PSBTs disagree on partial_sigs"),
        (lambda p: setattr(p.inputs[0], "witness_script", b"\x51"), "psbt.inputs[0]",
         "the PSBTs disagree on witness_script"),
    ]:
        mine = first.copy()
        mine.xpubs[XPUB] = KeyOrigin(b"\x00" * 4, ())
        theirs = first.copy()
        theirs.xpubs[XPUB] = KeyOrigin(b"\x00" * 4, ())
        change(theirs)
        with pytest.raises(InvalidInput) as caught:
            combine_psbts([mine, theirs])
        assert (caught.value.field, caught.value.message) == (field, words)


# --- finalizer and signer -------------------------------------------------------------------

def test_finalized_summary_and_extracting_an_unfinished_psbt() -> None:
    psbt = create_psbt([Spend("p2wpkh", [KEYS[0].public_key], 90_000),
                        Spend("p2wpkh", [KEYS[1].public_key], 9_000)], [DESTINATION])
    with pytest.raises(InvalidInput) as caught:
        extract_transaction(psbt)
    assert (caught.value.field, caught.value.message) == ("psbt", "input(s) 0, 1 are not final")
    for key in KEYS[:2]:
        psbt = sign_psbt(psbt, key).psbt
    final = finalize_psbt(psbt)
    assert final.to_dict() == {"tx": final.tx_hex, "txid": final.txid,
                               "psbt": final.psbt.to_base64()}
    assert bdk.Transaction(bytes.fromhex(final.tx_hex)).compute_txid().__str__() == final.txid


def test_a_second_taproot_signing_is_skipped() -> None:
    psbt = create_psbt([Spend("p2tr", [KEYS[0].public_key], 100_000)], [DESTINATION])
    signed = sign_psbt(psbt, KEYS[0]).psbt
    with pytest.raises(InvalidInput) as caught:
        sign_psbt(signed, KEYS[0])
    assert caught.value.field == "psbt"
    assert caught.value.message == ("no input can be signed with this key (input 0: already "
                                    "has a key-path signature)")


# --- key-path signing for an aggregate key --------------------------------------------------

def _tweaked_signature(key: SigningKey, digest: bytes) -> bytes:
    tweaked = tweak_private_key(key.private_key)
    return coincurve.PrivateKey(bytes(tweaked)).sign_schnorr(digest, bytes(32))


def test_key_path_signing_finds_the_one_input_and_bdk_accepts_the_result() -> None:
    group = KEYS[4]
    group_key = output_key(group.x_only)
    psbt = create_psbt([Spend("p2wpkh", [KEYS[1].public_key], 7_000),
                        Spend("p2tr", [group.public_key], 80_000)], [DESTINATION])
    psbt.inputs.append(PsbtInput())  # an input nobody can plan: skipped, not refused
    extra = TxIn(OutPoint(b"\x09" * 32, 0), b"", 0xFFFFFFFF)
    psbt.tx = Transaction(2, (*psbt.tx.inputs, extra), psbt.tx.outputs, 0)
    with pytest.raises(InvalidInput, match="UTXO of every input"):
        key_path_input(psbt, group_key)  # BIP-341 needs all amounts
    psbt.inputs.pop()
    psbt.tx = Transaction(2, psbt.tx.inputs[:2], psbt.tx.outputs, 0)
    psbt = sign_psbt(psbt, KEYS[1]).psbt
    psbt.inputs[0] = finalize_inputs(psbt)[0].inputs[0]  # a final input is not looked at
    spend = key_path_input(psbt, group_key)
    assert (spend.index, spend.hash_type, spend.txid) == (1, 0x00, psbt.tx.txid_hex())
    with pytest.raises(InvalidInput) as bad:
        with_key_path_signature(psbt, spend, group_key, bytes(64))
    assert (bad.value.field, bad.value.message) == (
        "signature", "the signature does not verify under the output key")
    signed = with_key_path_signature(psbt, spend, group_key,
                                     _tweaked_signature(group, spend.digest))
    assert signed.inputs[1].tap_key_sig is not None and psbt.inputs[1].tap_key_sig is None
    finalised_by_both(signed)
    with pytest.raises(InvalidInput) as again:
        key_path_input(signed, group_key)
    assert (again.value.field, again.value.message) == (
        "psbt.inputs[1]", "input 1 already has a key-path signature")


def test_key_path_signing_needs_exactly_one_input_of_the_key() -> None:
    group = KEYS[4]
    group_key = output_key(group.x_only)
    none = create_psbt([Spend("p2wpkh", [KEYS[1].public_key], 7_000)], [DESTINATION])
    with pytest.raises(InvalidInput) as missing:
        key_path_input(none, group_key)
    assert missing.value.field == "psbt"
    assert missing.value.message == (f"no input of the PSBT pays the key {group_key.hex()} "
                                     "(P2TR key path)")
    two = create_psbt([Spend("p2tr", [group.public_key], 1_000),
                       Spend("p2tr", [group.public_key], 2_000)], [DESTINATION])
    with pytest.raises(InvalidInput) as both:
        key_path_input(two, group_key)
    assert both.value.message == "inputs [0, 1] all pay the group key: sign one per session"
