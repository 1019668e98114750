"""Proactive share refresh (Herzberg, Jarecki, Krawczyk, Yung 1995): the arithmetic.

Why: a share stolen today and another stolen next year must not combine. Every
participant deals a sharing of zero, ``g_i(x) = Σ_{j>=1} b_ij·x^j``; each participant adds
the values it receives to its share, ``s_j' = s_j + Σ_i g_i(j)``. The group secret (the
sum's value at 0) and so the group key stay; every share changes, and shares from before
and after a refresh lie on different polynomials, so they no longer interpolate together.

1. :func:`refresh_part1`: the random zero-constant polynomial (coefficients wiped by the
   caller through :meth:`RefreshSecret.zeroize`), its Feldman commitments ``C_1..C_(t-1)``
   (``C_0`` is the identity by construction: it is not sent, so it cannot be anything
   else), and ``g_i(j)`` for every participant.
2. :func:`refresh_finish`: each received value is checked against its sender's
   commitments with ``C_0 = identity`` (a bad value names its sender); the new share is
   the sum; the new verifying shares are ``PK_j + Σ_i Σ_k C_ik·j^k``, and the group key is
   checked unchanged.

This is the library half only: the ledger does not run a refresh yet (docs/threshold.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

__all__ = ["RefreshSecret", "refresh_finish", "refresh_part1"]


@dataclass(slots=True, repr=False)
class RefreshSecret:
    """One participant's zero-sharing: ``g_i(j)`` for every ``j`` (secret; wipe)."""

    identifier: int
    values: dict[int, bytearray]

    def zeroize(self) -> None:
        for value in self.values.values():
            zeroize(value)


def refresh_part1(suite: KeyGenSuite, identifier: int, min_signers: int, max_signers: int,
                  *, rng: Rng = random_bytes) -> tuple[RefreshSecret, list[bytes]]:
    """A random sharing of zero of degree ``min_signers - 1``: its values and the
    commitments ``C_1..C_(t-1)`` to broadcast."""
    check_threshold(min_signers, max_signers)
    check_identifier(identifier)
    scalars = suite.group.scalars
    coefficients = [bytearray(scalars.random(rng)) for _ in range(min_signers - 1)]
    try:
        polynomial = [scalars.zero(), *(bytes(c) for c in coefficients)]
        values = {j: bytearray(polynomial_evaluate(scalars, scalars.from_int(j), polynomial))
                  for j in range(1, max_signers + 1)}
        commitments = vss_commit(suite.group, polynomial[1:])
    finally:
        for coefficient in coefficients:
            zeroize(coefficient)
    return RefreshSecret(identifier, values), commitments


def refresh_finish(share: KeyShare, package: PublicKeyPackage, own: RefreshSecret,
                   received: Mapping[int, bytes | bytearray],
                   commitments: Mapping[int, Sequence[bytes]]
                   ) -> tuple[KeyShare, PublicKeyPackage]:
    """The refreshed share and package, given every other participant's value for this
    participant and every participant's commitments (this one's included)."""
    suite, group = share.suite, share.suite.group
    scalars = group.scalars
    everyone = package.participants
    if sorted(commitments) != everyone:
        raise InvalidInput("need every participant's refresh commitments", field="commitments")
    if sorted([*received, own.identifier]) != everyone or own.identifier != share.identifier:
        raise InvalidInput("need one refresh value from every other participant",
                           field="received")
    full = {i: [group.identity(), *c] for i, c in commitments.items()}
    for sender, c in full.items():
        if len(c) != package.min_signers:
            raise CheatingParticipant(sender, "refresh", "committed to the wrong degree")
    for sender, value in received.items():
        if not vss_verify(group, share.identifier, bytes(value), full[sender]):
            raise CheatingParticipant(sender, "refresh", "its refresh value does not match "
                                      "its commitments")
    total = bytearray(share.secret_scalar())
    try:
        for value in [own.values[share.identifier], *received.values()]:
            total = bytearray(scalars.add(bytes(total), bytes(value)))
        verifying = {j: group.sum([package.verifying_share(j), *(
            commitment_evaluate(group, c, j) for c in full.values())]) for j in everyone}
        refreshed = PublicKeyPackage(suite, package.group_public_key, verifying,
                                     package.min_signers)
        refreshed.check_consistency()
        new = KeyShare(suite, share.identifier, bytearray(total), verifying[share.identifier],
                       package.group_public_key, package.min_signers)
    finally:
        zeroize(total)
    return new, refreshed
