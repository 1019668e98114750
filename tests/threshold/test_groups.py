"""The group wrappers: identity and zero handled explicitly, strict decoding, hash_to_field."""

from __future__ import annotations

import hashlib

import pytest
from py_ecc.bls.hash import expand_message_xmd as reference_xmd

from ledger.crypto.threshold.group import PrimeOrderGroup
from ledger.crypto.threshold.group_bls12381 import BLS12381_G1
from ledger.crypto.threshold.group_ed25519 import ED25519
from ledger.crypto.threshold.group_secp256k1 import SECP256K1
from ledger.crypto.threshold.hash_to_field import expand_message_xmd, hash_to_field
from ledger.crypto.threshold.polynomial import (
    interpolate_at_zero,
    lagrange_coefficient,
    polynomial_evaluate,
)
from ledger.errors import CryptoError, InvalidInput

GROUPS = [ED25519, SECP256K1, BLS12381_G1]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_identity_and_zero_cases(group: PrimeOrderGroup) -> None:
    s = group.scalars
    g = group.generator()
    two = s.from_int(2)
    assert group.is_identity(group.scalar_mult(s.zero(), g))
    assert group.is_identity(group.scalar_base_mult(s.zero()))
    assert group.is_identity(group.scalar_mult(two, group.identity()))
    assert group.is_identity(group.add(g, group.negate(g)))
    assert group.is_identity(group.sub(g, g))
    assert group.equal(group.add(group.identity(), g), g)
    assert group.equal(group.add(g, group.identity()), g)
    assert group.equal(group.add(g, g), group.scalar_base_mult(two))  # doubling
    assert group.is_identity(group.negate(group.identity()))
    minus_one = s.neg(s.one())
    assert group.equal(group.scalar_mult(minus_one, g), group.negate(g))
    assert group.is_identity(group.scalar_base_mult(s.from_int(group.order)))
    with pytest.raises(CryptoError):
        group.serialize_element(group.identity())
    with pytest.raises(CryptoError):
        s.invert(s.zero())


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_scalar_field_against_integers(group: PrimeOrderGroup) -> None:
    s, q = group.scalars, group.order
    a, b = q - 5, 123456789
    A, B = s.from_int(a), s.from_int(b)
    assert s.to_int(s.add(A, B)) == (a + b) % q
    assert s.to_int(s.sub(B, A)) == (b - a) % q
    assert s.to_int(s.mul(A, B)) == a * b % q
    assert s.to_int(s.neg(B)) == -b % q
    assert s.to_int(s.mul(s.invert(B), B)) == 1
    with pytest.raises(InvalidInput):
        s.deserialize(q.to_bytes(s.size, "little" if group is ED25519 else "big"))
    with pytest.raises(InvalidInput):
        s.deserialize(bytes(s.size - 1))


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_deserialize_refuses_bad_encodings(group: PrimeOrderGroup) -> None:
    good = group.scalar_base_mult(group.scalars.from_int(7))
    assert group.deserialize_element(good) == good
    for bad in (good[:-1], good + b"\x00", bytes(group.element_size), b"\xff" * group.element_size):
        with pytest.raises(InvalidInput):
            group.deserialize_element(bad)
    with pytest.raises(InvalidInput):
        group.deserialize_element(group.identity())


def test_ed25519_refuses_small_order_and_torsion_points() -> None:
    small_order = bytes.fromhex(  # a point of order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
    with pytest.raises(InvalidInput):
        ED25519.deserialize_element(small_order)
    torsioned = ED25519.add(ED25519.generator(), small_order)
    with pytest.raises(InvalidInput):
        ED25519.deserialize_element(torsioned)


def test_secp256k1_refuses_x_not_on_curve() -> None:
    with pytest.raises(InvalidInput):
        SECP256K1.deserialize_element(b"\x02" + (5).to_bytes(32, "big"))
    with pytest.raises(InvalidInput):
        SECP256K1.deserialize_element(b"\x04" + SECP256K1.generator()[1:])


@pytest.mark.parametrize(("message", "length"), [(b"", 32), (b"abc", 128), (b"q" * 300, 48),
                                                 (b"x", 96)])
def test_expand_message_xmd_matches_py_ecc(message: bytes, length: int) -> None:
    dst = b"QUUX-V01-CS02-with-expander-SHA256-128"
    assert expand_message_xmd(message, dst, length) == reference_xmd(
        message, dst, length, hashlib.sha256)


def test_expand_message_xmd_limits() -> None:
    with pytest.raises(InvalidInput):
        expand_message_xmd(b"", b"d" * 256, 32)
    with pytest.raises(InvalidInput):
        expand_message_xmd(b"", b"d", 32 * 256)
    (value,) = hash_to_field(b"m", b"dst", SECP256K1.order)
    assert 0 <= value < SECP256K1.order


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_polynomial_and_lagrange(group: PrimeOrderGroup) -> None:
    s = group.scalars
    coefficients = [s.from_int(v) for v in (42, 7, 99)]  # f(x) = 42 + 7x + 99x^2
    points = [(x, polynomial_evaluate(s, s.from_int(x), coefficients)) for x in (2, 5, 255)]
    assert s.to_int(points[0][1]) == (42 + 14 + 396) % group.order
    assert s.to_int(interpolate_at_zero(s, points)) == 42
    assert s.to_int(interpolate_at_zero(s, points[:2])) != 42  # too few points: noise
    with pytest.raises(InvalidInput):
        lagrange_coefficient(s, [1, 2], 3)
    with pytest.raises(InvalidInput):
        lagrange_coefficient(s, [1, 1, 2], 1)
    with pytest.raises(InvalidInput):
        polynomial_evaluate(s, s.one(), [])
