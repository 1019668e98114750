"""Fuzz targets, one per wire format: arbitrary bytes in, only ``InvalidInput`` out.

Each target is what ``tools/fuzz/fuzz_privacy.py`` hands to atheris and what
``tests/privacy/test_fuzz_targets.py`` feeds Hypothesis's random bytes. The contract:

1. Malformed input raises :class:`~ledger.errors.InvalidInput` and nothing else (no
   ``IndexError``, ``ValueError``, library exception or crash).
2. Input that parses is canonical: re-encoding it gives back exactly the input bytes (one
   value, one encoding), else ``AssertionError`` (a finding).
3. A parsed proof or signature is then verified against fixed public values; it may fail
   (``InvalidSignature`` is the expected outcome and is absorbed), but verification must
   not raise anything else either, whatever scalars and points the input carries.

The Paillier ciphertext target parses the input twice: as is (exercising the version and
key-id checks) and behind a correct header, so the fuzzer reaches the range and unit checks
without having to guess a SHA-256 prefix.
"""

from __future__ import annotations

import contextlib
from functools import cache

from ledger.crypto.privacy import ed25519_group as ed
from ledger.crypto.privacy import pok, ring
from ledger.crypto.privacy.paillier import FORMAT_VERSION, PaillierCiphertext, PaillierPublicKey
from ledger.errors import InvalidInput, InvalidSignature

__all__ = [
    "paillier_ciphertext_target",
    "paillier_fuzz_key",
    "pok_proof_target",
    "ring_signature_target",
]

_FUZZ_CHALLENGE = pok.PoKChallenge("skms-fuzz", "fuzz", bytes(32))


def _public_key(label: int) -> bytes:
    secret = ed.seed_scalar(bytes([label]) * 32)
    return ed.base_mul(secret)


@cache
def _fixed_ring(size: int) -> tuple[bytes, ...]:
    return tuple(_public_key(i + 1) for i in range(size))


@cache
def paillier_fuzz_key() -> PaillierPublicKey:
    # Parsing needs only a well-formed modulus, not one whose factors anyone holds.
    return PaillierPublicKey(2**2047 + 1)


def _canonical(parsed: bytes, data: bytes, what: str) -> None:
    if parsed != data:
        raise AssertionError(f"{what} parsed from bytes that are not its canonical encoding")


def ring_signature_target(data: bytes) -> None:
    """Parse a ring signature; verify it against a fixed ring of its size."""
    signature = ring.RingSignature.from_bytes(data)
    _canonical(signature.to_bytes(), bytes(data), "ring signature")
    if signature.ring_size <= 16:  # keep each fuzz iteration cheap
        with contextlib.suppress(InvalidSignature):
            ring.verify(_fixed_ring(signature.ring_size), b"fuzz", signature, scope=b"fuzz")


def pok_proof_target(data: bytes) -> None:
    """Parse a Schnorr proof; verify it against a fixed key of its group."""
    proof = pok.SchnorrProof.from_bytes(data)
    _canonical(proof.to_bytes(), bytes(data), "proof")
    group = pok.group_named(proof.suite)
    public_key = group.base_mul(group.int_to_scalar(7))
    with contextlib.suppress(InvalidSignature):
        pok.verify(proof.suite, public_key, proof, user_id="fuzz", challenge=_FUZZ_CHALLENGE)


def paillier_ciphertext_target(data: bytes) -> None:
    """Parse a Paillier ciphertext as is, then behind a valid header."""
    key = paillier_fuzz_key()
    try:
        whole = PaillierCiphertext.from_bytes(data, key)
        _canonical(whole.to_bytes(), bytes(data), "ciphertext")
    except InvalidInput:
        pass
    framed = bytes([FORMAT_VERSION]) + key.key_id + bytes(data)
    ciphertext = PaillierCiphertext.from_bytes(framed, key)
    _canonical(ciphertext.to_bytes(), framed, "ciphertext")
