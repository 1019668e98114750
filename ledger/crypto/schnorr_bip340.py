"""BIP-340 Schnorr signatures on secp256k1, via coincurve (libsecp256k1): id ``schnorr-bip340``.

Why: BIP-340 is Bitcoin's Taproot signature scheme: 32-byte x-only public keys, 64-byte
signatures, provably non-malleable, and linear (the basis of MuSig2 and FROST). It is not a
FIPS algorithm (secp256k1 is not an approved curve).

Messages: we sign the raw message, whatever its length, as BIP-340 allows (section
"Messages of Arbitrary Size"; test vectors 15 to 18 have 0-, 1-, 17- and 100-byte
messages). We deliberately do not hash messages that are not 32 bytes long: then a
signature over the 32 bytes ``SHA-256(m)`` would also be one over ``m``, so two different
messages would share a signature. Callers that want Bitcoin-style signing pass their own
32-byte (tagged) hash as the message. coincurve's ``PrivateKey.sign_schnorr`` only accepts
32-byte messages (it calls ``secp256k1_schnorrsig_sign32``), so signing goes through
``secp256k1_schnorrsig_sign_custom`` of the same compiled library, reached through
coincurve's cffi binding; verification uses coincurve's public ``PublicKeyXOnly.verify``,
which already handles any length.

Randomness: :meth:`sign` draws a fresh 32-byte ``aux_rand`` (BIP-340's recommended
side-channel protection) from :func:`ledger.crypto.entropy.random_bytes`. The nonce stays
deterministic in (key, message, aux_rand), so :func:`sign_with_aux_rand` with the aux
bytes given reproduces the BIP-340 signing vectors exactly.

Keys: the private key is the 32-byte scalar ``d'`` of BIP-340 (not negated; the library
handles the even-y rule), derived from the seed as for ECDSA
(:func:`ledger.crypto._ecdsa_common.scalar_from_seed`, own curve label). The public key is the
32-byte x-only encoding. A public key that is not the x coordinate of a curve point makes
verification fail (BIP-340 defines it so), i.e. raises :class:`InvalidSignature`; only a
wrong length is :class:`InvalidInput`.

PEM: there is no SubjectPublicKeyInfo type for x-only keys. :meth:`public_key_pem` writes an
ordinary ``id-ecPublicKey``/secp256k1 SPKI for the point BIP-340 means, the one with even
``y`` (``02 || x``), so standard tools can load and fingerprint it.
"""

from __future__ import annotations

from coincurve import PublicKeyXOnly
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.crypto._ecdsa_common import scalar_from_seed
from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER
from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.crypto.scheme import SchemeInfo, SignatureScheme, register
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = ["SCHEME", "SchnorrBip340Scheme", "sign_with_aux_rand"]

_SIZE = 32
_SIGNATURE_SIZE = 64
# SECP256K1_SCHNORRSIG_EXTRAPARAMS_MAGIC from libsecp256k1's include/secp256k1_schnorrsig.h.
_EXTRAPARAMS_MAGIC = (0xDA, 0x6F, 0xB3, 0x8C)
_KEYPAIR_SIZE = ffi.sizeof("secp256k1_keypair")  # wiped after each signature


def _check_private(private_key: bytes | bytearray) -> bytes:
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != _SIZE:
        raise InvalidInput(f"BIP-340 private key must be {_SIZE} bytes", field="private_key")
    if not 0 < int.from_bytes(private_key, "big") < SECP256K1_ORDER:
        raise InvalidInput("BIP-340 private key is out of range [1, n-1]", field="private_key")
    return bytes(private_key)


def _check_public_length(public_key: bytes) -> bytes:
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != _SIZE:
        raise InvalidInput(f"BIP-340 public key must be {_SIZE} bytes (x-only)", field="public_key")
    return bytes(public_key)


def _x_only(public_key: bytes) -> PublicKeyXOnly:
    """Parse an x-only key; a non-point fails verification (BIP-340), so InvalidSignature."""
    try:
        return PublicKeyXOnly(_check_public_length(public_key))
    except ValueError:
        raise InvalidSignature("public key is not the x coordinate of a curve point") from None


