"""RFC 9380 ``expand_message_xmd`` and ``hash_to_field`` (section 5), for hash-to-scalar.

Why here: FROST(secp256k1, SHA-256) defines H1, H2 and H3 (and our DKG challenge) as
``hash_to_field(m, 1)`` with ``expand_message_xmd`` over SHA-256, and the threshold BLS DKG
uses the same construction for its challenge in the BLS12-381 scalar field. No vetted
runtime dependency exposes it (py_ecc has one, used only as the independent cross-check in
the tests), and it is a few lines over :mod:`hashlib`'s SHA-256, written exactly as RFC 9380
section 5.3.1 specifies:

1. ``ell = ceil(len_in_bytes / b_in_bytes)``; abort if ``ell > 255``,
   ``len_in_bytes > 65535`` or ``len(DST) > 255``;
2. ``DST_prime = DST || I2OSP(len(DST), 1)``; ``Z_pad = I2OSP(0, s_in_bytes)``;
3. ``b_0 = H(Z_pad || msg || I2OSP(len_in_bytes, 2) || I2OSP(0, 1) || DST_prime)``;
4. ``b_1 = H(b_0 || I2OSP(1, 1) || DST_prime)``,
   ``b_i = H(strxor(b_0, b_(i-1)) || I2OSP(i, 1) || DST_prime)``;
5. the output is the first ``len_in_bytes`` bytes of ``b_1 || ... || b_ell``.

``hash_to_field`` (section 5.2) then reads ``count`` chunks of ``L`` bytes as big-endian
integers modulo the field prime, with ``L = ceil((ceil(log2(p)) + k) / 8)`` and ``k = 128``.
"""

from __future__ import annotations

import hashlib

from ledger.errors import InvalidInput

__all__ = ["expand_message_xmd", "field_element_size", "hash_to_field"]

_SECURITY_BITS = 128  # k of RFC 9380 for every suite used here


def expand_message_xmd(message: bytes, dst: bytes, length: int,
                       hash_name: str = "sha256") -> bytes:
    """``expand_message_xmd(msg, DST, len_in_bytes)`` with a Merkle-Damgård hash."""
    digest_size = hashlib.new(hash_name).digest_size
    block_size = hashlib.new(hash_name).block_size
    ell = -(-length // digest_size)
    if ell > 255 or length > 65535 or length < 1:
        raise InvalidInput("expand_message_xmd output length out of range", field="length")
    if len(dst) > 255:
        raise InvalidInput("a domain separation tag is at most 255 bytes", field="dst")
    dst_prime = bytes(dst) + bytes([len(dst)])
    z_pad = bytes(block_size)
    b_0 = hashlib.new(hash_name, z_pad + bytes(message) + length.to_bytes(2, "big")
                      + b"\x00" + dst_prime).digest()
    blocks = [hashlib.new(hash_name, b_0 + b"\x01" + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b_0, blocks[-1], strict=True))
        blocks.append(hashlib.new(hash_name, mixed + bytes([i]) + dst_prime).digest())
    return b"".join(blocks)[:length]


def field_element_size(modulus: int) -> int:
    """RFC 9380's ``L`` for a prime ``modulus`` at 128-bit security."""
    return -(-(modulus.bit_length() + _SECURITY_BITS) // 8)


def hash_to_field(message: bytes, dst: bytes, modulus: int, count: int = 1,
                  hash_name: str = "sha256") -> list[int]:
    """``hash_to_field(msg, count)`` over the prime field of ``modulus`` (``m = 1``)."""
    size = field_element_size(modulus)
    uniform = expand_message_xmd(message, dst, count * size, hash_name)
    return [int.from_bytes(uniform[i * size:(i + 1) * size], "big") % modulus
            for i in range(count)]
