"""The zero-knowledge reads: verify range proofs, Groth16 proofs and STARKs.

All are offline (``ReadSpec(offline=True)``): answered from their parameters alone, with no
key and no ledger state, so each function ignores its read context. A proof that does not
verify is an :class:`~ledger.errors.InvalidSignature` (a 422 problem, CLI exit 1), never a
``valid: false`` answer: a caller cannot mistake a refusal for a verdict it forgot to check.
Pinning (the commitments, range, start, end or steps a proof must be about) is checked
before the proof itself, with the same refusal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from ledger.crypto.zk import groth16, range_proof, stark
from ledger.crypto.zk.groth16 import Groth16Proof, PublicSignals, VerificationKey
from ledger.crypto.zk.range_proof import RangeProof
from ledger.crypto.zk.stark import HashChainProof
from ledger.errors import InvalidInput, InvalidSignature

__all__ = ["ZK_READS"]


def verify_range(ctx: object, proof: str, context: str = "", commitments: Sequence[str] = (),
                 bits: int | None = None) -> dict[str, Any]:
    raw = bytes.fromhex(proof)
    parsed = RangeProof.from_bytes(raw)
    about = [c.point.hex() for c in parsed.commitments]
    if commitments and about != list(commitments):
        raise InvalidSignature("the range proof is about other commitments than the pinned ones")
    if bits is not None and parsed.bits != bits:
        raise InvalidSignature(f"the range proof is for {parsed.bits} bits, not {bits}")
    range_proof.verify(parsed, context=bytes.fromhex(context))
    return {"valid": True, "bits": parsed.bits, "commitments": about,
            "proof_digest": hashlib.sha256(raw).hexdigest()}


def verify_snark(ctx: object, vkey: Any, proof: Any, public: Any) -> dict[str, Any]:
    for name, value in (("vkey", vkey), ("proof", proof)):
        if not isinstance(value, dict):
            raise InvalidInput("must be a JSON object", field=name)
    key = VerificationKey.from_dict(vkey)
    made = Groth16Proof.from_dict(proof)
    signals = PublicSignals.from_list(public)
    groth16.verify(key, made, signals)
    return {"valid": True, "n_public": key.n_public, "public_signals": signals.to_list(),
            "vkey_digest": key.digest().hex(), "proof_digest": made.digest().hex(),
            "public_digest": signals.digest().hex()}


def verify_stark(ctx: object, proof: str, start: str | None = None, end: str | None = None,
                 steps: int | None = None) -> dict[str, Any]:
    raw = bytes.fromhex(proof)
    parsed = HashChainProof.from_bytes(raw)
    for name, pinned, actual in (("start", start, parsed.start.hex()),
                                 ("end", end, parsed.end.hex()),
                                 ("steps", steps, parsed.steps)):
        if pinned is not None and pinned != actual:
            raise InvalidSignature(f"the STARK proves another {name} than the pinned one")
    stark.verify(parsed)
    return {"valid": True, "start": parsed.start.hex(), "steps": parsed.steps,
            "end": parsed.end.hex(), "proof_digest": hashlib.sha256(raw).hexdigest(),
            "security_bits": stark.parameters()["conjectured_security_bits"]}


ZK_READS: dict[str, Callable[..., Any]] = {
    "VerifyRange": verify_range, "VerifySnark": verify_snark,
    "VerifyStark": verify_stark,
}
"""Catalogue read name -> its function (merged into ``commands.reads.READS``)."""
