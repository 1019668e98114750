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

Chain signing (``sign_digest_der``, ``sign_digest_recoverable``, ``verify_digest_der``): Bitcoin
and Ethereum sign a 32-byte digest they compute themselves (BIP-143/341 sighash, Keccak-256), not
SHA-256 of a message, and Ethereum also needs the recovery id. These three functions take the
digest as is (no hashing), sign with the same RFC 6979 nonces and low ``s``, and check the
result against the public key before returning it, so a faulty computation never leaves the
process as a signature.

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
    check_sec1_public_key,
    encode_signature,
    normalize_low_s,
    parse_der_signature,
)
from ledger.crypto.scheme import SchemeInfo, register
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = [
    "SCHEME",
    "SECP256K1_ORDER",
    "Secp256k1Ecdsa",
    "sign_digest_der",
    "sign_digest_recoverable",
    "verify_digest_der",
]

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


_DIGEST_SIZE = 32


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _check_digest(digest: bytes) -> bytes:
    if not isinstance(digest, bytes | bytearray) or len(digest) != _DIGEST_SIZE:
        raise InvalidInput(f"the digest to sign must be {_DIGEST_SIZE} bytes", field="digest")
    return bytes(digest)


def sign_digest_recoverable(private_key: bytes | bytearray, digest: bytes) -> tuple[bytes, int]:
    """``(r || s, recovery_id)`` over a 32-byte digest: RFC 6979 nonce, low ``s``.

    The recovery id (0 or 1; 2 and 3 need ``r >= n``, which has probability ~2**-127) is
    what Ethereum puts in ``v``/``yParity``; it is checked by recovering the public key.
    """
    check_private_scalar(private_key, SECP256K1_ORDER)
    message = _check_digest(digest)
    key = PrivateKey(bytes(private_key))
    recoverable: bytes = key.sign_recoverable(message, hasher=None)
    signature, recovery_id = recoverable[:64], recoverable[64]
    if int.from_bytes(signature[32:], "big") > SECP256K1_ORDER // 2:
        raise CryptoError(  # pragma: no cover - fault check
            "secp256k1 produced a high-S signature")
    recovered = PublicKey.from_signature_and_message(recoverable, message, hasher=None)
    if recovered.format(compressed=True) != key.public_key.format(compressed=True):
        raise CryptoError(  # pragma: no cover - fault check
            "recoverable signature does not recover the signer")
    return signature, recovery_id


def sign_digest_der(private_key: bytes | bytearray, digest: bytes) -> bytes:
    """Strict DER ECDSA over a 32-byte digest (RFC 6979, low ``s``), checked before return."""
    check_private_scalar(private_key, SECP256K1_ORDER)
    message = _check_digest(digest)
    key = PrivateKey(bytes(private_key))
    der: bytes = key.sign(message, hasher=None)
    if not key.public_key.verify(der, message, hasher=None):
        raise CryptoError(  # pragma: no cover - fault check
            "ECDSA produced a signature that does not verify")
    return der


def verify_digest_der(public_key: bytes, digest: bytes, signature: bytes) -> None:
    """Check a strict-DER, low-``s`` signature over a 32-byte digest; raise if it fails.

    This is the Bitcoin rule (BIP 66 strict DER, BIP 146 low ``s``), the only form a
    signer of ours emits and the only one the finalizer accepts.
    """
    message = _check_digest(digest)
    r, s = parse_der_signature(signature, SECP256K1_ORDER)
    if s > SECP256K1_ORDER // 2:
        raise InvalidSignature("signature has a high s value")
    try:
        point = PublicKey(check_sec1_public_key(public_key))
    except ValueError:
        raise InvalidInput("public key is not a point on secp256k1", field="public_key") from None
    if not point.verify(encode_signature(r, s), message, hasher=None):
        raise InvalidSignature("signature does not verify")


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
