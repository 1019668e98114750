"""secp256k1 as a :class:`~ledger.crypto.privacy.group.PrimeOrderGroup`, through coincurve.

Why coincurve: it is libsecp256k1, Bitcoin Core's constant-time, exhaustively tested curve
library, already an SKMS dependency. The curve has cofactor 1, so every curve point other
than the identity is in the prime-order group; what :meth:`Secp256k1Group.parse_point`
must refuse is anything that is not exactly one canonical compressed point:

1. 33 bytes, prefix ``02`` or ``03`` (uncompressed and hybrid encodings are refused, so each
   point has one encoding);
2. an ``x`` that libsecp256k1 parses (``x < p`` and on the curve), checked once more by
   re-encoding and comparing byte for byte.

Secret scalars: :meth:`Secp256k1Group.schnorr_response` computes ``v - x*c`` as
``x * (n - c) + v`` with libsecp256k1's ``seckey_tweak_mul`` and ``seckey_tweak_add``
(constant time; ``n - c`` is public). A secret becomes a transient Python integer only for
a range check (``0 < s < n``, as coincurve's own ``validate_secret`` does), never for
arithmetic. Scalars are 32-byte big-endian (SEC 1), the SKMS secp256k1 private-key format.
"""

from __future__ import annotations

import hashlib

from coincurve import PrivateKey, PublicKey

from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.memory import zeroize
from ledger.crypto.privacy.group import PrimeOrderGroup
from ledger.crypto.privacy.wire import MAX_RETRIES, Rng
from ledger.errors import CryptoError, InvalidInput

__all__ = ["SECP256K1", "Secp256k1Group"]

_POINT_SIZE = 33
_GENERATOR = bytes.fromhex("0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798")


class Secp256k1Group(PrimeOrderGroup):
    """The secp256k1 group (cofactor 1), generator G of SEC 2."""

    name = "secp256k1"
    suite_id = 0x02
    order = SECP256K1_ORDER
    point_size = _POINT_SIZE
    generator = _GENERATOR

    def parse_point(self, data: object, field: str) -> bytes:
        if not isinstance(data, bytes | bytearray) or len(data) != _POINT_SIZE:
            raise InvalidInput(
                f"{field} must be a {_POINT_SIZE}-byte compressed secp256k1 point", field=field
            )
        point = bytes(data)
        if point[0] not in (2, 3):
            raise InvalidInput(f"{field} must be a compressed point (02/03 prefix)", field=field)
        try:
            encoded = PublicKey(point).format(compressed=True)
        except ValueError:
            raise InvalidInput(f"{field} is not a point on secp256k1", field=field) from None
        if encoded != point:
            raise InvalidInput(f"{field} is not a canonical point encoding", field=field)
        return point

    def scalar_to_int(self, scalar: bytes | bytearray) -> int:
        return int.from_bytes(scalar, "big")

    def int_to_scalar(self, value: int) -> bytes:
        return (value % SECP256K1_ORDER).to_bytes(32, "big")

    def random_scalar(self, rng: Rng) -> bytearray:
        """Rejection sampling of 32 random bytes into ``[1, n-1]`` (retries: about 2**-128)."""
        for _ in range(MAX_RETRIES):
            candidate = bytearray(rng(32))
            if len(candidate) != 32:
                raise CryptoError("random source returned the wrong number of bytes")
            if 0 < int.from_bytes(candidate, "big") < SECP256K1_ORDER:
                return candidate
            zeroize(candidate)
        raise CryptoError("random source keeps giving out-of-range scalars (broken?)")

    def hash_to_scalar(self, data: bytes) -> bytes:
        return self.int_to_scalar(int.from_bytes(hashlib.sha512(data).digest(), "big"))

    def base_mul(self, scalar: bytes | bytearray) -> bytes:
        try:
            return bytes(PublicKey.from_valid_secret(bytes(scalar)).format(compressed=True))
        except ValueError:
            raise CryptoError("secp256k1 base multiplication needs 0 < scalar < n") from None

    def mul(self, scalar: bytes | bytearray, point: bytes) -> bytes:
        try:
            product = PublicKey(point).multiply(bytes(scalar))
        except ValueError:
            raise CryptoError("secp256k1 scalar multiplication failed") from None
        return bytes(product.format(compressed=True))

    def add(self, left: bytes, right: bytes) -> bytes:
        try:
            total = PublicKey.combine_keys([PublicKey(left), PublicKey(right)])
        except ValueError:
            raise CryptoError("secp256k1 point sum is the identity") from None
        return bytes(total.format(compressed=True))

    def schnorr_response(
        self, nonce: bytes | bytearray, secret: bytes | bytearray, challenge: bytes
    ) -> bytearray:
        negated = (SECP256K1_ORDER - int.from_bytes(challenge, "big")) % SECP256K1_ORDER
        try:
            product = PrivateKey(bytes(secret)).multiply(negated.to_bytes(32, "big"))
            response = product.add(bytes(nonce))
        except ValueError:
            raise CryptoError("secp256k1 response is zero; draw a new nonce") from None
        return bytearray(response.secret)

    def private_scalar(self, private_key: bytes | bytearray) -> bytearray:
        if not isinstance(private_key, bytes | bytearray) or len(private_key) != 32:
            raise InvalidInput("secp256k1 private key must be 32 bytes", field="private_key")
        if not 0 < int.from_bytes(private_key, "big") < SECP256K1_ORDER:
            raise InvalidInput("secp256k1 private key is out of range [1, n-1]",
                               field="private_key")
        return bytearray(private_key)


SECP256K1 = Secp256k1Group()
