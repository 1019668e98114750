"""Every SKMS entry point the vector generator uses, imported in this one place.

Why one module: the generator must follow the product when it is refactored, and a moved
function should mean one edited import here, not a hunt through every vector family (the
catalogue refactor moved ``get_scheme`` to :mod:`ledger.crypto.schemes` and made commands
take their arguments by catalogue name: edits here and in :mod:`vectorgen.sample` only).
Only public, stable names are used: the envelope (seal/open), the Merkle package, proof
documents, the in-memory store, the ledger application, the command catalogue with its
builder and handlers, and the Avro codec.
"""

from __future__ import annotations

from commands.builders import Resolver, build
from commands.handlers import execute
from ledger.application import Ledger
from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import CATALOGUE
from ledger.command import COMMAND_DOMAIN, SYSTEM_ACTOR, Command, parse_command
from ledger.crypto import entropy
from ledger.crypto.kek import PassphraseKEK
from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import get_scheme
from ledger.envelope import (
    EVENT_HASH_DOMAIN,
    Envelope,
    event_hash_of,
    open_envelope,
    seal_envelope,
)
from ledger.errors import CommandRejected
from ledger.events.codec import decode_payload, encode_payload
from ledger.merkle import (
    Checkpoint,
    MerkleTree,
    hash_leaf,
    open_checkpoint,
    sign_note,
    verifier_key_string,
)
from ledger.proofs import build_consistency, build_inclusion
from ledger.stores.base import StoredCheckpoint, StoredEnvelope
from ledger.stores.memory import MemoryEventStore, MemoryKeyRing

__all__ = [
    "CATALOGUE",
    "COMMAND_DOMAIN",
    "EVENT_HASH_DOMAIN",
    "SYSTEM_ACTOR",
    "SYSTEM_CHAIN",
    "Checkpoint",
    "Command",
    "CommandRejected",
    "Envelope",
    "Ledger",
    "MemoryEventStore",
    "MemoryKeyRing",
    "MerkleTree",
    "PassphraseKEK",
    "Resolver",
    "StoredCheckpoint",
    "StoredEnvelope",
    "build",
    "build_consistency",
    "build_inclusion",
    "decode_payload",
    "encode_payload",
    "entropy",
    "event_hash_of",
    "execute",
    "get_scheme",
    "hash_leaf",
    "open_checkpoint",
    "open_envelope",
    "parse_command",
    "seal_envelope",
    "sign_note",
    "verifier_key_string",
    "zeroize",
]
