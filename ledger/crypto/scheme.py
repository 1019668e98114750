"""One interface for every signature scheme, and the registry its modules join.

Why an ABC and a registry: the ledger, the CLI and later the services only ever name an
algorithm by its stable id (``"ed25519"``); library objects (pynacl, coincurve,
cryptography) never leak past a scheme module. Failure raises, never returns ``False``.

Private keys cross this interface only as ``bytearray`` so callers can zero them after use.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SchemeInfo:
    """Metadata a scheme declares about itself (shown by ``skms algorithms``)."""

    scheme_id: str
    family: str
    security_bits: int
    private_key_size: int
    public_key_size: int
    signature_size: int | None
    fips_approved: bool
    message_handling: str  # what ``sign`` does with the input, in one phrase
    # Whether ``generate`` builds the key from the caller's (health-tested) seed. False where
    # the library draws its own randomness and has no seeded entry point (RSA: OpenSSL's
    # DRBG; SLH-DSA, Falcon: pqcrypto / PQClean): FIPS mode refuses to generate those.
    seeded_keygen: bool = True


class SignatureScheme(abc.ABC):
    """A signature algorithm. Stateless; one instance per id lives in the registry."""

    info: SchemeInfo

    @property
    def scheme_id(self) -> str:
        return self.info.scheme_id

    @abc.abstractmethod
    def generate(self, seed: bytes | bytearray) -> bytearray:
        """Derive a private key from ``seed`` (fresh, health-tested random bytes).

        ``len(seed)`` must be ``self.seed_size``; callers own and zero both buffers.
        """

    @property
    @abc.abstractmethod
    def seed_size(self) -> int:
        """How many random bytes :meth:`generate` needs."""

    @abc.abstractmethod
    def public_key(self, private_key: bytes | bytearray) -> bytes:
        """The canonical public key encoding (raw for Ed25519, SEC1 compressed for ECDSA)."""

    @abc.abstractmethod
    def sign(self, private_key: bytes | bytearray, message: bytes) -> bytes:
        """Sign ``message`` (see ``info.message_handling`` for hashing)."""

    def sign_many(self, private_key: bytes | bytearray, messages: list[bytes]) -> list[bytes]:
        """Sign a batch; schemes override this to set their key up once for all messages."""
        return [self.sign(private_key, message) for message in messages]

    @abc.abstractmethod
    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        """Raise :class:`ledger.errors.InvalidSignature` unless ``signature`` is valid."""

    @abc.abstractmethod
    def public_key_pem(self, public_key: bytes) -> str:
        """PEM SubjectPublicKeyInfo for the canonical public key."""


REGISTERED: dict[str, SignatureScheme] = {}
"""Every scheme by id; filled as each scheme module is imported (see
:mod:`ledger.crypto.schemes`, which imports them all and answers lookups)."""


def register(scheme: SignatureScheme) -> SignatureScheme:
    """Add a scheme to the registry (done once, at import of its module)."""
    REGISTERED[scheme.scheme_id] = scheme
    return scheme
