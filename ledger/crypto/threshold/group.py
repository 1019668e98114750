"""Prime-order groups behind one small interface (RFC 9591 section 3.1).

Why: FROST, Feldman/Pedersen commitments and the DKG are written once over "a group of
prime order with a scalar field"; each concrete group wraps a vetted library's point
arithmetic (libsodium for edwards25519, libsecp256k1 for secp256k1, arkworks for
BLS12-381) and handles what that library cannot represent.

Elements are ``bytes`` in a group-specific internal encoding documented by each group
(for edwards25519 and BLS12-381 it is the wire encoding itself; secp256k1 adds an explicit
encoding of the identity that never leaves the process). Only
:meth:`PrimeOrderGroup.serialize_element` produces wire bytes and only
:meth:`PrimeOrderGroup.deserialize_element` accepts them:

1. ``serialize_element`` refuses the identity (RFC 9591 ``SerializeElement`` fails on it);
2. ``deserialize_element`` refuses malformed encodings, points off the curve or outside the
   prime-order subgroup, and the identity, raising :class:`InvalidInput` naming the field;
3. ``scalar_mult`` and ``add`` are total: a zero scalar, the identity, or a sum that
   cancels give the identity, even where the library refuses such results.
"""

from __future__ import annotations

import hmac
from abc import ABC, abstractmethod
from collections.abc import Iterable

from ledger.crypto.threshold.scalars import ScalarField

__all__ = ["PrimeOrderGroup"]


class PrimeOrderGroup(ABC):
    """A prime-order group ``G`` with generator ``B`` and scalar field ``scalars``."""

    name: str
    element_size: int
    scalars: ScalarField

    @property
    def order(self) -> int:
        return self.scalars.order

    @abstractmethod
    def identity(self) -> bytes: ...

    @abstractmethod
    def generator(self) -> bytes: ...

    @abstractmethod
    def add(self, a: bytes, b: bytes) -> bytes: ...

    @abstractmethod
    def negate(self, a: bytes) -> bytes: ...

    @abstractmethod
    def scalar_mult(self, scalar: bytes, element: bytes) -> bytes: ...

    @abstractmethod
    def scalar_base_mult(self, scalar: bytes) -> bytes: ...

    @abstractmethod
    def serialize_element(self, element: bytes) -> bytes:
        """The RFC's ``SerializeElement``; :class:`CryptoError` for the identity."""

    @abstractmethod
    def deserialize_element(self, data: bytes, field: str = "element") -> bytes:
        """The RFC's ``DeserializeElement`` (validating; see the module docstring)."""

    def is_identity(self, element: bytes) -> bool:
        return self.equal(element, self.identity())

    def sub(self, a: bytes, b: bytes) -> bytes:
        return self.add(a, self.negate(b))

    def equal(self, a: bytes, b: bytes) -> bool:
        return hmac.compare_digest(bytes(a), bytes(b))

    def sum(self, elements: Iterable[bytes]) -> bytes:
        total = self.identity()
        for element in elements:
            total = self.add(total, element)
        return total

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
