"""The verifiable backup recipe (:mod:`ledger.crypto.secret_sharing`)."""

from __future__ import annotations

import itertools
import os

import pytest

from ledger.crypto import secret_sharing
from ledger.crypto.shamir import InsufficientShares, InvalidShare, ScalarShare
from ledger.errors import CryptoError, InvalidInput

CONTEXT = b"wallet-1/backup-1"


@pytest.mark.parametrize("size", [1, 32, 64, 1000])
def test_round_trip_any_length_any_subset(size: int) -> None:
    secret = os.urandom(size)
    split = secret_sharing.split_secret(secret, 3, 5, context=CONTEXT)
    assert split.threshold == 3 and split.ciphertext[0] == secret_sharing.RECIPE_VERSION
    assert secret.hex() not in repr(split)
    if size >= 8:  # a shorter secret turns up in random ciphertext by chance (1 byte: ~11 %)
        assert secret not in split.ciphertext
    for subset in itertools.combinations(split.shares, 3):
        assert secret_sharing.recover_secret(list(subset), split.commitments,
                                             split.ciphertext, context=CONTEXT) == secret


def test_corrupted_share_is_identified_by_index() -> None:
    split = secret_sharing.split_secret(b"seed" * 16, 2, 3, context=CONTEXT)
    bad = ScalarShare(3, split.shares[2].value ^ 1)
    with pytest.raises(InvalidShare) as info:
        secret_sharing.verify_share(bad, split.commitments)
    assert info.value.indexes == [3]
    with pytest.raises(InvalidShare) as combined:
        secret_sharing.recover_secret([split.shares[0], bad], split.commitments,
                                      split.ciphertext, context=CONTEXT)
    assert combined.value.indexes == [3]


def test_below_threshold_recovery_fails() -> None:
    split = secret_sharing.split_secret(b"seed" * 16, 3, 4, context=CONTEXT)
    with pytest.raises(InsufficientShares):
        secret_sharing.recover_secret(split.shares[:2], split.commitments, split.ciphertext,
                                      context=CONTEXT)


def test_ciphertext_is_bound_to_context_and_commitments() -> None:
    split = secret_sharing.split_secret(b"seed" * 16, 2, 2, context=CONTEXT)
    with pytest.raises(CryptoError):
        secret_sharing.recover_secret(split.shares, split.commitments, split.ciphertext,
                                      context=b"another backup")
    other = secret_sharing.split_secret(b"seed" * 16, 2, 2, context=CONTEXT)
    with pytest.raises(CryptoError):
        secret_sharing.recover_secret(split.shares, split.commitments, other.ciphertext,
                                      context=CONTEXT)
    with pytest.raises(CryptoError, match="recipe version"):
        secret_sharing.recover_secret(split.shares, split.commitments,
                                      b"\x09" + split.ciphertext[1:], context=CONTEXT)


def test_digests_are_domain_separated_and_stable() -> None:
    split = secret_sharing.split_secret(b"x", 1, 1, context=CONTEXT)
    digest = secret_sharing.commitment_digest(split.commitments[0])
    assert len(digest) == 32 and digest != secret_sharing.ciphertext_digest(
        split.commitments[0])
    assert digest == secret_sharing.commitment_digest(split.commitments[0])


def test_empty_secret_is_refused() -> None:
    with pytest.raises(InvalidInput):
        secret_sharing.split_secret(b"", 1, 1, context=CONTEXT)
