"""KEK rotation of a whole ledger home: every data key and home secret to a new KEK.

Requirements this recipe meets (the key-ring mechanics are :mod:`ledger.recipes.kek_rotation`):

1. **Everything the old KEK protects moves**: every wrapped data key in the key-ring (key
   versions and wallet seeds, including orphans of commands that never committed, whose
   context is found from their reference) and the home's own sealed secrets (the ledger's
   signing key, the actors' identity keys). The sealed material in the log never changes.
2. **Crash-safe order**: the new KEK's parameters are saved in the home (``kek_next``)
   before anything moves; the key-ring moves resumably; the home secrets move, each file
   replaced atomically (one found already under the new KEK counts as moved); only then
   does the home's ``kek`` become the new one, in one atomic write. A crash anywhere is
   resumed by running the rotation again, which reopens ``kek_next``.
3. **Recorded by the ledger**: ``KekRotationStarted`` before the first key moves (refused
   while another rotation is in progress in the log, so a rotation elsewhere blocks this
   one before it touches a key) and ``KekRotationCompleted`` after the switch, with the
   counts and digest of the moved keys.
4. **No shredded key comes back**: a key destroyed while the rotation ran is shredded again
   afterwards (:meth:`ledger.application.Ledger.reconcile_keyring`), since destruction is
   decided by the log, not by the key-ring.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ledger.crypto.kek import KEKProvider
from ledger.errors import CryptoError
from ledger.recipes.byok import wrapping_aad
from ledger.recipes.escrow import escrow_aad
from ledger.recipes.kek_rotation import (
    ProgressStore,
    RewrapProgress,
    WrappedDataKey,
    rewrap_data_keys,
)
from ledger.recipes.key_material import material_aad
from ledger.recipes.sealing import check_data_key, rewrap_data_key
from ledger.recipes.threshold_material import state_aad
from ledger.recipes.wallet_material import seed_aad
from ledger.stores.base import KeyRing

__all__ = ["KeyRingTarget", "RotationRecorder", "data_key_entries", "move_secret",
           "rotate_key_ring"]

_REF = re.compile(r"^(?P<owner>[^/]+)/v(?P<version>[1-9][0-9]{0,9})$")
_ESCROW_REF = re.compile(r"^(?P<key>[^/]+)/v(?P<version>[1-9][0-9]{0,9})/escrow/(?P<agent>[^/]+)$")
_THRESHOLD_REF = re.compile(r"^threshold/(?P<group>[^/]+)/(?P<stage>.+)$")  # stages: nonces/SESSION
_IMPORT_REF = re.compile(r"^import/(?P<token>[^/]+)$")

RotationRecorder = Callable[[dict[str, Any]], None]
"""Records ``RecordKekRotation`` arguments as a system command (raises when refused)."""


class KeyRingTarget:
    """Stores rewrapped data keys in the key-ring, unless the entry changed meanwhile."""

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    def replace(self, ref: str, expected: bytes, new: bytes) -> bool:
        current = self.keyring.get(ref)
        if current is None or current != expected:
            return False
        self.keyring.put(ref, new)
        return True


def _contexts(ref: str) -> list[bytes]:
    """The sealing contexts a data key reference can have: a key version's or a seed's, an
    escrow copy's, a threshold stage's, a BYOK wrapping key's (each recipe names its refs)."""
    if (match := _REF.match(ref)) is not None:
        owner, version = match.group("owner"), int(match.group("version"))
        return [material_aad(owner, version), seed_aad(owner, version)]
    if (match := _ESCROW_REF.match(ref)) is not None:
        return [escrow_aad(match.group("key"), int(match.group("version")),
                           match.group("agent"))]
    if (match := _THRESHOLD_REF.match(ref)) is not None:
        return [state_aad(match.group("group"), match.group("stage"))]
    if (match := _IMPORT_REF.match(ref)) is not None:
        return [wrapping_aad(match.group("token"))]
    return []


def _context_of(ref: str, wrapped: bytes, old: KEKProvider, new: KEKProvider) -> bytes:
    for aad in _contexts(ref):
        for kek in (old, new):
            try:
                check_data_key(wrapped, kek, aad=aad)
            except CryptoError:
                continue
            return aad
    raise CryptoError(f"data key {ref!r} opens under neither KEK in any context",
                      hint="the key-ring entry is corrupt or was wrapped by a third KEK")


def data_key_entries(keyring: KeyRing, old: KEKProvider, new: KEKProvider
                     ) -> Iterator[WrappedDataKey]:
    """Every entry of the key-ring in ref order, with its sealing context."""
    for ref in sorted(keyring.refs()):
        wrapped = keyring.get(ref)
        if wrapped is None:  # shredded since listed
            continue
        yield WrappedDataKey(ref, wrapped, _context_of(ref, wrapped, old, new))


def move_secret(wrapped: bytes, old: KEKProvider, new: KEKProvider, aad: bytes
                ) -> bytes | None:
    """``wrapped`` rewrapped under ``new``; ``None`` when it already is (a resumed run)."""
    try:
        return rewrap_data_key(wrapped, old, new, aad=aad)
    except CryptoError:
        check_data_key(wrapped, new, aad=aad)  # CryptoError if under neither
        return None


@dataclass(frozen=True, slots=True)
class KeyRingMove:
    """What moving the key-ring did: the completed progress record."""

    progress: RewrapProgress
    data_keys: int


def rotate_key_ring(keyring: KeyRing, old: KEKProvider, new: KEKProvider,
                    progress_store: ProgressStore, *, new_kek_provider: str,
                    record: RotationRecorder, checkpoint_every: int = 64) -> KeyRingMove:
    """Move the key-ring; record ``started`` (once per rotation) before the first key."""
    count = len(keyring.refs())
    announced: set[str] = set()

    def on_checkpoint(progress: RewrapProgress) -> None:
        if progress.rotation_id in announced:
            return
        announced.add(progress.rotation_id)
        record({"phase": "started", "rotation_id": progress.rotation_id,
                "old_kek_id": progress.old_kek_id, "new_kek_id": progress.new_kek_id,
                "new_kek_provider": new_kek_provider, "data_keys": count})

    progress = rewrap_data_keys(old, new, data_key_entries(keyring, old, new),
                                KeyRingTarget(keyring), progress_store,
                                checkpoint_every=checkpoint_every, on_checkpoint=on_checkpoint)
    return KeyRingMove(progress, count)
