"""Recipe: seal and open a threshold seat's secret state between commands.

Why: a DKG or a FROST signing session spans several commands (rounds), and the secret a
round produces (the polynomial and transport key of round 1, the own share of round 2,
the signing share, a session's nonces) must survive until the next round without ever
being in clear outside one call. Each is sealed like every other ledger secret
(:meth:`~ledger.recipes.key_material.KeyMaterial.seal_secret`: AES-256-GCM under a fresh
data key whose KEK-wrapped copy goes to the key-ring), with associated data naming the
group and the stage, so a sealed blob cannot be replayed into another group or step.
Each stage has its own data key, shredded once the next stage has consumed it: a copy of
the log then holds nothing that opens.

The state travels as the JSON documents of :mod:`ledger.crypto.threshold` (hex text of the
scalars inside a ``bytearray`` this module wipes). Python's ``json`` makes immutable
intermediate strings that cannot be wiped; they live only for the duration of one call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ledger.crypto.memory import zeroize
from ledger.errors import CryptoError
from ledger.recipes.key_material import KeyMaterial

__all__ = ["SealedState", "open_state", "seal_state", "state_aad", "state_ref"]


@dataclass(frozen=True, slots=True)
class SealedState:
    """What an event records of a sealed stage: the blob and its data key's reference."""

    sealed: bytes
    data_key_ref: str


def state_ref(group_id: str, stage: str) -> str:
    """The key-ring reference of a group's stage (a name, never key material)."""
    return f"threshold/{group_id}/{stage}"


def state_aad(group_id: str, stage: str) -> bytes:
    """The sealing context of a stage's secret document (also what a KEK rotation tries)."""
    return f"skms-threshold-state:v1:{group_id}:{stage}".encode()


def seal_state(material: KeyMaterial, group_id: str, stage: str,
               document: dict[str, Any]) -> SealedState:
    """Seal one stage's secret document (the caller wipes its own objects)."""
    buffer = bytearray(json.dumps(document, sort_keys=True).encode())
    ref = state_ref(group_id, stage)
    try:
        return SealedState(material.seal_secret(buffer, ref, state_aad(group_id, stage)), ref)
    finally:
        zeroize(buffer)


def open_state(material: KeyMaterial, group_id: str, stage: str, sealed: bytes,
               data_key_ref: str) -> Any:
    """The secret document of one stage (refused when its data key was shredded)."""
    if not sealed or not data_key_ref:
        raise CryptoError(f"the {stage} state of group {group_id} is no longer held")
    buffer = material.open_secret(sealed, data_key_ref, state_aad(group_id, stage))
    try:
        return json.loads(buffer.decode())
    finally:
        zeroize(buffer)
