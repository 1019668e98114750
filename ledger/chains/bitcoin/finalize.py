"""The BIP-174 Input Finalizer and Transaction Extractor roles.

Requirements:

1. Each input's final scriptSig / witness is built from its partial signatures (or its
   taproot key-path signature) for the spends :mod:`ledger.chains.bitcoin.inputs` knows; a
   multisig input takes the first ``m`` signatures in the order of the script's keys.
2. Every signature used is verified first against the sighash its own sighash byte names
   (strict DER and low ``s`` for ECDSA, BIP-340 against the output key for taproot): a PSBT
   carrying a bad signature is refused with :class:`InvalidSignature` naming the input and
   the key (its ``field`` the signature's, ``psbt.inputs[0].PSBT_IN_PARTIAL_SIG``), instead
   of producing a transaction the network would reject.
3. As BIP-174 says, everything but the UTXOs, the final fields and unknown/proprietary data
   is then cleared from the input. Inputs already final are left as they are.
4. :func:`finalize_psbt` refuses an incomplete PSBT, saying which input needs how many more
   signatures; on success it returns the network transaction (hex) and its txid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import coincurve

from ledger.chains.bitcoin.encoding import OP_0, Transaction, TxIn, hash160, push_data
from ledger.chains.bitcoin.inputs import InputPlan, plan_input, sighash, spent_outputs
from ledger.chains.bitcoin.psbt import Psbt, PsbtInput
from ledger.chains.bitcoin.sighash import SIGHASH_DEFAULT
from ledger.crypto.ecdsa_secp256k1 import verify_digest_der
from ledger.errors import InvalidInput, InvalidSignature

__all__ = ["FinalizedPsbt", "extract_transaction", "finalize_inputs", "finalize_psbt"]


@dataclass(frozen=True, slots=True)
class FinalizedPsbt:
    psbt: Psbt
    tx: Transaction

    @property
    def tx_hex(self) -> str:
        return self.tx.serialize().hex()

    @property
    def txid(self) -> str:
        return self.tx.txid_hex()

    def to_dict(self) -> dict[str, Any]:
        return {"tx": self.tx_hex, "txid": self.txid, "psbt": self.psbt.to_base64()}


def _verify_ecdsa(psbt: Psbt, index: int, plan: InputPlan, public_key: bytes,
                  signature: bytes) -> None:
    digest = sighash(psbt.tx, index, plan, signature[-1], None)
    try:
        verify_digest_der(public_key, digest, signature[:-1])
    except InvalidSignature:
        raise InvalidSignature(f"input {index}: the partial signature of {public_key.hex()} "
                               "does not verify",
                               field=f"psbt.inputs[{index}].PSBT_IN_PARTIAL_SIG") from None


def _final_fields(psbt: Psbt, index: int, spent: list[Any] | None
                  ) -> tuple[bytes | None, tuple[bytes, ...] | None] | None:
    """``(scriptSig, witness)`` for input ``index``, or ``None`` if it lacks signatures."""
    entry = psbt.inputs[index]
    plan = plan_input(psbt, index)
    if plan.is_taproot:
        signature = entry.tap_key_sig
        if signature is None:
            return None
        hash_type = SIGHASH_DEFAULT if len(signature) == 64 else signature[64]
        digest = sighash(psbt.tx, index, plan, hash_type, spent)
        if not coincurve.PublicKeyXOnly(plan.output_key or b"").verify(signature[:64], digest):
            raise InvalidSignature(f"input {index}: the taproot key-path signature does not "
                                   "verify", field=f"psbt.inputs[{index}].PSBT_IN_TAP_KEY_SIG")
        return None, (signature,)
    if plan.key_hash is not None:
        matches = [(k, s) for k, s in entry.partial_sigs.items()
                   if hash160(k) == plan.key_hash]
        if not matches:
            return None
        public_key, signature = matches[0]
        _verify_ecdsa(psbt, index, plan, public_key, signature)
        if plan.kind == "p2pkh":
            return push_data(signature) + push_data(public_key), None
        script_sig = push_data(plan.redeem_script) if plan.redeem_script else b""
        return script_sig, (signature, public_key)
    signatures = [entry.partial_sigs[k] for k in plan.keys if k in entry.partial_sigs]
    if len(signatures) < plan.threshold:
        return None
    chosen = signatures[:plan.threshold]
    for public_key in plan.keys:
        if public_key in entry.partial_sigs and entry.partial_sigs[public_key] in chosen:
            _verify_ecdsa(psbt, index, plan, public_key, entry.partial_sigs[public_key])
    stack = tuple(chosen) if plan.checksig else (b"", *chosen)
    if plan.kind == "p2sh":
        dummy = b"" if plan.checksig else bytes([OP_0])
        return dummy + b"".join(push_data(s) for s in chosen) \
            + push_data(plan.redeem_script or b""), None
    script_sig = push_data(plan.redeem_script) if plan.redeem_script else b""
    return script_sig, (*stack, plan.witness_script or b"")


def _missing(entry: PsbtInput, plan: InputPlan) -> str:
    if plan.is_taproot:
        return "needs its taproot key-path signature"
    if plan.key_hash is not None:
        return "needs the signature of its key"
    have = sum(1 for k in plan.keys if k in entry.partial_sigs)
    return f"has {have} of the {plan.threshold} signatures it needs"


def finalize_inputs(psbt: Psbt) -> tuple[Psbt, list[int]]:
    """Finalize every input that has enough valid signatures; returns the copy and the
    indexes still incomplete."""
    work = psbt.copy()
    spent = spent_outputs(work)
    incomplete = []
    for index, entry in enumerate(work.inputs):
        if entry.is_final:
            continue
        fields = _final_fields(work, index, spent)
        if fields is None:
            incomplete.append(index)
            continue
        work.inputs[index] = PsbtInput(
            non_witness_utxo=entry.non_witness_utxo, witness_utxo=entry.witness_utxo,
            final_script_sig=fields[0], final_script_witness=fields[1],
            proprietary=entry.proprietary, unknown=entry.unknown)
    return work, incomplete


def extract_transaction(psbt: Psbt) -> Transaction:
    """The network transaction of a PSBT whose inputs are all final."""
    not_final = [i for i, entry in enumerate(psbt.inputs) if not entry.is_final]
    if not_final:
        raise InvalidInput(f"input(s) {', '.join(map(str, not_final))} are not final",
                           field="psbt")
    inputs = tuple(TxIn(tx_in.prevout, entry.final_script_sig or b"", tx_in.sequence)
                   for tx_in, entry in zip(psbt.tx.inputs, psbt.inputs, strict=True))
    witnesses = tuple(entry.final_script_witness or () for entry in psbt.inputs)
    return Transaction(psbt.tx.version, inputs, psbt.tx.outputs, psbt.tx.locktime,
                       witnesses if any(witnesses) else ())


def finalize_psbt(psbt: Psbt | str) -> FinalizedPsbt:
    """Finalize and extract; refuses (naming inputs) unless every input is complete."""
    parsed = Psbt.from_base64(psbt) if isinstance(psbt, str) else psbt
    work, incomplete = finalize_inputs(parsed)
    if incomplete:
        reasons = "; ".join(f"input {i} {_missing(parsed.inputs[i], plan_input(parsed, i))}"
                            for i in incomplete)
        raise InvalidInput(f"the PSBT is not complete: {reasons}", field="psbt")
    return FinalizedPsbt(work, extract_transaction(work))
