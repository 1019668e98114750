"""The edwards25519 prime-order subgroup and its scalar field, on libsodium (via pynacl).

RFC 9591 section 6.1 (FROST(Ed25519, SHA-512)): elements are 32-byte RFC 8032 point
encodings, scalars 32-byte little-endian integers below
``L = 2^252 + 27742317777372353535851937790883648493``.

Why libsodium: pynacl's ``nacl.bindings`` expose its point operations
(``crypto_core_ed25519_add``/``_sub``, ``crypto_scalarmult_ed25519_noclamp``,
``crypto_scalarmult_ed25519_base_noclamp``, ``crypto_core_ed25519_is_valid_point``) and its
scalar arithmetic (``crypto_core_ed25519_scalar_add``/``_sub``/``_mul``/``_negate``/
``_invert``/``_reduce``), so no field arithmetic is written here.

What libsodium refuses, handled explicitly:

1. ``crypto_scalarmult_ed25519_noclamp`` (and its ``_base`` form) fail for a zero scalar,
   for an identity (small-order) input and for an identity result. In a prime-order group
   with reduced scalars the result is the identity exactly when the scalar is zero or the
   point is the identity, so both cases return the identity before calling the library.
2. ``crypto_core_ed25519_scalar_invert`` fails for zero: :class:`CryptoError` first.

The internal element encoding is the RFC 8032 encoding itself (identity:
``01 00 ... 00``); :meth:`serialize_element` refuses the identity and
:meth:`deserialize_element` accepts only canonical encodings of non-identity points of the
prime-order subgroup (``crypto_core_ed25519_is_valid_point`` checks exactly that).
"""

from __future__ import annotations

import nacl.bindings as sodium

from ledger.crypto.threshold.group import PrimeOrderGroup
from ledger.crypto.threshold.scalars import ScalarField
from ledger.errors import CryptoError, InvalidInput

__all__ = ["ED25519", "ED25519_ORDER", "Ed25519Group", "Ed25519ScalarField"]

ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493
_SIZE = 32
_WIDE = 64  # crypto_core_ed25519_scalar_reduce takes exactly 64 bytes
_IDENTITY = b"\x01" + bytes(31)


class Ed25519ScalarField(ScalarField):
    """Scalars modulo ``L``, little-endian, computed by libsodium."""

    order = ED25519_ORDER
    size = _SIZE
    wide_size = _WIDE

    def from_int(self, value: int) -> bytes:
        return (value % ED25519_ORDER).to_bytes(_SIZE, "little")

    def to_int(self, scalar: bytes) -> int:
        return int.from_bytes(scalar, "little")

    def reduce_wide(self, data: bytes) -> bytes:
        """64 bytes (a SHA-512 output) reduced modulo ``L``."""
        if len(data) != _WIDE:
            raise CryptoError("edwards25519 reduces exactly 64 bytes")
        result: bytes = sodium.crypto_core_ed25519_scalar_reduce(bytes(data))
        return result

    def add(self, a: bytes, b: bytes) -> bytes:
        result: bytes = sodium.crypto_core_ed25519_scalar_add(a, b)
        return result

    def sub(self, a: bytes, b: bytes) -> bytes:
        result: bytes = sodium.crypto_core_ed25519_scalar_sub(a, b)
        return result

    def mul(self, a: bytes, b: bytes) -> bytes:
        result: bytes = sodium.crypto_core_ed25519_scalar_mul(a, b)
        return result

    def neg(self, a: bytes) -> bytes:
        result: bytes = sodium.crypto_core_ed25519_scalar_negate(a)
        return result

    def invert(self, a: bytes) -> bytes:
        if self.is_zero(a):
            raise CryptoError("zero has no inverse")
        result: bytes = sodium.crypto_core_ed25519_scalar_invert(a)
        return result

    def __repr__(self) -> str:
        return "Ed25519ScalarField()"


class Ed25519Group(PrimeOrderGroup):
    """The prime-order subgroup of edwards25519 (see the module docstring)."""

    name = "ed25519"
    element_size = _SIZE

    def __init__(self) -> None:
        self.scalars = Ed25519ScalarField()
        self._generator = self.scalar_base_mult(self.scalars.one())

    def identity(self) -> bytes:
        return _IDENTITY

    def generator(self) -> bytes:
        return self._generator

    def add(self, a: bytes, b: bytes) -> bytes:
        result: bytes = sodium.crypto_core_ed25519_add(a, b)
        return result

    def negate(self, a: bytes) -> bytes:
        result: bytes = sodium.crypto_core_ed25519_sub(_IDENTITY, a)
        return result

    def sub(self, a: bytes, b: bytes) -> bytes:
        result: bytes = sodium.crypto_core_ed25519_sub(a, b)
        return result

    def scalar_mult(self, scalar: bytes, element: bytes) -> bytes:
        if self.scalars.is_zero(scalar) or self.is_identity(element):
            return _IDENTITY
        result: bytes = sodium.crypto_scalarmult_ed25519_noclamp(scalar, element)
        return result

    def scalar_base_mult(self, scalar: bytes) -> bytes:
        if self.scalars.is_zero(scalar):
            return _IDENTITY
        result: bytes = sodium.crypto_scalarmult_ed25519_base_noclamp(scalar)
        return result

    def serialize_element(self, element: bytes) -> bytes:
        if self.is_identity(element):
            raise CryptoError("the identity element cannot be serialized")
        return bytes(element)

    def deserialize_element(self, data: bytes, field: str = "element") -> bytes:
        if not isinstance(data, bytes | bytearray) or len(data) != _SIZE:
            raise InvalidInput(f"an edwards25519 element must be {_SIZE} bytes", field=field)
        if not sodium.crypto_core_ed25519_is_valid_point(bytes(data)):
            raise InvalidInput(
                "not the canonical encoding of a non-identity point of the prime-order "
                "subgroup", field=field)
        return bytes(data)


ED25519 = Ed25519Group()
