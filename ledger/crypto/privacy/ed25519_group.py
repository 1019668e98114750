"""The prime-order group of edwards25519, on libsodium's ``crypto_core_ed25519_*`` operations.

Why these calls: pynacl binds libsodium's low-level Ed25519 group API, whose point and scalar
code is constant time and whose checks are the strict ones a proof system needs:

1. :func:`parse_point` accepts a 32-byte string only if
   ``crypto_core_ed25519_is_valid_point`` does: a canonical encoding (``y < p``), on the
   curve, in the prime-order subgroup and not of small order. So the 8 small-order points,
   every point with a torsion component (``P + T``, "mixed order") and non-canonical
   encodings are all refused before any arithmetic. That is what stops the small-order
   tricks against key images (the 2017 CryptoNote key-image bug) and RFC 8235's
   "``A * [h]`` is not the identity" check, done more strictly.
2. Scalars are 32-byte little-endian integers, canonical (``< L``) on input; products use
   ``crypto_scalarmult_ed25519_noclamp`` / ``..._base_noclamp`` (no clamping: the protocols
   need the exact scalar), which libsodium refuses for points outside the subgroup and for
   identity results.
3. :func:`hash_to_point` is ``crypto_core_ed25519_from_uniform`` of the first 32 bytes of a
   domain-separated SHA-512: one Elligator 2 map followed by cofactor clearing (libsodium
   multiplies by 8), so the result is always in the prime-order subgroup and nobody knows
   its discrete log to the base point. That is the shape of CryptoNote's ``H_p``
   (``8 * map(Keccak(P))``). It is not RFC 9380's ``edwards25519_XMD:SHA-512_ELL2_RO_``
   (two maps added, indifferentiable from a random oracle): pynacl does not bind libsodium's
   ``crypto_core_ed25519_from_string_ro``, and writing the RFC 9380 field arithmetic in
   Python would be our own primitive with no official vectors in our shared set. Key images
   need a deterministic point with unknown discrete log, which the single map gives
   (Monero relies on exactly this).
4. :func:`seed_scalar` turns an RFC 8032 seed (the SKMS Ed25519 key format, also the actors'
   identity keys) into its secret scalar: SHA-512, clamp (RFC 8032 section 5.1.5), reduce
   modulo ``L``, so ``seed_scalar(seed) * B`` is the seed's ordinary Ed25519 public key.

Secret hygiene: our own buffers are ``bytearray`` and zeroed by callers; libsodium results
come back as immutable ``bytes`` (pynacl's API), which cannot be wiped.
"""

from __future__ import annotations

import hashlib

import nacl.bindings as sodium
import nacl.exceptions

from ledger.crypto.memory import zeroize
from ledger.crypto.privacy.group import PrimeOrderGroup
from ledger.crypto.privacy.wire import MAX_RETRIES, Rng, length_prefixed
from ledger.errors import CryptoError, InvalidInput

__all__ = [
    "BASE_POINT",
    "ED25519",
    "ORDER",
    "POINT_SIZE",
    "SCALAR_SIZE",
    "Ed25519Group",
    "add",
    "base_mul",
    "hash_to_point",
    "hash_to_scalar",
    "is_valid_point",
    "mul",
    "parse_point",
    "parse_scalar",
    "random_scalar",
    "reduce_wide",
    "scalar_int",
    "scalar_mul_sub",
    "seed_scalar",
]

ORDER = 2**252 + 27742317777372353535851937790883648493  # L, RFC 8032 section 5.1
POINT_SIZE = 32
SCALAR_SIZE = 32
BASE_POINT = bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666")


def is_valid_point(data: bytes) -> bool:
    """Canonical, on the curve, in the prime-order subgroup, not of small order."""
    return len(data) == POINT_SIZE and bool(sodium.crypto_core_ed25519_is_valid_point(data))


def parse_point(data: object, field: str) -> bytes:
    """``data`` as a point of the prime-order subgroup, or :class:`InvalidInput`."""
    if not isinstance(data, bytes | bytearray) or len(data) != POINT_SIZE:
        raise InvalidInput(f"{field} must be a {POINT_SIZE}-byte Ed25519 point", field=field)
    point = bytes(data)
    if not is_valid_point(point):
        raise InvalidInput(
            f"{field} is not a canonical Ed25519 point of the prime-order subgroup "
            "(small-order, mixed-order, off-curve or non-canonical)",
            field=field,
        )
    return point


def scalar_int(scalar: bytes | bytearray) -> int:
    """Little-endian integer of a scalar encoding (public scalars only: ints are not wiped)."""
    return int.from_bytes(scalar, "little")


def parse_scalar(data: object, field: str) -> bytes:
    """A canonical non-zero scalar ``0 < s < L``, or :class:`InvalidInput`."""
    if not isinstance(data, bytes | bytearray) or len(data) != SCALAR_SIZE:
        raise InvalidInput(f"{field} must be a {SCALAR_SIZE}-byte scalar", field=field)
    if not 0 < scalar_int(data) < ORDER:
        raise InvalidInput(f"{field} is not a canonical non-zero scalar (< L)", field=field)
    return bytes(data)


