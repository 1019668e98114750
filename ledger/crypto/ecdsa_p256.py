"""ECDSA on NIST P-256 over SHA-256, via pyca/cryptography (OpenSSL): id ``ecdsa-p256``.

Why these choices: P-256 with SHA-256 is the FIPS-approved baseline that HSMs, WebAuthn and
X.509 tooling all speak. We sign with RFC 6979 deterministic nonces
(``ECDSA(..., deterministic_signing=True)``, cryptography >= 44) so a weak RNG at signing
time cannot leak the key, and normalise ``s`` to its low form so each (key, message) has one
signature encoding. Verification is standard ECDSA (high ``s`` accepted, as Wycheproof's
``ecdsa_secp256r1_sha256_test.json`` requires) with the strict DER and range rules of
:mod:`ledger.crypto._ecdsa_common`; :meth:`verify_low_s` is the malleability-free variant.

Secret handling: ``cryptography`` builds its key from a Python ``int``, which cannot be wiped;
it lives only for one call, while the caller's ``bytearray`` can and must be zeroed.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature as _LibInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ledger.crypto._ecdsa_common import EcdsaScheme, check_private_scalar, encode_signature
from ledger.crypto.scheme import SchemeInfo, register
from ledger.errors import InvalidInput

__all__ = ["P256_ORDER", "SCHEME", "P256Ecdsa"]

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

_CURVE = ec.SECP256R1()
_SIGN_ALGORITHM = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
_VERIFY_ALGORITHM = ec.ECDSA(hashes.SHA256())


class P256Ecdsa(EcdsaScheme):
    """ECDSA/P-256/SHA-256 with DER signatures and compressed SEC1 public keys."""

    info = SchemeInfo(
        scheme_id="ecdsa-p256",
        family="ecdsa",
        security_bits=128,
        private_key_size=32,
        public_key_size=33,
        signature_size=None,  # DER: 8 to 72 bytes
        fips_approved=True,
        message_handling="ECDSA over SHA-256(message), RFC 6979 nonce, low-S DER",
    )
    order = P256_ORDER
    curve_label = b"secp256r1"
    pem_curve = _CURVE

    def _private(self, private_key: bytes | bytearray) -> ec.EllipticCurvePrivateKey:
        return ec.derive_private_key(check_private_scalar(private_key, self.order), _CURVE)

    def _backend_public_key(self, private_key: bytes | bytearray) -> bytes:
        return (
            self._private(private_key)
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        )

    def _backend_sign(self, private_key: bytes | bytearray, message: bytes) -> tuple[int, int]:
        der = self._private(private_key).sign(message, _SIGN_ALGORITHM)
        return decode_dss_signature(der)

    def _backend_verify(self, public_key: bytes, message: bytes, r: int, s: int) -> bool:
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, public_key)
        except ValueError:
            raise InvalidInput("public key is not a point on P-256", field="public_key") from None
        try:
            point.verify(encode_signature(r, s), message, _VERIFY_ALGORITHM)
        except _LibInvalidSignature:
            return False
        return True


SCHEME = register(P256Ecdsa())
