"""Post-quantum hybrid key transport, HPKE with ML-KEM-768 + X25519: kind id ``mlkem768-x25519``.

Why: data keys sent to (or stored for) a recipient today may be recorded and decrypted
once a quantum computer breaks X25519 ("harvest now, decrypt later"). A hybrid KEM keeps
the transported key secret as long as *either* ML-KEM-768 (FIPS 203, lattice) or X25519
(well-studied, classical) holds, so adopting the young algorithm costs no classical safety.

Construction, none of it our own: RFC 9180 HPKE in base mode, single shot, with
``cryptography``'s suite ``KEM.MLKEM768_X25519`` (the ML-KEM-768 + X25519 hybrid KEM of
the IETF HPKE post-quantum work), ``KDF.HKDF_SHA256`` and ``AEAD.AES_256_GCM``. We write
no combiner ourselves: the library's hybrid KEM combines both shared secrets, and HPKE's
key schedule turns that into the AEAD key. (``cryptography`` 50 ships this suite, so the
fallback of a hand-made ML-KEM + X25519 + HKDF combiner was not needed.)

Ledger format: ``header(5) || enc(1120) || AEAD ciphertext || tag(16)``. HPKE's public
single-shot API has no associated-data argument; RFC 9180 §8.1 says single-shot users put
auxiliary authenticated data in ``info``, so ``info = LABEL || header || aad``. The label
and the header have fixed sizes, so the concatenation is unambiguous, and any change to
the version, the format or ``aad`` makes decryption fail.

Keys: the secret is ``ML-KEM-768 seed d||z (64) || X25519 private key (32)``, split from a
96-byte random seed so the halves are independent; the public key is
``ML-KEM-768 encapsulation key (1184) || X25519 public key (32)``, the order the hybrid KEM
uses. Encryption needs only the public key: anyone can send to the key, only the ledger
can open, and each opening is recorded.

FIPS: ML-KEM-768 is FIPS 203, but the hybrid with X25519 is not an approved scheme in
itself, so the kind is declared not approved.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from ledger.crypto.ciphertext import (
    FORMAT_HPKE_MLKEM768_X25519,
    HEADER_SIZE,
    pack_header,
    read_header,
)
from ledger.crypto.entropy import random_bytes
from ledger.crypto.kinds import DataCipher, KindInfo, Rng, register_kind
from ledger.errors import InvalidCiphertext, InvalidInput

__all__ = ["ENC_SIZE", "KIND", "LABEL", "PUBLIC_KEY_SIZE", "MLKEM768X25519Kind",
           "hpke_private_key", "hpke_public_key"]

LABEL = b"skms/hpke-mlkem768-x25519/v1\x00"
_MLKEM_SEED = 64
_X25519_SIZE = 32
_MLKEM_PUBLIC = 1184
SECRET_SIZE = _MLKEM_SEED + _X25519_SIZE
PUBLIC_KEY_SIZE = _MLKEM_PUBLIC + _X25519_SIZE
ENC_SIZE = 1120
_TAG_SIZE = 16
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def _private(secret: bytes | bytearray) -> hpke.MLKEM768X25519PrivateKey:
    if not isinstance(secret, bytes | bytearray) or len(secret) != SECRET_SIZE:
        raise InvalidInput(f"ML-KEM-768+X25519 secrets are {SECRET_SIZE} bytes",
                           field="private_key")
    view = memoryview(secret)
    return hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(view[:_MLKEM_SEED]),
        x25519.X25519PrivateKey.from_private_bytes(bytes(view[_MLKEM_SEED:])))


def _public(public_key: bytes) -> hpke.MLKEM768X25519PublicKey:
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidInput(f"ML-KEM-768+X25519 public keys are {PUBLIC_KEY_SIZE} bytes",
                           field="public_key")
    try:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(bytes(public_key[:_MLKEM_PUBLIC])),
            x25519.X25519PublicKey.from_public_bytes(bytes(public_key[_MLKEM_PUBLIC:])))
    except ValueError:
        # FIPS 203 §7.2 modulus check failed: not a valid encapsulation key.
        raise InvalidInput("not a valid ML-KEM-768+X25519 public key",
                           field="public_key") from None


def hpke_private_key(secret: bytes | bytearray) -> hpke.MLKEM768X25519PrivateKey:
    """The library's private key object of a ``seed(64) || x25519(32)`` secret, for other
    HPKE recipes (custodian and escrow keys) that share this key format."""
    return _private(secret)


def hpke_public_key(public_key: bytes) -> hpke.MLKEM768X25519PublicKey:
    """The library's public key object of an ``ek(1184) || x25519(32)`` key."""
    return _public(public_key)


