"""Shamir and Feldman VSS: the type checks, redraws and refusals the round trips skip."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.shamir import (
    ByteShare,
    InvalidShare,
    ScalarShare,
    _div,
    _mul,
    feldman_combine,
    feldman_split,
    feldman_verify,
    interpolate_bytes,
    random_scalar,
    split_bytes,
)
from ledger.errors import InvalidInput


def scripted_rng(*chunks: bytes) -> Callable[[int], bytearray]:
    """Hands out the given chunks in order (each must be the size asked for)."""
    pending = list(chunks)

    def rng(size: int) -> bytearray:
        chunk = pending.pop(0)
        assert len(chunk) == size
        return bytearray(chunk)

    return rng


@pytest.mark.parametrize(("threshold", "count", "field"), [
    (True, 3, "threshold"), ("2", 3, "threshold"), (2.0, 3, "threshold"),
    (2, False, "share_count"), (2, "3", "share_count"),
])
def test_counts_must_be_whole_numbers(threshold: object, count: object, field: str) -> None:
    for split in (lambda: split_bytes(b"secret", threshold, count),  # type: ignore[arg-type]
                  lambda: feldman_split(5, threshold, count)):  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="must be a whole number") as caught:
            split()
        assert caught.value.field == field


def test_division_of_zero_is_zero() -> None:
    assert [_div(0, b) for b in (1, 2, 0x53, 255)] == [0, 0, 0, 0]
    assert _mul(_div(0xCA, 0x53), 0x53) == 0xCA


@pytest.mark.parametrize("index", [0, 256, -1, "1"])
def test_share_indexes_outside_the_field_are_refused(index: object) -> None:
    shares = [ByteShare(index, bytearray(b"ab")), ByteShare(2, bytearray(b"cd"))]  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="share indexes are 1 to 255") as caught:
        interpolate_bytes(shares, 0)
    assert caught.value.field == "shares"


def test_interpolating_at_a_share_index_gives_that_share() -> None:
    shares = split_bytes(b"the secret", 2, 4, rng=lambda size: bytearray(range(7, 7 + size)))
    # From shares 1 and 3 the polynomial's value at 2 is share 2, computed by Lagrange.
    assert interpolate_bytes([shares[0], shares[2]], 2) == shares[1].value
    # A share at the asked point is returned as a copy, untouched by arithmetic.
    copy = interpolate_bytes([shares[0], shares[1]], 2)
    assert copy == shares[1].value and copy is not shares[1].value
    copy[0] ^= 1
    assert copy != shares[1].value


def test_random_scalar_rejects_zero_and_values_at_or_above_the_order() -> None:
    rng = scripted_rng(bytes(32), SECP256K1_ORDER.to_bytes(32, "big"), b"\xff" * 32,
                       (SECP256K1_ORDER - 1).to_bytes(32, "big"))
    assert random_scalar(rng) == SECP256K1_ORDER - 1


def test_split_redraws_a_polynomial_with_a_zero_share() -> None:
    """f(x) = s + a x with a = -s makes share 1 zero: the split draws again."""
    secret = 12345
    zeroing = (SECP256K1_ORDER - secret).to_bytes(32, "big")
    rng = scripted_rng(zeroing, (7).to_bytes(32, "big"))
    shares, commitments = feldman_split(secret, 2, 3, rng=rng)
    assert [share.value for share in shares] == [secret + 7, secret + 14, secret + 21]
    assert feldman_combine(shares[1:], commitments) == secret


def test_shares_outside_the_ranges_never_verify() -> None:
    shares, commitments = feldman_split(99, 2, 3)
    for bad in (ScalarShare(1, 0), ScalarShare(1, SECP256K1_ORDER),
                ScalarShare(0, shares[0].value), ScalarShare(256, shares[0].value)):
        with pytest.raises(InvalidShare, match="do not match the commitments") as caught:
            feldman_verify(bad, commitments)
        assert caught.value.indexes == [bad.index] and caught.value.field == "shares"
    feldman_verify(shares[0], commitments)  # the genuine share still passes


def test_feldman_needs_commitments_and_distinct_indexes() -> None:
    shares, commitments = feldman_split(99, 2, 3)
    with pytest.raises(InvalidInput, match="no commitments") as caught:
        feldman_verify(shares[0], ())
    assert caught.value.field == "commitments"
    with pytest.raises(InvalidInput, match="no commitments") as caught:
        feldman_combine(shares, [])
    assert caught.value.field == "commitments"
    with pytest.raises(InvalidInput, match="share indexes must be distinct") as caught:
        feldman_combine([shares[0], shares[0]], commitments)
    assert caught.value.field == "shares"
    assert feldman_combine([shares[2], shares[0]], commitments) == 99
