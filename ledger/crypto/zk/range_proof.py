"""Bulletproofs range proofs: "each committed value lies in [0, 2^n)", revealing nothing else.

Why: with commitments alone a party could commit to a negative amount (a huge value mod ℓ)
and make a sum look right; a range proof rules that out without opening the commitment. The
proof system is the dalek ``bulletproofs`` crate (Bünz et al., IEEE S&P 2018) over
ristretto255, with SKMS's Pedersen generators (``pedersen``). No trusted setup; soundness
rests on the discrete-log assumption in ristretto255 (~126-bit security), zero knowledge is
perfect-honest-verifier made non-interactive by Fiat–Shamir over a Merlin transcript.

1. ``bits`` ∈ {8, 16, 32, 64}; one proof covers 1, 2, 4, 8 or 16 values (aggregated: the proof
   grows by 64 bytes per doubling, 672 bytes for one 64-bit value, 800 for four).
2. The transcript starts with ``SKMS-V1-BULLETPROOFS-RANGE-PROOF`` and absorbs ``context``
   (up to 1024 bytes: e.g. the key id and purpose); verify with the same context.
3. A value outside [0, 2^bits) is refused before any proof is made (``InvalidInput``).
4. Randomness: a 32-byte seed from ``rng``, mixed with the witness in the transcript RNG.
5. Serialised form (``to_bytes``): version 0x01, bits, count, the commitments, the proof; the
   parser checks every length against the count and bits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.zk import native
from ledger.crypto.zk.pedersen import COMMITMENT_SIZE, PedersenCommitment, random_blinding
from ledger.errors import CryptoError, InvalidInput

__all__ = [
    "ALLOWED_BITS",
    "MAX_CONTEXT",
    "MAX_VALUES",
    "SCHEME",
    "RangeProof",
    "proof_size",
    "prove",
    "verify",
]

VERSION = 1
ALLOWED_BITS = (8, 16, 32, 64)
MAX_VALUES = 16
MAX_CONTEXT = 1024
SCHEME = "bulletproofs-ristretto255-v1"

Rng = Callable[[int], bytearray]


def proof_size(bits: int, count: int) -> int:
    """Bytes of a proof for ``count`` values of ``bits`` bits: 32·(2·log2(bits·count) + 9)."""
    _check_shape(bits, count)
    return 32 * (2 * (bits * count).bit_length() - 2 + 9)


def _check_shape(bits: int, count: int) -> None:
    if isinstance(bits, bool) or bits not in ALLOWED_BITS:
        raise InvalidInput("bits must be 8, 16, 32 or 64", field="bits")
    if not 1 <= count <= MAX_VALUES or count & (count - 1):
        raise InvalidInput(f"the number of values must be a power of two from 1 to {MAX_VALUES}",
                           field="values")


def _check_context(context: bytes) -> None:
    if not isinstance(context, bytes) or len(context) > MAX_CONTEXT:
        raise InvalidInput(f"the context is bytes, at most {MAX_CONTEXT}", field="context")


@dataclass(frozen=True)
class RangeProof:
    """A range proof with the commitments it speaks about: public, safe to record."""

    bits: int
    commitments: tuple[PedersenCommitment, ...]
    proof: bytes

    def __post_init__(self) -> None:
        _check_shape(self.bits, len(self.commitments))
        if not isinstance(self.proof, bytes) or len(self.proof) != proof_size(
                self.bits, len(self.commitments)):
            raise InvalidInput(
                f"a proof for {len(self.commitments)} x {self.bits}-bit values is "
                f"{proof_size(self.bits, len(self.commitments))} bytes", field="proof")

    def to_bytes(self) -> bytes:
        head = bytes([VERSION, self.bits, len(self.commitments)])
        return head + b"".join(c.to_bytes() for c in self.commitments) + self.proof

    @classmethod
    def from_bytes(cls, data: bytes) -> RangeProof:
        if not isinstance(data, bytes) or len(data) < 3:
            raise InvalidInput("a range proof starts with version, bits, count", field="proof")
        version, bits, count = data[0], data[1], data[2]
        if version != VERSION:
            raise InvalidInput(f"unknown range proof version {version}", field="proof")
        _check_shape(bits, count)
        expected = 3 + count * COMMITMENT_SIZE + proof_size(bits, count)
        if len(data) != expected:
            raise InvalidInput(f"this range proof must be {expected} bytes", field="proof")
        commitments = tuple(
            PedersenCommitment.from_bytes(data[3 + i * COMMITMENT_SIZE:3 + (i + 1) * 32])
            for i in range(count))
        return cls(bits, commitments, data[3 + count * COMMITMENT_SIZE:])

    def to_dict(self) -> dict[str, object]:
        return {"scheme": SCHEME, "bits": self.bits,
                "commitments": [c.point.hex() for c in self.commitments],
                "proof": self.proof.hex()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RangeProof:
        if set(data) != {"scheme", "bits", "commitments", "proof"}:
            raise InvalidInput("expected exactly scheme, bits, commitments, proof", field="proof")
        if data["scheme"] != SCHEME:
            raise InvalidInput("unknown range proof scheme", field="scheme")
        bits, commitments, proof = data["bits"], data["commitments"], data["proof"]
        if isinstance(bits, bool) or not isinstance(bits, int):
            raise InvalidInput("bits must be an integer", field="bits")
        if not isinstance(commitments, list) or not all(isinstance(c, str) for c in commitments):
            raise InvalidInput("commitments must be a list of hex strings", field="commitments")
        if not isinstance(proof, str) or len(proof) > 2 * proof_size(64, MAX_VALUES):
            raise InvalidInput("proof must be a hex string", field="proof")
        _check_shape(bits, len(commitments))
        try:
            raw = bytes.fromhex(proof)
        except ValueError:
            raise InvalidInput("not hexadecimal", field="proof") from None
        return cls(bits, tuple(PedersenCommitment.from_dict(
            {"scheme": "pedersen-ristretto255-v1", "commitment": c}) for c in commitments), raw)


def prove(values: Sequence[int], *, bits: int = 64, context: bytes = b"",
          blindings: Sequence[bytearray] | None = None,
          rng: Rng = random_bytes) -> tuple[RangeProof, list[bytearray]]:
    """Commit to ``values`` and prove each lies in [0, 2^bits).

    Returns the proof (with the commitments) and the blindings that open them, which the
    caller must wipe (when ``blindings`` are given, those same buffers are returned).
    """
    _check_shape(bits, len(values))
    _check_context(context)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("values must be integers", field="values")
        if not 0 <= value < 2**bits:
            raise InvalidInput(f"a value is outside [0, 2^{bits}): no range proof exists",
                               field="values")
    drawn = blindings is None
    chosen = [random_blinding(rng) for _ in values] if blindings is None else list(blindings)
    seed = rng(32)
    try:
        if len(chosen) != len(values):
            raise InvalidInput("one blinding per value", field="blindings")
        if not isinstance(seed, bytearray) or len(seed) != 32:
            raise InvalidInput("the rng must return a 32-byte bytearray", field="rng")
        result = native.invoke("range_prove", list(values), chosen, bits, context, seed)
    except BaseException:
        if drawn:
            for blinding in chosen:
                zeroize(blinding)
        raise
    finally:
        if isinstance(seed, bytearray):
            zeroize(seed)
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], bytes)
            and isinstance(result[1], list)):
        raise CryptoError("unexpected result from skms_native.range_prove")
    proof_bytes, points = result
    commitments = tuple(PedersenCommitment(p) for p in points)
    return RangeProof(bits, commitments, proof_bytes), chosen


def verify(proof: RangeProof, *, context: bytes = b"") -> None:
    """Raise ``InvalidSignature`` unless every commitment in ``proof`` holds an in-range value."""
    _check_context(context)
    native.invoke("range_verify", proof.proof, [c.point for c in proof.commitments],
                  proof.bits, context)
