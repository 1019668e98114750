"""The store interfaces every adapter implements.

Requirements (the conformance suite in ``tests/store_conformance.py`` checks each):

1. A store holds any number of chains, each a gapless sequence of envelopes numbered from 0.
2. ``append`` is atomic: all envelopes of one call are stored, or none are.
3. ``append`` is optimistic: it names the seq it expects to write first; if the chain's
   head moved, or an (aggregate id, aggregate version) pair of that chain is taken, it raises
   :class:`~ledger.errors.ConcurrencyError` and stores nothing.
4. A command id is stored with its envelopes, so a retried command is found, not re-applied.
5. ``append`` returns only after the envelopes are durable (fail closed).
6. Driver errors never escape an adapter; they become :mod:`ledger.errors` classes.
7. ``append`` given ``prev_hash`` (the hash the writer linked its first envelope to) stores
   nothing unless that is the stored head's event hash (:data:`GENESIS_PREV_HASH` for an
   empty chain), raising ``ConcurrencyError``: a writer whose view of the chain is wrong
   (a lost commit it did not notice, a stale remembered head) can never store a broken
   link, only lose the race and decide again. Stores hold bodies opaquely, so the link
   inside the batch is the writer's to keep; the store compares hashes it holds.

The key-ring is a separate interface because it must live beside the log, not in it:
shredding a data key must leave every copy of the event log unable to unseal the key.
"""

from __future__ import annotations

import abc
import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ledger.errors import ConcurrencyError

GENESIS_PREV_HASH = bytes(32)
"""What the first envelope of a chain links to (``ledger.envelope`` rule 3)."""


def check_link(chain_id: str, prev_hash: bytes | None, head_hash: bytes | None) -> None:
    """Requirement 7, for every adapter: ``head_hash`` is the stored head's event hash,
    None for an empty chain."""
    if prev_hash is None:
        return
    if not hmac.compare_digest(prev_hash, GENESIS_PREV_HASH if head_hash is None
                               else head_hash):
        raise ConcurrencyError(f"chain {chain_id!r}: the append links to a head that is not "
                               "the stored one", hint="reload the chain and decide again")


@dataclass(frozen=True, slots=True)
class StoredEnvelope:
    """One envelope as persisted.

    ``body`` is the exact Avro encoding the writer produced; ``event_hash`` is computed over
    it (see :mod:`ledger.envelope`). The other fields are copies of values inside ``body``
    that stores index on; the auditor checks they agree with the body.
    """

    chain_id: str
    seq: int
    event_hash: bytes
    body: bytes
    event_type: str
    aggregate_id: str
    aggregate_version: int
    command_id: str


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last envelope of a chain: the next append must use ``seq + 1`` and ``event_hash``."""

    chain_id: str
    seq: int
    event_hash: bytes


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A signed checkpoint (C2SP signed-note text) covering the first ``size`` events."""

    chain_id: str
    size: int
    note: str


class EventStore(abc.ABC):
    """Append-only storage of envelope chains plus their signed checkpoints."""

    url: str
    #: ``head`` answers from this machine without waiting for a commit in progress (no
    #: network round trip): cheap enough to call on an event loop before every command.
    local_head: bool = False

    @abc.abstractmethod
    def chains(self) -> list[str]:
        """Ids of every chain that has at least one envelope, sorted."""

    @abc.abstractmethod
    def head(self, chain_id: str) -> ChainHead | None:
        """The chain's last envelope, or ``None`` for an empty or unknown chain."""

    @abc.abstractmethod
    def append(self, chain_id: str, envelopes: Sequence[StoredEnvelope], *,
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        """Store ``envelopes`` atomically; the first must have ``seq == expected_seq``.

        Raises ``ConcurrencyError`` if ``expected_seq`` is not the chain's next seq, if the
        envelopes' seqs are not consecutive, an aggregate version is already taken, or
        ``prev_hash`` is given and is not the stored head's hash (requirement 7).
        """

    @abc.abstractmethod
    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        """Envelopes with ``from_seq <= seq < to_seq`` (to the end when ``None``), in order."""

    @abc.abstractmethod
    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        """Seqs of the envelopes a command produced in this chain (empty if never applied)."""

    @abc.abstractmethod
    def put_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Store a signed checkpoint; storing the same (chain, size) twice is a no-op."""

    @abc.abstractmethod
    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        """Every stored checkpoint of the chain, by increasing size."""

    def latest_checkpoint(self, chain_id: str) -> StoredCheckpoint | None:
        """The checkpoint with the largest size, or ``None``."""
        found = self.checkpoints(chain_id)
        return found[-1] if found else None

    def close(self) -> None:  # noqa: B027 - optional hook, most adapters need nothing
        """Release connections; the store must not be used afterwards."""

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class KeyRing(abc.ABC):
    """Wrapped data keys, one per sealed key version, stored beside (not in) the log."""

    @abc.abstractmethod
    def put(self, key_ref: str, wrapped_data_key: bytes) -> None:
        """Store a wrapped data key under a fresh reference (re-putting the same is a no-op)."""

    @abc.abstractmethod
    def get(self, key_ref: str) -> bytes | None:
        """The wrapped data key, or ``None`` if it never existed or was shredded."""

    @abc.abstractmethod
    def shred(self, key_ref: str) -> None:
        """Delete the data key so no copy of the store keeps it (idempotent)."""

    @abc.abstractmethod
    def refs(self) -> list[str]:
        """Every reference still holding a data key."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""
