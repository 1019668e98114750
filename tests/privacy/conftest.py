"""Shared helpers: a replayable rng and Ed25519 identities (seed, public key)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import nacl.signing


def counter_rng(label: bytes) -> Callable[[int], bytearray]:
    """Deterministic bytes (SHA-512 in counter mode): same label, same proofs."""
    state = {"counter": 0}

    def rng(size: int) -> bytearray:
        out = bytearray()
        while len(out) < size:
            out += hashlib.sha512(label + state["counter"].to_bytes(8, "big")).digest()
            state["counter"] += 1
        return out[:size]

    return rng


def identity(label: str) -> tuple[bytearray, bytes]:
    """An Ed25519 identity key (RFC 8032 seed) and its public key, made by PyNaCl's signer."""
    seed = bytearray(hashlib.sha256(label.encode()).digest())
    return seed, bytes(nacl.signing.SigningKey(bytes(seed)).verify_key)

