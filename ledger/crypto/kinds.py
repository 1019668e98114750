"""The second registry: key kinds that are not signature schemes.

Why a registry apart from :mod:`ledger.crypto.scheme`: a signature scheme promises
``sign``/``verify`` and a public key; an AES or HMAC key has neither, and an X25519 key
signs nothing. Forcing them behind :class:`~ledger.crypto.scheme.SignatureScheme` would
mean methods that only raise. Instead each kind declares what it is for with a capability
ABC (:class:`DataCipher`, :class:`MacKind`, :class:`AgreementKind`), and callers ask for
the capability they need (:func:`get_cipher`, :func:`get_mac`, :func:`get_agreement`),
which refuses clearly when the key's kind lacks it.

What both registries share, on purpose, is the key-life surface the ledger needs for any
key: ``seed_size``, ``generate(seed) -> bytearray`` and ``public_key(secret) -> bytes``.
That is what lets :mod:`ledger.recipes.key_material` generate, seal, rotate and crypto-shred every
key the same way. Symmetric kinds return ``b""`` as their public key: there is nothing
public about them, and storing a key-check value would only add a value to protect.

Secrets cross this interface as ``bytearray`` (the caller zeroes them); outputs that are
secrets (plaintexts, derived keys) are returned as ``bytearray`` for the same reason.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ledger.crypto.entropy import random_bytes
from ledger.errors import UnsupportedAlgorithm

__all__ = [
    "REGISTERED",
    "AgreementKind",
    "DataCipher",
    "KeyKind",
    "KindInfo",
    "MacKind",
    "Rng",
    "register_kind",
]

Rng = Callable[[int], bytearray]
"""Where nonces and ephemeral keys come from; tests pass a fixed source to replay vectors."""

K = TypeVar("K", bound="KeyKind")


@dataclass(frozen=True, slots=True)
class KindInfo:
    """Metadata a kind declares about itself (shown by ``skms algorithms``)."""

    kind_id: str
    family: str  # "symmetric-encryption", "mac", "key-agreement", "key-transport"
    security_bits: int
    secret_size: int  # bytes of secret material sealed per key version
    public_key_size: int  # 0 for symmetric kinds
    output_size: int | None  # MAC size, ciphertext overhead or default derived-key size
    fips_approved: bool
    usages: frozenset[str]  # usages a key of this kind may be created with
    default_usage: tuple[str, ...]
    operation: str  # what the kind does, in one phrase


class KeyKind(abc.ABC):
    """A non-signature key kind. Stateless; one instance per id lives in the registry."""

    info: KindInfo

    @property
    def kind_id(self) -> str:
        return self.info.kind_id

    @property
    @abc.abstractmethod
    def seed_size(self) -> int:
        """How many random bytes :meth:`generate` needs."""

    @abc.abstractmethod
    def generate(self, seed: bytes | bytearray) -> bytearray:
        """The secret material derived from ``seed`` (fresh, health-tested random bytes)."""

    @abc.abstractmethod
    def public_key(self, secret: bytes | bytearray) -> bytes:
        """The public key to publish, or ``b""`` for symmetric kinds."""

    def public_key_pem(self, public_key: bytes) -> str:
        """PEM SubjectPublicKeyInfo of a public key, where a standard encoding exists."""
        if self.info.public_key_size == 0:
            raise UnsupportedAlgorithm(f"{self.kind_id} keys are symmetric: they have no "
                                       "public key", field="algorithm")
        raise UnsupportedAlgorithm(f"{self.kind_id} public keys have no standard PEM "
                                   "encoding", field="format", hint="use --format hex")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.kind_id!r})"


class DataCipher(KeyKind):
    """Authenticated encryption of caller data under a key version.

    Ciphertexts carry a header naming the format and the key version that produced them
    (:mod:`ledger.crypto.ciphertext`), so decryption after a rotation picks the right
    version without being told. ``aad`` is authenticated, never stored in the ciphertext.
    """

    @property
    @abc.abstractmethod
    def encrypt_needs_secret(self) -> bool:
        """False when encryption uses only the public key (key transport to a KEM key)."""

    @abc.abstractmethod
    def encrypt(self, secret: bytes | bytearray | None, public_key: bytes,
                plaintext: bytes | bytearray, aad: bytes, *, key_version: int,
                rng: Rng = random_bytes) -> bytes:
        """Encrypt under this key version; ``secret`` may be ``None`` when not needed."""

    @abc.abstractmethod
    def decrypt(self, secret: bytes | bytearray, blob: bytes, aad: bytes) -> bytearray:
        """The plaintext (a buffer to wipe); :class:`InvalidCiphertext` when it fails."""


class MacKind(KeyKind):
    """Message authentication codes: symmetric, so generation and checking need the key."""

    @abc.abstractmethod
    def mac(self, secret: bytes | bytearray, message: bytes) -> bytes:
        """The tag of ``message``."""

    @abc.abstractmethod
    def verify(self, secret: bytes | bytearray, message: bytes, tag: bytes) -> None:
        """Raise :class:`~ledger.errors.InvalidSignature` unless ``tag`` is valid (constant
        time)."""


class AgreementKind(KeyKind):
    """Static-ephemeral or static-static key agreement whose output always goes through
    HKDF-SHA256: callers get a derived key, never the raw shared secret, because a raw
    Diffie-Hellman output is not uniformly random and is easy to misuse as a key."""

    @abc.abstractmethod
    def derive(self, secret: bytes | bytearray, peer_public_key: bytes, *, salt: bytes,
               info: bytes, length: int) -> bytearray:
        """HKDF-SHA256(shared secret, salt, info, length); raises on an invalid peer key."""

    @abc.abstractmethod
    def check_peer_public_key(self, peer_public_key: bytes) -> bytes:
        """The peer key in canonical form, or :class:`~ledger.errors.InvalidInput`."""


REGISTERED: dict[str, KeyKind] = {}
"""Every non-signature key kind by id; filled as each kind module is imported (see
:mod:`ledger.crypto.key_kinds`, which imports them all and answers lookups)."""


def register_kind(kind: K) -> K:
    """Add a kind to the registry (done once, at import of its module)."""
    REGISTERED[kind.kind_id] = kind
    return kind
