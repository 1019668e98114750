"""EMSA-PSS-ENCODE and MGF1 (RFC 8017 sections 9.1.1 and B.2.1), for RFC 9474 blinding.

Why write the encoding: a blind signature client must produce the PSS-encoded message
``EM`` itself and blind it *before* any RSA operation, and no library here exposes the
encoding apart from a signature. Verification, which needs no such split, stays with
pyca/cryptography's RSASSA-PSS verifier, so the code here is checked twice: by the RFC 9474
vectors' ``encoded_msg`` byte for byte, and by cryptography accepting every finalized
signature.

The encoding handles no secret key material: its inputs are the message (private to the
client, but hashed at once) and a public-length salt.
"""

from __future__ import annotations

import hashlib

from ledger.errors import InvalidInput

__all__ = ["emsa_pss_encode", "mgf1"]


def mgf1(seed: bytes, length: int, hash_name: str) -> bytes:
    """MGF1: ``Hash(seed || C)`` for counters ``C = 0, 1, ...`` (4 bytes), truncated."""
    output = bytearray()
    counter = 0
    while len(output) < length:
        output += hashlib.new(hash_name, seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(output[:length])


def emsa_pss_encode(message: bytes, em_bits: int, salt: bytes, hash_name: str) -> bytes:
    """``EM`` of ``ceil(em_bits / 8)`` bytes for ``message`` and the given ``salt``.

    Steps of RFC 8017 9.1.1: ``mHash = Hash(M)``; ``M' = 0^8 || mHash || salt``;
    ``H = Hash(M')``; ``DB = PS || 01 || salt``; ``maskedDB = DB xor MGF1(H)`` with the
    leftmost ``8 emLen - emBits`` bits cleared; ``EM = maskedDB || H || bc``.
    """
    hash_length = hashlib.new(hash_name).digest_size
    em_length = (em_bits + 7) // 8
    if em_length < hash_length + len(salt) + 2:
        raise InvalidInput("RSA modulus too small for this hash and salt length",
                           field="public_key")
    m_hash = hashlib.new(hash_name, message).digest()
    h = hashlib.new(hash_name, bytes(8) + m_hash + salt).digest()
    db = bytes(em_length - len(salt) - hash_length - 2) + b"\x01" + salt
    mask = mgf1(h, em_length - hash_length - 1, hash_name)
    masked = bytearray(a ^ b for a, b in zip(db, mask, strict=True))
    masked[0] &= 0xFF >> (8 * em_length - em_bits)
    return bytes(masked) + h + b"\xbc"
