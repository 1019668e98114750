"""Recipe: generate, seal, unseal and use private key material.

Why a recipe apart from the schemes: schemes are primitives; this module decides how
material is born (health-tested OS randomness), where it lives (AES-256-GCM sealed in the
event, its data key wrapped by the KEK in the key-ring) and how long it exists in clear
(only inside :func:`sign_with`, in a ``bytearray`` zeroed before returning).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ledger.crypto.algorithms import material_maker
from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import KEKProvider
from ledger.crypto.memory import zeroize
from ledger.crypto.scheme import get_scheme
from ledger.crypto.sealing import seal_private_key, unseal_private_key
from ledger.errors import ConfigurationError
from ledger.stores.base import KeyRing

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NewMaterial:
    public_key: bytes
    sealed_material: bytes
    data_key_ref: str


def material_aad(key_id: str, version: int) -> bytes:
    """Binds sealed material to its key and version: blobs cannot be swapped between keys."""
    return f"skms-key-material:v1:{key_id}:{version}".encode()


def data_key_ref(key_id: str, version: int) -> str:
    return f"{key_id}/v{version}"


def generate_sealed(scheme_id: str, key_id: str, version: int, kek: KEKProvider | None,
                    keyring: KeyRing) -> NewMaterial:
    """Create a key version; its wrapped data key is stored in the key-ring right away.

    If the command that records it then fails, the orphan data key protects nothing
    reachable and is harmless.
    """
    if kek is None:
        raise ConfigurationError("no key-encryption key is loaded", hint="set SKMS_PASSPHRASE")
    scheme = material_maker(scheme_id)  # a signature scheme or another key kind
    seed = random_bytes(scheme.seed_size)
    private_key = bytearray()
    try:
        private_key = scheme.generate(seed)
        public_key = scheme.public_key(private_key)
        sealed = seal_private_key(private_key, kek, aad=material_aad(key_id, version))
    finally:
        zeroize(seed)
        zeroize(private_key)
    ref = data_key_ref(key_id, version)
    keyring.put(ref, sealed.wrapped_data_key)
    return NewMaterial(public_key, sealed.sealed_material, ref)


def sign_with(scheme_id: str, key_id: str, version: int, sealed_material: bytes, ref: str,
              kek: KEKProvider | None, keyring: KeyRing, message: bytes) -> bytes:
    """Unseal, sign, zero. Raises ``MaterialDestroyed`` if the data key was shredded."""
    if kek is None:
        raise ConfigurationError("no key-encryption key is loaded", hint="set SKMS_PASSPHRASE")
    private_key = unseal_private_key(sealed_material, keyring.get(ref), kek,
                                     aad=material_aad(key_id, version))
    try:
        return get_scheme(scheme_id).sign(private_key, message)
    finally:
        zeroize(private_key)


def sign_many_with(scheme_id: str, key_id: str, version: int, sealed_material: bytes, ref: str,
                   kek: KEKProvider | None, keyring: KeyRing,
                   messages: Sequence[bytes]) -> list[bytes]:
    """Unseal once, sign every message, zero: the batch path of :func:`sign_with`."""
    if kek is None:
        raise ConfigurationError("no key-encryption key is loaded", hint="set SKMS_PASSPHRASE")
    private_key = unseal_private_key(sealed_material, keyring.get(ref), kek,
                                     aad=material_aad(key_id, version))
    try:
        return get_scheme(scheme_id).sign_many(private_key, list(messages))
    finally:
        zeroize(private_key)


def seal_into_keyring(secret: bytearray, ref: str, aad: bytes, kek: KEKProvider | None,
                      keyring: KeyRing) -> bytes:
    """Seal any secret the way key material is sealed; store its wrapped data key at ``ref``.

    Why shared: wallet seeds (and any later secret kind) must get the same envelope
    encryption and crypto-shredding as key versions, with only the AAD telling them apart.
    Returns the sealed blob that goes into the event; ``secret`` stays the caller's to wipe.
    """
    if kek is None:
        raise ConfigurationError("no key-encryption key is loaded", hint="set SKMS_PASSPHRASE")
    sealed = seal_private_key(secret, kek, aad=aad)
    keyring.put(ref, sealed.wrapped_data_key)
    return sealed.sealed_material


def open_from_keyring(sealed_material: bytes, ref: str, aad: bytes, kek: KEKProvider | None,
                      keyring: KeyRing) -> bytearray:
    """Unseal what :func:`seal_into_keyring` sealed: a buffer the caller must wipe.

    Raises ``MaterialDestroyed`` when the data key at ``ref`` was shredded.
    """
    if kek is None:
        raise ConfigurationError("no key-encryption key is loaded", hint="set SKMS_PASSPHRASE")
    return unseal_private_key(sealed_material, keyring.get(ref), kek, aad=aad)


def use_material(key_id: str, version: int, sealed_material: bytes, ref: str,
                 kek: KEKProvider | None, keyring: KeyRing,
                 operation: Callable[[bytearray], T]) -> T:
    """Unseal one key version, run ``operation`` on its secret, zero: for any key kind.

    The generic form of :func:`sign_with` used by encryption, MAC and key-agreement
    commands; ``operation`` must not keep the buffer it is given.
    """
    if kek is None:
        raise ConfigurationError("no key-encryption key is loaded", hint="set SKMS_PASSPHRASE")
    secret = unseal_private_key(sealed_material, keyring.get(ref), kek,
                                aad=material_aad(key_id, version))
    try:
        return operation(secret)
    finally:
        zeroize(secret)
