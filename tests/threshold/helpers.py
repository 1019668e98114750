"""Shared test helpers: run a whole DKG or signing session in one process."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import coincurve

from ledger.crypto.threshold.ciphersuite import Ciphersuite, KeyGenSuite
from ledger.crypto.threshold.dkg import dkg_part1, dkg_part2, dkg_part3
from ledger.crypto.threshold.frost import aggregate, commit, sign
from ledger.crypto.threshold.keys import KeyShare, PublicKeyPackage
from ledger.crypto.threshold.messages import SigningPackage


def seeded_rng(seed: int):  # type: ignore[no-untyped-def]
    """A reproducible rng for tests (never for keys that matter)."""
    source = random.Random(seed)

    def rng(n: int) -> bytearray:
        return bytearray(source.randbytes(n))

    return rng


def run_dkg(suite: KeyGenSuite, t: int, n: int, session_id: bytes = b"test-session",
            seed: int = 1) -> tuple[dict[int, KeyShare], PublicKeyPackage]:
    rng = seeded_rng(seed)
    round1 = {i: dkg_part1(suite, i, t, n, session_id=session_id, rng=rng)
              for i in range(1, n + 1)}
    round2 = {i: dkg_part2(round1[i][0], [round1[j][1] for j in round1 if j != i])
              for i in round1}
    results = {}
    for i in round2:
        incoming = [share for j in round2 if j != i for share in round2[j][1]
                    if share.recipient == i]
        results[i] = dkg_part3(round2[i][0], incoming)
    packages = [package for _, package in results.values()]
    assert all(p == packages[0] for p in packages)
    return {i: share for i, (share, _) in results.items()}, packages[0]


def run_signing(suite: Ciphersuite, shares: dict[int, KeyShare], package: PublicKeyPackage,
                signers: Sequence[int], message: bytes, seed: int = 7) -> bytes:
    rng = seeded_rng(seed)
    nonces = {i: commit(shares[i], rng=rng) for i in signers}
    signing = SigningPackage(suite, message,
                             tuple(nonces[i].commitments for i in sorted(signers)))
    sig_shares = [sign(shares[i], nonces[i], signing) for i in sorted(signers)]
    return aggregate(package, signing, sig_shares)


def hash_to_scalar_secp256k1(message: bytes, dst: bytes) -> bytes:
    """RFC 9380 hash_to_field (expand_message_xmd, SHA-256, L = 48), written here apart
    from the library's own, reduced mod the group order."""
    order = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    length, block = 48, 64
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha256(bytes(block) + message + length.to_bytes(2, "big") + b"\0"
                        + dst_prime).digest()
    b1 = hashlib.sha256(b0 + b"\1" + dst_prime).digest()
    b2 = hashlib.sha256(bytes(x ^ y for x, y in zip(b0, b1, strict=True)) + b"\2"
                        + dst_prime).digest()
    return (int.from_bytes((b1 + b2)[:length], "big") % order).to_bytes(32, "big")


def frost_secp256k1_verifies(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 9591 FROST(secp256k1, SHA-256) verification, ``z·G == R + c·PK``, on coincurve's
    point arithmetic and :func:`hash_to_scalar_secp256k1` (independent of the library)."""
    public = coincurve.PublicKey(public_key)
    commitment, z = coincurve.PublicKey(signature[:33]), signature[33:]
    challenge = hash_to_scalar_secp256k1(signature[:33] + public.format() + message,
                                         b"FROST-secp256k1-SHA256-v1chal")
    left = coincurve.PrivateKey(z).public_key
    right = coincurve.PublicKey.combine_keys([commitment, public.multiply(challenge)])
    return bool(left.format() == right.format())
