"""SLH-DSA (FIPS 205, "SPHINCS+") with SHA-2, via pqcrypto: ids ``slh-dsa-sha2-128s``,
``slh-dsa-sha2-128f`` and ``slh-dsa-sha2-256s``.

Why SLH-DSA: its security rests only on the hash function, the most conservative
post-quantum assumption there is, which makes it the choice for long-lived roots of trust
(a ledger's own checkpoint key, say). The price is size and signing time: 7.8 KB and about
0.4 s per signature for 128s, 17 KB and about 20 ms for 128f ("fast"), 29 KB and about 0.8 s
for 256s. Verification is fast (about 1 ms). FIPS-approved (FIPS 205).

Why pqcrypto (>= 1.0): pyca/cryptography has no SLH-DSA API yet; pqcrypto ships wheels for
Python 3.9 to 3.14 implementing FIPS 205 with context strings. It cannot derive keys from a
caller's seed and we have no second FIPS 205 implementation, nor official SLH-DSA vectors in
the shared vectors folder, to check it against; ``tests/crypto_suite/test_slh_dsa.py`` checks
its key layout, its hedged signatures and its rejection of tampering, and that its ML-DSA
interoperates with pyca/cryptography.

Key generation and the seed: FIPS 205 key generation consumes ``3n`` random bytes
(SK.seed, SK.prf, PK.seed), so ``seed_size`` is ``3n``. pqcrypto draws them itself from the
OS and has no seeded entry point, and deriving ``PK.root`` ourselves would mean
reimplementing the hypertree. So :meth:`SLHDSAScheme.generate` checks the seed and then lets
the library draw fresh randomness: **SLH-DSA key generation is not reproducible from the
seed**; back up the private key, never the seed.

Formats (FIPS 205 section 9.1): the private key is ``SK.seed || SK.prf || PK.seed || PK.root``
(``4n`` bytes), the public key ``PK.seed || PK.root`` (``2n`` bytes), i.e. the second half of
the private key. Signatures have a fixed size. PEM is the RFC 9909 SubjectPublicKeyInfo
(NIST OIDs 2.16.840.1.101.3.4.3.20, .21, .24), written by :mod:`ledger.crypto._spki`.

Messages: pure SLH-DSA over the raw message with the empty context string;
:meth:`SLHDSAScheme.sign_with_context` / :meth:`SLHDSAScheme.verify_with_context` take a
FIPS 205 context of at most 255 bytes. Signing is hedged (fresh ``opt_rand``), so signatures
are not reproducible. Every signature is verified before it is returned: a fault during
hypertree signing can otherwise leak one-time keys and enable forgeries.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from pqcrypto import InvalidSignatureError  # type: ignore[import-untyped]
from pqcrypto.sign import (  # type: ignore[import-untyped]
    slh_dsa_sha2_128f,
    slh_dsa_sha2_128s,
    slh_dsa_sha2_256s,
)

from ledger.crypto._fips_context import MAX_CONTEXT_SIZE, check_context
from ledger.crypto._spki import pem_public_key, spki_der
from ledger.crypto.scheme import SchemeInfo, SignatureScheme, register
from ledger.errors import CryptoError, InvalidInput, InvalidSignature

__all__ = ["MAX_CONTEXT_SIZE", "SCHEMES", "SLHDSAScheme"]


@dataclass(frozen=True, slots=True)
class _Parameters:
    name: str
    n: int  # security parameter in bytes
    signature_size: int
    oid: str  # RFC 9909
    library: ModuleType


class SLHDSAScheme(SignatureScheme):
    """Pure SLH-DSA with one SHA-2 parameter set."""

    def __init__(self, parameters: _Parameters) -> None:
        self._parameters = parameters
        library = parameters.library
        if (
            int(library.PUBLIC_KEY_SIZE) != 2 * parameters.n
            or int(library.SECRET_KEY_SIZE) != 4 * parameters.n
            or int(library.SIGNATURE_SIZE) != parameters.signature_size
        ):
            raise CryptoError(f"pqcrypto's {parameters.name} sizes differ from FIPS 205")
        self.info = SchemeInfo(
            scheme_id=parameters.name.lower(),
            family="slh-dsa",
            security_bits=8 * parameters.n,  # category 1 (n = 16) or 5 (n = 32)
            private_key_size=4 * parameters.n,
            public_key_size=2 * parameters.n,
            signature_size=parameters.signature_size,
            seeded_keygen=False,  # the library draws its own randomness
            fips_approved=True,  # FIPS 205
            message_handling="pure SLH-DSA over the raw message, empty context, hedged signing",
        )

    @property
    def seed_size(self) -> int:
        return 3 * self._parameters.n

    def _check_private(self, private_key: bytes | bytearray) -> bytes:
        size = 4 * self._parameters.n
        if not isinstance(private_key, bytes | bytearray) or len(private_key) != size:
            raise InvalidInput(
                f"{self._parameters.name} private key must be {size} bytes", field="private_key"
            )
        return bytes(private_key)

    def _check_public(self, public_key: bytes) -> bytes:
        size = 2 * self._parameters.n
        if not isinstance(public_key, bytes | bytearray) or len(public_key) != size:
            raise InvalidInput(
                f"{self._parameters.name} public key must be {size} bytes", field="public_key"
            )
        return bytes(public_key)

    def generate(self, seed: bytes | bytearray) -> bytearray:
        """A fresh key from the library's RNG; the seed is checked, not used (docstring)."""
        if not isinstance(seed, bytes | bytearray) or len(seed) != self.seed_size:
            raise InvalidInput(
                f"{self._parameters.name} key generation needs a {self.seed_size}-byte seed",
                field="seed",
            )
        _, secret = self._parameters.library.keygen()
        return bytearray(secret)

    def public_key(self, private_key: bytes | bytearray) -> bytes:
        """``PK.seed || PK.root``: the second half of the private key."""
        return self._check_private(private_key)[2 * self._parameters.n :]

    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        return self.sign_with_context(private_key, message, b"")

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        self.verify_with_context(public_key, message, signature, b"")

    def sign_with_context(
        self, private_key: bytes | bytearray, message: bytes, context: bytes
    ) -> bytes:
        """Pure SLH-DSA with a FIPS 205 context string, verified before it is returned."""
        ctx = check_context(context, "SLH-DSA")
        secret = self._check_private(private_key)
        data = bytes(message)
        signature = bytes(self._parameters.library.sign(secret, data, context=ctx))
        try:
            self._library_verify(self.public_key(secret), data, signature, ctx)
        except InvalidSignature:
            raise CryptoError(
                f"{self._parameters.name} produced a signature that does not verify",
                hint="the private key material is corrupt or the signer faulted",
            ) from None
        return signature

    def verify_with_context(
        self, public_key: bytes, message: bytes, signature: bytes, context: bytes
    ) -> None:
        """Raise :class:`InvalidSignature` unless valid for this message and context."""
        ctx = check_context(context, "SLH-DSA")
        key = self._check_public(public_key)
        size = self._parameters.signature_size
        if not isinstance(signature, bytes | bytearray) or len(signature) != size:
            raise InvalidSignature(f"{self._parameters.name} signature must be {size} bytes")
        self._library_verify(key, bytes(message), bytes(signature), ctx)

    def _library_verify(self, key: bytes, message: bytes, signature: bytes, ctx: bytes) -> None:
        try:
            self._parameters.library.verify(key, message, signature, context=ctx)
        except (InvalidSignatureError, ValueError):
            raise InvalidSignature("signature does not verify") from None

    def public_key_pem(self, public_key: bytes) -> str:
        """PEM SubjectPublicKeyInfo with the NIST id-slh-dsa-* OID (RFC 9909)."""
        der = spki_der(self._parameters.oid, self._check_public(public_key))
        return pem_public_key(der)

    def __repr__(self) -> str:
        return f"SLHDSAScheme({self.scheme_id!r})"


_PARAMETERS = (
    _Parameters("SLH-DSA-SHA2-128s", 16, 7856, "2.16.840.1.101.3.4.3.20", slh_dsa_sha2_128s),
    _Parameters("SLH-DSA-SHA2-128f", 16, 17088, "2.16.840.1.101.3.4.3.21", slh_dsa_sha2_128f),
    _Parameters("SLH-DSA-SHA2-256s", 32, 29792, "2.16.840.1.101.3.4.3.24", slh_dsa_sha2_256s),
)

SCHEMES = tuple(register(SLHDSAScheme(parameters)) for parameters in _PARAMETERS)
