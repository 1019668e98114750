"""Key kinds for the privacy services: RFC 9474 blind-signing issuers and Paillier keys.

Why key kinds: the ledger generates, seals, rotates and crypto-shreds these keys exactly as
every other key (:mod:`ledger.recipes.key_material`), so they only need the key-life surface
of :class:`~ledger.crypto.kinds.KeyKind` plus the one capability each adds:

* :class:`BlindSigningKind` (ids ``rsabssa-sha384-<variant>-<bits>``): one RFC 9474 variant
  per key, as section 7.3 asks (a blind-signing key signs whatever it is sent, so it must
  do nothing else, with one variant only). Material: DER PKCS#8 (the RSA signature schemes'
  format); public key: DER SubjectPublicKeyInfo. Generation is OpenSSL's, not reproducible
  from the seed (as :mod:`ledger.crypto._rsa_common` explains for every RSA key).
* :class:`HomomorphicKind` (ids ``paillier-3072``, ``paillier-4096``): Paillier with
  ``g = n + 1``. Material: ``01 || len || p || len || q``; public key: ``01 || len || n``
  (:mod:`.paillier`). Encryption and the homomorphic operations need only the public key;
  decryption needs the material.

Usages: a blind issuer has ``sign`` only (its verification is public); a Paillier key has
``encrypt`` (combining ciphertexts under it) and ``decrypt``.
"""

from __future__ import annotations

import abc

from cryptography.hazmat.primitives import serialization

from ledger.crypto._rsa_common import SECURITY_BITS, max_pkcs8_size, spki_size
from ledger.crypto.kinds import KeyKind, KindInfo, register_kind
from ledger.crypto.privacy import blind_rsa, paillier
from ledger.errors import InvalidInput

__all__ = [
    "BLIND_SIZES",
    "PAILLIER_SIZES",
    "BlindRsaKind",
    "BlindSigningKind",
    "HomomorphicKind",
    "PaillierKind",
    "blind_kind_id",
]

SEED_SIZE = 32
BLIND_SIZES = (3072, 4096)
PAILLIER_SIZES = (3072, 4096)


def _check_seed(seed: bytes | bytearray, what: str) -> None:
    if not isinstance(seed, bytes | bytearray) or len(seed) != SEED_SIZE:
        raise InvalidInput(f"{what} key generation needs a {SEED_SIZE}-byte seed", field="seed")


class BlindSigningKind(KeyKind):
    """An RFC 9474 issuer key: blind-signs blinded messages for one variant."""

    variant: blind_rsa.BlindRsaVariant
    bits: int

    @abc.abstractmethod
    def blind_sign(self, secret: bytes | bytearray, blinded_message: bytes) -> bytes:
        """The blind signature of ``blinded_message`` (checked before it is returned)."""


class HomomorphicKind(KeyKind):
    """An additively homomorphic public-key encryption key (Paillier)."""

    bits: int

    @abc.abstractmethod
    def public(self, public_key: bytes) -> paillier.PaillierPublicKey:
        """The parsed public key of a key version."""

    @abc.abstractmethod
    def decrypt(self, secret: bytes | bytearray, ciphertext: bytes) -> int:
        """The plaintext of ``ciphertext`` (an integer in ``[0, n)``)."""


def blind_kind_id(variant: str, bits: int) -> str:
    """``RSABSSA-SHA384-PSS-Randomized`` at 3072 bits -> ``rsabssa-sha384-pss-randomized-3072``."""
    return f"{variant.lower()}-{bits}"


class BlindRsaKind(BlindSigningKind):
    def __init__(self, variant: blind_rsa.BlindRsaVariant, bits: int) -> None:
        self.variant = variant
        self.bits = bits
        self.info = KindInfo(
            kind_id=blind_kind_id(variant.name, bits),
            family="blind-signature",
            security_bits=SECURITY_BITS[bits],
            secret_size=max_pkcs8_size(bits),
            public_key_size=spki_size(bits),
            output_size=bits // 8,
            fips_approved=False,  # RFC 9474 blind signing is not a FIPS 186-5 operation
            usages=frozenset({"sign"}),
            default_usage=("sign",),
            operation=f"RFC 9474 {variant.name} blind signatures (the finalized signature "
                      "verifies as RSASSA-PSS-SHA384)")

    @property
    def seed_size(self) -> int:
        return SEED_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """A fresh OpenSSL RSA key; the seed is checked, not used (module docstring)."""
        _check_seed(seed, "blind RSA")
        return blind_rsa.generate_issuer_key(self.bits)

    def public_key(self, secret: bytes | bytearray) -> bytes:
        return blind_rsa.issuer_public_key(secret)

    def public_key_pem(self, public_key: bytes) -> str:
        key = serialization.load_der_public_key(
            blind_rsa.BlindRsaPublicKey.from_spki(public_key).to_spki())
        return key.public_bytes(serialization.Encoding.PEM,
                                serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def blind_sign(self, secret: bytes | bytearray, blinded_message: bytes) -> bytes:
        return blind_rsa.blind_sign(secret, blinded_message)


class PaillierKind(HomomorphicKind):
    def __init__(self, bits: int) -> None:
        self.bits = bits
        size = bits // 8
        self.info = KindInfo(
            kind_id=f"paillier-{bits}",
            family="homomorphic-encryption",
            security_bits=SECURITY_BITS[bits],  # as hard as factoring an RSA modulus of n
            secret_size=1 + 2 * (2 + size // 2),
            public_key_size=3 + size,
            output_size=1 + paillier.KEY_ID_SIZE + 2 * size,
            fips_approved=False,
            usages=frozenset({"encrypt", "decrypt"}),
            default_usage=("encrypt", "decrypt"),
            operation="Paillier additively homomorphic encryption of integers (add "
                      "ciphertexts, add or multiply by constants; decrypt audited)")

    @property
    def seed_size(self) -> int:
        return SEED_SIZE

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """Primes from OpenSSL's RSA key generation; the seed is checked, not used."""
        _check_seed(seed, "Paillier")
        return paillier.generate_keypair(self.bits).to_bytes()

    def public_key(self, secret: bytes | bytearray) -> bytes:
        return paillier.PaillierPrivateKey.from_bytes(secret).public_key.to_bytes()

    def public(self, public_key: bytes) -> paillier.PaillierPublicKey:
        key = paillier.PaillierPublicKey.from_bytes(public_key)
        if key.n.bit_length() != self.bits:
            raise InvalidInput(f"a {self.kind_id} public key has a {self.bits}-bit modulus",
                               field="public_key")
        return key

    def decrypt(self, secret: bytes | bytearray, ciphertext: bytes) -> int:
        private = paillier.PaillierPrivateKey.from_bytes(secret)
        return private.decrypt(private.public_key.parse_ciphertext(ciphertext))


BLIND_KINDS = tuple(register_kind(BlindRsaKind(variant, bits))
                    for variant in blind_rsa.VARIANTS.values() for bits in BLIND_SIZES)
PAILLIER_KINDS = tuple(register_kind(PaillierKind(bits)) for bits in PAILLIER_SIZES)
