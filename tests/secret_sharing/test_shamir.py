"""Shamir over GF(2^8) and Feldman VSS over secp256k1 (:mod:`ledger.crypto.shamir`).

GF(2^8) has no official vectors of its own, so its interpolation is cross-checked against
an independent implementation: the Lagrange interpolation inside Trezor's
``shamir-mnemonic`` (same field, same polynomial), on random shares.
"""

from __future__ import annotations

import itertools
import os
import random

import pytest
from shamir_mnemonic.shamir import RawShare, _interpolate

from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.shamir import (
    ByteShare,
    InsufficientShares,
    InvalidShare,
    ScalarShare,
    _div,
    _mul,
    combine_bytes,
    feldman_combine,
    feldman_split,
    feldman_verify,
    interpolate_bytes,
    random_scalar,
    split_bytes,
)
from ledger.errors import InvalidInput


def test_field_has_inverses_and_the_aes_polynomial() -> None:
    assert _mul(0x57, 0x83) == 0xC1  # FIPS-197 §4.2 example
    for a in range(1, 256):
        assert _mul(a, _div(1, a)) == 1


@pytest.mark.parametrize(("threshold", "count"), [(1, 1), (1, 3), (2, 2), (2, 3), (3, 5),
                                                  (5, 5), (4, 10)])
@pytest.mark.parametrize("size", [1, 16, 64, 100])
def test_any_threshold_subset_rebuilds_the_secret(threshold: int, count: int,
                                                  size: int) -> None:
    secret = os.urandom(size)
    shares = split_bytes(secret, threshold, count)
    assert [s.index for s in shares] == list(range(1, count + 1))
    for subset in itertools.islice(itertools.combinations(shares, threshold), 20):
        assert combine_bytes(list(subset)) == secret


def test_below_threshold_gives_noise_not_the_secret() -> None:
    secret = os.urandom(32)
    shares = split_bytes(secret, 3, 5)
    assert all(combine_bytes(list(pair)) != secret
               for pair in itertools.combinations(shares, 2))


def test_interpolation_matches_shamir_mnemonic() -> None:
    rng = random.Random(39)
    for _ in range(50):
        threshold = rng.randint(1, 6)
        shares = split_bytes(os.urandom(rng.randint(1, 40)), threshold, threshold + 2)
        subset = rng.sample(shares, threshold)
        for x in (0, 254, 255, rng.randint(1, 253)):
            ours = interpolate_bytes(subset, x)
            theirs = _interpolate([RawShare(s.index, bytes(s.value)) for s in subset], x)
            assert bytes(ours) == theirs


def test_split_uses_the_injected_randomness() -> None:
    calls: list[int] = []

    def rng(n: int) -> bytearray:
        calls.append(n)
        return bytearray(b"\x07" * n)

    shares = split_bytes(b"\x2a\x2b", 3, 4, rng=rng)
    assert calls == [4]  # (threshold - 1) coefficients per secret byte
    assert split_bytes(b"\x2a\x2b", 3, 4, rng=rng)[2].value == shares[2].value


@pytest.mark.parametrize(("secret", "threshold", "count"), [
    (b"", 1, 1), (b"x", 0, 1), (b"x", 3, 2), (b"x", 1, 256)])
def test_bad_parameters_are_refused(secret: bytes, threshold: int, count: int) -> None:
    with pytest.raises(InvalidInput):
        split_bytes(secret, threshold, count)


def test_bad_share_sets_are_refused() -> None:
    share = ByteShare(1, bytearray(b"ab"))
    with pytest.raises(InvalidInput, match="distinct"):
        combine_bytes([share, share])
    with pytest.raises(InvalidInput, match="lengths"):
        combine_bytes([share, ByteShare(2, bytearray(b"a"))])
    with pytest.raises(InsufficientShares):
        combine_bytes([])
    assert "ab" not in repr(share) and "6162" not in repr(share)


# --- Feldman ---------------------------------------------------------------------------------

def test_feldman_round_trip_and_every_share_verifies() -> None:
    secret = random_scalar()
    shares, commitments = feldman_split(secret, 3, 6)
    assert len(commitments) == 3 and all(len(c) == 33 for c in commitments)
    for share in shares:
        feldman_verify(share, commitments)
    for subset in itertools.combinations(shares, 3):
        assert feldman_combine(list(subset), commitments) == secret
    assert feldman_combine(shares, commitments) == secret


def test_feldman_names_every_corrupted_share() -> None:
    shares, commitments = feldman_split(random_scalar(), 2, 4)
    tampered = [shares[0], ScalarShare(2, (shares[1].value + 1) % SECP256K1_ORDER), shares[2],
                ScalarShare(4, shares[0].value)]
    with pytest.raises(InvalidShare) as info:
        feldman_combine(tampered, commitments)
    assert info.value.indexes == [2, 4] and info.value.field == "shares"
    with pytest.raises(InvalidShare) as single:
        feldman_verify(tampered[1], commitments)
    assert single.value.indexes == [2]
    assert str(shares[0].value) not in repr(shares[0])


def test_feldman_below_threshold_fails() -> None:
    shares, commitments = feldman_split(random_scalar(), 3, 5)
    with pytest.raises(InsufficientShares, match="2 valid share"):
        feldman_combine(shares[:2], commitments)


def test_feldman_shares_fail_against_other_commitments() -> None:
    shares, _ = feldman_split(random_scalar(), 2, 3)
    _, others = feldman_split(random_scalar(), 2, 3)
    with pytest.raises(InvalidShare) as info:
        feldman_combine(shares[:2], others)
    assert info.value.indexes == [1, 2]
    with pytest.raises(InvalidShare):
        feldman_verify(shares[0], [b"\x02" + b"\x00" * 32, others[1]])  # not a point


def test_feldman_refuses_non_scalars() -> None:
    for secret in (0, SECP256K1_ORDER):
        with pytest.raises(InvalidInput):
            feldman_split(secret, 1, 1)
