"""Pedersen commitments: generators, commitments and sums checked against libsodium."""

from __future__ import annotations

import hashlib
import random

import pytest

from ledger.crypto.zk import pedersen
from ledger.crypto.zk.pedersen import GROUP_ORDER, PedersenCommitment
from ledger.errors import InvalidInput, InvalidSignature
from tests.vectors import in_ci
from tests.zk import sodium_ristretto

# RFC 9380 Appendix K.3: expand_message_xmd(SHA-512), DST QUUX-V01-CS02-with-expander-SHA512-256.
RFC9380_DST = b"QUUX-V01-CS02-with-expander-SHA512-256"
RFC9380_XMD_SHA512 = [
    (b"", 32, "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba"),
    (b"abc", 32, "0da749f12fbe5483eb066a5f595055679b976e93abe9be6f0f6318bce7aca8dc"),
    (b"abcdef0123456789", 32,
     "087e45a86e2939ee8b91100af1583c4938e0f5fc6c9db4b107b83346bc967f58"),
    (b"", 128,
     "41b037d1734a5f8df225dd8c7de38f851efdb45c372887be655212d07251b921b052b62eaed99b46f72f2ef4"
     "cc96bfaf254ebbbec091e1a3b9e4fb5e5b619d2e0c5414800a1d882b62bb5cd1778f098b8eb6cb399d5d9d18"
     "f5d5842cf5d13d7eb00a7cff859b605da678b318bd0e65ebff70bec88c753b159a805d2c89c55961"),
]


def expand_message_xmd_sha512(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 §5.3.1, written here from the RFC as the independent reference."""
    ell = -(-length // 64)
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(128) + msg + length.to_bytes(2, "big") + b"\0" + dst_prime).digest()
    blocks = [hashlib.sha512(b0 + b"\1" + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha512(mixed + bytes([i]) + dst_prime).digest())
    return b"".join(blocks)[:length]


@pytest.fixture(scope="module")
def sodium():  # type: ignore[no-untyped-def]
    lib = sodium_ristretto.load()
    if lib is None:
        message = "libsodium (libsodium23) not found: apt-get install libsodium23"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return lib


def fixed_rng(seed: int):  # type: ignore[no-untyped-def]
    generator = random.Random(seed)
    return lambda n: bytearray(generator.randbytes(n))


@pytest.mark.parametrize(("msg", "length", "expected"), RFC9380_XMD_SHA512)
def test_reference_expand_message_matches_rfc9380(msg: bytes, length: int, expected: str) -> None:
    assert expand_message_xmd_sha512(msg, RFC9380_DST, length).hex() == expected


def test_generators_are_rfc9380_hash_to_ristretto255_of_g_and_h(sodium) -> None:  # type: ignore[no-untyped-def]
    g, h = pedersen.generators()
    assert g == sodium_ristretto.from_hash(
        sodium, expand_message_xmd_sha512(b"G", pedersen.PEDERSEN_DST, 64))
    assert h == sodium_ristretto.from_hash(
        sodium, expand_message_xmd_sha512(b"H", pedersen.PEDERSEN_DST, 64))
    assert g != h


def test_commitment_matches_libsodium(sodium) -> None:  # type: ignore[no-untyped-def]
    g, h = pedersen.generators()
    rng = fixed_rng(1)
    for value in (1, 2, 255, 2**64 - 1, GROUP_ORDER - 1):
        commitment, blinding = pedersen.commit(value, rng=rng)
        expected = sodium_ristretto.add(
            sodium,
            sodium_ristretto.scalarmult(sodium, value.to_bytes(32, "little"), g),
            sodium_ristretto.scalarmult(sodium, bytes(blinding), h))
        assert commitment.point == expected


def test_commitments_add_homomorphically() -> None:
    rng = fixed_rng(2)
    a, ra = pedersen.commit(1000, rng=rng)
    b, rb = pedersen.commit(2345, rng=rng)
    total = a + b
    pedersen.verify_opening(total, 3345, pedersen.add_blindings(ra, rb))
    pedersen.verify_opening(total - b, 1000, pedersen.sub_blindings(pedersen.add_blindings(ra, rb),
                                                                    rb))
    with pytest.raises(InvalidSignature):
        pedersen.verify_opening(total, 3346, pedersen.add_blindings(ra, rb))
    # Sums wrap modulo the group order, as the algebra says.
    c, rc = pedersen.commit(GROUP_ORDER - 1, rng=rng)
    d, rd = pedersen.commit(5, rng=rng)
    pedersen.verify_opening(c + d, 4, pedersen.add_blindings(rc, rd))


def test_opening_rejects_wrong_value_or_blinding() -> None:
    commitment, blinding = pedersen.commit(7, rng=fixed_rng(3))
    pedersen.verify_opening(commitment, 7, blinding)
    with pytest.raises(InvalidSignature):
        pedersen.verify_opening(commitment, 8, blinding)
    other = bytearray(blinding)
    other[0] ^= 1
    with pytest.raises(InvalidSignature):
        pedersen.verify_opening(commitment, 7, other)


def test_same_value_commits_differently_with_fresh_blindings() -> None:
    first, _ = pedersen.commit(42)
    second, _ = pedersen.commit(42)
    assert first != second


def test_given_blinding_is_used_and_deterministic() -> None:
    blinding = pedersen.random_blinding(fixed_rng(4))
    one, returned = pedersen.commit(9, blinding=blinding)
    assert returned is blinding
    two, _ = pedersen.commit(9, blinding=bytearray(blinding))
    assert one == two


@pytest.mark.parametrize("value", [-1, GROUP_ORDER, 2**256, True, 1.5, "1"])
def test_values_outside_the_scalar_field_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        pedersen.commit(value)  # type: ignore[arg-type]
    assert info.value.field == "value"


def test_blinding_must_be_a_canonical_32_byte_bytearray() -> None:
    for bad in (bytes(32), bytearray(31), bytearray(b"\xff" * 32)):
        with pytest.raises(InvalidInput):
            pedersen.commit(1, blinding=bad)  # type: ignore[arg-type]


def test_commitment_serialisation_round_trips_and_is_strict() -> None:
    commitment, _ = pedersen.commit(5)
    assert PedersenCommitment.from_bytes(commitment.to_bytes()) == commitment
    assert PedersenCommitment.from_dict(commitment.to_dict()) == commitment
    non_canonical = bytes([0xED]) + b"\xff" * 30 + b"\x7f"  # p - 0: not a field element
    for bad in (commitment.point[:31], commitment.point + b"\0", non_canonical, b"\xff" * 32):
        with pytest.raises(InvalidInput):
            PedersenCommitment.from_bytes(bad)
    good = commitment.to_dict()
    upper = good["commitment"].upper()
    for bad_dict in ({**good, "scheme": "other"}, {**good, "commitment": upper},
                     {**good, "extra": "x"}, {"commitment": good["commitment"]},
                     {**good, "commitment": "zz" * 32}):
        with pytest.raises(InvalidInput):
            PedersenCommitment.from_dict(bad_dict)
