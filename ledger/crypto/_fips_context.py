"""The context string of FIPS 204 (ML-DSA) and FIPS 205 (SLH-DSA) pure signing.

Both standards bind an optional context of at most 255 bytes into the signed message; one
check serves both so their rules cannot drift apart.
"""

from __future__ import annotations

from ledger.errors import InvalidInput

MAX_CONTEXT_SIZE = 255


def check_context(context: bytes, algorithm: str) -> bytes:
    """The context as ``bytes``; ``InvalidInput`` naming the field if it is not valid."""
    if not isinstance(context, bytes | bytearray) or len(context) > MAX_CONTEXT_SIZE:
        raise InvalidInput(
            f"{algorithm} context must be bytes of at most {MAX_CONTEXT_SIZE} bytes",
            field="context",
        )
    return bytes(context)
