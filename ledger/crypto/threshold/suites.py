"""The concrete suites, and the one registry that names them.

1. ``frost-ed25519``: FROST(Ed25519, SHA-512), RFC 9591 section 6.1, context string
   ``FROST-ED25519-SHA512-v1``. H1/H3 = SHA-512(contextString || tag || m) reduced mod L;
   H2 = SHA-512(m) reduced mod L *without* the context string, so the group signature is a
   plain RFC 8032 Ed25519 signature; H4/H5 = SHA-512(contextString || tag || m).
2. ``frost-secp256k1``: FROST(secp256k1, SHA-256), RFC 9591 section 6.5, context string
   ``FROST-secp256k1-SHA256-v1``. H1/H2/H3 = ``hash_to_field`` (RFC 9380,
   expand_message_xmd SHA-256, L = 48) with DST contextString || "rho" / "chal" / "nonce";
   H4/H5 = SHA-256(contextString || tag || m). Its signatures are RFC 9591 Schnorr
   signatures (33-byte R), not BIP-340 ones.
3. ``bls12381-min-pk``: key generation only (threshold BLS): BLS12-381 G1 with a DKG hash
   ``hash_to_field`` over ``r`` with DST ``SKMS-THRESHOLD-BLS12381G1-v1dkg``.

Ristretto255 and P-256 are not provided: pynacl has no ristretto255 bindings and no
runtime dependency exposes P-256 point addition.
"""

from __future__ import annotations

import hashlib

from ledger.crypto.threshold.ciphersuite import Ciphersuite, KeyGenSuite
from ledger.crypto.threshold.group_bls12381 import BLS12381_G1
from ledger.crypto.threshold.group_ed25519 import ED25519
from ledger.crypto.threshold.group_secp256k1 import SECP256K1
from ledger.crypto.threshold.hash_to_field import hash_to_field
from ledger.errors import UnsupportedAlgorithm

__all__ = [
    "BLS12381_KEYGEN",
    "FROST_ED25519",
    "FROST_SECP256K1",
    "FrostEd25519",
    "FrostSecp256k1",
    "ThresholdBlsKeyGen",
    "ciphersuite_by_name",
    "suite_by_name",
]


class FrostEd25519(Ciphersuite):
    """FROST(Ed25519, SHA-512)."""

    name = "frost-ed25519"
    context_string = b"FROST-ED25519-SHA512-v1"
    group = ED25519

    def _scalar(self, data: bytes) -> bytes:
        return self.group.scalars.reduce_wide(hashlib.sha512(data).digest())

    def h1(self, message: bytes) -> bytes:
        return self._scalar(self.context_string + b"rho" + message)

    def h2(self, message: bytes) -> bytes:
        return self._scalar(message)

    def h3(self, message: bytes) -> bytes:
        return self._scalar(self.context_string + b"nonce" + message)

    def h4(self, message: bytes) -> bytes:
        return hashlib.sha512(self.context_string + b"msg" + message).digest()

    def h5(self, message: bytes) -> bytes:
        return hashlib.sha512(self.context_string + b"com" + message).digest()

    def hash_dkg(self, message: bytes) -> bytes:
        return self._scalar(self.context_string + b"dkg" + message)


class FrostSecp256k1(Ciphersuite):
    """FROST(secp256k1, SHA-256)."""

    name = "frost-secp256k1"
    context_string = b"FROST-secp256k1-SHA256-v1"
    group = SECP256K1

    def _scalar(self, tag: bytes, message: bytes) -> bytes:
        (value,) = hash_to_field(message, self.context_string + tag, self.group.order)
        return self.group.scalars.from_int(value)

    def h1(self, message: bytes) -> bytes:
        return self._scalar(b"rho", message)

    def h2(self, message: bytes) -> bytes:
        return self._scalar(b"chal", message)

    def h3(self, message: bytes) -> bytes:
        return self._scalar(b"nonce", message)

    def h4(self, message: bytes) -> bytes:
        return hashlib.sha256(self.context_string + b"msg" + message).digest()

    def h5(self, message: bytes) -> bytes:
        return hashlib.sha256(self.context_string + b"com" + message).digest()

    def hash_dkg(self, message: bytes) -> bytes:
        return self._scalar(b"dkg", message)


class ThresholdBlsKeyGen(KeyGenSuite):
    """Key generation suite of threshold BLS (min-pk: keys and commitments in G1)."""

    name = "bls12381-min-pk"
    group = BLS12381_G1
    _dst = b"SKMS-THRESHOLD-BLS12381G1-v1dkg"

    def hash_dkg(self, message: bytes) -> bytes:
        (value,) = hash_to_field(message, self._dst, self.group.order)
        return self.group.scalars.from_int(value)


FROST_ED25519 = FrostEd25519()
FROST_SECP256K1 = FrostSecp256k1()
BLS12381_KEYGEN = ThresholdBlsKeyGen()

_SUITES: dict[str, KeyGenSuite] = {
    suite.name: suite for suite in (FROST_ED25519, FROST_SECP256K1, BLS12381_KEYGEN)
}


def suite_by_name(name: object, field: str = "suite") -> KeyGenSuite:
    """The suite called ``name``; :class:`UnsupportedAlgorithm` for any other value."""
    suite = _SUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        raise UnsupportedAlgorithm(f"unknown threshold suite {name!r}", field=field,
                                   hint="one of: " + ", ".join(sorted(_SUITES)))
    return suite


def ciphersuite_by_name(name: object, field: str = "suite") -> Ciphersuite:
    """Like :func:`suite_by_name`, for the FROST ciphersuites only."""
    suite = suite_by_name(name, field)
    if not isinstance(suite, Ciphersuite):
        raise UnsupportedAlgorithm(f"{name!r} is not a FROST ciphersuite", field=field)
    return suite
