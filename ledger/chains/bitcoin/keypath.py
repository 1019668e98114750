"""A taproot key-path spend signed by a key the ledger does not hold whole (MuSig2).

Why not :func:`~ledger.chains.bitcoin.signer.sign_psbt`: that signer holds the private key
and tweaks it; an aggregate key's signature is produced in rounds by several ledgers, so
the signing step needs only the digest to sign and, once the signature exists, a PSBT
carrying it. Both come from the same rules as the single-key signer:

1. The input is the one (not finalized) P2TR input whose output key is the group's
   x-only key; none or several is refused (one signing session signs one digest).
2. Its sighash type is checked by the same policy (SIGHASH_DEFAULT or ALL), and BIP-341
   needs every input's UTXO; the digest is BIP-341's ``SigHash`` of that input.
3. :func:`with_key_path_signature` checks the 64-byte signature under the output key
   (libsecp256k1's BIP-340 verify) before placing it in ``PSBT_IN_TAP_KEY_SIG`` of a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import coincurve

from ledger.chains.bitcoin.inputs import UnsupportedInput, plan_input, sighash, spent_outputs
from ledger.chains.bitcoin.psbt import Psbt
from ledger.chains.bitcoin.sighash import SIGHASH_DEFAULT, taproot_hashes
from ledger.chains.bitcoin.signer import DEFAULT_ALLOWED_SIGHASH, input_hash_type
from ledger.errors import InvalidInput

__all__ = ["KeyPathInput", "key_path_input", "with_key_path_signature"]


@dataclass(frozen=True, slots=True)
class KeyPathInput:
    """The input an aggregate key signs: its index, sighash type and BIP-341 digest."""

    index: int
    hash_type: int
    digest: bytes
    txid: str


def key_path_input(psbt: Psbt, output_key: bytes) -> KeyPathInput:
    """The one input paying ``output_key`` by its key path, and the digest to sign."""
    found = []
    for index, entry in enumerate(psbt.inputs):
        if entry.is_final:
            continue
        try:
            plan = plan_input(psbt, index)
        except UnsupportedInput:
            continue
        if plan.is_taproot and plan.output_key == output_key:
            found.append((index, plan))
    if not found:
        raise InvalidInput(f"no input of the PSBT pays the key {output_key.hex()} (P2TR key "
                           "path)", field="psbt")
    if len(found) > 1:
        raise InvalidInput(f"inputs {[i for i, _ in found]} all pay the group key: sign one "
                           "per session", field="psbt")
    index, plan = found[0]
    entry = psbt.inputs[index]
    if entry.tap_key_sig is not None:
        raise InvalidInput(f"input {index} already has a key-path signature",
                           field=f"psbt.inputs[{index}]")
    hash_type = input_hash_type(entry, plan, DEFAULT_ALLOWED_SIGHASH, index)
    spent = spent_outputs(psbt)
    hashes = taproot_hashes(psbt.tx, spent) if spent is not None else None
    digest = sighash(psbt.tx, index, plan, hash_type, spent, hashes)
    return KeyPathInput(index, hash_type, digest, psbt.tx.txid_hex())


def with_key_path_signature(psbt: Psbt, spend: KeyPathInput, output_key: bytes,
                            signature: bytes) -> Psbt:
    """A copy of ``psbt`` whose input carries the verified key-path signature."""
    if len(signature) != 64 or not coincurve.PublicKeyXOnly(output_key).verify(
            signature, spend.digest):
        raise InvalidInput("the signature does not verify under the output key",
                           field="signature")
    work = psbt.copy()
    suffix = b"" if spend.hash_type == SIGHASH_DEFAULT else bytes([spend.hash_type])
    work.inputs[spend.index].tap_key_sig = signature + suffix
    return work
