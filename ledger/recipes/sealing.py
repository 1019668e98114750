"""The recipe that seals a private key at rest: envelope encryption with a per-key data key.

Why an envelope rather than encrypting under the KEK directly:

* **Crypto-shredding.** Each key gets its own random 32-byte data key. Deleting the wrapped
  data key (``wrapped_data_key = None``) makes the sealed material permanently unreadable,
  even though the event-sourced ledger never deletes the ciphertext itself.
  :func:`unseal_private_key` then raises :class:`MaterialDestroyed`.
* **KEK rotation** re-wraps 32-byte data keys, not every private key blob.
* **One blob per data key**, so random GCM nonces are never at risk of reuse under a key.

Binding: both the material and the wrapped data key are authenticated with the caller's
``aad`` (e.g. key id and version) behind distinct fixed labels, so a sealed blob cannot be
moved to another key record, and a wrapped data key cannot be presented as sealed material.

Format: each stored blob is ``SEALING_VERSION(1) || inner``, where ``inner`` is an
:mod:`aead` blob (itself versioned) for the material and the KEK provider's output for the
data key. The recipe version selects the labels, so a future recipe can coexist.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.crypto import aead
from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import KEKProvider
from ledger.crypto.memory import zeroize
from ledger.errors import CryptoError, InvalidInput, MaterialDestroyed

__all__ = [
    "DATA_KEY_SIZE",
    "SEALING_VERSION",
    "SealedKey",
    "check_data_key",
    "open_with_data_key",
    "rewrap_data_key",
    "seal_private_key",
    "unseal_private_key",
    "unwrap_data_key",
    "wrap_data_key",
]

SEALING_VERSION = 0x01
DATA_KEY_SIZE = 32
_MATERIAL_LABEL = b"skms/sealed-private-key/v1\x00"
_DATA_KEY_LABEL = b"skms/wrapped-data-key/v1\x00"


@dataclass(frozen=True, slots=True, repr=False)
class SealedKey:
    """What the store keeps for a sealed private key. Both fields are ciphertext."""

    sealed_material: bytes
    wrapped_data_key: bytes

    def __repr__(self) -> str:
        # Ciphertext is not secret, but it is noise in logs; lengths say enough.
        return (
            f"SealedKey(sealed_material=<{len(self.sealed_material)} bytes>, "
            f"wrapped_data_key=<{len(self.wrapped_data_key)} bytes>)"
        )


def _check_aad(aad: bytes) -> bytes:
    if not isinstance(aad, bytes):
        raise InvalidInput("aad must be bytes", field="aad")
    return aad


def seal_private_key(private_key: bytearray, kek: KEKProvider, *, aad: bytes) -> SealedKey:
    """Encrypt ``private_key`` under a fresh data key and wrap that data key with ``kek``.

    The data key is wiped before returning, whatever happens; ``private_key`` stays the
    caller's to wipe.
    """
    aad = _check_aad(aad)
    if not isinstance(private_key, bytearray) or len(private_key) == 0:
        raise InvalidInput("private key must be a non-empty bytearray", field="private_key")
    data_key = random_bytes(DATA_KEY_SIZE)
    try:
        material = aead.seal(data_key, private_key, _MATERIAL_LABEL + aad)
        wrapped = kek.wrap(data_key, _DATA_KEY_LABEL + aad)
    finally:
        zeroize(data_key)
    version = bytes([SEALING_VERSION])
    return SealedKey(sealed_material=version + material, wrapped_data_key=version + wrapped)


def _strip_version(blob: bytes, what: str) -> bytes:
    if not isinstance(blob, bytes) or len(blob) < 1:
        raise CryptoError(f"{what} is empty or not bytes")
    if blob[0] != SEALING_VERSION:
        raise CryptoError(f"{what} has unknown sealing version {blob[0]}")
    return blob[1:]


def unseal_private_key(
    sealed_material: bytes, wrapped_data_key: bytes | None, kek: KEKProvider, *, aad: bytes
) -> bytearray:
    """Recover the private key sealed by :func:`seal_private_key` (a buffer to wipe).

    Raises :class:`MaterialDestroyed` when the data key was shredded (``None``), and
    :class:`CryptoError` when any blob, the KEK or ``aad`` does not match.
    """
    aad = _check_aad(aad)
    if wrapped_data_key is None:
        raise MaterialDestroyed(
            "the key's data key was destroyed; its private material is unrecoverable",
            hint="crypto-shredding is permanent by design",
        )
    material = _strip_version(sealed_material, "sealed material")
    wrapped = _strip_version(wrapped_data_key, "wrapped data key")
    data_key = kek.unwrap(wrapped, _DATA_KEY_LABEL + aad)
    try:
        if len(data_key) != DATA_KEY_SIZE:
            raise CryptoError("unwrapped data key has the wrong size")
        return aead.open_(data_key, material, _MATERIAL_LABEL + aad)
    finally:
        zeroize(data_key)


def rewrap_data_key(wrapped_data_key: bytes, old: KEKProvider, new: KEKProvider, *,
                    aad: bytes) -> bytes:
    """Move a wrapped data key from ``old`` to ``new`` (KEK rotation), same context.

    The clear data key exists only between the two calls, in a buffer wiped at once; the
    sealed material it protects is untouched. ``CryptoError`` when ``old`` cannot open it.
    """
    aad = _check_aad(aad)
    inner = _strip_version(wrapped_data_key, "wrapped data key")
    data_key = old.unwrap(inner, _DATA_KEY_LABEL + aad)
    try:
        if len(data_key) != DATA_KEY_SIZE:
            raise CryptoError("unwrapped data key has the wrong size")
        rewrapped = new.wrap(data_key, _DATA_KEY_LABEL + aad)
    finally:
        zeroize(data_key)
    return bytes([SEALING_VERSION]) + rewrapped


def check_data_key(wrapped_data_key: bytes, kek: KEKProvider, *, aad: bytes) -> None:
    """``CryptoError`` unless ``wrapped_data_key`` opens under ``kek`` for ``aad``.

    Why: a resumed rotation must tell a key it already moved from one it cannot open; the
    clear key is wiped as soon as it is recovered.
    """
    aad = _check_aad(aad)
    inner = _strip_version(wrapped_data_key, "wrapped data key")
    data_key = kek.unwrap(inner, _DATA_KEY_LABEL + aad)
    size = len(data_key)
    zeroize(data_key)
    if size != DATA_KEY_SIZE:
        raise CryptoError("unwrapped data key has the wrong size")
# --- data keys on their own (backup and restore of the key-ring) ---------------------------

def unwrap_data_key(wrapped_data_key: bytes, kek: KEKProvider, *, aad: bytes) -> bytearray:
    """The data key of a key-ring entry in clear (a buffer to wipe), for a backup bundle.

    The material it seals stays sealed; only the layer that ties it to this home's KEK is
    taken off, so a bundle can carry it to a home with another KEK.
    """
    aad = _check_aad(aad)
    data_key = kek.unwrap(_strip_version(wrapped_data_key, "wrapped data key"),
                          _DATA_KEY_LABEL + aad)
    if len(data_key) != DATA_KEY_SIZE:
        zeroize(data_key)
        raise CryptoError("unwrapped data key has the wrong size")
    return data_key


def wrap_data_key(data_key: bytearray, kek: KEKProvider, *, aad: bytes) -> bytes:
    """A key-ring entry for ``data_key`` under ``kek`` (what :func:`seal_private_key` stores);
    ``data_key`` stays the caller's to wipe."""
    aad = _check_aad(aad)
    if not isinstance(data_key, bytearray) or len(data_key) != DATA_KEY_SIZE:
        raise InvalidInput("a data key is a 32-byte buffer", field="data_key")
    return bytes([SEALING_VERSION]) + kek.wrap(data_key, _DATA_KEY_LABEL + aad)


def open_with_data_key(sealed_material: bytes, data_key: bytes | bytearray, *,
                       aad: bytes) -> bytearray:
    """Open sealed material with its data key in clear (a restore checks the pair)."""
    aad = _check_aad(aad)
    material = _strip_version(sealed_material, "sealed material")
    return aead.open_(bytes(data_key), material, _MATERIAL_LABEL + aad)
