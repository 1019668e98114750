"""Ed25519 (RFC 8032 PureEdDSA) via pynacl/libsodium: scheme id ``ed25519``.

Why Ed25519 and libsodium: deterministic by design (no signing-time randomness to get
wrong), small keys and signatures, and libsodium's verifier is strict where it matters for a
ledger: it rejects non-canonical ``S`` (``S >= L``, the malleability Wycheproof probes) and
small-order keys and ``R`` points, so one message cannot carry two valid signatures.

Key format: the private key is the 32-byte RFC 8032 seed (what ``generate`` returns is the
seed itself), the public key the raw 32-byte encoding, signatures the raw 64 bytes. The
message is signed as is (no pre-hash).

Secret handling: pynacl only accepts immutable ``bytes`` and keeps the expanded key in its
objects for one call; that copy cannot be wiped, the caller's ``bytearray`` can.
"""

from __future__ import annotations

import nacl.exceptions
import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.crypto.scheme import SchemeInfo, SignatureScheme, register
from ledger.errors import InvalidInput, InvalidSignature

__all__ = ["SCHEME", "Ed25519Scheme"]

_SEED_SIZE = 32
_PUBLIC_SIZE = 32
_SIGNATURE_SIZE = 64


def _check_seed(private_key: bytes | bytearray, field: str) -> bytes:
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != _SEED_SIZE:
        raise InvalidInput(f"Ed25519 {field} must be {_SEED_SIZE} bytes", field=field)
    return bytes(private_key)


def _check_public(public_key: bytes) -> bytes:
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != _PUBLIC_SIZE:
        raise InvalidInput(f"Ed25519 public key must be {_PUBLIC_SIZE} bytes", field="public_key")
    return bytes(public_key)


class Ed25519Scheme(SignatureScheme):
    """Ed25519 over the raw message."""

    info = SchemeInfo(
        scheme_id="ed25519",
        family="eddsa",
        security_bits=128,
        private_key_size=_SEED_SIZE,
        public_key_size=_PUBLIC_SIZE,
        signature_size=_SIGNATURE_SIZE,
        fips_approved=True,  # FIPS 186-5 approves EdDSA on edwards25519
        message_handling="signs the raw message (PureEdDSA, no pre-hash)",
    )

    @property
    def seed_size(self) -> int:
        return _SEED_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """The private key is the seed: RFC 8032 keys are any 32 random bytes."""
        _check_seed(seed, "seed")
        return bytearray(seed)

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        signing_key = nacl.signing.SigningKey(_check_seed(private_key, "private_key"))
        return bytes(signing_key.verify_key)

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        signing_key = nacl.signing.SigningKey(_check_seed(private_key, "private_key"))
        signature: bytes = signing_key.sign(bytes(message)).signature
        return signature

    def sign_many(self, private_key: bytes | bytearray, messages: list[bytes]) -> list[bytes]:
        signing_key = nacl.signing.SigningKey(_check_seed(private_key, "private_key"))
        return [signing_key.sign(bytes(m)).signature for m in messages]

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        verify_key = nacl.signing.VerifyKey(_check_public(public_key))
        if not isinstance(signature, bytes | bytearray) or len(signature) != _SIGNATURE_SIZE:
            raise InvalidSignature(f"Ed25519 signature must be {_SIGNATURE_SIZE} bytes")
        try:
            verify_key.verify(bytes(message), bytes(signature))
        except nacl.exceptions.BadSignatureError:
            raise InvalidSignature("signature does not verify") from None

    def public_key_pem(self, public_key: bytes) -> str:
        key = Ed25519PublicKey.from_public_bytes(_check_public(public_key))
        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def __repr__(self) -> str:
        return "Ed25519Scheme('ed25519')"


SCHEME = register(Ed25519Scheme())
