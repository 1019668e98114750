"""A transparent STARK for "N hashes from this public start end at this public value".

Why: the verifier checks a long hash chain (a delay, a sequence of ledger steps, a one-time
key chain) in about a millisecond instead of recomputing it, and nobody had to run a trusted
setup. Prover and verifier are winterfell 0.13 (in ``skms_native``); the AIR is SKMS's own.

1. The step is ``h ↦ Rp64_256(h)``: Rescue-Prime over the Goldilocks field
   p = 2^64 − 2^32 + 1 (width 12, 7 rounds, α = 7) as winter-crypto's ``hash_elements`` of the
   4-element digest ``h``. A digest is 32 bytes: 4 little-endian elements, each < p.
2. ``steps`` is a power of two from 1 to 16384 (the trace has 8 rows per hash).
3. Parameters, fixed on both sides (the verifier accepts no other): quadratic extension,
   blowup 8, 38 FRI queries, 16 grinding bits, folding factor 8, BLAKE3-256 commitments;
   conjectured security 127 bits (ethSTARK conjecture, winterfell's formula).
4. ``start_from_bytes`` maps any public value (e.g. an event hash) to a start digest.
5. Serialised form: version 0x01, steps (4 bytes, big-endian), start, end, proof length
   (4 bytes) and proof; at most ``MAX_PROOF_BYTES`` of proof.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from ledger.crypto.zk import native
from ledger.errors import CryptoError, InvalidInput

__all__ = [
    "DIGEST_SIZE",
    "GOLDILOCKS_MODULUS",
    "MAX_PROOF_BYTES",
    "MAX_STEPS",
    "SCHEME",
    "HashChainProof",
    "hash_chain",
    "parameters",
    "prove",
    "start_from_bytes",
    "verify",
]

VERSION = 1
DIGEST_SIZE = 32
MAX_STEPS = 1 << 14
MAX_PROOF_BYTES = 1 << 20
GOLDILOCKS_MODULUS = 2**64 - 2**32 + 1
SCHEME = "stark-rp64_256-chain-v1"
_HEADER = struct.Struct(">BI")


def _check_digest(digest: bytes, field: str) -> None:
    if not isinstance(digest, bytes) or len(digest) != DIGEST_SIZE:
        raise InvalidInput(f"a digest is {DIGEST_SIZE} bytes", field=field)
    for i in range(0, DIGEST_SIZE, 8):
        if int.from_bytes(digest[i:i + 8], "little") >= GOLDILOCKS_MODULUS:
            raise InvalidInput("an element is not below the Goldilocks modulus", field=field)


def _check_steps(steps: int) -> None:
    if (isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS
            or steps & (steps - 1)):
        raise InvalidInput(f"steps must be a power of two from 1 to {MAX_STEPS}", field="steps")


def start_from_bytes(data: bytes) -> bytes:
    """A start digest derived from any public bytes: SHA-256, each 8-byte word reduced mod p."""
    digest = hashlib.sha256(b"SKMS-V1-STARK-CHAIN-START\0" + data).digest()
    words = [int.from_bytes(digest[i:i + 8], "little") % GOLDILOCKS_MODULUS
             for i in range(0, DIGEST_SIZE, 8)]
    return b"".join(w.to_bytes(8, "little") for w in words)


@dataclass(frozen=True)
class HashChainProof:
    """The statement (start, steps, end) and its STARK proof: public, safe to record."""

    start: bytes
    steps: int
    end: bytes
    proof: bytes

    def __post_init__(self) -> None:
        _check_digest(self.start, "start")
        _check_digest(self.end, "end")
        _check_steps(self.steps)
        if not isinstance(self.proof, bytes) or not 0 < len(self.proof) <= MAX_PROOF_BYTES:
            raise InvalidInput(f"a proof is 1 to {MAX_PROOF_BYTES} bytes", field="proof")

    def to_bytes(self) -> bytes:
        return (_HEADER.pack(VERSION, self.steps) + self.start + self.end
                + struct.pack(">I", len(self.proof)) + self.proof)

    @classmethod
    def from_bytes(cls, data: bytes) -> HashChainProof:
        fixed = _HEADER.size + 2 * DIGEST_SIZE + 4
        if not isinstance(data, bytes) or len(data) < fixed:
            raise InvalidInput("too short for a hash-chain proof", field="proof")
        version, steps = _HEADER.unpack_from(data)
        if version != VERSION:
            raise InvalidInput(f"unknown hash-chain proof version {version}", field="proof")
        offset = _HEADER.size
        start = data[offset:offset + DIGEST_SIZE]
        end = data[offset + DIGEST_SIZE:offset + 2 * DIGEST_SIZE]
        (length,) = struct.unpack_from(">I", data, fixed - 4)
        if length > MAX_PROOF_BYTES or len(data) != fixed + length:
            raise InvalidInput("the proof length does not match the data", field="proof")
        return cls(start, steps, end, data[fixed:])

    def to_dict(self) -> dict[str, object]:
        return {"scheme": SCHEME, "start": self.start.hex(), "steps": self.steps,
                "end": self.end.hex(), "proof": self.proof.hex()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> HashChainProof:
        if set(data) != {"scheme", "start", "steps", "end", "proof"}:
            raise InvalidInput("expected exactly scheme, start, steps, end, proof", field="proof")
        if data["scheme"] != SCHEME:
            raise InvalidInput("unknown STARK scheme", field="scheme")
        fields: dict[str, bytes] = {}
        for name, limit in (("start", DIGEST_SIZE), ("end", DIGEST_SIZE),
                            ("proof", MAX_PROOF_BYTES)):
            text = data[name]
            if not isinstance(text, str) or len(text) > 2 * limit:
                raise InvalidInput(f"must be a hex string of at most {limit} bytes", field=name)
            try:
                fields[name] = bytes.fromhex(text)
            except ValueError:
                raise InvalidInput("not hexadecimal", field=name) from None
        steps = data["steps"]
        if isinstance(steps, bool) or not isinstance(steps, int):
            raise InvalidInput("steps must be an integer", field="steps")
        return cls(fields["start"], steps, fields["end"], fields["proof"])


def hash_chain(start: bytes, steps: int) -> bytes:
    """The end of the chain, computed directly (no proof)."""
    _check_digest(start, "start")
    _check_steps(steps)
    return native.returns_bytes("stark_hash_chain", start, steps)


def prove(start: bytes, steps: int) -> HashChainProof:
    """Run ``steps`` hashes from ``start`` and prove the result (deterministic)."""
    _check_digest(start, "start")
    _check_steps(steps)
    result = native.invoke("stark_prove", start, steps)
    if not (isinstance(result, tuple) and len(result) == 2
            and all(isinstance(part, bytes) for part in result)):
        raise CryptoError("unexpected result from skms_native.stark_prove")
    end, proof = result
    return HashChainProof(start, steps, end, proof)


def verify(proof: HashChainProof) -> None:
    """Raise ``InvalidSignature`` unless the proof shows ``steps`` hashes take start to end."""
    native.invoke("stark_verify", proof.start, proof.steps, proof.end, proof.proof)


def parameters() -> dict[str, int]:
    """The soundness parameters the extension proves and verifies with."""
    pairs = native.invoke("stark_parameters")
    if not isinstance(pairs, list):
        raise CryptoError("unexpected result from skms_native.stark_parameters")
    return {str(name): int(value) for name, value in pairs}