def sign_with_aux_rand(private_key: bytes | bytearray, message: bytes, aux_rand: bytes) -> bytes:
    """BIP-340 ``Sign(sk, m, a)`` over a message of any length, with the given ``aux_rand``.

    Used by :meth:`SchnorrBip340Scheme.sign` with fresh randomness, and by the vector tests
    with the vectors' ``aux_rand``. The signature is verified before it is returned, as
    coincurve's own ``sign_schnorr`` does, so a fault cannot release a bad signature.
    """
    secret = _check_private(private_key)
    if not isinstance(aux_rand, bytes | bytearray) or len(aux_rand) != _SIZE:
        raise InvalidInput(f"aux_rand must be {_SIZE} bytes", field="aux_rand")
    data = bytes(message)
    keypair = ffi.new("secp256k1_keypair *")
    try:
        if not lib.secp256k1_keypair_create(GLOBAL_CONTEXT.ctx, keypair, secret):
            raise InvalidInput("BIP-340 private key is invalid", field="private_key")
        aux = ffi.new("unsigned char[32]", bytes(aux_rand))
        params = ffi.new("secp256k1_schnorrsig_extraparams *")
        params.magic = list(_EXTRAPARAMS_MAGIC)
        params.noncefp = ffi.NULL  # the BIP-340 nonce function
        params.ndata = aux
        signature = ffi.new("unsigned char[64]")
        if not lib.secp256k1_schnorrsig_sign_custom(
            GLOBAL_CONTEXT.ctx, signature, data, len(data), keypair, params
        ):
            raise CryptoError("BIP-340 signing failed")  # pragma: no cover - valid inputs
        result = bytes(ffi.buffer(signature, _SIGNATURE_SIZE))
    finally:
        ffi.memmove(keypair, bytes(_KEYPAIR_SIZE), _KEYPAIR_SIZE)
    own_key = PublicKeyXOnly.from_secret(secret)
    if not own_key.verify(result, data):
        raise CryptoError(  # pragma: no cover - fault check
            "BIP-340 produced a signature that does not verify")
    return result


class SchnorrBip340Scheme(SignatureScheme):
    """BIP-340 Schnorr over the raw message, fresh ``aux_rand`` per signature."""

    info = SchemeInfo(
        scheme_id="schnorr-bip340",
        family="schnorr",
        security_bits=128,
        private_key_size=_SIZE,
        public_key_size=_SIZE,
        signature_size=_SIGNATURE_SIZE,
        fips_approved=False,  # secp256k1 and BIP-340 are not FIPS 186-5 algorithms
        message_handling="BIP-340 over the raw message (any length, no pre-hash), fresh aux_rand",
    )

    @property
    def seed_size(self) -> int:
        return _SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """Scalar from a 32-byte seed, by the ECDSA rejection-sampling rule."""
        return scalar_from_seed(seed, SECP256K1_ORDER, b"secp256k1/bip340")

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        """The 32-byte x-only public key."""
        key: bytes = PublicKeyXOnly.from_secret(_check_private(private_key)).format()
        return key

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        aux_rand = random_bytes(_SIZE)
        try:
            return sign_with_aux_rand(private_key, message, bytes(aux_rand))
        finally:
            zeroize(aux_rand)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        key = _x_only(public_key)
        if not isinstance(signature, bytes | bytearray) or len(signature) != _SIGNATURE_SIZE:
            raise InvalidSignature(f"BIP-340 signature must be {_SIGNATURE_SIZE} bytes")
        if not key.verify(bytes(signature), bytes(message)):
            raise InvalidSignature("signature does not verify")

    def public_key_pem(self, public_key: bytes) -> str:
        """SPKI (id-ecPublicKey, secp256k1) of the even-y point ``02 || x``."""
        x = _check_public_length(public_key)
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), b"\x02" + x)
        except ValueError:
            raise InvalidInput(
                "public key is not the x coordinate of a curve point", field="public_key"
            ) from None
        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def __repr__(self) -> str:
        return "SchnorrBip340Scheme('schnorr-bip340')"


SCHEME = register(SchnorrBip340Scheme())
