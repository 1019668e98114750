"""RFC 9162 / RFC 6962 Merkle tree hashing with SHA-256.

Why the one-byte prefixes: without them an interior node (64 bytes of two child hashes)
could be presented as a leaf whose data happens to be those 64 bytes, giving a second
preimage for the tree. Hashing leaves as ``SHA-256(0x00 || data)`` and interior nodes as
``SHA-256(0x01 || left || right)`` separates the two domains (RFC 9162 §2.1.1).

These functions do not check input lengths: they sit on the hot path of building trees
over millions of leaves. Callers that accept hashes from outside (the verifiers, the
public tree builders) check that every hash is :data:`HASH_SIZE` bytes first.
"""

from __future__ import annotations

from hashlib import sha256

LEAF_PREFIX = b"\x00"
"""Domain-separation byte prepended to leaf data before hashing."""

NODE_PREFIX = b"\x01"
"""Domain-separation byte prepended to the two child hashes of an interior node."""

HASH_SIZE = 32
"""Length in bytes of every leaf, node and root hash (SHA-256)."""

_EMPTY_ROOT = sha256(b"").digest()


def hash_leaf(data: bytes) -> bytes:
    """The leaf hash of one log entry: ``SHA-256(0x00 || data)``."""
    return sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return sha256(NODE_PREFIX + left + right).digest()


def empty_root() -> bytes:
    """The root of the tree with no leaves: ``SHA-256("")`` (RFC 9162 §2.1.1).

    It is the hash of nothing, not of a prefix byte, so an empty log can never be
    confused with a log holding one empty entry.
    """
    return _EMPTY_ROOT
