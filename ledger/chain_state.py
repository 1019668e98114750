"""What a writer must know about one chain to append to it: head, Merkle frontier, journal.

Rebuilt from the log on start (never trusted from elsewhere), advanced as envelopes are
built, and thrown away if a commit fails.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ledger.merkle.hasher import hash_leaf
from ledger.merkle.tree import CompactRange
from ledger.stores.base import GENESIS_PREV_HASH

JOURNAL_NAMESPACE = uuid.UUID("5f0c8d0e-52a8-4a5e-9d8f-3f3c1b0e2a11")


def journal_id(chain_id: str, kind: str) -> str:
    """Aggregate id of a chain's journal of non-aggregate facts (checkpoints, rejections)."""
    return str(uuid.uuid5(JOURNAL_NAMESPACE, f"{chain_id}/{kind}"))


@dataclass
class ChainState:
    chain_id: str
    next_seq: int = 0
    head_hash: bytes = GENESIS_PREV_HASH
    frontier: CompactRange = field(default_factory=CompactRange)
    journal_versions: dict[str, int] = field(default_factory=dict)
    last_checkpoint_size: int = 0
    last_checkpoint_at: int = 0

    def advance(self, event_hash: bytes) -> None:
        self.frontier.append(hash_leaf(event_hash))
        self.head_hash = event_hash
        self.next_seq += 1

    def next_journal_version(self, kind: str) -> tuple[str, int]:
        aggregate_id = journal_id(self.chain_id, kind)
        version = self.journal_versions.get(aggregate_id, 0) + 1
        self.journal_versions[aggregate_id] = version
        return aggregate_id, version
