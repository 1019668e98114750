"""ECDSA on secp256k1 over SHA-256, via coincurve (libsecp256k1): scheme id ``ecdsa-secp256k1``.

Why libsecp256k1: it is the constant-time, heavily reviewed implementation Bitcoin Core
uses, and it signs with RFC 6979 deterministic nonces and low ``s`` by default. All policy
(seed-to-key mapping, strict DER, low-S, accepted point encodings) is shared with P-256 in
:mod:`ledger.crypto._ecdsa_common`; this module only adapts the library.

Two verification policies (see :mod:`ledger.crypto._ecdsa_common`): :meth:`verify` is
standard ECDSA and accepts high ``s`` (Wycheproof ``ecdsa_secp256k1_sha256_test.json``);
:meth:`verify_low_s` rejects it (Wycheproof ``ecdsa_secp256k1_sha256_bitcoin_test.json``).
libsecp256k1's own verifier only accepts low ``s``, so for standard verification we hand it
the equivalent low form of the signature, which verifies exactly when the original does.

Secret handling: coincurve takes the scalar as immutable ``bytes`` and keeps it in its key
object for the duration of one call; that copy cannot be wiped, our caller's buffer can.
"""

from __future__ import annotations

import hashlib

from coincurve import PrivateKey, PublicKey
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ledger.crypto._ecdsa_common import (
    EcdsaScheme,
    check_private_scalar,
    encode_signature,
    normalize_low_s,
)
from ledger.crypto.scheme import SchemeInfo, register
from ledger.errors import InvalidInput

__all__ = ["SCHEME", "SECP256K1_ORDER", "Secp256k1Ecdsa"]

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class Secp256k1Ecdsa(EcdsaScheme):
    """ECDSA/secp256k1/SHA-256 with DER signatures and compressed SEC1 public keys."""

    info = SchemeInfo(
        scheme_id="ecdsa-secp256k1",
        family="ecdsa",
        security_bits=128,
        private_key_size=32,
        public_key_size=33,
        signature_size=None,  # DER: 8 to 72 bytes
        fips_approved=False,  # secp256k1 is not a FIPS 186-5 / SP 800-186 curve
        message_handling="ECDSA over SHA-256(message), RFC 6979 nonce, low-S DER",
    )
    order = SECP256K1_ORDER
    curve_label = b"secp256k1"
    pem_curve = ec.SECP256K1()

    def _backend_public_key(self, private_key: bytes | bytearray) -> bytes:
        key = PrivateKey(bytes(private_key))
        compressed: bytes = key.public_key.format(compressed=True)
        return compressed

    def _backend_sign(self, private_key: bytes | bytearray, message: bytes) -> tuple[int, int]:
        key = PrivateKey(bytes(private_key))
        der: bytes = key.sign(message, hasher=_sha256)  # RFC 6979 is coincurve's default
        return decode_dss_signature(der)

    def sign_many(self, private_key: bytes | bytearray, messages: list[bytes]) -> list[bytes]:
        check_private_scalar(private_key, self.order)
        key = PrivateKey(bytes(private_key))
        signatures = []
        for message in messages:
            r, s = decode_dss_signature(key.sign(bytes(message), hasher=_sha256))
            signatures.append(encode_signature(r, normalize_low_s(s, self.order)))
        return signatures

    def _backend_verify(self, public_key: bytes, message: bytes, r: int, s: int) -> bool:
        try:
            point = PublicKey(public_key)
        except ValueError:
            raise InvalidInput(
                "public key is not a point on secp256k1", field="public_key"
            ) from None
        low_form = encode_signature(r, normalize_low_s(s, self.order))
        return bool(point.verify(low_form, message, hasher=_sha256))


SCHEME = register(Secp256k1Ecdsa())
