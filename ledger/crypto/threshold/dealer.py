"""Trusted dealer key generation (RFC 9591 appendix C), with Feldman VSS commitments.

The dealer knows the group secret: use it only to split an existing key or where one
trusted ceremony is acceptable; :mod:`ledger.crypto.threshold.dkg` avoids any party
holding the key.

1. :func:`trusted_dealer_keygen`: a random (or given) group secret, ``min_signers - 1``
   random coefficients (``RandomScalar``), then :func:`split_with_coefficients`.
2. :func:`split_with_coefficients`: RFC ``secret_share_shard`` (shares ``f(1) .. f(n)``),
   ``vss_commit`` (``C_j = a_j·B``) and ``derive_group_info`` (group key ``C_0``, verifying
   shares ``Σ C_j·i^j``). Exposed so the RFC vectors, which give the coefficients, replay.
3. Every participant checks its own share against the commitments with
   :func:`verify_dealer_share` (RFC ``vss_verify``) before accepting it.

Coefficients are wiped buffers; the returned :class:`KeyShare` objects own their shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.ciphersuite import KeyGenSuite
from ledger.crypto.threshold.errors import CheatingParticipant
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.polynomial import (
    check_identifier,
    check_threshold,
    commitment_evaluate,
    polynomial_evaluate,
    vss_commit,
    vss_verify,
)
from ledger.crypto.threshold.scalars import Rng
from ledger.errors import InvalidInput

__all__ = ["DealerSplit", "split_with_coefficients", "trusted_dealer_keygen",
           "verify_dealer_share"]


@dataclass(frozen=True, slots=True, repr=False)
class DealerSplit:
    """The dealer's output: secret shares (one per participant) and public values."""

    shares: list[KeyShare]
    public_key_package: PublicKeyPackage
    commitments: list[bytes]

    def __repr__(self) -> str:
        return (f"DealerSplit(suite={self.public_key_package.suite.name!r}, "
                f"{self.public_key_package.min_signers}-of-{len(self.shares)})")


def split_with_coefficients(suite: KeyGenSuite, secret_key: bytes | bytearray,
                            coefficients: Sequence[bytes | bytearray],
                            max_signers: int) -> DealerSplit:
    """Shares of ``secret_key`` on ``f(x) = secret + Σ coefficients[j-1]·x^j``."""
    min_signers, max_signers = check_threshold(len(coefficients) + 1, max_signers)
    scalars = suite.group.scalars
    secret = scalars.deserialize(bytes(secret_key), "secret_key")
    if scalars.is_zero(secret):
        raise InvalidInput("the group secret must not be zero", field="secret_key")
    polynomial = [secret] + [scalars.deserialize(bytes(c), "coefficients")
                             for c in coefficients]
    commitments = vss_commit(suite.group, polynomial)
    group_public_key = commitments[0]
    shares: list[KeyShare] = []
    verifying: dict[int, bytes] = {}
    for identifier in range(1, max_signers + 1):
        value = polynomial_evaluate(scalars, scalars.from_int(identifier), polynomial)
        verifying_share = commitment_evaluate(suite.group, commitments, identifier)
        verifying[identifier] = verifying_share
        shares.append(KeyShare(suite, identifier, bytearray(value), verifying_share,
                               group_public_key, min_signers))
    package = PublicKeyPackage(suite, group_public_key, verifying, min_signers)
    return DealerSplit(shares, package, commitments)


def trusted_dealer_keygen(suite: KeyGenSuite, min_signers: int, max_signers: int, *,
                          secret_key: bytes | bytearray | None = None,
                          rng: Rng = random_bytes) -> DealerSplit:
    """RFC 9591 ``trusted_dealer_keygen``: ``min_signers``-of-``max_signers`` shares."""
    check_threshold(min_signers, max_signers)
    scalars = suite.group.scalars
    secret = bytearray(scalars.random(rng) if secret_key is None else bytes(secret_key))
    coefficients = [bytearray(scalars.random(rng)) for _ in range(min_signers - 1)]
    try:
        return split_with_coefficients(suite, secret, coefficients, max_signers)
    finally:
        zeroize(secret)
        for coefficient in coefficients:
            zeroize(coefficient)


def verify_dealer_share(share: KeyShare, commitments: Sequence[bytes]) -> None:
    """RFC ``vss_verify``: raise :class:`CheatingParticipant` (the dealer, id 0) unless valid."""
    check_identifier(share.identifier)
    if len(commitments) != share.min_signers:
        raise InvalidInput("need one commitment per polynomial coefficient",
                           field="commitments")
    group = share.suite.group
    if not group.equal(commitments[0], share.group_public_key) or not vss_verify(
            group, share.identifier, share.secret_scalar(), commitments):
        raise CheatingParticipant(0, "dealer_share",  # secret-ok: names participant 0, no value
                                  f"the dealer's share for participant {share.identifier} "
                                  "does not match the commitments")
