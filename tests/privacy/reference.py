"""A naive edwards25519 in Python integers, kept only to cross-check libsodium's results.

Independent of the code under test: affine twisted-Edwards formulas written from the curve
equation ``-x^2 + y^2 = 1 + d x^2 y^2`` over ``GF(2^255 - 19)`` (RFC 8032 section 5.1), point
decoding by the square-root recipe of RFC 8032 5.1.3. Slow and variable time, which is fine
for tests and nowhere else.
"""

from __future__ import annotations

import hashlib

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int]
IDENTITY: Point = (0, 1)


def inv(value: int) -> int:
    return pow(value, P - 2, P)


def decode(data: bytes) -> Point | None:
    """RFC 8032 5.1.3 decoding; None when the bytes are not a (canonical) curve point."""
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little") & ((1 << 255) - 1)
    sign = data[31] >> 7
    if y >= P:
        return None
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P == (-u) % P:
        x = x * SQRT_M1 % P
    elif v * x * x % P != u:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y)


def encode(point: Point) -> bytes:
    x, y = point
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def add(first: Point, second: Point) -> Point:
    x1, y1 = first
    x2, y2 = second
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + x2 * y1) * inv(1 + t) % P
    y3 = (y1 * y2 + x1 * x2) * inv(1 - t) % P
    return (x3, y3)


def mul(scalar: int, point: Point) -> Point:
    result = IDENTITY
    addend = point
    while scalar:
        if scalar & 1:
            result = add(result, addend)
        addend = add(addend, addend)
        scalar >>= 1
    return result


BASE = decode(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))
assert BASE is not None


def public_key_of_seed(seed: bytes) -> bytes:
    """RFC 8032 5.1.5 key generation, independently of libsodium."""
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return encode(mul(int.from_bytes(h, "little"), BASE))


# The eight points of order dividing 8, as they are usually listed (libsodium's blocklist,
# Wycheproof's EdDSA tests); tests check each is small order with the arithmetic above.
SMALL_ORDER_POINTS = [bytes.fromhex(h) for h in (
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
)]
