"""The prime-order group interface the Schnorr proof of knowledge is written against.

Why an interface: RFC 8235 defines one proof for any group where discrete logs are hard;
Ed25519 (libsodium) and secp256k1 (libsecp256k1) differ only in encodings and in which
library does the arithmetic. Writing :mod:`ledger.crypto.privacy.pok` once against this ABC
keeps the protocol in one place and the library calls in one module per curve.

Contract every implementation keeps:

1. Points cross the interface as the curve's canonical compressed encoding, and
   :meth:`PrimeOrderGroup.parse_point` accepts only canonical encodings of points of the
   prime-order subgroup other than the identity (small-order, mixed-order, off-curve and
   non-canonical encodings are :class:`~ledger.errors.InvalidInput`).
2. Scalars are fixed-size byte strings in the curve's customary byte order, canonical
   (``0 < s < order``).
3. Arithmetic on secret scalars (:meth:`schnorr_response`, :meth:`base_mul`,
   :meth:`mul`) runs inside the library, whose scalar and point code is constant time; a
   secret is at most briefly a Python integer for a range check, never for arithmetic.
"""

from __future__ import annotations

import abc

from ledger.crypto.privacy.wire import Rng
from ledger.errors import InvalidInput

__all__ = ["PrimeOrderGroup"]


class PrimeOrderGroup(abc.ABC):
    """A prime-order elliptic-curve group with a fixed generator."""

    name: str
    suite_id: int  # the byte that names the group in encoded proofs
    order: int
    point_size: int
    scalar_size: int = 32
    generator: bytes

    @abc.abstractmethod
    def parse_point(self, data: object, field: str) -> bytes:
        """A canonical, valid, non-identity point of the prime-order subgroup, or InvalidInput."""

    @abc.abstractmethod
    def scalar_to_int(self, scalar: bytes | bytearray) -> int:
        """The integer a scalar encoding stands for (no range check)."""

    @abc.abstractmethod
    def int_to_scalar(self, value: int) -> bytes:
        """The encoding of ``value mod order``."""

    def parse_scalar(self, data: object, field: str) -> bytes:
        """A canonical non-zero scalar (``0 < s < order``), or InvalidInput."""
        if not isinstance(data, bytes | bytearray) or len(data) != self.scalar_size:
            raise InvalidInput(f"{field} must be a {self.scalar_size}-byte scalar", field=field)
        if not 0 < self.scalar_to_int(data) < self.order:
            raise InvalidInput(f"{field} is not a canonical non-zero scalar", field=field)
        return bytes(data)

    @abc.abstractmethod
    def random_scalar(self, rng: Rng) -> bytearray:
        """A uniformly random non-zero scalar (wide reduction, so no measurable bias)."""

    @abc.abstractmethod
    def hash_to_scalar(self, data: bytes) -> bytes:
        """SHA-512 of ``data`` reduced modulo the order (512 bits: bias below 2**-250)."""

    @abc.abstractmethod
    def base_mul(self, scalar: bytes | bytearray) -> bytes:
        """``scalar * G`` for a non-zero scalar."""

    @abc.abstractmethod
    def mul(self, scalar: bytes | bytearray, point: bytes) -> bytes:
        """``scalar * point`` for a non-zero scalar and a parsed point."""

    @abc.abstractmethod
    def add(self, left: bytes, right: bytes) -> bytes:
        """``left + right``; :class:`~ledger.errors.CryptoError` if the sum is the identity."""

    @abc.abstractmethod
    def schnorr_response(
        self, nonce: bytes | bytearray, secret: bytes | bytearray, challenge: bytes
    ) -> bytearray:
        """``nonce - secret * challenge mod order``, computed by the library."""

    @abc.abstractmethod
    def private_scalar(self, private_key: bytes | bytearray) -> bytearray:
        """The secret scalar of a private key in this curve's SKMS key format."""