class MLKEM768X25519Kind(DataCipher):
    """HPKE base mode, ML-KEM-768+X25519 / HKDF-SHA256 / AES-256-GCM."""

    info = KindInfo(
        kind_id="mlkem768-x25519",
        family="key-transport",
        security_bits=192,  # ML-KEM-768 is NIST category 3; X25519 adds 128 classically
        secret_size=SECRET_SIZE,
        public_key_size=PUBLIC_KEY_SIZE,
        output_size=HEADER_SIZE + ENC_SIZE + _TAG_SIZE,
        fips_approved=False,  # ML-KEM-768 is FIPS 203; the X25519 hybrid is not approved
        usages=frozenset({"encrypt", "decrypt", "wrap"}),
        default_usage=("decrypt", "encrypt", "wrap"),
        operation="post-quantum hybrid key transport: encrypt to the public key, "
                  "decrypt in the ledger",
    )

    @property
    def seed_size(self) -> int:
        return SECRET_SIZE

    @property
    def encrypt_needs_secret(self) -> bool:
        return False

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """The secret is the seed: both halves accept any random bytes of their size."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != SECRET_SIZE:
            raise InvalidInput(f"ML-KEM-768+X25519 key generation needs a {SECRET_SIZE}-byte "
                               "seed", field="seed")
        return bytearray(seed)

    def public_key(self, secret: bytes | bytearray) -> bytes:
        view = memoryview(secret)
        kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(view[:_MLKEM_SEED]).public_key()
        dh = x25519.X25519PrivateKey.from_private_bytes(bytes(view[_MLKEM_SEED:])).public_key()
        return kem.public_bytes_raw() + dh.public_bytes_raw()

    def encrypt(self, secret: bytes | bytearray | None, public_key: bytes,
                plaintext: bytes | bytearray, aad: bytes, *, key_version: int,
                rng: Rng = random_bytes) -> bytes:
        """Seal to ``public_key``; ``secret`` and ``rng`` are unused (HPKE draws its own
        ephemeral randomness inside the library)."""
        header = pack_header(FORMAT_HPKE_MLKEM768_X25519, key_version)
        return header + _SUITE.encrypt(bytes(plaintext), _public(public_key),
                                       info=LABEL + header + aad)

    def decrypt(self, secret: bytes | bytearray, blob: bytes, aad: bytes) -> bytearray:
        read_header(blob, FORMAT_HPKE_MLKEM768_X25519)
        if len(blob) < HEADER_SIZE + ENC_SIZE + _TAG_SIZE:
            raise InvalidCiphertext("ciphertext is truncated")
        header = bytes(blob[:HEADER_SIZE])
        try:
            plaintext = _SUITE.decrypt(bytes(blob[HEADER_SIZE:]), _private(secret),
                                       info=LABEL + header + aad)
        except InvalidTag:
            raise InvalidCiphertext(
                "ciphertext authentication failed",
                hint="wrong key version, wrong associated data (--aad) or tampered data"
            ) from None
        # The library returns immutable bytes; the caller gets a buffer it can wipe.
        return bytearray(plaintext)


KIND = register_kind(MLKEM768X25519Kind())