def reduce_wide(wide: bytes | bytearray) -> bytes:
    """A 64-byte little-endian integer modulo ``L`` (libsodium's ``scalar_reduce``)."""
    return bytes(sodium.crypto_core_ed25519_scalar_reduce(bytes(wide)))


def random_scalar(rng: Rng) -> bytearray:
    """Uniform non-zero scalar: 64 random bytes reduced modulo ``L`` (bias about 2**-259)."""
    for _ in range(MAX_RETRIES):
        wide = bytearray(rng(64))
        if len(wide) != 64:
            raise CryptoError("random source returned the wrong number of bytes")
        scalar = bytearray(reduce_wide(wide))
        zeroize(wide)
        if any(scalar):
            return scalar
    raise CryptoError("random source keeps giving zero scalars (broken?)")


def hash_to_scalar(data: bytes) -> bytes:
    """SHA-512 of ``data`` reduced modulo ``L``."""
    return reduce_wide(hashlib.sha512(data).digest())


def hash_to_point(domain: bytes, data: bytes) -> bytes:
    """A prime-order point from ``domain`` and ``data`` (module docstring, point 3)."""
    uniform = hashlib.sha512(length_prefixed(domain, data)).digest()[:32]
    point = bytes(sodium.crypto_core_ed25519_from_uniform(uniform))
    if not is_valid_point(point):  # the identity, with probability about 2**-252
        raise CryptoError("hash to point met the identity")
    return point


def base_mul(scalar: bytes | bytearray) -> bytes:
    """``scalar * B`` for a scalar below ``L``; identity results are a CryptoError."""
    try:
        return bytes(sodium.crypto_scalarmult_ed25519_base_noclamp(bytes(scalar)))
    except nacl.exceptions.RuntimeError:
        raise CryptoError("Ed25519 base multiplication gave the identity") from None


def mul(scalar: bytes | bytearray, point: bytes) -> bytes:
    """``scalar * point``; libsodium refuses points outside the subgroup and the identity."""
    try:
        return bytes(sodium.crypto_scalarmult_ed25519_noclamp(bytes(scalar), point))
    except nacl.exceptions.RuntimeError:
        raise CryptoError("Ed25519 scalar multiplication failed (identity result)") from None


def add(left: bytes, right: bytes) -> bytes:
    """``left + right`` of two parsed points."""
    return bytes(sodium.crypto_core_ed25519_add(left, right))


def scalar_mul_sub(nonce: bytes | bytearray, secret: bytes | bytearray, factor: bytes) -> bytes:
    """``nonce - secret * factor mod L``, in libsodium's constant-time scalar code."""
    product = sodium.crypto_core_ed25519_scalar_mul(bytes(secret), factor)
    return bytes(sodium.crypto_core_ed25519_scalar_sub(bytes(nonce), product))


def seed_scalar(seed: bytes | bytearray) -> bytearray:
    """The secret scalar of an RFC 8032 seed, reduced modulo ``L`` (module docstring, 4)."""
    if not isinstance(seed, bytes | bytearray) or len(seed) != 32:
        raise InvalidInput("Ed25519 private key must be a 32-byte seed", field="private_key")
    expanded = bytearray(hashlib.sha512(bytes(seed)).digest())
    wide = bytearray(64)
    wide[:32] = expanded[:32]
    wide[0] &= 248
    wide[31] &= 127
    wide[31] |= 64
    scalar = bytearray(reduce_wide(wide))
    zeroize(expanded)
    zeroize(wide)
    return scalar


class Ed25519Group(PrimeOrderGroup):
    """edwards25519's prime-order subgroup, generator the RFC 8032 base point."""

    name = "ed25519"
    suite_id = 0x01
    order = ORDER
    point_size = POINT_SIZE
    generator = BASE_POINT

    def parse_point(self, data: object, field: str) -> bytes:
        return parse_point(data, field)

    def scalar_to_int(self, scalar: bytes | bytearray) -> int:
        return scalar_int(scalar)

    def int_to_scalar(self, value: int) -> bytes:
        return (value % ORDER).to_bytes(SCALAR_SIZE, "little")

    def random_scalar(self, rng: Rng) -> bytearray:
        return random_scalar(rng)

    def hash_to_scalar(self, data: bytes) -> bytes:
        return hash_to_scalar(data)

    def base_mul(self, scalar: bytes | bytearray) -> bytes:
        return base_mul(scalar)

    def mul(self, scalar: bytes | bytearray, point: bytes) -> bytes:
        return mul(scalar, point)

    def add(self, left: bytes, right: bytes) -> bytes:
        total = add(left, right)
        if not is_valid_point(total):
            raise CryptoError("Ed25519 point sum is the identity")
        return total

    def schnorr_response(
        self, nonce: bytes | bytearray, secret: bytes | bytearray, challenge: bytes
    ) -> bytearray:
        return bytearray(scalar_mul_sub(nonce, secret, challenge))

    def private_scalar(self, private_key: bytes | bytearray) -> bytearray:
        return seed_scalar(private_key)


ED25519 = Ed25519Group()
