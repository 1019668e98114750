"""HMAC-SHA256 keys (FIPS 198-1, RFC 2104): kind id ``hmac-sha256``.

Why the ledger manages MAC keys at all: a MAC proves a message came from a holder of the
key, like a signature, but any holder can also forge; keeping the key inside the ledger
and recording each MAC makes "who could have made this tag" answerable.

Key: 32 random bytes (the hash output size; RFC 2104 §3 says longer keys add nothing).
Tag: the full 32-byte HMAC output, no truncation. Verification recomputes the tag and
compares in constant time (``cryptography``'s ``HMAC.verify``), so timing does not reveal
how many leading bytes of a forged tag were right.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature as _LibraryInvalidSignature
from cryptography.hazmat.primitives import hashes, hmac

from ledger.crypto.kinds import KindInfo, MacKind, register_kind
from ledger.errors import InvalidInput, InvalidSignature

__all__ = ["KEY_SIZE", "KIND", "TAG_SIZE", "HmacSha256Kind"]

KEY_SIZE = 32
TAG_SIZE = 32


def _hmac(secret: bytes | bytearray) -> hmac.HMAC:
    if not isinstance(secret, bytes | bytearray) or len(secret) != KEY_SIZE:
        raise InvalidInput(f"HMAC-SHA256 keys are {KEY_SIZE} bytes", field="key")
    return hmac.HMAC(bytes(secret), hashes.SHA256())


class HmacSha256Kind(MacKind):
    """HMAC-SHA256 with 32-byte keys and full-length tags."""

    info = KindInfo(
        kind_id="hmac-sha256",
        family="mac",
        security_bits=256,  # SP 800-57 Part 1 Table 3: HMAC strength = key size (256)
        secret_size=KEY_SIZE,
        public_key_size=0,
        output_size=TAG_SIZE,
        fips_approved=True,  # FIPS 198-1 with SHA-256 (FIPS 180-4)
        usages=frozenset({"mac"}),
        default_usage=("mac",),
        operation="generate and verify message authentication codes",
    )

    @property
    def seed_size(self) -> int:
        return KEY_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """The key is the seed: uniformly random bytes are the ideal HMAC key."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != KEY_SIZE:
            raise InvalidInput(f"HMAC key generation needs a {KEY_SIZE}-byte seed",
                               field="seed")
        return bytearray(seed)

    def public_key(self, secret: bytes | bytearray) -> bytes:
        return b""

    def mac(self, secret: bytes | bytearray, message: bytes) -> bytes:
        context = _hmac(secret)
        context.update(bytes(message))
        return context.finalize()

    def verify(self, secret: bytes | bytearray, message: bytes, tag: bytes) -> None:
        if not isinstance(tag, bytes | bytearray) or len(tag) != TAG_SIZE:
            raise InvalidSignature(f"an HMAC-SHA256 tag is {TAG_SIZE} bytes")
        context = _hmac(secret)
        context.update(bytes(message))
        try:
            context.verify(bytes(tag))
        except _LibraryInvalidSignature:
            raise InvalidSignature("MAC does not verify") from None


KIND = register_kind(HmacSha256Kind())
