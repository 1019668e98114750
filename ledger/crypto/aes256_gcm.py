"""AES-256-GCM data encryption keys: kind id ``aes-256-gcm``.

Why a module apart from :mod:`ledger.crypto.aead`: that one seals the ledger's *own*
secrets (one blob per data key, no key versions). This one encrypts *caller* data under a
managed key that is used many times and rotated, so its ciphertexts name the key version
(:mod:`ledger.crypto.ciphertext`) and its nonce budget matters.

Two layers, as in pyca's recipes-over-hazmat split:

* :func:`gcm_seal` / :func:`gcm_open`: the bare primitive with the sizes fixed (32-byte
  key, 96-bit nonce, full 128-bit tag). Wycheproof ``aes_gcm_test.json`` runs here; cases
  with other sizes are refused by these functions, which the vector test also checks.
* :class:`Aes256GcmKind`: the ledger format
  ``header(5) || nonce(12) || ciphertext || tag(16)``, where GCM's associated data is
  ``header || caller aad``, so the version in the header cannot be altered.

Nonces are random (96 bits from the health-tested CSPRNG). NIST SP 800-38D §8.3 caps a
key at 2**32 random-nonce encryptions; rotating a key starts a fresh budget, which is one
more reason the rotation policy exists. Decryption failures say only "authentication
failed": GCM cannot tell a wrong key from wrong aad or tampering.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.crypto.ciphertext import FORMAT_AES256_GCM, HEADER_SIZE, pack_header, read_header
from ledger.crypto.entropy import random_bytes
from ledger.crypto.kinds import DataCipher, KindInfo, Rng, register_kind
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidCiphertext, InvalidInput

__all__ = ["KEY_SIZE", "KIND", "NONCE_SIZE", "OVERHEAD", "TAG_SIZE", "Aes256GcmKind",
           "gcm_open", "gcm_seal"]

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
OVERHEAD = HEADER_SIZE + NONCE_SIZE + TAG_SIZE


def _cipher(key: bytes | bytearray) -> AESGCM:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_SIZE:
        raise InvalidInput("AES-256-GCM needs a 32-byte key", field="key")
    return AESGCM(key)


def _check_nonce(nonce: bytes | bytearray) -> None:
    if not isinstance(nonce, bytes | bytearray) or len(nonce) != NONCE_SIZE:
        raise InvalidInput("AES-256-GCM needs a 96-bit nonce", field="nonce")


def gcm_seal(key: bytes | bytearray, nonce: bytes | bytearray, plaintext: bytes | bytearray,
             aad: bytes) -> bytes:
    """``ciphertext || tag`` of ``plaintext`` under ``key`` and ``nonce`` (never reuse one)."""
    cipher = _cipher(key)
    _check_nonce(nonce)
    return cipher.encrypt(bytes(nonce), bytes(plaintext), aad)


def gcm_open(key: bytes | bytearray, nonce: bytes | bytearray, sealed: bytes | memoryview,
             aad: bytes) -> bytearray:
    """The plaintext of ``ciphertext || tag``, decrypted straight into a buffer to wipe."""
    cipher = _cipher(key)
    _check_nonce(nonce)
    if len(sealed) < TAG_SIZE:
        raise InvalidCiphertext("ciphertext is shorter than its authentication tag")
    plaintext = bytearray(len(sealed) - TAG_SIZE)
    try:
        cipher.decrypt_into(bytes(nonce), sealed, aad, plaintext)
    except InvalidTag:
        zeroize(plaintext)
        raise InvalidCiphertext(
            "ciphertext authentication failed",
            hint="wrong key version, wrong associated data (--aad) or tampered data") from None
    return plaintext


class Aes256GcmKind(DataCipher):
    """AES-256-GCM under a managed, rotatable key."""

    info = KindInfo(
        kind_id="aes-256-gcm",
        family="symmetric-encryption",
        security_bits=256,  # SP 800-57 Part 1 Table 2 (a single forgery try: 2**-128)
        secret_size=KEY_SIZE,
        public_key_size=0,
        output_size=OVERHEAD,
        fips_approved=True,  # FIPS 197 + SP 800-38D
        usages=frozenset({"encrypt", "decrypt", "wrap"}),
        default_usage=("decrypt", "encrypt", "wrap"),
        operation="encrypt and decrypt data with associated data; wrap data keys",
    )

    @property
    def seed_size(self) -> int:
        return KEY_SIZE

    @property
    def encrypt_needs_secret(self) -> bool:
        return True

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """The key is the seed: any 32 uniformly random bytes are an AES-256 key."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != KEY_SIZE:
            raise InvalidInput(f"AES-256 key generation needs a {KEY_SIZE}-byte seed",
                               field="seed")
        return bytearray(seed)

    def public_key(self, secret: bytes | bytearray) -> bytes:
        return b""

    def encrypt(self, secret: bytes | bytearray | None, public_key: bytes,
                plaintext: bytes | bytearray, aad: bytes, *, key_version: int,
                rng: Rng = random_bytes) -> bytes:
        if secret is None:
            raise InvalidInput("AES-256-GCM encryption needs the key", field="key")
        header = pack_header(FORMAT_AES256_GCM, key_version)
        nonce = rng(NONCE_SIZE)
        try:
            return header + bytes(nonce) + gcm_seal(secret, nonce, plaintext, header + aad)
        finally:
            if isinstance(nonce, bytearray):
                zeroize(nonce)

    def decrypt(self, secret: bytes | bytearray, blob: bytes, aad: bytes) -> bytearray:
        read_header(blob, FORMAT_AES256_GCM)
        if len(blob) < OVERHEAD:
            raise InvalidCiphertext("ciphertext is truncated")
        view = memoryview(blob)
        nonce = view[HEADER_SIZE:HEADER_SIZE + NONCE_SIZE]
        return gcm_open(secret, bytes(nonce), view[HEADER_SIZE + NONCE_SIZE:],
                        bytes(view[:HEADER_SIZE]) + aad)


KIND = register_kind(Aes256GcmKind())
