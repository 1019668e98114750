"""ECDSA on the curves wider than 256 bits (P-384, P-521): the shared policy at any size.

Why a second helper module: :mod:`ledger.crypto._ecdsa_common` states the ECDSA policy once
(RFC 6979 nonces, low-``s`` output, standard verification that accepts high ``s``, a
``verify_low_s`` variant, canonical DER only, ``1 <= r, s < n``, SEC1 points only), but its
helpers are written for 32-byte scalars. This module keeps that policy -- it subclasses
:class:`EcdsaScheme`, so ``verify``/``verify_low_s`` and the low-``s`` rules are the very
same code, and it reuses :func:`encode_signature`, :func:`normalize_low_s` and
:func:`is_low_s` -- and only replaces the parts that depend on the scalar size: key
derivation, range checks, the SEC1 lengths and the DER length bound.

Key derivation (FIPS 186-5 A.2.2, rejection sampling): the seed has ``ceil(len(n) / 8)``
bytes; its value, truncated to the bit length of ``n`` (P-521: the top 7 bits of the 66-byte
seed are cleared), is the key when it lies in ``[1, n-1]``. Otherwise candidates
``SHAKE-256(label || curve || counter || seed)`` (same truncation) are tried for
``counter = 1, 2, ...``. As in the 256-bit helper the result is a pure function of the seed
and uniform on ``[1, n-1]`` for a uniform seed; out-of-range seeds have probability below
``2**-190`` on both curves.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature as _LibInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ledger.crypto._ecdsa_common import (
    EcdsaScheme,
    encode_signature,
    is_low_s,
    normalize_low_s,
)
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidInput, InvalidSignature

__all__ = ["WideEcdsaScheme", "max_der_signature_size", "scalar_from_seed_wide"]

_KEYGEN_LABEL = b"skms/ecdsa-keygen-wide/v1\x00"
_MAX_KEYGEN_ROUNDS = 1000  # each round fails with probability < 2**-190; never reached


def _truncate(candidate: bytearray, bits: int) -> None:
    """Clear the bits above ``bits`` in a big-endian buffer, in place."""
    excess = len(candidate) * 8 - bits
    if excess:
        candidate[0] &= 0xFF >> excess


def scalar_from_seed_wide(seed: bytes | bytearray, order: int, curve_label: bytes) -> bytearray:
    """Map a ``ceil(len(n)/8)``-byte seed to a scalar in ``[1, n-1]`` (module docstring)."""
    bits = order.bit_length()
    size = (bits + 7) // 8
    if not isinstance(seed, bytes | bytearray) or len(seed) != size:
        raise InvalidInput(f"ECDSA key generation needs a {size}-byte seed", field="seed")
    candidate = bytearray(seed)
    _truncate(candidate, bits)
    for counter in range(1, _MAX_KEYGEN_ROUNDS + 1):
        if 0 < int.from_bytes(candidate, "big") < order:
            return candidate
        xof = hashlib.shake_256()
        xof.update(_KEYGEN_LABEL)
        xof.update(curve_label)
        xof.update(counter.to_bytes(4, "big"))
        xof.update(seed)
        candidate[:] = xof.digest(size)
        _truncate(candidate, bits)
    zeroize(candidate)  # pragma: no cover - probability below 2**-190000
    raise InvalidInput("could not derive an ECDSA key from this seed", field="seed")


def max_der_signature_size(order: int) -> int:
    """Longest canonical DER ``ECDSA-Sig-Value`` for this group order.

    Each INTEGER below ``n`` has at most ``size`` content bytes, plus a leading zero when
    ``n`` fills its top byte (P-384, not P-521), plus a two-byte header; the SEQUENCE needs
    the long length form (one more byte) once its content reaches 128 bytes.
    """
    bits = order.bit_length()
    integer = (bits + 7) // 8 + (1 if bits % 8 == 0 else 0)
    content = 2 * (2 + integer)
    return content + (2 if content < 128 else 3)


class WideEcdsaScheme(EcdsaScheme):
    """ECDSA over ``hash_algorithm`` on a NIST curve, any scalar size, via cryptography.

    Subclasses set ``order``, ``curve_label``, ``pem_curve`` (the cryptography curve object)
    and ``hash_algorithm``.
    """

    hash_algorithm: hashes.HashAlgorithm

    @property
    def scalar_size(self) -> int:
        return (self.order.bit_length() + 7) // 8

    @property
    def seed_size(self) -> int:
        return self.scalar_size

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """Private scalar from a seed; see :func:`scalar_from_seed_wide`."""
        return scalar_from_seed_wide(seed, self.order, self.curve_label)

    def _check_private(self, private_key: bytes | bytearray) -> int:
        size = self.scalar_size
        if not isinstance(private_key, bytes | bytearray) or len(private_key) != size:
            raise InvalidInput(f"ECDSA private key must be {size} bytes", field="private_key")
        value = int.from_bytes(private_key, "big")
        if not 0 < value < self.order:
            raise InvalidInput("ECDSA private key is out of range [1, n-1]", field="private_key")
        return value

    def _check_point(self, public_key: bytes) -> bytes:
        """SEC1 compressed (``1 + size`` bytes) or uncompressed (``1 + 2*size``) only."""
        if not isinstance(public_key, bytes | bytearray):
            raise InvalidInput("public key must be bytes", field="public_key")
        data = bytes(public_key)
        size = self.scalar_size
        if (len(data) == 1 + size and data[0] in (2, 3)) or (
            len(data) == 1 + 2 * size and data[0] == 4
        ):
            return data
        raise InvalidInput(
            f"public key must be a SEC1 compressed ({1 + size} bytes) or uncompressed "
            f"({1 + 2 * size} bytes) point",
            field="public_key",
        )

    def _parse_signature(self, signature: bytes) -> tuple[int, int]:
        """Canonical DER only, ``1 <= r, s < n`` (the rules of ``parse_der_signature``)."""
        if not isinstance(signature, bytes | bytearray):
            raise InvalidSignature("signature must be bytes")
        data = bytes(signature)
        if len(data) > max_der_signature_size(self.order):
            raise InvalidSignature("signature is not a DER ECDSA signature (too long)")
        try:
            r, s = decode_dss_signature(data)
        except ValueError:
            raise InvalidSignature("signature is not a valid DER ECDSA signature") from None
        if encode_signature(r, s) != data:
            raise InvalidSignature("signature is not canonical DER")
        if not (0 < r < self.order and 0 < s < self.order):
            raise InvalidSignature("signature values are out of range")
        return r, s

    def _private(self, private_key: bytes | bytearray) -> ec.EllipticCurvePrivateKey:
        return ec.derive_private_key(self._check_private(private_key), self.pem_curve)

    def _load_point(self, point: bytes) -> ec.EllipticCurvePublicKey:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(self.pem_curve, point)
        except ValueError:
            raise InvalidInput(
                f"public key is not a point on {self.pem_curve.name}", field="public_key"
            ) from None

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        """SEC1 compressed point."""
        return self._backend_public_key(private_key)

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        """DER signature, RFC 6979 nonce, normalised to low ``s``."""
        r, s = self._backend_sign(private_key, bytes(message))
        return encode_signature(r, normalize_low_s(s, self.order))

    def _verify(
        self, public_key: bytes, message: bytes, signature: bytes, *, low_s_only: bool
    ) -> None:
        point = self._check_point(public_key)
        r, s = self._parse_signature(signature)
        if low_s_only and not is_low_s(s, self.order):
            raise InvalidSignature("signature has a high s value (malleable form)")
        if not self._backend_verify(point, bytes(message), r, s):
            raise InvalidSignature("signature does not verify")

    def public_key_pem(self, public_key: bytes) -> str:
        """PEM SubjectPublicKeyInfo (id-ecPublicKey with the named curve)."""
        key = self._load_point(self._check_point(public_key))
        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def _backend_public_key(self, private_key: bytes | bytearray) -> bytes:
        return (
            self._private(private_key)
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        )

    def _backend_sign(self, private_key: bytes | bytearray, message: bytes) -> tuple[int, int]:
        algorithm = ec.ECDSA(self.hash_algorithm, deterministic_signing=True)
        der = self._private(private_key).sign(message, algorithm)
        return decode_dss_signature(der)

    def _backend_verify(self, public_key: bytes, message: bytes, r: int, s: int) -> bool:
        key = self._load_point(public_key)
        try:
            key.verify(encode_signature(r, s), message, ec.ECDSA(self.hash_algorithm))
        except _LibInvalidSignature:
            return False
        return True
