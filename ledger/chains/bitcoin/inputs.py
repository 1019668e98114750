"""What a PSBT input spends and how it is signed: the plan the signer and finalizer share.

Requirements:

1. The spent output comes from ``PSBT_IN_WITNESS_UTXO`` or ``PSBT_IN_NON_WITNESS_UTXO``;
   when both are present they must agree. A non-witness input (P2PKH, legacy P2SH) must carry
   the whole previous transaction: its signature does not commit to the amount, so a
   witness UTXO alone would let the creator lie about it.
2. Redeem and witness scripts must hash to what the output (or redeem script) commits to;
   otherwise the PSBT is inconsistent and refused, whoever's key it is (BIP-174 signer
   checks).
3. Supported spends: P2PKH, P2WPKH, P2SH-P2WPKH, P2TR key path, and m-of-n CHECKMULTISIG (or
   a single ``<key> OP_CHECKSIG``) under P2WSH, P2SH-P2WSH or legacy P2SH. Anything else is
   reported as unsupported, by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.chains.bitcoin.encoding import (
    OP_CHECKSIG,
    Transaction,
    TxOut,
    classify_script,
    hash160,
    p2pkh_script,
    parse_multisig,
    read_pushes,
    sha256,
)
from ledger.chains.bitcoin.psbt import Psbt
from ledger.chains.bitcoin.sighash import (
    TaprootHashes,
    legacy_sighash,
    segwit_v0_sighash,
    taproot_sighash,
)
from ledger.errors import InvalidInput

__all__ = ["InputPlan", "UnsupportedInput", "plan_input", "sighash", "spent_outputs"]


class UnsupportedInput(InvalidInput):
    """The input is well formed but of a kind this signer does not sign (or cannot tell)."""


@dataclass(frozen=True, slots=True)
class InputPlan:
    kind: str
    """``p2pkh``, ``p2wpkh``, ``p2sh-p2wpkh``, ``p2wsh``, ``p2sh-p2wsh``, ``p2sh`` or ``p2tr``."""
    spent: TxOut
    script_code: bytes
    """What ECDSA sighashes commit to (empty for taproot)."""
    key_hash: bytes | None = None
    """HASH160 of the one key of a P2PKH/P2WPKH spend."""
    keys: tuple[bytes, ...] = ()
    """Keys of a script spend, in script order."""
    threshold: int = 0
    redeem_script: bytes | None = None
    witness_script: bytes | None = None
    output_key: bytes | None = None
    checksig: bool = False
    """The script is ``<key> OP_CHECKSIG`` (its witness has no leading empty item)."""

    @property
    def is_taproot(self) -> bool:
        return self.kind == "p2tr"

    @property
    def is_segwit_v0(self) -> bool:
        return self.kind in ("p2wpkh", "p2sh-p2wpkh", "p2wsh", "p2sh-p2wsh")

    @property
    def is_multisig(self) -> bool:
        return self.kind in ("p2wsh", "p2sh-p2wsh", "p2sh")


def _where(index: int) -> str:
    return f"psbt.inputs[{index}]"


def _spent(psbt: Psbt, index: int) -> TxOut:
    entry = psbt.inputs[index]
    vout = psbt.tx.inputs[index].prevout.vout
    from_tx = entry.non_witness_utxo.outputs[vout] if entry.non_witness_utxo else None
    if from_tx is not None and entry.witness_utxo is not None and from_tx != entry.witness_utxo:
        raise InvalidInput("PSBT_IN_WITNESS_UTXO disagrees with the output of "
                           "PSBT_IN_NON_WITNESS_UTXO it names", field=_where(index))
    spent = entry.witness_utxo or from_tx
    if spent is None:
        raise UnsupportedInput("has no UTXO data (PSBT_IN_WITNESS_UTXO or "
                               "PSBT_IN_NON_WITNESS_UTXO): the amount and script it spends "
                               "are unknown", field=_where(index))
    return spent


def _script_keys(script: bytes, index: int, what: str) -> tuple[int, tuple[bytes, ...], bool]:
    """``(threshold, keys, is <key> OP_CHECKSIG)`` of a supported script."""
    multisig = parse_multisig(script)
    if multisig is not None:
        return multisig[0], tuple(multisig[1]), False
    items = read_pushes(script)
    if items is not None and len(items) == 2 and isinstance(items[0], bytes) \
            and len(items[0]) == 33 and items[1] == OP_CHECKSIG:
        return 1, (items[0],), True
    raise UnsupportedInput(f"the {what} is neither m-of-n CHECKMULTISIG nor <key> "
                           "OP_CHECKSIG: not signed here", field=_where(index))


def _needs_previous_tx(psbt: Psbt, index: int, kind: str) -> None:
    if psbt.inputs[index].non_witness_utxo is None:
        raise UnsupportedInput(f"a non-witness ({kind}) input needs PSBT_IN_NON_WITNESS_UTXO; "
                               "a witness UTXO does not commit its amount",
                               field=_where(index))


def plan_input(psbt: Psbt, index: int) -> InputPlan:
    """The plan for input ``index``; raises :class:`InvalidInput` (inconsistent PSBT) or
    :class:`UnsupportedInput` (missing data or a script kind we do not sign)."""
    entry = psbt.inputs[index]
    spent = _spent(psbt, index)
    kind, program = classify_script(spent.script_pubkey)
    if kind == "p2pkh":
        _needs_previous_tx(psbt, index, "p2pkh")
        return InputPlan("p2pkh", spent, spent.script_pubkey, key_hash=program)
    if kind == "p2wpkh":
        return InputPlan("p2wpkh", spent, p2pkh_script(program), key_hash=program)
    if kind == "p2tr":
        return InputPlan("p2tr", spent, b"", output_key=program)
    if kind == "p2wsh":
        script = _witness_script(entry.witness_script, program, index, "scriptPubKey")
        threshold, keys, checksig = _script_keys(script, index, "witnessScript")
        return InputPlan("p2wsh", spent, script, keys=keys, threshold=threshold,
                         witness_script=script, checksig=checksig)
    if kind == "p2sh":
        redeem = entry.redeem_script
        if redeem is None:
            raise UnsupportedInput("spends P2SH but has no PSBT_IN_REDEEM_SCRIPT",
                                   field=_where(index))
        if hash160(redeem) != program:
            raise InvalidInput("PSBT_IN_REDEEM_SCRIPT does not match the scriptPubKey it "
                               "spends", field=_where(index))
        inner, inner_program = classify_script(redeem)
        if inner == "p2wpkh":
            return InputPlan("p2sh-p2wpkh", spent, p2pkh_script(inner_program),
                             key_hash=inner_program, redeem_script=redeem)
        if inner == "p2wsh":
            script = _witness_script(entry.witness_script, inner_program, index, "redeemScript")
            threshold, keys, checksig = _script_keys(script, index, "witnessScript")
            return InputPlan("p2sh-p2wsh", spent, script, keys=keys, threshold=threshold,
                             redeem_script=redeem, witness_script=script, checksig=checksig)
        _needs_previous_tx(psbt, index, "p2sh")
        threshold, keys, checksig = _script_keys(redeem, index, "redeemScript")
        return InputPlan("p2sh", spent, redeem, keys=keys, threshold=threshold,
                         redeem_script=redeem, checksig=checksig)
    raise UnsupportedInput("spends an output script of no standard type", field=_where(index))


def _witness_script(script: bytes | None, program: bytes, index: int, against: str) -> bytes:
    if script is None:
        raise UnsupportedInput("spends P2WSH but has no PSBT_IN_WITNESS_SCRIPT",
                               field=_where(index))
    if sha256(script) != program:
        raise InvalidInput(f"PSBT_IN_WITNESS_SCRIPT does not match the {against}",
                           field=_where(index))
    return script


def spent_outputs(psbt: Psbt) -> list[TxOut] | None:
    """Every input's spent output, or ``None`` if any is unknown (taproot needs all)."""
    outputs = []
    for index in range(len(psbt.inputs)):
        try:
            outputs.append(_spent(psbt, index))
        except UnsupportedInput:
            return None
    return outputs


def sighash(tx: Transaction, index: int, plan: InputPlan, hash_type: int,
            spent: list[TxOut] | None, hashes: TaprootHashes | None = None) -> bytes:
    """The digest input ``index`` signs under ``hash_type`` (``hashes``: BIP-341's
    per-transaction hashes, computed once per PSBT by callers signing many inputs)."""
    if plan.is_taproot:
        if spent is None:
            raise InvalidInput("taproot signing needs the UTXO of every input (BIP-341 "
                               "commits to all amounts and scripts)", field=_where(index))
        return taproot_sighash(tx, index, spent, hash_type, hashes)
    if plan.is_segwit_v0:
        return segwit_v0_sighash(tx, index, plan.script_code, plan.spent.value, hash_type)
    return legacy_sighash(tx, index, plan.script_code, hash_type)
