"""Point and scalar validation of the two groups: what may enter any arithmetic."""

from __future__ import annotations

import pytest
from coincurve import PrivateKey
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from py_ecc.secp256k1 import secp256k1 as ref_k1

from ledger.crypto.privacy import ed25519_group as ed
from ledger.crypto.privacy.ed25519_group import ED25519
from ledger.crypto.privacy.group import PrimeOrderGroup
from ledger.crypto.privacy.secp256k1_group import SECP256K1
from ledger.errors import InvalidInput
from tests.privacy import reference as ref
from tests.privacy.conftest import counter_rng, identity


def non_canonical_encodings() -> list[bytes]:
    """Every encoding with y >= p (y = p + k, k < 19), either sign, plus x = 0 "negative"."""
    out = []
    for k in range(19):
        for sign in (0, 1):
            data = bytearray((ref.P + k).to_bytes(32, "little"))
            data[31] |= sign << 7
            out.append(bytes(data))
    negative_identity = bytearray(ref.SMALL_ORDER_POINTS[0])
    negative_identity[31] |= 0x80
    out.append(bytes(negative_identity))
    return out


@pytest.mark.parametrize("point", ref.SMALL_ORDER_POINTS, ids=lambda p: p.hex()[:8])
def test_small_order_points_are_refused(point: bytes) -> None:
    decoded = ref.decode(point)
    assert decoded is not None and ref.mul(8, decoded) == ref.IDENTITY  # really small order
    with pytest.raises(InvalidInput, match="prime-order subgroup"):
        ed.parse_point(point, "public_key")


@pytest.mark.parametrize("point", non_canonical_encodings())
def test_non_canonical_encodings_are_refused(point: bytes) -> None:
    with pytest.raises(InvalidInput):
        ed.parse_point(point, "public_key")


@pytest.mark.parametrize("torsion", ref.SMALL_ORDER_POINTS[1:], ids=lambda p: p.hex()[:8])
def test_mixed_order_points_are_refused(torsion: bytes) -> None:
    """P + T is on the curve and canonical, but outside the prime-order subgroup."""
    _, public = identity("mixed")
    p, t = ref.decode(public), ref.decode(torsion)
    assert p is not None and t is not None
    mixed = ref.encode(ref.add(p, t))
    assert ref.decode(mixed) is not None and ref.mul(ref.L, ref.decode(mixed)) != ref.IDENTITY
    with pytest.raises(InvalidInput):
        ed.parse_point(mixed, "public_key")


def test_valid_public_keys_are_accepted_and_match_rfc_8032() -> None:
    for label in ("a", "b", "c"):
        seed, public = identity(label)
        assert ed.parse_point(public, "public_key") == public
        assert ed.base_mul(ed.seed_scalar(seed)) == public == ref.public_key_of_seed(bytes(seed))


def test_seed_scalar_matches_cryptography_key_generation() -> None:
    seed, _ = identity("interop")
    key = Ed25519PrivateKey.from_private_bytes(bytes(seed))
    expected = key.public_key().public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)
    assert ed.base_mul(ed.seed_scalar(seed)) == expected


def test_hash_to_point_lands_in_the_prime_order_subgroup() -> None:
    for i in range(16):
        point = ed.hash_to_point(b"test", bytes([i]))
        decoded = ref.decode(point)
        assert decoded is not None and ref.mul(ref.L, decoded) == ref.IDENTITY
        assert decoded != ref.IDENTITY
    assert ed.hash_to_point(b"a", b"x") != ed.hash_to_point(b"b", b"x")  # domain separated


@pytest.mark.parametrize("group", [ED25519, SECP256K1], ids=lambda g: g.name)
def test_scalars_must_be_canonical_and_non_zero(group: PrimeOrderGroup) -> None:
    byteorder = "little" if group is ED25519 else "big"
    for bad in (0, group.order, group.order + 1, 2**256 - 1):
        with pytest.raises(InvalidInput, match="canonical"):
            group.parse_scalar(bad.to_bytes(32, byteorder), "response")
    for wrong_size in (bytes(31), bytes(33), b""):
        with pytest.raises(InvalidInput, match="32-byte"):
            group.parse_scalar(wrong_size, "response")
    largest = group.int_to_scalar(group.order - 1)
    assert group.parse_scalar(largest, "response") == largest


def test_random_scalars_are_replayable_and_in_range() -> None:
    for group in (ED25519, SECP256K1):
        a = group.random_scalar(counter_rng(b"x"))
        b = group.random_scalar(counter_rng(b"x"))
        assert a == b and 0 < group.scalar_to_int(a) < group.order


def test_secp256k1_refuses_non_canonical_and_other_encodings() -> None:
    key = PrivateKey(bytes(31) + b"\x07").public_key
    compressed = key.format(compressed=True)
    assert SECP256K1.parse_point(compressed, "public_key") == compressed
    with pytest.raises(InvalidInput):  # uncompressed: a second encoding of the same point
        SECP256K1.parse_point(key.format(compressed=False), "public_key")
    hybrid = bytes([6 + (compressed[0] & 1)]) + key.format(compressed=False)[1:]
    with pytest.raises(InvalidInput):
        SECP256K1.parse_point(hybrid, "public_key")
    # x = 1 is on the curve (1 + 7 = 8 is a square mod p); x + p is its non-canonical twin.
    assert pow(8, (ref_k1.P - 1) // 2, ref_k1.P) == 1
    with pytest.raises(InvalidInput):
        SECP256K1.parse_point(b"\x02" + (1 + ref_k1.P).to_bytes(32, "big"), "public_key")
    assert pow(5**3 + 7, (ref_k1.P - 1) // 2, ref_k1.P) != 1  # x = 5 is not on the curve
    with pytest.raises(InvalidInput):
        SECP256K1.parse_point(b"\x02" + (5).to_bytes(32, "big"), "public_key")
    with pytest.raises(InvalidInput):
        SECP256K1.parse_point(b"\x00" * 33, "public_key")
