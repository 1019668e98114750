"""AES-256-GCM with a versioned blob format: the one AEAD every recipe uses.

Why a wrapper around ``cryptography``'s ``AESGCM``: recipes (sealing, KEK wrapping) should
never choose nonces, sizes or formats themselves. This module fixes them once:

* key: exactly 32 bytes (AES-256); nonce: 96 bits, fresh from the health-tested CSPRNG for
  every blob, never derived or counted (random 96-bit nonces are safe far beyond the number
  of blobs one key ever seals here, since every data key seals a single blob);
* tag: the full 128 bits (``AESGCM`` offers no truncation, and we want none);
* blob: ``version(1) || nonce(12) || ciphertext || tag(16)`` with version ``0x01``, so a
  later format can be recognised instead of mis-decrypted.

Other key, nonce or tag sizes are refused by construction, which is why the Wycheproof test
only runs the 256-bit-key, 96-bit-nonce, 128-bit-tag cases.

Decryption failures say only "authentication failed": GCM cannot tell a wrong key from a
wrong context or tampering, and nothing about the key or plaintext may leak into errors.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.errors import CryptoError, InvalidInput

__all__ = ["BLOB_VERSION", "KEY_SIZE", "NONCE_SIZE", "OVERHEAD", "TAG_SIZE", "open_", "seal"]

BLOB_VERSION = 0x01
KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
_HEADER = 1 + NONCE_SIZE
OVERHEAD = _HEADER + TAG_SIZE


def _cipher(key: bytes | bytearray) -> AESGCM:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_SIZE:
        # Only the length is reported; the key itself never enters an error.
        raise InvalidInput("AES-256-GCM needs a 32-byte key", field="key")
    return AESGCM(key)


def seal(key: bytes | bytearray, plaintext: bytes | bytearray, aad: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext`` bound to ``aad``; return a versioned blob.

    ``aad`` is authenticated but not stored: the caller must present the same bytes to
    :func:`open_`, which is how a blob is tied to its context (key id, purpose).
    """
    cipher = _cipher(key)
    nonce = random_bytes(NONCE_SIZE)
    try:
        blob = bytearray(OVERHEAD + len(plaintext))
        blob[0] = BLOB_VERSION
        blob[1:_HEADER] = nonce
        cipher.encrypt_into(nonce, plaintext, aad, memoryview(blob)[_HEADER:])
        return bytes(blob)
    finally:
        zeroize(nonce)


def open_(key: bytes | bytearray, blob: bytes, aad: bytes) -> bytearray:
    """Check and decrypt a blob from :func:`seal`; the plaintext is a buffer to wipe.

    Decrypts straight into a ``bytearray`` (``decrypt_into``) so no immutable copy of the
    plaintext is created on our side. Raises :class:`CryptoError` on any malformed or
    unauthentic blob, with the same message whatever the cause.
    """
    cipher = _cipher(key)
    if len(blob) < OVERHEAD:
        raise CryptoError("sealed blob is truncated")
    if blob[0] != BLOB_VERSION:
        raise CryptoError(f"sealed blob has unknown format version {blob[0]}")
    view = memoryview(blob)
    nonce = view[1:_HEADER]
    plaintext = bytearray(len(blob) - OVERHEAD)
    try:
        cipher.decrypt_into(nonce, view[_HEADER:], aad, plaintext)
    except InvalidTag:
        zeroize(plaintext)
        raise CryptoError(
            "sealed blob authentication failed",
            hint="wrong key, wrong context (aad) or tampered data",
        ) from None
    return plaintext
