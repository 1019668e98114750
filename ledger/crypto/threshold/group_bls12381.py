"""BLS12-381's G1 group and scalar field, on arkworks (py-arkworks-bls12381).

Why arkworks: threshold BLS needs scalar multiplication of group elements (Feldman
commitments, verifying shares, Lagrange interpolation "in the exponent"), which blspy does
not expose. py-arkworks-bls12381 (the Ethereum Foundation's PyO3 binding of the arkworks
crates, MIT OR Apache-2.0) provides G1/G2 addition, scalar multiplication, multi-scalar
multiplication and subgroup-checked decoding, in the same compressed encodings as blspy
(ZCash format: 48-byte G1, 96-byte G2, identity ``c0 00 ... 00``).

1. Elements are the 48-byte compressed G1 encodings (also the internal form); the identity
   is representable by arkworks, so no special cases are needed beyond the RFC-style rule
   that it is never serialized nor accepted.
2. :meth:`Bls12381G1.deserialize_element` uses arkworks' checked decoding (on the curve,
   in the prime-order subgroup) and refuses the identity.
3. Scalars are 32-byte big-endian integers below ``r`` (the encoding of blspy private keys),
   computed with arkworks' ``Scalar``.
"""

from __future__ import annotations

from py_arkworks_bls12381 import G1Point, Scalar

from ledger.crypto.bls12381_pop import BLS12381_ORDER
from ledger.crypto.threshold.group import PrimeOrderGroup
from ledger.crypto.threshold.scalars import ScalarField
from ledger.errors import CryptoError, InvalidInput

__all__ = ["BLS12381_G1", "Bls12381G1", "Bls12381ScalarField", "to_arkworks_scalar"]

_SCALAR_SIZE = 32
_G1_SIZE = 48


def to_arkworks_scalar(scalar: bytes) -> Scalar:
    """An arkworks ``Scalar`` from a canonical 32-byte big-endian encoding."""
    return Scalar.from_be_bytes(bytes(scalar))


def _encode(value: Scalar) -> bytes:
    encoded: bytes = value.to_be_bytes()
    return encoded


class Bls12381ScalarField(ScalarField):
    """Scalars modulo ``r``, big-endian, computed by arkworks."""

    order = BLS12381_ORDER
    size = _SCALAR_SIZE
    wide_size = 48  # IETF hash_to_field's L for r: ceil((255 + 128) / 8)

    def from_int(self, value: int) -> bytes:
        return (value % BLS12381_ORDER).to_bytes(_SCALAR_SIZE, "big")

    def to_int(self, scalar: bytes) -> int:
        return int.from_bytes(scalar, "big")

    def reduce_wide(self, data: bytes) -> bytes:
        return _encode(Scalar.from_be_bytes_mod_order(bytes(data)))

    def add(self, a: bytes, b: bytes) -> bytes:
        return _encode(to_arkworks_scalar(a) + to_arkworks_scalar(b))

    def sub(self, a: bytes, b: bytes) -> bytes:
        return _encode(to_arkworks_scalar(a) - to_arkworks_scalar(b))

    def mul(self, a: bytes, b: bytes) -> bytes:
        return _encode(to_arkworks_scalar(a) * to_arkworks_scalar(b))

    def neg(self, a: bytes) -> bytes:
        return _encode(-to_arkworks_scalar(a))

    def invert(self, a: bytes) -> bytes:
        if self.is_zero(a):
            raise CryptoError("zero has no inverse")
        return _encode(to_arkworks_scalar(a).inverse())

    def __repr__(self) -> str:
        return "Bls12381ScalarField()"


def _point(element: bytes) -> G1Point:
    # Internal elements were validated when they entered (or computed here): no re-check.
    return G1Point.from_compressed_bytes_unchecked(bytes(element))


def _bytes(point: G1Point) -> bytes:
    encoded: bytes = point.to_compressed_bytes()
    return encoded


class Bls12381G1(PrimeOrderGroup):
    """G1 of BLS12-381, where the min-pk ciphersuite's public keys live."""

    name = "bls12381-g1"
    element_size = _G1_SIZE

    def __init__(self) -> None:
        self.scalars = Bls12381ScalarField()
        self._identity = _bytes(G1Point.identity())
        self._generator = _bytes(G1Point())

    def identity(self) -> bytes:
        return self._identity

    def generator(self) -> bytes:
        return self._generator

    def add(self, a: bytes, b: bytes) -> bytes:
        return _bytes(_point(a) + _point(b))

    def negate(self, a: bytes) -> bytes:
        return _bytes(-_point(a))

    def sub(self, a: bytes, b: bytes) -> bytes:
        return _bytes(_point(a) - _point(b))

    def scalar_mult(self, scalar: bytes, element: bytes) -> bytes:
        return _bytes(_point(element) * to_arkworks_scalar(scalar))

    def scalar_base_mult(self, scalar: bytes) -> bytes:
        return _bytes(G1Point() * to_arkworks_scalar(scalar))

    def serialize_element(self, element: bytes) -> bytes:
        if self.is_identity(element):
            raise CryptoError("the identity element cannot be serialized")
        return bytes(element)

    def deserialize_element(self, data: bytes, field: str = "element") -> bytes:
        if not isinstance(data, bytes | bytearray) or len(data) != _G1_SIZE:
            raise InvalidInput(f"a G1 element must be {_G1_SIZE} bytes", field=field)
        try:
            point = G1Point.from_compressed_bytes(bytes(data))
        except ValueError:
            raise InvalidInput("not a point of the G1 subgroup", field=field) from None
        if point == G1Point.identity():
            raise InvalidInput("the identity element is not accepted", field=field)
        return _bytes(point)


BLS12381_G1 = Bls12381G1()
