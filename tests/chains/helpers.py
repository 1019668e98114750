"""Test helpers: BIP text vectors read from the shared folder, and a tiny PSBT creator.

The creator plays the BIP-174 Creator and Updater roles for our own round-trip tests: it
funds each input from a made-up previous transaction (so a non-witness UTXO is a real
transaction whose txid the input names) and fills the fields a wallet would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import bdkpython as bdk

from ledger.chains.bitcoin.addresses import output_script
from ledger.chains.bitcoin.encoding import (
    OutPoint,
    Transaction,
    TxIn,
    TxOut,
    hash160,
    multisig_script,
    p2sh_script,
    p2wpkh_script,
    p2wsh_script,
    sha256,
)
from ledger.chains.bitcoin.psbt import KeyOrigin, Psbt, PsbtInput, PsbtOutput, TapKeyOrigin
from ledger.chains.bitcoin.taproot import x_only
from tests.vectors import vector_path

FINGERPRINT = bytes.fromhex("d90c6a4f")


def mediawiki(name: str) -> str:
    return vector_path(f"bitcoin/{name}").read_text(encoding="utf-8")


def psbt_cases(name: str, section_start: str, section_end: str | None) -> list[tuple[str, str]]:
    """``(case name, base64)`` of one test-vector list in a BIP's mediawiki text."""
    text = mediawiki(name)
    text = text[text.index("==Test Vectors=="):]
    start = text.index(section_start)
    end = text.index(section_end, start) if section_end else len(text)
    return [(case.strip(), b64.strip()) for case, b64 in re.findall(
        r"\* Case: (.*?)\n.*?Base64 String: <pre>([^<]+)</pre>", text[start:end], re.S)]


def after(name: str, marker: str) -> list[str]:
    """Every base64 PSBT after ``marker`` in the text, in order."""
    text = mediawiki(name)
    return [b.strip() for b in re.findall(r"Base64 String: <pre>([^<]+)</pre>",
                                          text[text.index(marker):])]


def bdk_finalize(psbt_base64: str) -> tuple[bool, str, str]:
    """BDK's finalizer (rust-miniscript: it runs the script interpreter, so it checks every
    signature): ``(finalized, network tx hex, errors)``."""
    result = bdk.Psbt(psbt_base64).finalize()
    if not result.could_finalize:
        return False, "", str(result.errors)
    tx = result.psbt.extract_tx_unchecked_fee_rate()
    return True, bytes(tx.serialize()).hex(), ""


@dataclass
class Spend:
    """One input to create: what it pays to and how the PSBT describes it."""

    kind: str  # p2pkh | p2sh-p2wpkh | p2wpkh | p2tr | p2wsh-multisig
    public_keys: list[bytes]
    amount: int
    threshold: int = 1
    origins: list[KeyOrigin] = field(default_factory=list)
    witness_utxo: bool = True
    non_witness_utxo: bool = False
    sighash_type: int | None = None


def _script_for(spend: Spend) -> tuple[bytes, bytes | None, bytes | None]:
    """``(scriptPubKey, redeemScript, witnessScript)``."""
    if spend.kind == "p2wsh-multisig":
        script = multisig_script(spend.threshold, sorted(spend.public_keys))
        return p2wsh_script(sha256(script)), None, script
    if spend.kind == "p2sh-p2wpkh":
        redeem = p2wpkh_script(hash160(spend.public_keys[0]))
        return p2sh_script(hash160(redeem)), redeem, None
    return output_script(spend.public_keys[0], spend.kind), None, None


def create_psbt(spends: list[Spend], outputs: list[TxOut], *, locktime: int = 0) -> Psbt:
    inputs, entries = [], []
    for position, spend in enumerate(spends):
        script, redeem, witness = _script_for(spend)
        funding = Transaction(
            2, (TxIn(OutPoint(bytes([position + 1]) * 32, 0), b"\x51", 0xFFFFFFFF),),
            (TxOut(1000, b"\x6a"), TxOut(spend.amount, script)), 0)
        inputs.append(TxIn(OutPoint(funding.txid(), 1), b"", 0xFFFFFFFD))
        entry = PsbtInput(redeem_script=redeem, witness_script=witness,
                          sighash_type=spend.sighash_type)
        if spend.witness_utxo:
            entry.witness_utxo = funding.outputs[1]
        if spend.non_witness_utxo:
            entry.non_witness_utxo = funding
        for public, origin in zip(spend.public_keys, spend.origins, strict=False):
            if spend.kind == "p2tr":
                entry.tap_internal_key = x_only(public)
                entry.tap_bip32_derivations[x_only(public)] = TapKeyOrigin((), origin)
            else:
                entry.bip32_derivations[public] = origin
        entries.append(entry)
    tx = Transaction(2, tuple(inputs), tuple(outputs), locktime)
    return Psbt(tx=tx, inputs=entries, outputs=[PsbtOutput() for _ in outputs])
