"""ML-DSA (FIPS 204, "Dilithium") via pyca/cryptography: ids ``ml-dsa-44``, ``-65``, ``-87``.

Why ML-DSA: it is NIST's primary post-quantum signature standard, FIPS-approved, with
moderate sizes and fast signing and verification. Parameter sets: ML-DSA-44 (category 2),
ML-DSA-65 (category 3), ML-DSA-87 (category 5).

Why pyca/cryptography (>= 47, with an OpenSSL that has ML-DSA): it is already our main
crypto dependency, it derives keys from the 32-byte FIPS 204 seed ``xi`` (so ``generate`` is
deterministic and the private key is just that seed, the compact form FIPS 204 and the IETF
X.509 profile recommend), and it gives a standard SubjectPublicKeyInfo (PEM).

Messages: pure ML-DSA over the raw message (no pre-hash), with the empty context string by
default. :meth:`MLDSAScheme.sign_with_context` / :meth:`MLDSAScheme.verify_with_context`
take a FIPS 204 context (at most 255 bytes) for protocols that want domain separation.

Signing is hedged: cryptography (OpenSSL) mixes 32 fresh random bytes into every signature,
the FIPS 204 default, which resists fault and side-channel attacks better than the
deterministic variant. So signatures are not reproducible and the deterministic KAT
signatures cannot be regenerated; the tests verify them instead.

Secret handling: cryptography builds its key object from immutable ``bytes`` for one call;
that copy cannot be wiped, the caller's ``bytearray`` (the seed) can.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature as _LibInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as _LibUnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa

from ledger.crypto._fips_context import MAX_CONTEXT_SIZE, check_context
from ledger.crypto.scheme import SchemeInfo, SignatureScheme, register
from ledger.errors import InvalidInput, InvalidSignature, UnsupportedAlgorithm

__all__ = ["MAX_CONTEXT_SIZE", "SCHEMES", "SEED_SIZE", "MLDSAScheme"]

SEED_SIZE = 32

_PrivateKey = mldsa.MLDSA44PrivateKey | mldsa.MLDSA65PrivateKey | mldsa.MLDSA87PrivateKey
_PublicKey = mldsa.MLDSA44PublicKey | mldsa.MLDSA65PublicKey | mldsa.MLDSA87PublicKey


@dataclass(frozen=True, slots=True)
class _Parameters:
    name: str
    security_bits: int  # NIST category 2 / 3 / 5, stated as classical bits
    public_key_size: int
    signature_size: int
    from_seed: Callable[[bytes], _PrivateKey]
    from_public: Callable[[bytes], _PublicKey]


class MLDSAScheme(SignatureScheme):
    """Pure ML-DSA with one parameter set; the private key is the 32-byte seed ``xi``."""

    def __init__(self, parameters: _Parameters) -> None:
        self._parameters = parameters
        self.info = SchemeInfo(
            scheme_id=parameters.name.lower(),
            family="ml-dsa",
            security_bits=parameters.security_bits,
            private_key_size=SEED_SIZE,
            public_key_size=parameters.public_key_size,
            signature_size=parameters.signature_size,
            fips_approved=True,  # FIPS 204
            message_handling="pure ML-DSA over the raw message, empty context, hedged signing",
        )

    @property
    def seed_size(self) -> int:
        return SEED_SIZE

    def _private(self, private_key: bytes | bytearray, field: str) -> _PrivateKey:
        name = self._parameters.name
        if not isinstance(private_key, bytes | bytearray) or len(private_key) != SEED_SIZE:
            raise InvalidInput(f"{name} {field} must be the {SEED_SIZE}-byte seed", field=field)
        try:
            return self._parameters.from_seed(bytes(private_key))
        except _LibUnsupportedAlgorithm:
            raise UnsupportedAlgorithm(
                f"{name} is not supported by the installed cryptography/OpenSSL",
                hint="install cryptography >= 47 built with an OpenSSL that has ML-DSA",
            ) from None

    def _public(self, public_key: bytes) -> _PublicKey:
        name = self._parameters.name
        size = self._parameters.public_key_size
        if not isinstance(public_key, bytes | bytearray) or len(public_key) != size:
            raise InvalidInput(f"{name} public key must be {size} bytes", field="public_key")
        try:
            return self._parameters.from_public(bytes(public_key))
        except ValueError:
            raise InvalidInput(f"{name} public key is malformed", field="public_key") from None
        except _LibUnsupportedAlgorithm:
            raise UnsupportedAlgorithm(
                f"{name} is not supported by the installed cryptography/OpenSSL",
                hint="install cryptography >= 47 built with an OpenSSL that has ML-DSA",
            ) from None

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """The private key is the seed ``xi`` itself (FIPS 204 ML-DSA.KeyGen_internal)."""
        self._private(seed, "seed")  # checks the size and that the backend has ML-DSA
        return bytearray(seed)

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        return self._private(private_key, "private_key").public_key().public_bytes_raw()

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        return self.sign_with_context(private_key, message, b"")

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        self.verify_with_context(public_key, message, signature, b"")

    def sign_with_context(
        self, private_key: bytes | bytearray, message: bytes, context: bytes
    ) -> bytes:
        """Pure ML-DSA signature with a FIPS 204 context string (at most 255 bytes)."""
        ctx = check_context(context, "ML-DSA")
        return self._private(private_key, "private_key").sign(bytes(message), ctx)

    def verify_with_context(
        self, public_key: bytes, message: bytes, signature: bytes, context: bytes
    ) -> None:
        """Raise :class:`InvalidSignature` unless valid for this message and context."""
        ctx = check_context(context, "ML-DSA")
        key = self._public(public_key)
        size = self._parameters.signature_size
        if not isinstance(signature, bytes | bytearray) or len(signature) != size:
            raise InvalidSignature(f"{self._parameters.name} signature must be {size} bytes")
        try:
            key.verify(bytes(signature), bytes(message), ctx)
        except _LibInvalidSignature:
            raise InvalidSignature("signature does not verify") from None

    def public_key_pem(self, public_key: bytes) -> str:
        """PEM SubjectPublicKeyInfo with the NIST id-ml-dsa-* OID (RFC 9881)."""
        pem = self._public(public_key).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def __repr__(self) -> str:
        return f"MLDSAScheme({self.scheme_id!r})"


_PARAMETERS = (
    _Parameters(
        "ML-DSA-44",
        128,
        1312,
        2420,
        mldsa.MLDSA44PrivateKey.from_seed_bytes,
        mldsa.MLDSA44PublicKey.from_public_bytes,
    ),
    _Parameters(
        "ML-DSA-65",
        192,
        1952,
        3309,
        mldsa.MLDSA65PrivateKey.from_seed_bytes,
        mldsa.MLDSA65PublicKey.from_public_bytes,
    ),
    _Parameters(
        "ML-DSA-87",
        256,
        2592,
        4627,
        mldsa.MLDSA87PrivateKey.from_seed_bytes,
        mldsa.MLDSA87PublicKey.from_public_bytes,
    ),
)

SCHEMES = tuple(register(MLDSAScheme(parameters)) for parameters in _PARAMETERS)
