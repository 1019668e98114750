"""What a threshold protocol needs from a ciphersuite (RFC 9591 section 6).

1. :class:`KeyGenSuite`: a stable ``name`` (recorded in every message and key package), a
   prime-order ``group`` and ``hash_dkg``, the challenge hash of the DKG's proof of
   knowledge. Enough for the trusted dealer, the Pedersen DKG and share refresh, so
   threshold BLS reuses them with its own suite.
2. :class:`Ciphersuite` adds RFC 9591's ``contextString`` and hash functions:
   ``H1`` (binding factors, "rho"), ``H2`` (challenge), ``H3`` (nonces, "nonce"),
   ``H4`` (message, "msg") and ``H5`` (commitment list, "com"). H1, H2, H3 map to scalars;
   H4 and H5 return digests.

The DKG hash is not part of RFC 9591; it follows the ZF FROST implementation's ``HDKG``:
the ciphersuite's hash-to-scalar with the tag ``"dkg"`` after the context string.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from ledger.crypto.threshold.group import PrimeOrderGroup

__all__ = ["Ciphersuite", "KeyGenSuite"]


class KeyGenSuite(ABC):
    """A group plus the DKG's proof-of-knowledge challenge hash."""

    name: str
    group: PrimeOrderGroup

    @abstractmethod
    def hash_dkg(self, message: bytes) -> bytes:
        """Challenge scalar of the DKG proof of knowledge."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Ciphersuite(KeyGenSuite):
    """A FROST ciphersuite: RFC 9591's context string and H1..H5."""

    context_string: bytes

    @abstractmethod
    def h1(self, message: bytes) -> bytes:
        """Binding factor hash (scalar)."""

    @abstractmethod
    def h2(self, message: bytes) -> bytes:
        """Challenge hash (scalar)."""

    @abstractmethod
    def h3(self, message: bytes) -> bytes:
        """Nonce generation hash (scalar)."""

    @abstractmethod
    def h4(self, message: bytes) -> bytes:
        """Message hash (digest)."""

    @abstractmethod
    def h5(self, message: bytes) -> bytes:
        """Commitment list hash (digest)."""
