"""Threshold BLS on BLS12-381, min-pk proof-of-possession suite (``bls12381-pop``).

A ``t``-of-``n`` group key whose signatures are ordinary BLS signatures: anyone verifies
them with standard BLS ``Verify`` (blspy's ``PopSchemeMPL.verify``, py_ecc in the tests)
under the 48-byte group public key, and nobody can tell they were made by a threshold.

1. Keys: shares of a scalar ``x`` on a polynomial of degree ``t - 1``, by the trusted dealer
   (:func:`trusted_dealer_keygen`) or by the Pedersen DKG of
   :mod:`ledger.crypto.threshold.dkg` with the suite ``bls12381-min-pk`` (commitments, proofs
   and verifying shares are G1 points, as the public keys of min-pk). The group key is
   ``x·G1``, the verifying share of ``i`` is ``x_i·G1``.
2. :func:`partial_sign`: ``sigma_i = x_i·H(m)``, exactly a BLS signature by the share (blspy's
   ``PopSchemeMPL.sign``), so :func:`verify_partial` is standard BLS ``Verify`` under the
   verifying share and a bad partial names its signer (:class:`InvalidSignatureShare`).
3. :func:`combine`: verify every partial, then ``sigma = Σ lambda_i·sigma_i`` (Lagrange
   interpolation at 0 in the exponent, over the signers present) with arkworks'
   multi-scalar multiplication in G2 (blspy has no scalar multiplication of points), and
   check the result with blspy under the group key before returning it.
4. Proof of possession of the group key (needed before it may join a fast aggregate,
   :mod:`ledger.crypto.bls12381_pop`): :func:`partial_prove_possession` signs the *group*
   key's bytes with the PoP tag by the share (``H_pop(PK)`` hashed by arkworks, which
   matches blspy's ``pop_prove``), :func:`combine_possession` interpolates and checks with
   blspy's ``pop_verify``. A partial proof is checked by a pairing equation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from blspy import G1Element, G2Element, PopSchemeMPL, PrivateKey  # type: ignore[import-not-found]
from py_arkworks_bls12381 import GT, G1Point, G2Point

from ledger.crypto.bls12381_pop import SCHEME as BLS_SCHEME
from ledger.crypto.entropy import random_bytes
from ledger.crypto.threshold.dealer import DealerSplit
from ledger.crypto.threshold.dealer import trusted_dealer_keygen as dealer_keygen
from ledger.crypto.threshold.encoding import FORMAT_VERSION, check_shape, parse_hex
from ledger.crypto.threshold.errors import InvalidSignatureShare
from ledger.crypto.threshold.group_bls12381 import to_arkworks_scalar
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.polynomial import check_identifier, lagrange_coefficient
from ledger.crypto.threshold.scalars import Rng
from ledger.crypto.threshold.suites import BLS12381_KEYGEN
from ledger.errors import InvalidInput, InvalidSignature

__all__ = [
    "POP_DST",
    "SIGNATURE_DST",
    "PartialSignature",
    "combine",
    "combine_possession",
    "partial_prove_possession",
    "partial_sign",
    "trusted_dealer_keygen",
    "verify_partial",
    "verify_partial_possession",
]

SIGNATURE_DST = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
POP_DST = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
_SIGNATURE_SIZE = 96
_PARTIAL = "bls-partial-signature"


@dataclass(frozen=True, slots=True)
class PartialSignature:
    """Participant ``identifier``'s BLS signature share (96-byte compressed G2 point)."""

    identifier: int
    signature: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"type": _PARTIAL, "version": FORMAT_VERSION, "suite": BLS12381_KEYGEN.name,
                "identifier": self.identifier, "signature": self.signature.hex()}

    @classmethod
    def from_dict(cls, data: object) -> PartialSignature:
        fields = check_shape(data, _PARTIAL, frozenset({"suite", "identifier", "signature"}))
        if fields["suite"] != BLS12381_KEYGEN.name:
            raise InvalidInput("not a threshold BLS partial signature", field=f"{_PARTIAL}.suite")
        signature = parse_hex(fields["signature"], f"{_PARTIAL}.signature", _SIGNATURE_SIZE)
        _g2(signature, f"{_PARTIAL}.signature")
        return cls(check_identifier(fields["identifier"], f"{_PARTIAL}.identifier"), signature)


def _g2(signature: bytes, field: str = "signature") -> G2Point:
    try:
        return G2Point.from_compressed_bytes(bytes(signature))
    except ValueError:
        raise InvalidInput("not a point of the G2 subgroup", field=field) from None


