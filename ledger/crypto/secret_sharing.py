"""Recipe: a verifiable threshold backup of any secret (Feldman VSS + AES-256-GCM).

Why this construction: Feldman commitments prove a share genuine only for a secret that
is a scalar of the commitment group, while the secrets we back up (64-byte wallet seeds,
later anything) are arbitrary bytes. So the recipe draws a fresh random scalar ``k``,
shares *it* with Feldman VSS over the secp256k1 scalar field, derives an AES-256 key from
``k`` and seals the secret under that key. Every share file carries the commitments and
the (non-secret) ciphertext, so:

* any custodian can check their own share against the commitments alone;
* a recovery names every corrupted share by index before using any;
* fewer than ``threshold`` shares reveal nothing about ``k``, hence nothing about the
  secret (AES-256-GCM under a key with 256 bits of unknown entropy);
* the ledger records SHA-256 digests of the commitments and of the ciphertext, so shares
  made up later (with commitments of their own) are refused.

Binding: the AES key is ``SHA-256(label || k || H(commitments))`` and the AEAD's associated
data is ``label || context || H(commitments)``, with ``context`` chosen by the caller (e.g.
wallet id and backup id), so a ciphertext cannot be moved to another backup or commitment
set. The ciphertext starts with a recipe version byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.crypto import aead
from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.shamir import (
    InvalidShare,
    Rng,
    ScalarShare,
    feldman_combine,
    feldman_split,
    feldman_verify,
    random_scalar,
)
from ledger.errors import CryptoError, InvalidInput

__all__ = [
    "RECIPE_VERSION",
    "SCHEME_ID",
    "InvalidShare",
    "VerifiableSplit",
    "ciphertext_digest",
    "commitment_digest",
    "recover_secret",
    "split_secret",
    "verify_share",
]

SCHEME_ID = "feldman-secp256k1-aes256gcm-v1"
RECIPE_VERSION = 0x01
_KEY_LABEL = b"skms/vss-key/v1\x00"
_AAD_LABEL = b"skms/vss-secret/v1\x00"
_COMMITMENT_LABEL = b"skms/vss-commitment/v1\x00"


@dataclass(frozen=True, slots=True, repr=False)
class VerifiableSplit:
    """What a split produces. ``shares`` are secret; the rest may be published."""

    commitments: tuple[bytes, ...]
    ciphertext: bytes
    shares: list[ScalarShare]

    @property
    def threshold(self) -> int:
        return len(self.commitments)

    def __repr__(self) -> str:
        return (f"VerifiableSplit(threshold={self.threshold}, shares={len(self.shares)}, "
                f"ciphertext=<{len(self.ciphertext)} bytes>)")


def commitment_digest(commitment: bytes) -> bytes:
    """What the ledger records per commitment: SHA-256 with a domain-separation label."""
    return hashlib.sha256(_COMMITMENT_LABEL + commitment).digest()


def ciphertext_digest(ciphertext: bytes) -> bytes:
    return hashlib.sha256(ciphertext).digest()


def _commitments_hash(commitments: Sequence[bytes]) -> bytes:
    return hashlib.sha256(b"".join(commitments)).digest()


def _data_key(k: int, commitments: Sequence[bytes]) -> bytearray:
    scalar = bytearray(k.to_bytes(32, "big"))
    try:
        return bytearray(hashlib.sha256(_KEY_LABEL + scalar + _commitments_hash(commitments))
                         .digest())
    finally:
        zeroize(scalar)


def _aad(context: bytes, commitments: Sequence[bytes]) -> bytes:
    if not isinstance(context, bytes):
        raise InvalidInput("context must be bytes", field="context")
    return _AAD_LABEL + context + b"\x00" + _commitments_hash(commitments)


def split_secret(secret: bytes | bytearray, threshold: int, share_count: int, *,
                 context: bytes, rng: Rng = random_bytes) -> VerifiableSplit:
    """Split ``secret`` into ``share_count`` verifiable shares; ``threshold`` rebuild it."""
    if not isinstance(secret, bytes | bytearray) or not secret:
        raise InvalidInput("the secret must be non-empty bytes", field="secret")
    k = random_scalar(rng)
    shares, commitments = feldman_split(k, threshold, share_count, rng=rng)
    key = _data_key(k, commitments)
    try:
        sealed = aead.seal(key, secret, _aad(context, commitments))
    finally:
        zeroize(key)
    return VerifiableSplit(commitments, bytes([RECIPE_VERSION]) + sealed, shares)


def verify_share(share: ScalarShare, commitments: Sequence[bytes]) -> None:
    """Raise :class:`~ledger.crypto.shamir.InvalidShare` unless the share is genuine."""
    feldman_verify(share, commitments)


def recover_secret(shares: Sequence[ScalarShare], commitments: Sequence[bytes],
                   ciphertext: bytes, *, context: bytes) -> bytearray:
    """Verify the shares, rebuild ``k``, open the ciphertext: the secret, as a buffer to wipe.

    Raises ``InvalidShare`` (naming bad indexes), ``InsufficientShares``, or
    ``CryptoError`` when the ciphertext or context does not match the commitments.
    """
    k = feldman_combine(shares, commitments)
    if not ciphertext or ciphertext[0] != RECIPE_VERSION:
        raise CryptoError("the backup ciphertext has an unknown recipe version")
    key = _data_key(k, commitments)
    try:
        return aead.open_(key, ciphertext[1:], _aad(context, commitments))
    finally:
        zeroize(key)
