"""What the two ECDSA schemes share: key derivation from a seed, strict DER, low-S, SEC1.

Why one module: secp256k1 (coincurve) and P-256 (cryptography) differ only in the library
that does the curve arithmetic. The rules around it -- which scalars are keys, which
signature encodings are accepted, which ``s`` we emit, which point encodings we parse --
must be identical, so they live here once, in :class:`EcdsaScheme`, and the two scheme
modules supply three small backend hooks.

Signature policy:

* ``sign`` emits DER with low ``s`` (``s <= n/2``) and RFC 6979 deterministic nonces, so a
  key never leaks through a bad nonce and every signature has one encoding.
* ``verify`` is standard ECDSA (X9.62 / SEC 1 / FIPS 186-5): it accepts high ``s``, which
  Wycheproof's plain ECDSA files require, but only strictly canonical DER (no BER, no
  padding, no trailing bytes) and only ``1 <= r, s < n``.
* ``verify_low_s`` additionally rejects high ``s`` (BIP 62/146 malleability rule, as in
  Wycheproof's ``*_bitcoin_test.json``). Use it where a signature's bytes must be unique,
  e.g. when signatures are deduplicated or hashed into ids.
"""

from __future__ import annotations

import abc
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ledger.crypto.memory import zeroize
from ledger.crypto.scheme import SignatureScheme
from ledger.errors import InvalidInput, InvalidSignature

__all__ = [
    "SCALAR_SIZE",
    "EcdsaScheme",
    "check_private_scalar",
    "check_sec1_public_key",
    "der_from_raw_signature",
    "encode_signature",
    "is_low_s",
    "normalize_low_s",
    "parse_der_signature",
    "scalar_from_seed",
]

SCALAR_SIZE = 32
_KEYGEN_LABEL = b"skms/ecdsa-keygen/v1\x00"
_MAX_KEYGEN_ROUNDS = 1000  # each round fails with probability < 2**-32; never reached


def scalar_from_seed(seed: bytes | bytearray, order: int, curve_label: bytes) -> bytearray:
    """Map a 32-byte random seed to a private scalar in ``[1, n-1]``, deterministically.

    Why this shape: the seed is used as the key when it is already in range (rejection
    sampling, FIPS 186-5 A.2.2), so for almost every seed the private key *is* the seed.
    Out-of-range seeds (probability about 2**-128 on secp256k1, 2**-32 on P-256) are not
    reduced mod ``n``, which would bias the key, nor rejected, which would make ``generate``
    fail; instead we derive candidates ``SHA-256(label || curve || counter || seed)`` for
    ``counter = 1, 2, ...`` until one is in range. The result is a pure function of the seed
    (same seed, same key, needed for reproducible tests and recovery) and uniform on
    ``[1, n-1]`` when the seed is uniform, modelling SHA-256 as a random function.
    """
    if not isinstance(seed, bytes | bytearray) or len(seed) != SCALAR_SIZE:
        raise InvalidInput(f"ECDSA key generation needs a {SCALAR_SIZE}-byte seed", field="seed")
    candidate = bytearray(seed)
    for counter in range(1, _MAX_KEYGEN_ROUNDS + 1):
        if 0 < int.from_bytes(candidate, "big") < order:
            return candidate
        digest = hashlib.sha256()
        digest.update(_KEYGEN_LABEL)
        digest.update(curve_label)
        digest.update(counter.to_bytes(4, "big"))
        digest.update(seed)
        candidate[:] = digest.digest()
    zeroize(candidate)  # pragma: no cover - probability below 2**-32000
    raise InvalidInput("could not derive an ECDSA key from this seed", field="seed")


def check_private_scalar(private_key: bytes | bytearray, order: int) -> int:
    """Return the private scalar as an int after checking size and range.

    The int is needed by ``cryptography``'s key constructor; Python ints cannot be wiped,
    so callers keep it only for the duration of one operation.
    """
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != SCALAR_SIZE:
        raise InvalidInput(f"ECDSA private key must be {SCALAR_SIZE} bytes", field="private_key")
    value = int.from_bytes(private_key, "big")
    if not 0 < value < order:
        raise InvalidInput("ECDSA private key is out of range [1, n-1]", field="private_key")
    return value


def check_sec1_public_key(public_key: bytes) -> bytes:
    """Accept only SEC1 compressed (33 bytes, 02/03) or uncompressed (65 bytes, 04) points.

    Why restrict before the library parses: libsecp256k1 also accepts the obsolete "hybrid"
    06/07 encoding; one key must not have more encodings than the two the ledger documents.
    On-curve validation is left to the library.
    """
    if not isinstance(public_key, bytes | bytearray):
        raise InvalidInput("public key must be bytes", field="public_key")
    data = bytes(public_key)
    if (len(data) == 33 and data[0] in (2, 3)) or (len(data) == 65 and data[0] == 4):
        return data
    raise InvalidInput(
        "public key must be a SEC1 compressed (33 bytes) or uncompressed (65 bytes) point",
        field="public_key",
    )