def _check_share(key_share: KeyShare) -> bytes:
    if key_share.suite is not BLS12381_KEYGEN:
        raise InvalidInput("not a threshold BLS key share", field="key_share")
    return key_share.secret_scalar()


def _check_package(package: PublicKeyPackage) -> None:
    if package.suite is not BLS12381_KEYGEN:
        raise InvalidInput("not a threshold BLS group", field="public_key_package")


def trusted_dealer_keygen(min_signers: int, max_signers: int, *,
                          secret_key: bytes | bytearray | None = None,
                          rng: Rng = random_bytes) -> DealerSplit:
    """Dealer shares of a (random or given 32-byte big-endian) BLS private key."""
    return dealer_keygen(BLS12381_KEYGEN, min_signers, max_signers, secret_key=secret_key,
                         rng=rng)


def partial_sign(key_share: KeyShare, message: bytes) -> PartialSignature:
    """``x_i·H(message)``: a standard BLS signature by the share."""
    secret = _check_share(key_share)
    signature = bytes(PopSchemeMPL.sign(PrivateKey.from_bytes(secret), bytes(message)))
    return PartialSignature(key_share.identifier, signature)


def verify_partial(package: PublicKeyPackage, message: bytes, partial: PartialSignature) -> None:
    """Standard BLS ``Verify`` under the verifying share; names the signer on failure."""
    _check_package(package)
    try:
        BLS_SCHEME.verify(package.verifying_share(partial.identifier), bytes(message),
                          partial.signature)
    except InvalidSignature:
        raise InvalidSignatureShare([partial.identifier]) from None


def _interpolate(package: PublicKeyPackage, partials: Sequence[PartialSignature]) -> bytes:
    identifiers = [p.identifier for p in partials]
    if len(set(identifiers)) != len(identifiers):
        raise InvalidInput("one partial signature per signer", field="partials")
    if len(identifiers) < package.min_signers:
        raise InvalidInput(f"{len(identifiers)} partial signature(s), {package.min_signers} "
                           "needed", field="partials")
    scalars = package.suite.group.scalars
    points = [_g2(p.signature, "partials") for p in partials]
    coefficients = [to_arkworks_scalar(lagrange_coefficient(scalars, identifiers, i))
                    for i in identifiers]
    combined: bytes = G2Point.multiexp_unchecked(points, coefficients).to_compressed_bytes()
    return combined


def combine(package: PublicKeyPackage, message: bytes,
            partials: Sequence[PartialSignature]) -> bytes:
    """Verify every partial (naming bad signers), interpolate, verify the group signature."""
    _check_package(package)
    bad = []
    for partial in partials:
        try:
            verify_partial(package, message, partial)
        except InvalidSignatureShare:
            bad.append(partial.identifier)
    if bad:
        raise InvalidSignatureShare(bad)
    signature = _interpolate(package, partials)
    BLS_SCHEME.verify(package.group_public_key, bytes(message), signature)
    return signature


def partial_prove_possession(key_share: KeyShare) -> PartialSignature:
    """``x_i·H_pop(PK)``: this share's part of the group key's proof of possession."""
    secret = _check_share(key_share)
    hashed = G2Point.hash_to_curve(key_share.group_public_key, POP_DST)
    proof: bytes = (hashed * to_arkworks_scalar(secret)).to_compressed_bytes()
    return PartialSignature(key_share.identifier, proof)


def verify_partial_possession(package: PublicKeyPackage, partial: PartialSignature) -> None:
    """``e(PK_i, H_pop(PK)) == e(G1, sigma_i)``, else :class:`InvalidSignatureShare`."""
    _check_package(package)
    verifying = G1Point.from_compressed_bytes(package.verifying_share(partial.identifier))
    hashed = G2Point.hash_to_curve(package.group_public_key, POP_DST)
    if not GT.pairing_check([verifying, -G1Point()], [hashed, _g2(partial.signature)]):
        raise InvalidSignatureShare([partial.identifier])


def combine_possession(package: PublicKeyPackage,
                       partials: Sequence[PartialSignature]) -> bytes:
    """The group key's proof of possession (checked with blspy's ``pop_verify``)."""
    _check_package(package)
    bad = []
    for partial in partials:
        try:
            verify_partial_possession(package, partial)
        except InvalidSignatureShare:
            bad.append(partial.identifier)
    if bad:
        raise InvalidSignatureShare(bad)
    proof = _interpolate(package, partials)
    if not PopSchemeMPL.pop_verify(G1Element.from_bytes(package.group_public_key),
                                   G2Element.from_bytes(proof)):
        raise InvalidSignature("the combined proof of possession does not verify")
    return proof
