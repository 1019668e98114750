"""Recipe: generate, seal, unseal and use private key material.

Why a recipe apart from the schemes: schemes are primitives; this module decides how
material is born (health-tested OS randomness), where it lives (AES-256-GCM sealed in the
event, its data key wrapped by the KEK in the key-ring) and how long it exists in clear
(only inside :func:`sign_with`, in a ``bytearray`` zeroed before returning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import KEKProvider
from ledger.crypto.memory import zeroize
from ledger.crypto.scheme import get_scheme
from ledger.crypto.sealing import seal_private_key, unseal_private_key
from ledger.errors import ConfigurationError
from ledger.stores.base import KeyRing


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
    scheme = get_scheme(scheme_id)
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
        scheme = get_scheme(scheme_id)
        return [scheme.sign(private_key, message) for message in messages]
    finally:
        zeroize(private_key)
