"""HKDF-SHA256 (RFC 5869): the one way a shared secret becomes key material here.

Why one wrapper: every key-agreement kind must pass its raw Diffie-Hellman output through
the same extract-then-expand step with the caller's ``salt`` and ``info``, with the same
limits, writing the output into a buffer the caller can wipe. Keeping it here means the
Wycheproof ``hkdf_sha256_test.json`` vectors check exactly the code the ledger runs.

Limits: the output length is 1 to 255 * 32 = 8160 bytes (RFC 5869 §2.3); an empty salt
means 32 zero bytes (RFC 5869 §2.2, done by the library).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ledger.errors import InvalidInput

__all__ = ["MAX_LENGTH", "hkdf_sha256"]

HASH_SIZE = 32
MAX_LENGTH = 255 * HASH_SIZE


def hkdf_sha256(ikm: bytes | bytearray, *, salt: bytes, info: bytes, length: int) -> bytearray:
    """``length`` bytes of HKDF-SHA256 output, in a buffer the caller must wipe."""
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_LENGTH:
        raise InvalidInput(f"HKDF-SHA256 output length must be 1 to {MAX_LENGTH} bytes",
                           field="length")
    if not isinstance(salt, bytes) or not isinstance(info, bytes):
        raise InvalidInput("HKDF salt and info must be bytes", field="info")
    out = bytearray(length)
    HKDF(hashes.SHA256(), length, salt or None, info).derive_into(bytes(ikm), out)
    return out
