"""Recipe: generate, seal, unseal, use and shred key material.

Why one object owning the KEK and the key-ring: every secret the ledger keeps is sealed the
same way (AES-256-GCM under a fresh data key, :mod:`ledger.recipes.sealing`; the sealed
blob goes into an event, the KEK-wrapped data key into the key-ring beside the log) and
exists in clear only inside one call, in a ``bytearray`` zeroed before the call returns.
Holding both halves here means no caller passes them around, and a ledger opened without
its KEK has no material object at all (``Ledger.material`` says so once, clearly).

Material is born from health-tested OS randomness (:mod:`ledger.crypto.entropy`). The
associated data binds each blob to its key id and version (or its wallet id and seed
version), so blobs cannot be swapped between owners.

A key version made on an HSM (``CreateKey --backend pkcs11``) has no sealed copy at all: its
record carries an ``hsm`` entry (from ``KeyHeldOnToken``) and :meth:`KeyMaterial.sign` sends
it to the token through the home's :class:`ledger.hsm.keystore.HsmKeyStore`; :meth:`use`
refuses it, since its secret never exists outside the token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from ledger.crypto.algorithms import material_maker
from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import KEKProvider
from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import get_scheme
from ledger.domain.key import refuse_threshold_key
from ledger.errors import CommandRejected, ConcurrencyError, ConfigurationError, CryptoError
from ledger.hsm.keystore import HsmKeyStore, record_of
from ledger.hsm.signing import HsmKeyRecord
from ledger.recipes.kek_fence import KekFence
from ledger.recipes.sealing import (
    seal_private_key,
    unseal_private_key,
    unwrap_data_key,
    wrap_data_key,
)
from ledger.stores.base import KeyRing

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NewMaterial:
    """What a new key version's event records: its public key, sealed secret and data-key
    reference (the wrapped data key itself is already in the key-ring)."""

    public_key: bytes
    sealed_material: bytes
    data_key_ref: str


def material_aad(key_id: str, version: int) -> bytes:
    """Binds sealed material to its key and version: blobs cannot be swapped between keys."""
    return f"skms-key-material:v1:{key_id}:{version}".encode()


def data_key_ref(owner_id: str, version: int) -> str:
    return f"{owner_id}/v{version}"


class KeyMaterial:
    """The ledger's KEK and key-ring, and the one way to make and use sealed secrets."""

    def __init__(self, kek: KEKProvider, keyring: KeyRing, hsm: HsmKeyStore | None = None,
                 fence: KekFence | None = None) -> None:
        self._kek = kek
        self.keyring = keyring
        self.hsm = hsm
        self.fence = fence

    @property
    def kek(self) -> KEKProvider:
        """The KEK this process last used (unfenced: for tools and tests that hold the
        home alone; the ledger's own uses go through the fence)."""
        return self._kek

    @contextmanager
    def _kek_for(self, *, sealing: bool) -> Iterator[tuple[KEKProvider, bool]]:
        """The KEK in force, held against a rotation in another process (the home's
        :class:`~ledger.recipes.kek_fence.KekFence`, when there is one)."""
        if self.fence is None:
            yield self._kek, False
            return
        with self.fence.using(sealing=sealing) as (kek, rotating):
            self._kek = kek
            yield kek, rotating

    def token_store(self) -> HsmKeyStore:
        """The home's HSM, or a clear refusal when the home names none."""
        if self.hsm is None:
            raise ConfigurationError("this ledger has no HSM for token-resident keys",
                                     field="backend",
                                     hint="skms init --pkcs11-module PATH --token-label L "
                                          "--pin-file F names one")
        return self.hsm

    def generate_on_token(self, algorithm: str, key_id: str, version: int
                          ) -> tuple[NewMaterial, HsmKeyRecord]:
        """A key version generated on the HSM: the public key, no sealed material, no data
        key (both recorded empty), and the token record its ``KeyHeldOnToken`` carries."""
        record = self.token_store().generate(algorithm, key_id, version)
        return NewMaterial(record.public_key, b"", ""), record

    def destroy_on_token(self, algorithm: str, versions: Iterable[dict[str, Any]]) -> None:
        """Destroy the token objects of the HSM-held versions among ``versions``."""
        for version in versions:
            record = record_of(algorithm, version)
            if record is not None:
                self.token_store().destroy(record)

    # --- key versions ----------------------------------------------------------------------

    def generate(self, algorithm: str, key_id: str, version: int) -> NewMaterial:
        """Create a key version; its wrapped data key is stored in the key-ring right away.

        If the command that records it then fails, the orphan data key protects nothing
        reachable and is harmless.
        """
        maker = material_maker(algorithm)  # a signature scheme or another key kind
        seed = random_bytes(maker.seed_size)
        private_key = bytearray()
        try:
            private_key = maker.generate(seed)
            public_key = maker.public_key(private_key)
            ref = data_key_ref(key_id, version)
            sealed = self.seal_secret(private_key, ref, material_aad(key_id, version))
        finally:
            zeroize(seed)
            zeroize(private_key)
        return NewMaterial(public_key, sealed, ref)

    def use(self, key_id: str, version: int, record: dict[str, Any],
            operation: Callable[[bytearray], T]) -> T:
        """Unseal one key version (``record``: its entry in ``Key.versions``), run
        ``operation`` on the secret, zero it. ``operation`` must not keep the buffer.

        Raises ``KeyMaterialDestroyed`` if the data key was shredded.
        """
        if "hsm" in record:
            raise CommandRejected("this key version lives on an HSM; it only signs there",
                                  field="key_id", reason_code="hsm-key")
        refuse_threshold_key(key_id, record)
        secret = self.open_secret(record["sealed_material"], record["data_key_ref"],
                                  material_aad(key_id, version))
        try:
            return operation(secret)
        finally:
            zeroize(secret)

    def sign(self, algorithm: str, key_id: str, version: int, record: dict[str, Any],
             message: bytes) -> bytes:
        refuse_threshold_key(key_id, record)
        held = record_of(algorithm, record)
        if held is not None:
            return self.token_store().sign(held, message)
        scheme = get_scheme(algorithm)
        return self.use(key_id, version, record, lambda secret: scheme.sign(secret, message))

    def sign_many(self, algorithm: str, key_id: str, version: int, record: dict[str, Any],
                  messages: Sequence[bytes]) -> list[bytes]:
        """Unseal once, sign every message, zero: the batch form of :meth:`sign`."""
        refuse_threshold_key(key_id, record)
        held = record_of(algorithm, record)
        if held is not None:
            return self.token_store().sign_many(held, messages)
        scheme = get_scheme(algorithm)
        return self.use(key_id, version, record,
                        lambda secret: scheme.sign_many(secret, list(messages)))

    # --- any secret ------------------------------------------------------------------------

    def seal_secret(self, secret: bytearray, ref: str, aad: bytes) -> bytes:
        """Seal a secret (left to the caller to wipe); its wrapped data key goes to ``ref``.

        Returns the sealed blob that goes into the event."""
        with self._kek_for(sealing=True) as (kek, _):
            sealed = seal_private_key(secret, kek, aad=aad)
            self.keyring.put(ref, sealed.wrapped_data_key)
        return sealed.sealed_material

    def open_secret(self, sealed_material: bytes, ref: str, aad: bytes) -> bytearray:
        """Unseal what :meth:`seal_secret` sealed: a buffer the caller must wipe."""
        with self._kek_for(sealing=False) as (kek, rotating):
            try:
                return unseal_private_key(sealed_material, self.keyring.get(ref), kek,
                                          aad=aad)
            except CryptoError:
                if rotating:
                    raise _moved(ref) from None
                raise

    def open_data_key(self, wrapped: bytes, aad: bytes) -> bytearray:
        """Unwrap a data key from the key-ring (a buffer the caller must wipe)."""
        with self._kek_for(sealing=False) as (kek, rotating):
            try:
                return unwrap_data_key(wrapped, kek, aad=aad)
            except CryptoError:
                if rotating:
                    raise _moved("a data key") from None
                raise

    def store_data_key(self, ref: str, data_key: bytearray, aad: bytes) -> None:
        """Wrap ``data_key`` under the KEK in force and store it at ``ref``."""
        with self._kek_for(sealing=True) as (kek, _):
            self.keyring.put(ref, wrap_data_key(data_key, kek, aad=aad))

    # --- shredding -------------------------------------------------------------------------

    def shred(self, refs: Iterable[str]) -> None:
        """Destroy data keys: what they wrapped is unrecoverable from any copy of the log."""
        for ref in refs:
            self.keyring.shred(ref)


def _moved(ref: str) -> ConcurrencyError:
    return ConcurrencyError(f"{ref} does not open under this process's KEK while a KEK "
                            "rotation is in progress in this home",
                            hint="retry when 'skms kek rotate' has finished")


def shred_leftovers(keyring: KeyRing, destroyed_refs: Iterable[str]) -> list[str]:
    """Shred data keys the log says were destroyed but the key-ring still holds (a
    destruction interrupted by a crash between its commit and its shredding). Needs no
    KEK: shredding only deletes."""
    present = set(keyring.refs())
    leftover = [ref for ref in destroyed_refs if ref in present]
    for ref in leftover:
        keyring.shred(ref)
    return leftover
