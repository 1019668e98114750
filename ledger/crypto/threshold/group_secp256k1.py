"""The secp256k1 group and its scalar field, on coincurve (libsecp256k1).

RFC 9591 section 6.5 (FROST(secp256k1, SHA-256)): elements are 33-byte SEC1 compressed
points, scalars 32-byte big-endian integers below the group order ``n``.

What coincurve cannot represent, handled explicitly:

1. The identity (point at infinity). The internal encoding of the identity is 33 zero
   bytes (the ``cbytes_ext`` convention of BIP-327, which MuSig2's aggregate nonce also
   uses on the wire); every operation checks for it before calling the library, and
   :meth:`serialize_element` refuses it (RFC 9591 ``SerializeElement`` fails on it).
2. The zero scalar: ``PublicKey.multiply`` and ``PublicKey.from_secret`` refuse it, so
   ``0·P`` returns the identity first.
3. Sums that cancel: ``PublicKey.combine_keys`` refuses an infinite sum. ``A + B`` is the
   identity exactly when ``B = -A`` (same x, other y parity), which is checked on the
   encodings before combining, so a library error never stands for "the identity".

Scalar arithmetic uses Python integers modulo ``n``
(:class:`ledger.crypto.threshold.scalars.ModularScalarField`): libsecp256k1's scalar
functions are not exported by coincurve beyond ``tweak_add``/``tweak_mul``, which refuse
zero.
"""

from __future__ import annotations

from coincurve import PublicKey

from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.threshold.group import PrimeOrderGroup
from ledger.crypto.threshold.scalars import ModularScalarField
from ledger.errors import CryptoError, InvalidInput

__all__ = ["SECP256K1", "SECP256K1_IDENTITY", "Secp256k1Group"]

_SIZE = 33
SECP256K1_IDENTITY = bytes(_SIZE)
_EVEN, _ODD = 0x02, 0x03


class Secp256k1Group(PrimeOrderGroup):
    """secp256k1 with an explicit identity (see the module docstring)."""

    name = "secp256k1"
    element_size = _SIZE

    def __init__(self) -> None:
        self.scalars = ModularScalarField(SECP256K1_ORDER, 32, "big")
        self._generator = self.scalar_base_mult(self.scalars.one())

    def identity(self) -> bytes:
        return SECP256K1_IDENTITY

    def generator(self) -> bytes:
        return self._generator

    def add(self, a: bytes, b: bytes) -> bytes:
        if self.is_identity(a):
            return bytes(b)
        if self.is_identity(b):
            return bytes(a)
        if a[1:] == b[1:] and a[0] != b[0]:
            return SECP256K1_IDENTITY  # b = -a
        combined: bytes = PublicKey.combine_keys([PublicKey(a), PublicKey(b)]).format()
        return combined

    def negate(self, a: bytes) -> bytes:
        if self.is_identity(a):
            return SECP256K1_IDENTITY
        return bytes([_ODD if a[0] == _EVEN else _EVEN]) + a[1:]

    def scalar_mult(self, scalar: bytes, element: bytes) -> bytes:
        if self.scalars.is_zero(scalar) or self.is_identity(element):
            return SECP256K1_IDENTITY
        product: bytes = PublicKey(element).multiply(scalar).format()
        return product

    def scalar_base_mult(self, scalar: bytes) -> bytes:
        if self.scalars.is_zero(scalar):
            return SECP256K1_IDENTITY
        point: bytes = PublicKey.from_secret(scalar).format()
        return point

    def has_even_y(self, element: bytes) -> bool:
        """BIP-340's parity test on a non-identity element."""
        if self.is_identity(element):
            raise CryptoError("the identity has no y coordinate")
        return element[0] == _EVEN

    def serialize_element(self, element: bytes) -> bytes:
        if self.is_identity(element):
            raise CryptoError("the identity element cannot be serialized")
        return bytes(element)

    def deserialize_element(self, data: bytes, field: str = "element") -> bytes:
        if (not isinstance(data, bytes | bytearray) or len(data) != _SIZE
                or data[0] not in (_EVEN, _ODD)):
            raise InvalidInput("a secp256k1 element must be a 33-byte compressed point",
                               field=field)
        try:
            PublicKey(bytes(data))
        except ValueError:
            raise InvalidInput("not a point of secp256k1", field=field) from None
        return bytes(data)

    def lift_x(self, x: bytes, field: str = "element") -> bytes:
        """BIP-340 ``lift_x``: the point with x coordinate ``x`` and even y."""
        return self.deserialize_element(bytes([_EVEN]) + bytes(x), field)


SECP256K1 = Secp256k1Group()
