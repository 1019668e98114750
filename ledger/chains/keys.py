"""What a chain signer accepts as its private key: a buffer the caller owns, or an HD node.

Why only these two: the ledger unseals a key version (a ``bytearray``) or derives a wallet
node (:class:`ledger.crypto.hd.Node`, whose ``private_key`` is a ``bytearray``) for one
operation and zeroes it afterwards. Immutable ``bytes`` could not be wiped, so they are
refused rather than silently copied. The signers never zero the caller's buffer: whoever
unsealed it does, however the call ends.
"""

from __future__ import annotations

from ledger.crypto.hd import Node
from ledger.errors import InvalidInput

__all__ = ["PrivateKey", "private_key_buffer"]

PrivateKey = bytearray | Node
"""A raw 32-byte private key (secp256k1 scalar or Ed25519 seed) or a derived HD node."""


def private_key_buffer(key: PrivateKey, curve: str) -> bytearray:
    """The key's 32-byte buffer (not a copy), after checking the curve and size."""
    if isinstance(key, Node):
        if key.curve != curve:
            raise InvalidInput(f"this chain signs with {curve} keys, not {key.curve}",
                               field="private_key")
        buffer = key.private_key
    elif isinstance(key, bytearray):
        buffer = key
    else:
        raise InvalidInput("a private key crosses as a bytearray (so it can be zeroed) or an "
                           "HD node", field="private_key")
    if len(buffer) != 32:
        raise InvalidInput("a private key has 32 bytes", field="private_key")
    return buffer
