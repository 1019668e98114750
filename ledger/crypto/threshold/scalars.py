"""Scalar fields (integers modulo a prime group order) behind one small interface.

Why an interface: the threshold protocols (polynomials, Lagrange coefficients, signature
shares) are the same algebra over every group; only where the arithmetic comes from
changes. Scalars are passed around as ``bytes`` in the field's canonical encoding (its
``SerializeScalar`` of RFC 9591), so the protocol code never touches a library's own
number type and two scalars compare with :func:`hmac.compare_digest`.

1. :class:`ScalarField` declares the operations the protocols need (add, sub, mul, neg,
   invert, reduce a wide hash output, draw a random non-zero scalar) and a strict parser
   (``deserialize`` refuses values ``>= order`` and wrong lengths, naming the field).
2. :class:`ModularScalarField` implements it with Python integers. It is used where the
   vetted library exposes no scalar arithmetic: coincurve (libsecp256k1) offers only
   ``tweak_add``/``tweak_mul`` on private keys, which refuse the zero scalar that
   polynomial and Lagrange arithmetic meet in intermediate values, so secp256k1 scalars are
   computed here, modulo ``n``, exactly as RFC 9591 writes them. Edwards25519 scalars use
   libsodium instead (:mod:`ledger.crypto.threshold.group_ed25519`).

Limits, stated honestly: Python integers are neither constant-time nor wipeable. Scalars
here are short-lived values inside one call; long-lived secrets (key shares, nonces) are
kept by their owners in ``bytearray`` buffers that are zeroed after use.
"""

from __future__ import annotations

import hmac
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Literal

from ledger.crypto.memory import zeroize
from ledger.errors import CryptoError, InvalidInput

__all__ = ["ModularScalarField", "Rng", "ScalarField"]

Rng = Callable[[int], bytearray]

_MAX_RANDOM_TRIES = 64  # a non-zero draw fails with probability about 2**-252 per try


class ScalarField(ABC):
    """Arithmetic modulo ``order`` on canonical ``size``-byte encodings."""

    order: int
    size: int
    wide_size: int
    """Bytes drawn for a uniform random scalar (reduction bias below 2**-128)."""

    # --- encodings ---------------------------------------------------------------------------
    @abstractmethod
    def from_int(self, value: int) -> bytes:
        """Encode ``value mod order``."""

    @abstractmethod
    def to_int(self, scalar: bytes) -> int:
        """Decode an encoded scalar (public values only: identifiers, test output)."""

    @abstractmethod
    def reduce_wide(self, data: bytes) -> bytes:
        """Reduce a hash output (any length the field supports) modulo ``order``."""

    def deserialize(self, data: bytes, field: str = "scalar") -> bytes:
        """RFC 9591 ``DeserializeScalar``: exact length and a value below the order."""
        if not isinstance(data, bytes | bytearray) or len(data) != self.size:
            raise InvalidInput(f"a scalar must be {self.size} bytes", field=field)
        if self.to_int(bytes(data)) >= self.order:
            raise InvalidInput("the scalar is not below the group order", field=field)
        return bytes(data)

    # --- arithmetic --------------------------------------------------------------------------
    @abstractmethod
    def add(self, a: bytes, b: bytes) -> bytes: ...

    @abstractmethod
    def sub(self, a: bytes, b: bytes) -> bytes: ...

    @abstractmethod
    def mul(self, a: bytes, b: bytes) -> bytes: ...

    @abstractmethod
    def neg(self, a: bytes) -> bytes: ...

    @abstractmethod
    def invert(self, a: bytes) -> bytes:
        """The multiplicative inverse; :class:`CryptoError` for zero."""

    def zero(self) -> bytes:
        return self.from_int(0)

    def one(self) -> bytes:
        return self.from_int(1)

    def is_zero(self, a: bytes) -> bool:
        return hmac.compare_digest(a, self.zero())

    def equal(self, a: bytes, b: bytes) -> bool:
        return hmac.compare_digest(bytes(a), bytes(b))

    def random(self, rng: Rng) -> bytes:
        """A uniform non-zero scalar (RFC 9591 ``RandomScalar``) from ``wide_size`` bytes."""
        for _ in range(_MAX_RANDOM_TRIES):
            raw = rng(self.wide_size)
            if not isinstance(raw, bytearray) or len(raw) != self.wide_size:
                raise InvalidInput("rng must return a bytearray of the requested size",
                                   field="rng")
            try:
                scalar = self.reduce_wide(bytes(raw))
            finally:
                zeroize(raw)
            if not self.is_zero(scalar):
                return scalar
        raise CryptoError("the random generator keeps producing zero scalars")


class ModularScalarField(ScalarField):
    """Scalars as Python integers modulo ``order`` (see the module docstring for why)."""

    def __init__(self, order: int, size: int, byteorder: Literal["big", "little"]) -> None:
        self.order = order
        self.size = size
        self.wide_size = size + 16
        self._byteorder: Literal["big", "little"] = byteorder

    def from_int(self, value: int) -> bytes:
        return (value % self.order).to_bytes(self.size, self._byteorder)

    def to_int(self, scalar: bytes) -> int:
        return int.from_bytes(scalar, self._byteorder)

    def reduce_wide(self, data: bytes) -> bytes:
        return self.from_int(int.from_bytes(data, self._byteorder))

    def add(self, a: bytes, b: bytes) -> bytes:
        return self.from_int(self.to_int(a) + self.to_int(b))

    def sub(self, a: bytes, b: bytes) -> bytes:
        return self.from_int(self.to_int(a) - self.to_int(b))

    def mul(self, a: bytes, b: bytes) -> bytes:
        return self.from_int(self.to_int(a) * self.to_int(b))

    def neg(self, a: bytes) -> bytes:
        return self.from_int(-self.to_int(a))

    def invert(self, a: bytes) -> bytes:
        value = self.to_int(a) % self.order
        if value == 0:
            raise CryptoError("zero has no inverse")
        return self.from_int(pow(value, -1, self.order))

    def __repr__(self) -> str:
        return f"ModularScalarField(order=0x{self.order:x})"
