"""Falcon (NIST round 3) via pypqc (PQClean's portable code): ids ``falcon-512``, ``falcon-1024``.

Why Falcon: the smallest post-quantum signatures and public keys in NIST's selection
(Falcon-512: 897-byte keys, about 655-byte signatures), useful where every byte is stored
forever, as in a ledger. It is **not** FIPS-approved: NIST is standardising it as FN-DSA
(FIPS 206), which is not final and may differ in details from round 3. Prefer ML-DSA where
approval matters.

Why pypqc: it binds PQClean's ``clean`` Falcon (integer-emulated floating point, constant
time, no AVX2 needed) with prebuilt wheels; neither pyca/cryptography nor pqcrypto has
Falcon. pypqc warns at import that Falcon's patent licensing (US7308097B2) is "disputed or
unknown"; we silence that warning at import and record it here instead: check the licence
position before using Falcon in production.

Key generation and the seed: PQClean's Falcon key generation draws 48 random bytes from the
OS itself and pypqc has no seeded entry point, so ``seed_size`` is 48 (what the algorithm
consumes) but :meth:`FalconScheme.generate` only checks the seed: **Falcon key generation is
not reproducible from the seed**; back up the private key, never the seed. For the same
reason the NIST KAT key pairs (made from a DRBG seed) cannot be regenerated; the tests verify
the KAT signatures against the KAT public keys instead.

Formats: a Falcon secret key does not contain the public key and PQClean cannot recompute it,
so our private key is ``PQClean secret key || public key`` (1281 + 897 bytes for Falcon-512,
2305 + 1793 for Falcon-1024). Signatures are PQClean's detached format ``0x30 + logn || nonce
(40) || compressed s2``, variable length up to 666 (Falcon-512) or 1280 bytes (Falcon-1024).
There is no standard SubjectPublicKeyInfo for Falcon: :meth:`public_key_pem` raises
:class:`UnsupportedAlgorithm`.

Signing is randomised (a fresh 40-byte nonce each time). Every signature is verified before
it is returned.

Memory safety: pypqc casts our buffers to fixed-size C arrays without checking their length,
so every key is length-checked here before it reaches the library.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import ModuleType

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pypqc's patent notice, recorded in the docstring above
    from pqc.sign import falcon_512, falcon_1024  # type: ignore[import-untyped]

from ledger.crypto.scheme import SchemeInfo, SignatureScheme, register
from ledger.errors import CryptoError, InvalidInput, InvalidSignature, UnsupportedAlgorithm

__all__ = ["SCHEMES", "SEED_SIZE", "FalconScheme"]

SEED_SIZE = 48


@dataclass(frozen=True, slots=True)
class _Parameters:
    name: str
    logn: int
    security_bits: int  # NIST category 1 / 5
    public_key_size: int
    secret_key_size: int
    max_signature_size: int
    library: ModuleType


def _c_size(library: ModuleType, type_name: str) -> int:
    return int(library.ffi.sizeof(type_name))


class FalconScheme(SignatureScheme):
    """Falcon with one degree; private key = PQClean secret key || public key."""

    def __init__(self, parameters: _Parameters) -> None:
        library = parameters.library
        if (
            _c_size(library, library._T_PUBLICKEY) != parameters.public_key_size
            or _c_size(library, library._T_SECRETKEY) != parameters.secret_key_size
            or _c_size(library, library._T_SIGNATURE) != parameters.max_signature_size
        ):
            raise CryptoError(f"pypqc's {parameters.name} sizes differ from PQClean's")
        self._parameters = parameters
        self.info = SchemeInfo(
            scheme_id=parameters.name.lower(),
            family="falcon",
            security_bits=parameters.security_bits,
            private_key_size=parameters.secret_key_size + parameters.public_key_size,
            public_key_size=parameters.public_key_size,
            signature_size=None,  # compressed: variable, at most max_signature_size
            seeded_keygen=False,  # the library draws its own randomness
            fips_approved=False,  # FN-DSA (FIPS 206) is not final; this is round-3 Falcon
            message_handling="Falcon over the raw message, random 40-byte nonce",
        )

    @property
    def seed_size(self) -> int:
        return SEED_SIZE

    @property
    def max_signature_size(self) -> int:
        return self._parameters.max_signature_size

    def _split_private(self, private_key: bytes | bytearray) -> tuple[bytes, bytes]:
        size = self.info.private_key_size
        if not isinstance(private_key, bytes | bytearray) or len(private_key) != size:
            raise InvalidInput(
                f"{self._parameters.name} private key must be {size} bytes", field="private_key"
            )
        data = bytes(private_key)
        cut = self._parameters.secret_key_size
        if data[0] != 0x50 + self._parameters.logn:  # PQClean secret-key header byte
            raise InvalidInput(
                f"{self._parameters.name} private key has the wrong header", field="private_key"
            )
        return data[:cut], data[cut:]

    def _check_public(self, public_key: bytes) -> bytes:
        size = self._parameters.public_key_size
        if not isinstance(public_key, bytes | bytearray) or len(public_key) != size:
            raise InvalidInput(
                f"{self._parameters.name} public key must be {size} bytes", field="public_key"
            )
        return bytes(public_key)

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """A fresh key from PQClean's RNG; the seed is checked, not used (docstring)."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != SEED_SIZE:
            raise InvalidInput(
                f"{self._parameters.name} key generation needs a {SEED_SIZE}-byte seed",
                field="seed",
            )
        public, secret = self._parameters.library.keypair()
        return bytearray(bytes(secret) + bytes(public))

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        return self._split_private(private_key)[1]

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        secret, public = self._split_private(private_key)
        data = bytes(message)
        try:
            signature = bytes(self._parameters.library.sign(data, secret))
        except (RuntimeError, ValueError):
            raise CryptoError(f"{self._parameters.name} signing failed") from None
        try:
            self.verify(public, data, signature)
        except InvalidSignature:
            raise CryptoError(
                f"{self._parameters.name} produced a signature that does not verify",
                hint="the private key material is corrupt (secret and public halves differ)",
            ) from None
        return signature

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        key = self._check_public(public_key)
        if not isinstance(signature, bytes | bytearray) or not (
            41 < len(signature) <= self._parameters.max_signature_size
        ):
            raise InvalidSignature(
                f"{self._parameters.name} signature must be 42 to "
                f"{self._parameters.max_signature_size} bytes"
            )
        try:
            self._parameters.library.verify(bytes(signature), bytes(message), key)
        except (ValueError, RuntimeError):
            raise InvalidSignature("signature does not verify") from None

    def public_key_pem(self, public_key: bytes) -> str:
        raise UnsupportedAlgorithm(
            "Falcon public keys have no standard SubjectPublicKeyInfo (PEM) form yet",
            field="format",
            hint="export the raw public key (hex) instead",
        )

    def __repr__(self) -> str:
        return f"FalconScheme({self.scheme_id!r})"


_PARAMETERS = (
    _Parameters("Falcon-512", 9, 128, 897, 1281, 666, falcon_512),
    _Parameters("Falcon-1024", 10, 256, 1793, 2305, 1280, falcon_1024),
)

SCHEMES = tuple(register(FalconScheme(parameters)) for parameters in _PARAMETERS)
