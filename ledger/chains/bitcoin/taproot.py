"""BIP-341 taproot key tweaking, and BIP-340 tagged hashes.

The output key of a taproot output is ``Q = P + t*G`` with
``t = tagged_hash("TapTweak", x(P) || merkle_root)`` (merkle root omitted for a key-path-only
output, as BIP-86 wallets make). Signing for the key path uses the private key tweaked the
same way, after negating ``d`` when ``P`` has odd ``y`` (BIP-341 ``taproot_tweak_seckey``).

Why through libsecp256k1's keypair API (``secp256k1_keypair_xonly_tweak_add``): it applies the
even-``y`` rule and the addition in C, on a keypair struct we wipe afterwards, so the tweaked
scalar only exists as the ``bytearray`` we return (which the caller zeroes) and never as a
Python ``int``. Public keys are tweaked with coincurve's ``PublicKeyXOnly.tweak_add``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from coincurve import PublicKeyXOnly
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from ledger.chains.bitcoin.encoding import compact_size
from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.errors import CryptoError, InvalidInput

__all__ = [
    "leaf_hash",
    "output_key",
    "tagged_hash",
    "tap_tree_root",
    "tap_tweak",
    "tweak_private_key",
    "x_only",
]

_KEYPAIR_SIZE = ffi.sizeof("secp256k1_keypair")


def tagged_hash(tag: str, data: bytes) -> bytes:
    tag_digest = hashlib.sha256(tag.encode("ascii")).digest()
    return hashlib.sha256(tag_digest + tag_digest + data).digest()


def tap_tweak(internal_key: bytes, merkle_root: bytes | None) -> bytes:
    """The 32-byte tweak ``t`` for an x-only internal key and an optional script-tree root."""
    if len(internal_key) != 32:
        raise InvalidInput("an x-only key has 32 bytes", field="internal_key")
    if merkle_root is not None and len(merkle_root) != 32:
        raise InvalidInput("a taproot merkle root has 32 bytes", field="merkle_root")
    tweak = tagged_hash("TapTweak", internal_key + (merkle_root or b""))
    if int.from_bytes(tweak, "big") >= SECP256K1_ORDER:  # pragma: no cover - probability 2^-128
        raise InvalidInput("tweak is out of range (probability 2^-128)", field="internal_key")
    return tweak


def x_only(public_key: bytes) -> bytes:
    """The x-only form of a compressed SEC1 key (or an x-only key as is)."""
    if len(public_key) == 32:
        return bytes(public_key)
    if len(public_key) == 33 and public_key[0] in (2, 3):
        return bytes(public_key[1:])
    raise InvalidInput("expected a compressed (33-byte) or x-only (32-byte) key",
                       field="public_key")


def output_key(internal_key: bytes, merkle_root: bytes | None = None) -> bytes:
    """The 32-byte taproot output key ``x(P + t*G)``."""
    try:
        point = PublicKeyXOnly(x_only(internal_key))
        point.tweak_add(tap_tweak(x_only(internal_key), merkle_root))
    except ValueError:
        raise InvalidInput("not a valid x-only public key", field="internal_key") from None
    key: bytes = point.format()
    return key


def tweak_private_key(secret: bytearray, merkle_root: bytes | None = None) -> bytearray:
    """The key-path signing key for ``secret``'s BIP-341 output (a buffer to zero)."""
    if len(secret) != 32 or not 0 < int.from_bytes(secret, "big") < SECP256K1_ORDER:
        raise InvalidInput("secp256k1 private key is out of range", field="private_key")
    keypair = ffi.new("secp256k1_keypair *")
    internal = ffi.new("secp256k1_xonly_pubkey *")
    out = ffi.new("unsigned char[32]")
    try:
        if not lib.secp256k1_keypair_create(  # pragma: no cover - the range is checked above
                GLOBAL_CONTEXT.ctx, keypair, bytes(secret)):
            raise InvalidInput("secp256k1 private key is invalid", field="private_key")
        parity = ffi.new("int *")
        lib.secp256k1_keypair_xonly_pub(GLOBAL_CONTEXT.ctx, internal, parity, keypair)
        serialized = ffi.new("unsigned char[32]")
        lib.secp256k1_xonly_pubkey_serialize(GLOBAL_CONTEXT.ctx, serialized, internal)
        tweak = tap_tweak(bytes(ffi.buffer(serialized, 32)), merkle_root)
        if not lib.secp256k1_keypair_xonly_tweak_add(GLOBAL_CONTEXT.ctx, keypair, tweak):
            raise CryptoError("taproot tweak failed")  # pragma: no cover - probability 2^-128
        lib.secp256k1_keypair_sec(GLOBAL_CONTEXT.ctx, out, keypair)
        return bytearray(ffi.buffer(out, 32))
    finally:
        ffi.memmove(keypair, bytes(_KEYPAIR_SIZE), _KEYPAIR_SIZE)
        ffi.memmove(out, bytes(32), 32)


def leaf_hash(leaf_version: int, script: bytes) -> bytes:
    """``hash_TapLeaf(v || compact_size(len(s)) || s)`` (BIP-341)."""
    return tagged_hash("TapLeaf", bytes([leaf_version]) + compact_size(len(script)) + script)


def tap_tree_root(leaves: Sequence[tuple[int, int, bytes]]) -> bytes:
    """Merkle root of a script tree given as depth-first ``(depth, leaf version, script)``.

    That is the ``PSBT_OUT_TAP_TREE`` order (BIP-371). Branches hash their children in
    lexicographic order (BIP-341), so swapping two siblings does not change the root.
    """
    stack: list[tuple[int, bytes]] = []
    for depth, version, script in leaves:
        node = (depth, leaf_hash(version, script))
        while stack and stack[-1][0] == node[0]:
            sibling = stack.pop()
            left, right = sorted((sibling[1], node[1]))
            node = (node[0] - 1, tagged_hash("TapBranch", left + right))
        stack.append(node)
    if len(stack) != 1 or stack[0][0] != 0:
        raise InvalidInput("the leaves do not form a complete binary tree", field="tap_tree")
    return stack[0][1]
