"""Confidential, sender-authenticated delivery of DKG round 2 shares between ledgers.

Why: round 2 of the Pedersen DKG sends ``f_i(j)`` from participant ``i`` to participant
``j`` privately. Participants are separate SKMS homes that exchange messages over REST or
as files, through a coordinator or a USB stick, none of which may read a share. Each
participant therefore draws an X25519 *transport key* for one DKG run and broadcasts its
public half in round 1 beside its commitments; shares travel encrypted to the recipient's
transport key, so the encrypted form is a public value that may be logged and relayed.

Construction (the "auth" mode of RFC 9180's DHKEM idea, built from vetted primitives:
``cryptography``'s X25519, HKDF-SHA256 and the ledger's AES-256-GCM blob):

1. The sender draws an ephemeral X25519 key ``e`` for each message and computes
   ``dh = X25519(e, R) || X25519(S, R)`` where ``R`` is the recipient's and ``S`` the
   sender's own transport key. Only the holder of ``S`` (the sender) or ``R`` (the
   recipient) can compute it, so a relay can neither read nor forge a share in the
   sender's name (a forged share would otherwise falsely blame an honest sender).
2. ``key = HKDF-SHA256(dh, salt = E || S_pub || R_pub, info = header, 32)`` where ``E`` is
   the ephemeral public key and ``header`` the canonical JSON of the public header (suite,
   session, sender, recipient): a ciphertext cannot be moved to another session or pair.
3. The share's scalar is sealed with :func:`ledger.crypto.aead.seal` under ``key`` with the
   header as associated data. Every secret buffer (``dh``, ``key``, the scalar) is wiped.

Decryption failures say only that the share could not be opened (nothing about keys).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ledger.crypto import aead
from ledger.crypto.entropy import random_bytes
from ledger.crypto.hkdf import hkdf_sha256
from ledger.crypto.memory import zeroize
from ledger.crypto.threshold.encoding import FORMAT_VERSION, check_shape, parse_hex
from ledger.crypto.threshold.messages import DkgRound2Package, DkgSecretShare
from ledger.crypto.threshold.scalars import Rng
from ledger.errors import CryptoError, InvalidInput

__all__ = [
    "TRANSPORT_KEY_SIZE",
    "EncryptedShare",
    "decrypt_share",
    "encrypt_share",
    "open_scalar",
    "seal_scalar",
    "transport_key_pair",
    "transport_public_key",
]

TRANSPORT_KEY_SIZE = 32
_TAG = "dkg-encrypted-share"
_INFO = b"skms-threshold-dkg-share-v1"
_RAW = serialization.Encoding.Raw
_RAW_PUBLIC = serialization.PublicFormat.Raw


def _private(secret: bytes | bytearray) -> X25519PrivateKey:
    if not isinstance(secret, bytes | bytearray) or len(secret) != TRANSPORT_KEY_SIZE:
        raise InvalidInput("a transport key is 32 bytes", field="transport_key")
    return X25519PrivateKey.from_private_bytes(bytes(secret))


def _public(value: bytes, field: str) -> X25519PublicKey:
    if not isinstance(value, bytes) or len(value) != TRANSPORT_KEY_SIZE:
        raise InvalidInput("a transport public key is 32 bytes", field=field)
    return X25519PublicKey.from_public_bytes(value)


def transport_public_key(secret: bytes | bytearray) -> bytes:
    """The public half of a transport key."""
    return _private(secret).public_key().public_bytes(_RAW, _RAW_PUBLIC)


def transport_key_pair(*, rng: Rng = random_bytes) -> tuple[bytearray, bytes]:
    """A fresh transport key (secret, to seal and wipe) and its public half."""
    secret = bytearray(rng(TRANSPORT_KEY_SIZE))
    return secret, transport_public_key(secret)


def _header_bytes(header: DkgRound2Package) -> bytes:
    return json.dumps(header.to_dict(), sort_keys=True, separators=(",", ":")).encode()


def _exchange(private: X25519PrivateKey, peer: X25519PublicKey) -> bytes:
    try:
        return private.exchange(peer)
    except ValueError:
        raise CryptoError("the transport key exchange failed (low-order peer key)") from None


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """A DKG share sealed to its recipient: public header, ephemeral key, AEAD blob."""

    header: DkgRound2Package
    ephemeral_key: bytes
    ciphertext: bytes

    @property
    def sender(self) -> int:
        return self.header.sender

    @property
    def recipient(self) -> int:
        return self.header.recipient

    def to_dict(self) -> dict[str, Any]:
        return {"type": _TAG, "version": FORMAT_VERSION, "header": self.header.to_dict(),
                "ephemeral_key": self.ephemeral_key.hex(), "ciphertext": self.ciphertext.hex()}

    @classmethod
    def from_dict(cls, data: object) -> EncryptedShare:
        fields = check_shape(data, _TAG, frozenset({"header", "ephemeral_key", "ciphertext"}))
        header = DkgRound2Package.from_dict(fields["header"])
        ephemeral = parse_hex(fields["ephemeral_key"], f"{_TAG}.ephemeral_key",
                              TRANSPORT_KEY_SIZE)
        ciphertext = parse_hex(fields["ciphertext"], f"{_TAG}.ciphertext")
        if not aead.OVERHEAD < len(ciphertext) <= aead.OVERHEAD + 64:
            raise InvalidInput("the sealed share has the wrong size", field=f"{_TAG}.ciphertext")
        return cls(header, ephemeral, ciphertext)


def _key(dh: bytearray, ephemeral: bytes, sender: bytes, recipient: bytes,
         header: bytes) -> bytearray:
    return hkdf_sha256(dh, salt=ephemeral + sender + recipient, info=_INFO + header,
                       length=aead.KEY_SIZE)


def seal_scalar(value: bytes | bytearray, header_bytes: bytes,
                sender_secret: bytes | bytearray, recipient_public: bytes, *,
                rng: Rng = random_bytes) -> tuple[bytes, bytes]:
    """Seal a secret scalar to ``recipient_public`` under ``header_bytes`` (bound as HKDF
    info and AEAD associated data), authenticated by the sender's transport key.

    Returns ``(ephemeral public key, blob)``. Shared by DKG round 2 shares and the trusted
    dealer's shares (:mod:`.deal`), whose headers differ in their type tag.
    """
    sender = _private(sender_secret)
    recipient = _public(recipient_public, "transport_public_key")
    ephemeral_secret = bytearray(rng(TRANSPORT_KEY_SIZE))
    ephemeral = _private(ephemeral_secret)
    zeroize(ephemeral_secret)
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, _RAW_PUBLIC)
    dh = bytearray(_exchange(ephemeral, recipient) + _exchange(sender, recipient))
    key = _key(dh, ephemeral_public, sender.public_key().public_bytes(_RAW, _RAW_PUBLIC),
               recipient_public, header_bytes)
    try:
        return ephemeral_public, aead.seal(key, value, header_bytes)
    finally:
        zeroize(dh)
        zeroize(key)


def open_scalar(header_bytes: bytes, ephemeral_key: bytes, blob: bytes,
                recipient_secret: bytes | bytearray, sender_public: bytes,
                scalar_size: int, sender: str) -> bytearray:
    """Open what :func:`seal_scalar` sealed; ``CryptoError`` naming ``sender`` otherwise."""
    recipient = _private(recipient_secret)
    dh = bytearray(_exchange(recipient, _public(ephemeral_key, "ephemeral_key"))
                   + _exchange(recipient, _public(sender_public, "transport_public_key")))
    key = _key(dh, ephemeral_key, sender_public,
               recipient.public_key().public_bytes(_RAW, _RAW_PUBLIC), header_bytes)
    try:
        value = aead.open_(key, blob, header_bytes)
    except CryptoError:
        raise CryptoError(f"the share from {sender} does not open") from None
    finally:
        zeroize(dh)
        zeroize(key)
    if len(value) != scalar_size:
        zeroize(value)
        raise CryptoError(f"the share from {sender} has the wrong size")
    return value


def encrypt_share(share: DkgSecretShare, sender_secret: bytes | bytearray,
                  recipient_public: bytes, *, rng: Rng = random_bytes) -> EncryptedShare:
    """Seal ``share`` to ``recipient_public``, authenticated by the sender's transport key."""
    header = share.header()
    ephemeral, blob = seal_scalar(share.value, _header_bytes(header), sender_secret,
                                  recipient_public, rng=rng)
    return EncryptedShare(header, ephemeral, blob)


def decrypt_share(encrypted: EncryptedShare, recipient_secret: bytes | bytearray,
                  sender_public: bytes) -> DkgSecretShare:
    """Open a share sealed to this recipient by the sender whose transport key is given.

    Raises :class:`~ledger.errors.CryptoError` when it does not open (wrong sender, wrong
    recipient, tampered, or moved to another session): the caller names the sender.
    """
    header = encrypted.header
    scalars = header.suite.group.scalars
    value = open_scalar(_header_bytes(header), encrypted.ephemeral_key,
                        encrypted.ciphertext, recipient_secret, sender_public,
                        scalars.size, f"participant {header.sender}")
    try:
        scalars.deserialize(bytes(value), "round2_shares")
    except InvalidInput:
        zeroize(value)
        raise
    return DkgSecretShare(header.suite, header.session_id, header.sender, header.recipient,
                          value)
