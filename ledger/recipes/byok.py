"""Recipe: bring your own key (wrapped import) and wrapped export, the way KMSs do it.

Requirements:

1. The wrapping format is the one AWS KMS calls ``RSA_AES_KEY_WRAP_SHA_256``, Google Cloud
   KMS ``RSA_OAEP_3072_SHA256_AES_256`` and PKCS#11 ``CKM_RSA_AES_KEY_WRAP``: a fresh
   256-bit AES key encrypted with RSAES-OAEP (SHA-256, MGF1-SHA-256, empty label) for the
   recipient's RSA public key, followed by the key material wrapped under that AES key with
   AES Key Wrap with Padding (RFC 5649). So a user's ``openssl pkeyutl`` / ``cryptography``
   / HSM tooling that already targets those KMSs works unchanged.
2. Import: :func:`new_wrapping_key` makes a one-time RSA-3072 key pair; the ledger seals
   its private half like key material and shreds it once the token is used.
   :func:`unwrap` refuses anything but exactly ``k + KWP`` bytes, and a wrong key or a
   tampered blob with one message that does not say which layer failed.
3. Material formats (:func:`to_native`, :func:`to_export`): symmetric keys are their raw
   32 bytes; EC, Ed25519, X25519 and RSA keys travel as unencrypted PKCS#8 DER (what AWS
   and Google import expect and every library reads), and a raw private scalar/seed of
   the scheme's size is also accepted on import; every other algorithm (ML-DSA, SLH-DSA,
   Falcon, BLS, hybrids) travels in the scheme's own private-key encoding. Imported
   material is checked by deriving its public key with the scheme itself. Algorithms
   whose keys are not bytes one can wrap (``groth16-bn254``: a ceremony makes its
   versions) are refused by :func:`check_importable` before a token is issued.
4. Export wraps for a caller's RSA public key (2048 to 4096 bits, PEM or DER SPKI): the
   same format as import, so an exported key re-imports into any of those KMSs.
5. Secrets are ``bytearray`` and wiped by their owner. ``cryptography`` returns
   immutable ``bytes`` from RSA decryption, key unwrap and PKCS#8 serialization; those
   copies cannot be wiped (the same limit as :mod:`ledger.crypto._rsa_common` documents).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InternalError as LibraryInternalError
from cryptography.exceptions import UnsupportedAlgorithm as LibraryUnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, keywrap, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519

from ledger.crypto.algorithms import material_maker, profile
from ledger.crypto.entropy import random_bytes
from ledger.crypto.memory import zeroize
from ledger.errors import InvalidCiphertext, InvalidInput, UnsupportedAlgorithm

__all__ = [
    "WRAPPING_ALGORITHM",
    "WRAPPING_KEY_BITS",
    "WrappingKey",
    "check_importable",
    "export_format",
    "load_recipient",
    "new_wrapping_key",
    "public_pem",
    "to_export",
    "to_native",
    "unwrap",
    "wrap",
    "wrapping_aad",
]

WRAPPING_ALGORITHM = "RSA_AES_KEY_WRAP_SHA_256"
WRAPPING_KEY_BITS = 3072
AES_KEY_SIZE = 32
MIN_RECIPIENT_BITS, MAX_RECIPIENT_BITS = 2048, 4096
MAX_WRAPPED = 16_384
PKCS8 = "pkcs8-der"
RAW = "raw"

_CURVES: dict[str, ec.EllipticCurve] = {
    "ecdsa-p256": ec.SECP256R1(), "ecdh-p256": ec.SECP256R1(),
    "ecdsa-p384": ec.SECP384R1(), "ecdsa-p521": ec.SECP521R1(),
    "ecdsa-secp256k1": ec.SECP256K1(),
}
_SYMMETRIC = frozenset({"aes-256-gcm", "hmac-sha256"})


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                        label=None)


def wrapping_aad(token_id: str) -> bytes:
    """Binds a sealed wrapping key to its import token."""
    return f"skms-import-wrapping-key:v1:{token_id}".encode()


@dataclass(frozen=True, slots=True, repr=False)
class WrappingKey:
    """A fresh one-time wrapping key pair: the DER SPKI to publish and the PKCS#8 DER
    private key (a buffer the caller seals and then wipes)."""

    public_der: bytes
    private_der: bytearray

    def __repr__(self) -> str:
        return f"WrappingKey(sha256={hashlib.sha256(self.public_der).hexdigest()[:16]})"


def new_wrapping_key() -> WrappingKey:
    """An RSA-3072 key pair for one import (OpenSSL's DRBG draws its primes: RSA key
    generation takes no caller seed; see :mod:`ledger.crypto._rsa_common`)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=WRAPPING_KEY_BITS)
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    private = bytearray(key.private_bytes(serialization.Encoding.DER,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return WrappingKey(public, private)


def public_pem(public_der: bytes) -> str:
    """PEM text of a DER SubjectPublicKeyInfo (what users paste into their tools)."""
    loaded = serialization.load_der_public_key(public_der)
    return loaded.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_recipient(public_key: bytes, *, field: str = "wrapping_public_key"
                   ) -> rsa.RSAPublicKey:
    """A caller's RSA public key (PEM or DER SubjectPublicKeyInfo), 2048-4096 bits."""
    loaded: object = None
    try:
        if public_key.lstrip().startswith(b"-----BEGIN"):
            loaded = serialization.load_pem_public_key(public_key)
        else:
            loaded = serialization.load_der_public_key(public_key)
    except (ValueError, TypeError):
        loaded = None
    if not isinstance(loaded, rsa.RSAPublicKey):
        raise InvalidInput("must be an RSA public key (PEM or DER SubjectPublicKeyInfo)",
                           field=field)
    if not MIN_RECIPIENT_BITS <= loaded.key_size <= MAX_RECIPIENT_BITS:
        raise InvalidInput(f"the RSA key must have {MIN_RECIPIENT_BITS} to "
                           f"{MAX_RECIPIENT_BITS} bits, not {loaded.key_size}", field=field)
    return loaded


def wrap(recipient: rsa.RSAPublicKey, material: bytes | bytearray) -> bytes:
    """``RSA-OAEP-SHA256(aes_key) || AES-KWP(aes_key, material)`` for ``recipient``."""
    aes_key = random_bytes(AES_KEY_SIZE)
    try:
        head = recipient.encrypt(bytes(aes_key), _oaep())
        return head + keywrap.aes_key_wrap_with_padding(bytes(aes_key), bytes(material))
    finally:
        zeroize(aes_key)


def unwrap(private_der: bytes | bytearray, wrapped: bytes) -> bytearray:
    """Undo :func:`wrap` with the PKCS#8 DER private key; the material (wipe it)."""
    # Our own key, reaching here only through AES-GCM-authenticated sealing: OpenSSL's full
    # RSA key check (~0.5 s for 3072 bits) would guard against nothing (as in _rsa_common).
    loaded = serialization.load_der_private_key(bytes(private_der), password=None,
                                                unsafe_skip_rsa_key_validation=True)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise InvalidInput("the wrapping key is not an RSA key", field="token")
    k = loaded.key_size // 8
    if not k + 16 <= len(wrapped) <= k + MAX_WRAPPED:
        raise InvalidInput(f"must be {k} bytes of RSA-OAEP then at least 16 bytes of "
                           "AES-KWP (RSA_AES_KEY_WRAP_SHA_256)", field="wrapped")
    aes_key = bytearray()
    try:
        try:
            aes_key = bytearray(loaded.decrypt(wrapped[:k], _oaep()))
            if len(aes_key) != AES_KEY_SIZE:
                raise ValueError("wrong AES key size")
            return bytearray(keywrap.aes_key_unwrap_with_padding(bytes(aes_key),
                                                                 wrapped[k:]))
        except (ValueError, keywrap.InvalidUnwrap):
            raise InvalidCiphertext(
                "the wrapped key does not open with this import token's wrapping key",
                field="wrapped",
                hint="wrap with RSA-OAEP-SHA256 + AES-KWP (RFC 5649) for this token's "
                     "public key; a token's key is good for one import only") from None
    finally:
        zeroize(aes_key)


# --- material formats -----------------------------------------------------------------------

def export_format(algorithm: str) -> str:
    """How :func:`to_export` encodes material of ``algorithm``: pkcs8-der or raw."""
    if algorithm in _CURVES or algorithm in ("ed25519", "x25519") \
            or algorithm.startswith("rsa-"):
        return PKCS8
    return RAW


def _scalar_size(curve: ec.EllipticCurve) -> int:
    return (curve.key_size + 7) // 8


def _from_pkcs8(algorithm: str, material: bytes | bytearray) -> bytearray | None:
    """The native encoding of a PKCS#8 key of ``algorithm``; None when not PKCS#8."""
    try:
        loaded = serialization.load_der_private_key(bytes(material), password=None)
    except (ValueError, TypeError, LibraryUnsupportedAlgorithm, LibraryInternalError):
        # not PKCS#8 (OpenSSL reports an Ed25519/X25519 key of the wrong length inside a
        # well-formed PKCS#8 as an internal error): the caller tries the scheme's encoding
        return None
    curve = _CURVES.get(algorithm)
    if curve is not None:
        if not isinstance(loaded, ec.EllipticCurvePrivateKey) \
                or loaded.curve.name != curve.name:
            raise InvalidInput(f"the PKCS#8 key is not a {algorithm} key", field="wrapped")
        return bytearray(loaded.private_numbers().private_value.to_bytes(
            _scalar_size(curve), "big"))
    if algorithm == "ed25519" and isinstance(loaded, ed25519.Ed25519PrivateKey):
        return bytearray(loaded.private_bytes_raw())
    if algorithm == "x25519" and isinstance(loaded, x25519.X25519PrivateKey):
        return bytearray(loaded.private_bytes_raw())
    if algorithm.startswith("rsa-") and isinstance(loaded, rsa.RSAPrivateKey):
        return bytearray(loaded.private_bytes(serialization.Encoding.DER,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    raise InvalidInput(f"the PKCS#8 key is not a {algorithm} key", field="wrapped")


def check_importable(algorithm: str) -> None:
    """Refuse (``field: algorithm``) an algorithm whose private key is not a byte string
    of fixed meaning: its profile says it has none (a Groth16 circuit key is a proving key
    and witness generator made by a trusted-setup ceremony, and its public key is recorded,
    never derived), so no wrapped blob could ever import."""
    if profile(algorithm).private_key_size == 0:
        raise UnsupportedAlgorithm(f"{algorithm} keys cannot be imported: they are made by "
                                   "their own ceremony, not from wrapped bytes",
                                   field="algorithm")


def to_native(algorithm: str, material: bytes | bytearray) -> tuple[bytearray, bytes]:
    """Imported material in the scheme's own private-key encoding, and its public key
    (derived by the scheme, which refuses material that is not a valid key)."""
    check_importable(algorithm)
    maker = material_maker(algorithm)
    native = _from_pkcs8(algorithm, material) if export_format(algorithm) == PKCS8 else None
    if native is None:
        if algorithm.startswith("rsa-"):
            raise InvalidInput("an RSA key is imported as PKCS#8 DER", field="wrapped")
        native = bytearray(material)
    try:
        try:
            public_key = maker.public_key(native)
        except (InvalidInput, ValueError) as error:
            raise InvalidInput(f"the unwrapped material is not a valid {algorithm} key",
                               field="wrapped") from error
        if algorithm in _SYMMETRIC and len(native) != AES_KEY_SIZE:
            raise InvalidInput(f"a {algorithm} key is {AES_KEY_SIZE} raw bytes",
                               field="wrapped")
    except BaseException:
        zeroize(native)
        raise
    return native, public_key


def to_export(algorithm: str, native: bytes | bytearray) -> bytearray:
    """Native material in its export encoding (:func:`export_format`)."""
    curve = _CURVES.get(algorithm)
    if curve is not None:
        key: object = ec.derive_private_key(int.from_bytes(native, "big"), curve)
    elif algorithm == "ed25519":
        key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(native))
    elif algorithm == "x25519":
        key = x25519.X25519PrivateKey.from_private_bytes(bytes(native))
    else:  # RSA material is PKCS#8 already; the rest travels as it is
        return bytearray(native)
    assert isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
                      | x25519.X25519PrivateKey)
    return bytearray(key.private_bytes(serialization.Encoding.DER,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
