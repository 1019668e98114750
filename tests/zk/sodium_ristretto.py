"""ristretto255 through the system libsodium (ctypes): independent of the dalek crates.

The tests compare SKMS's generators and commitments, computed in Rust by curve25519-dalek,
with the same formulas evaluated by libsodium (`crypto_core_ristretto255_*`, libsodium23 is
part of the machine image).
"""

from __future__ import annotations

import ctypes
import ctypes.util


def load() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("sodium")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    if lib.sodium_init() < 0:
        return None
    return lib


def from_hash(lib: ctypes.CDLL, uniform: bytes) -> bytes:
    out = ctypes.create_string_buffer(32)
    assert lib.crypto_core_ristretto255_from_hash(out, uniform) == 0
    return out.raw


def scalarmult(lib: ctypes.CDLL, scalar: bytes, point: bytes) -> bytes:
    """``scalar·point``; libsodium refuses a zero result, which the tests never produce."""
    out = ctypes.create_string_buffer(32)
    assert lib.crypto_scalarmult_ristretto255(out, scalar, point) == 0
    return out.raw


def add(lib: ctypes.CDLL, p: bytes, q: bytes) -> bytes:
    out = ctypes.create_string_buffer(32)
    assert lib.crypto_core_ristretto255_add(out, p, q) == 0
    return out.raw