def parse_der_signature(signature: bytes, order: int) -> tuple[int, int]:
    """Decode a DER ``ECDSA-Sig-Value`` into ``(r, s)``, accepting only canonical DER.

    ``cryptography``'s ASN.1 parser already refuses BER (long or indefinite lengths), negative
    or zero-padded integers and trailing data; re-encoding and comparing byte for byte makes
    canonical-only a property we check ourselves rather than an assumption about a parser.
    Then ``1 <= r, s < n``, which rules out the zero and overflow cases Wycheproof probes.
    """
    if not isinstance(signature, bytes | bytearray):
        raise InvalidSignature("signature must be bytes")
    data = bytes(signature)
    # 256-bit curves: SEQUENCE header (2) + two INTEGERs of at most 2 + 33 bytes.
    if len(data) > 72:
        raise InvalidSignature("signature is not a DER ECDSA signature (too long)")
    try:
        r, s = decode_dss_signature(data)
    except ValueError:
        raise InvalidSignature("signature is not a valid DER ECDSA signature") from None
    if encode_dss_signature(r, s) != data:
        raise InvalidSignature("signature is not canonical DER")
    if not (0 < r < order and 0 < s < order):
        raise InvalidSignature("signature values are out of range")
    return r, s


def encode_signature(r: int, s: int) -> bytes:
    """Canonical DER for ``(r, s)``."""
    return encode_dss_signature(r, s)


def der_from_raw_signature(raw: bytes, order: int) -> bytes:
    """Canonical low-``s`` DER from a fixed-width ``r || s`` (PKCS#11 ``CKM_ECDSA``, P1363).

    Why here: an HSM signs with raw ``CKM_ECDSA`` and returns ``r || s``, each as wide as the
    group order; the ledger's signatures must be the very bytes its software schemes emit
    (canonical DER, low ``s``), so the conversion applies the same :func:`normalize_low_s`
    and :func:`encode_signature`, for any curve size. A wrong width or an out-of-range value
    means the token misbehaved and raises ``InvalidSignature`` rather than being encoded.
    """
    size = (order.bit_length() + 7) // 8
    if not isinstance(raw, bytes | bytearray) or len(raw) != 2 * size:
        raise InvalidSignature(f"raw ECDSA signature must be {2 * size} bytes (r || s)")
    r = int.from_bytes(raw[:size], "big")
    s = int.from_bytes(raw[size:], "big")
    if not (0 < r < order and 0 < s < order):
        raise InvalidSignature("signature values are out of range")
    return encode_signature(r, normalize_low_s(s, order))


def is_low_s(s: int, order: int) -> bool:
    """True when ``s <= n/2``, the canonical half of the ``{s, n - s}`` pair."""
    return s <= order // 2


def normalize_low_s(s: int, order: int) -> int:
    """Map ``s`` to its low form; ``(r, s)`` and ``(r, n - s)`` verify identically."""
    return order - s if s > order // 2 else s


class EcdsaScheme(SignatureScheme):
    """ECDSA over SHA-256 on a 256-bit prime-order curve; subclasses pick the library.

    Subclasses set ``order``, ``curve_label`` and ``pem_curve`` and implement the three
    ``_backend_*`` hooks; everything that decides what is accepted lives here.
    """

    order: int
    curve_label: bytes
    pem_curve: ec.EllipticCurve

    @property
    def seed_size(self) -> int:
        return SCALAR_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """Private scalar from a 32-byte seed; see :func:`scalar_from_seed`."""
        return scalar_from_seed(seed, self.order, self.curve_label)

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        """SEC1 compressed point (33 bytes)."""
        check_private_scalar(private_key, self.order)
        return self._backend_public_key(private_key)

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        """DER signature over SHA-256(message), RFC 6979 nonce, normalised to low ``s``."""
        check_private_scalar(private_key, self.order)
        r, s = self._backend_sign(private_key, bytes(message))
        return encode_signature(r, normalize_low_s(s, self.order))

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        """Standard ECDSA verification (high ``s`` accepted); strict DER, range-checked."""
        self._verify(public_key, message, signature, low_s_only=False)

    def verify_low_s(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        """Like :meth:`verify`, but a high-``s`` signature is rejected as malleable."""
        self._verify(public_key, message, signature, low_s_only=True)

    def _verify(
        self, public_key: bytes, message: bytes, signature: bytes, *, low_s_only: bool
    ) -> None:
        point = check_sec1_public_key(public_key)
        r, s = parse_der_signature(signature, self.order)
        if low_s_only and not is_low_s(s, self.order):
            raise InvalidSignature("signature has a high s value (malleable form)")
        if not self._backend_verify(point, bytes(message), r, s):
            raise InvalidSignature("signature does not verify")

    def public_key_pem(self, public_key: bytes) -> str:
        """PEM SubjectPublicKeyInfo (id-ecPublicKey with the named curve)."""
        point = check_sec1_public_key(public_key)
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(self.pem_curve, point)
        except ValueError:
            raise InvalidInput(
                "public key is not a point on the curve", field="public_key"
            ) from None
        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    @abc.abstractmethod
    def _backend_public_key(self, private_key: bytes | bytearray) -> bytes:
        """Compressed SEC1 public key for an in-range scalar."""

    @abc.abstractmethod
    def _backend_sign(self, private_key: bytes | bytearray, message: bytes) -> tuple[int, int]:
        """``(r, s)`` of an RFC 6979 ECDSA signature over SHA-256(message)."""

    @abc.abstractmethod
    def _backend_verify(self, public_key: bytes, message: bytes, r: int, s: int) -> bool:
        """Whether ``(r, s)`` verifies (standard ECDSA, either ``s``); raise on a bad key."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.scheme_id!r})"
