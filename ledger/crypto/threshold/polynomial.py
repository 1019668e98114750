"""Shamir polynomials, Lagrange coefficients and Feldman commitments, once for every group.

RFC 9591 section 4.2 and appendix C.1/C.2 written over :class:`ScalarField` and
:class:`PrimeOrderGroup`, so FROST (edwards25519, secp256k1), the DKG and threshold BLS
(BLS12-381 G1) share a single implementation:

1. :func:`polynomial_evaluate`: ``f(x) = a_0 + a_1 x + ... + a_(t-1) x^(t-1)`` by Horner's
   rule (``polynomial_evaluate`` of appendix C.1).
2. :func:`lagrange_coefficient`: ``derive_interpolating_value(L, x_i)`` of section 4.2:
   the coefficient of ``f(x_i)`` in ``f(0)`` (or in ``f(at)``) for the distinct points
   ``L``; refuses an ``x_i`` not in ``L``, duplicates and zero.
3. :func:`interpolate_at_zero`: ``f(0)`` from points ``(x_i, y_i)``; used by tests and the
   dealer's own check, never by a protocol that must not rebuild the key.
4. :func:`vss_commit` / :func:`commitment_evaluate` / :func:`vss_verify`: Feldman
   commitments ``C_j = a_j·B`` and the check ``y_i·B == Σ_j C_j·x_i^j`` (appendix C.2).

Identifiers are the integers 1..255 (participant numbers); they are mapped into each
scalar field with ``from_int``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.crypto.threshold.group import PrimeOrderGroup
from ledger.crypto.threshold.scalars import ScalarField
from ledger.errors import InvalidInput

__all__ = [
    "MAX_PARTICIPANTS",
    "check_identifier",
    "check_threshold",
    "commitment_evaluate",
    "interpolate_at_zero",
    "lagrange_coefficient",
    "polynomial_evaluate",
    "vss_commit",
    "vss_verify",
]

MAX_PARTICIPANTS = 255


def check_identifier(identifier: object, field: str = "identifier") -> int:
    """A participant identifier: a whole number in 1..255."""
    if isinstance(identifier, bool) or not isinstance(identifier, int):
        raise InvalidInput("a participant identifier must be a whole number", field=field)
    if not 1 <= identifier <= MAX_PARTICIPANTS:
        raise InvalidInput(f"a participant identifier is 1 to {MAX_PARTICIPANTS}", field=field)
    return identifier


def check_threshold(min_signers: object, max_signers: object) -> tuple[int, int]:
    """``2 <= min_signers <= max_signers <= 255`` (RFC 9591: MIN_PARTICIPANTS > 1)."""
    for name, value in (("min_signers", min_signers), ("max_signers", max_signers)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("must be a whole number", field=name)
    assert isinstance(min_signers, int) and isinstance(max_signers, int)
    if not 2 <= min_signers <= max_signers <= MAX_PARTICIPANTS:
        raise InvalidInput(f"need 2 <= min_signers <= max_signers <= {MAX_PARTICIPANTS}",
                           field="min_signers")
    return min_signers, max_signers


def polynomial_evaluate(field: ScalarField, x: bytes, coefficients: Sequence[bytes]) -> bytes:
    """``f(x)`` for ``coefficients = [a_0, ..., a_(t-1)]`` (Horner, highest degree first)."""
    if not coefficients:
        raise InvalidInput("a polynomial needs at least one coefficient", field="coefficients")
    value = field.zero()
    for coefficient in reversed(coefficients):
        value = field.add(field.mul(value, x), coefficient)
    return value


def lagrange_coefficient(field: ScalarField, identifiers: Sequence[int], identifier: int,
                         at: int = 0) -> bytes:
    """The coefficient of ``f(identifier)`` in ``f(at)``, over the distinct ``identifiers``.

    At 0 this is RFC 9591's ``derive_interpolating_value(L, x_i)``,
    ``Π x_j / Π (x_j - x_i)`` over ``j != i``; in general ``Π (at - x_j) / (x_i - x_j)``.
    """
    if identifier not in identifiers:
        raise InvalidInput(f"participant {identifier} is not among the signers",
                           field="identifiers")
    if len(set(identifiers)) != len(identifiers):
        raise InvalidInput("participant identifiers must be distinct", field="identifiers")
    if any(x % field.order == 0 for x in identifiers):
        raise InvalidInput("zero is not a participant identifier", field="identifiers")
    x_i, x = field.from_int(identifier), field.from_int(at)
    numerator, denominator = field.one(), field.one()
    for other in identifiers:
        if other == identifier:
            continue
        x_j = field.from_int(other)
        numerator = field.mul(numerator, field.sub(x, x_j))
        denominator = field.mul(denominator, field.sub(x_i, x_j))
    return field.mul(numerator, field.invert(denominator))


def interpolate_at_zero(field: ScalarField, points: Sequence[tuple[int, bytes]]) -> bytes:
    """``f(0)`` from ``(identifier, f(identifier))`` pairs (at least ``t`` of them)."""
    identifiers = [x for x, _ in points]
    total = field.zero()
    for x, y in points:
        total = field.add(total, field.mul(lagrange_coefficient(field, identifiers, x), y))
    return total


def vss_commit(group: PrimeOrderGroup, coefficients: Sequence[bytes]) -> list[bytes]:
    """Feldman commitments ``[a_0·B, ..., a_(t-1)·B]``; ``C_0`` is the shared public key."""
    return [group.scalar_base_mult(coefficient) for coefficient in coefficients]


def commitment_evaluate(group: PrimeOrderGroup, commitments: Sequence[bytes],
                        identifier: int) -> bytes:
    """``Σ_j C_j·x^j``: the public image ``f(x)·B`` of a share (Horner in the exponent)."""
    if not commitments:
        raise InvalidInput("no commitments", field="commitments")
    x = group.scalars.from_int(identifier)
    value = group.identity()
    for commitment in reversed(commitments):
        value = group.add(group.scalar_mult(x, value), commitment)
    return value


def vss_verify(group: PrimeOrderGroup, identifier: int, share: bytes,
               commitments: Sequence[bytes]) -> bool:
    """Whether ``share·B == Σ_j C_j·identifier^j`` (appendix C.2 ``vss_verify``)."""
    return group.equal(group.scalar_base_mult(share),
                       commitment_evaluate(group, commitments, identifier))
