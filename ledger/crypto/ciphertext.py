"""The header every ledger ciphertext starts with: format byte, then key version.

Why a header: a managed key has many versions after rotations, and a ciphertext made years
ago must be opened with the version that made it. Naming the version in the ciphertext
lets ``Decrypt`` pick it without the caller keeping track. The format byte names the exact
construction, so a later construction can coexist and a ciphertext of one kind is refused
by another with a clear message instead of a confusing authentication failure.

Layout (5 bytes)::

    format (1)  ||  key_version (4, unsigned big-endian, >= 1)

The header is authenticated by every construction (as AES-GCM associated data, as HPKE
``info``), so changing the version or format byte makes the ciphertext fail to open.
"""

from __future__ import annotations

from ledger.errors import InvalidCiphertext, InvalidInput

__all__ = [
    "FORMAT_AES256_GCM",
    "FORMAT_HPKE_MLKEM768_X25519",
    "HEADER_SIZE",
    "pack_header",
    "read_header",
]

FORMAT_AES256_GCM = 0x01
FORMAT_HPKE_MLKEM768_X25519 = 0x02
HEADER_SIZE = 5
_MAX_VERSION = 2**32 - 1


def pack_header(format_id: int, key_version: int) -> bytes:
    """The 5-byte header for ``key_version`` under construction ``format_id``."""
    if isinstance(key_version, bool) or not isinstance(key_version, int) or not (
            1 <= key_version <= _MAX_VERSION):
        raise InvalidInput("key version must be an integer in [1, 2**32 - 1]",
                           field="key_version")
    return bytes([format_id]) + key_version.to_bytes(4, "big")


def read_header(blob: bytes, expected_format: int | None = None) -> tuple[int, int]:
    """``(format, key_version)`` of a ciphertext; refuses what cannot be one of ours."""
    if not isinstance(blob, bytes | bytearray) or len(blob) < HEADER_SIZE:
        raise InvalidCiphertext("ciphertext is too short to carry its header")
    format_id = blob[0]
    if format_id not in (FORMAT_AES256_GCM, FORMAT_HPKE_MLKEM768_X25519):
        raise InvalidCiphertext(f"ciphertext has unknown format {format_id}",
                                hint="it was not produced by an SKMS Encrypt")
    if expected_format is not None and format_id != expected_format:
        raise InvalidCiphertext("ciphertext was produced by another kind of key",
                                hint="decrypt it with the key that encrypted it")
    version = int.from_bytes(blob[1:HEADER_SIZE], "big")
    if version == 0:
        raise InvalidCiphertext("ciphertext names key version 0, which never exists")
    return format_id, version
