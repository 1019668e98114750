"""Hybrid signature ML-DSA-65 + Ed25519: id ``hybrid-mldsa65-ed25519``.

Why a hybrid: ML-DSA is young; Ed25519 is well understood but falls to a quantum computer.
A signature that carries both, and verifies only when both verify, stays unforgeable as long
as either algorithm holds. This is the "AND" composite of the IETF LAMPS composite-signature
work, in an SKMS format of our own (the composite drafts are not final, so we claim no
compatibility with their OIDs or encodings).

Construction (all sizes fixed, so plain concatenation is unambiguous):

* signed data ``M' = DOMAIN || message`` with ``DOMAIN = b"skms/hybrid-mldsa65-ed25519/v1\\x00"``;
  both halves sign ``M'``. The prefix separates the halves from ordinary ML-DSA-65 and
  Ed25519 signatures: a hybrid half cannot be stripped off and passed off as a plain
  signature over ``message``, nor a plain signature be glued into a hybrid one.
* private key ``ML-DSA seed xi (32) || Ed25519 seed (32)``; ``generate`` uses the first 32
  bytes of the 64-byte seed for ML-DSA and the last 32 for Ed25519, so the two keys are
  independent and the key is a pure function of the seed.
* public key ``ML-DSA-65 public key (1952) || Ed25519 public key (32)``.
* signature ``ML-DSA-65 signature (3309) || Ed25519 signature (64)``.

Verification checks both halves and raises :class:`InvalidSignature` if either fails.
Signing is hedged in its ML-DSA half (see :mod:`ledger.crypto.ml_dsa`).

FIPS: both components are approved (FIPS 204, FIPS 186-5) and each signs an ordinary message
with an approved algorithm, so the hybrid is declared approved; the composite encoding itself
is an SKMS format, not a NIST one. There is no standard SubjectPublicKeyInfo for it yet:
:meth:`public_key_pem` raises :class:`UnsupportedAlgorithm`.
"""

from __future__ import annotations

from ledger.crypto.ed25519 import SCHEME as ED25519
from ledger.crypto.memory import zeroize
from ledger.crypto.ml_dsa import SCHEMES as _ML_DSA_SCHEMES
from ledger.crypto.scheme import SchemeInfo, SignatureScheme, register
from ledger.errors import InvalidInput, InvalidSignature, UnsupportedAlgorithm

__all__ = ["DOMAIN", "SCHEME", "HybridMLDSA65Ed25519Scheme", "split_signature"]

DOMAIN = b"skms/hybrid-mldsa65-ed25519/v1\x00"

ML_DSA_65 = next(s for s in _ML_DSA_SCHEMES if s.scheme_id == "ml-dsa-65")

_PQ_SEED = ML_DSA_65.seed_size  # 32
_CLASSIC_SEED = ED25519.seed_size  # 32
_PQ_PUBLIC = ML_DSA_65.info.public_key_size  # 1952
_CLASSIC_PUBLIC = ED25519.info.public_key_size  # 32
_PQ_SIGNATURE = 3309
_CLASSIC_SIGNATURE = 64


def split_signature(signature: bytes) -> tuple[bytes, bytes]:
    """``(ML-DSA-65 signature, Ed25519 signature)`` of a hybrid signature."""
    if (
        not isinstance(signature, bytes | bytearray)
        or len(signature) != _PQ_SIGNATURE + _CLASSIC_SIGNATURE
    ):
        raise InvalidSignature(
            f"hybrid signature must be {_PQ_SIGNATURE + _CLASSIC_SIGNATURE} bytes"
        )
    data = bytes(signature)
    return data[:_PQ_SIGNATURE], data[_PQ_SIGNATURE:]


class HybridMLDSA65Ed25519Scheme(SignatureScheme):
    """Both ML-DSA-65 and Ed25519 over ``DOMAIN || message``; valid only if both are."""

    info = SchemeInfo(
        scheme_id="hybrid-mldsa65-ed25519",
        family="hybrid",
        security_bits=192,  # unforgeable while either half holds; ML-DSA-65 is category 3
        private_key_size=_PQ_SEED + _CLASSIC_SEED,
        public_key_size=_PQ_PUBLIC + _CLASSIC_PUBLIC,
        signature_size=_PQ_SIGNATURE + _CLASSIC_SIGNATURE,
        fips_approved=True,  # both halves are approved algorithms; see the module docstring
        message_handling="ML-DSA-65 (hedged) and Ed25519 both over a domain prefix || message",
    )

    @property
    def seed_size(self) -> int:
        return _PQ_SEED + _CLASSIC_SEED

    def _split_private(self, private_key: bytes | bytearray) -> tuple[bytearray, bytearray]:
        size = self.info.private_key_size
        if not isinstance(private_key, bytes | bytearray) or len(private_key) != size:
            raise InvalidInput(f"hybrid private key must be {size} bytes", field="private_key")
        return bytearray(private_key[:_PQ_SEED]), bytearray(private_key[_PQ_SEED:])

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """Seed bytes 0-31 make the ML-DSA-65 key, bytes 32-63 the Ed25519 key."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != self.seed_size:
            raise InvalidInput(
                f"hybrid key generation needs a {self.seed_size}-byte seed", field="seed"
            )
        pq = ML_DSA_65.generate(seed[:_PQ_SEED])
        classic = ED25519.generate(seed[_PQ_SEED:])
        try:
            return pq + classic
        finally:
            zeroize(pq)
            zeroize(classic)

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        pq, classic = self._split_private(private_key)
        try:
            return ML_DSA_65.public_key(pq) + ED25519.public_key(classic)
        finally:
            zeroize(pq)
            zeroize(classic)

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        pq, classic = self._split_private(private_key)
        signed = DOMAIN + bytes(message)
        try:
            return ML_DSA_65.sign(pq, signed) + ED25519.sign(classic, signed)
        finally:
            zeroize(pq)
            zeroize(classic)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        size = self.info.public_key_size
        if not isinstance(public_key, bytes | bytearray) or len(public_key) != size:
            raise InvalidInput(f"hybrid public key must be {size} bytes", field="public_key")
        key = bytes(public_key)
        pq_signature, classic_signature = split_signature(signature)
        signed = DOMAIN + bytes(message)
        # Both halves are always checked; either failure rejects the signature.
        failures = []
        for name, scheme, half_key, half_signature in (
            ("ML-DSA-65", ML_DSA_65, key[:_PQ_PUBLIC], pq_signature),
            ("Ed25519", ED25519, key[_PQ_PUBLIC:], classic_signature),
        ):
            try:
                scheme.verify(half_key, signed, half_signature)
            except InvalidSignature:
                failures.append(name)
        if failures:
            raise InvalidSignature(f"hybrid signature: the {' and '.join(failures)} half fails")

    def public_key_pem(self, public_key: bytes) -> str:
        raise UnsupportedAlgorithm(
            "hybrid ML-DSA-65 + Ed25519 keys have no standard SubjectPublicKeyInfo (PEM) form",
            field="format",
            hint="export the raw public key (hex), or each half's PEM separately",
        )

    def __repr__(self) -> str:
        return "HybridMLDSA65Ed25519Scheme('hybrid-mldsa65-ed25519')"


SCHEME = register(HybridMLDSA65Ed25519Scheme())
