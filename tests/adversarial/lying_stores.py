"""Stores that lie, for the malicious-store suite.

The attacker is whoever runs the store (or sits between it and the auditor): it has every
byte, may answer each call differently, but holds no actor key and, unless a test says
so (a fork), not the ledger key. Each class wraps a real store, or serves lists it was
given, and lies in one way; the tests check the auditor and the proof verifier name the
lie exactly (chain, seq, check, reason).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence

from ledger.envelope import Envelope, open_envelope, seal_envelope
from ledger.events.codec import encode_payload
from ledger.stores.base import ChainHead, EventStore, StoredCheckpoint, StoredEnvelope


class ForgedStore(EventStore):
    """Read-only: serves exactly the lists it holds (any order, gaps, repeats)."""

    url = "forged://"

    def __init__(self, chains: dict[str, list[StoredEnvelope]],
                 checkpoints: dict[str, list[StoredCheckpoint]]) -> None:
        self.lists = chains
        self.cps = checkpoints

    def chains(self) -> list[str]:
        return sorted(c for c, events in self.lists.items() if events)

    def head(self, chain_id: str) -> ChainHead | None:
        events = self.lists.get(chain_id)
        return ChainHead(chain_id, events[-1].seq, events[-1].event_hash) if events else None

    def append(self, chain_id: str, envelopes: Sequence[StoredEnvelope], *,
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        raise NotImplementedError("a forged store is read-only")

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        for stored in self.lists.get(chain_id, []):
            if stored.seq >= from_seq and (to_seq is None or stored.seq < to_seq):
                yield stored

    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        return [e.seq for e in self.lists.get(chain_id, []) if e.command_id == command_id]

    def put_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        raise NotImplementedError("a forged store is read-only")

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        return list(self.cps.get(chain_id, []))


class LyingStore(EventStore):
    """Delegates every call to ``inner``; subclasses override the call they lie in."""

    def __init__(self, inner: EventStore) -> None:
        self.inner = inner
        self.url = f"lying+{inner.url}"

    def chains(self) -> list[str]:
        return self.inner.chains()

    def head(self, chain_id: str) -> ChainHead | None:
        return self.inner.head(chain_id)

    def append(self, chain_id: str, envelopes: Sequence[StoredEnvelope], *,
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        self.inner.append(chain_id, envelopes, expected_seq=expected_seq,
                          prev_hash=prev_hash)

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        return self.inner.read(chain_id, from_seq, to_seq)

    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        return self.inner.seqs_for_command(chain_id, command_id)

    def put_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self.inner.put_checkpoint(checkpoint)

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        return self.inner.checkpoints(chain_id)

    def close(self) -> None:
        self.inner.close()


class SecondReadLies(LyingStore):
    """The first read that covers ``seq`` of ``chain_id`` is honest; every later one serves
    ``replacement`` there instead (a store showing different auditors different events)."""

    def __init__(self, inner: EventStore, chain_id: str, seq: int,
                 replacement: StoredEnvelope) -> None:
        super().__init__(inner)
        self.chain_id, self.seq, self.replacement = chain_id, seq, replacement
        self.reads = 0

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        covers = (chain_id == self.chain_id and from_seq <= self.seq
                  and (to_seq is None or self.seq < to_seq))
        if covers:
            self.reads += 1
        lie = covers and self.reads > 1
        for stored in self.inner.read(chain_id, from_seq, to_seq):
            yield self.replacement if lie and stored.seq == self.seq else stored


class HeadLies(LyingStore):
    """``head`` names another last event than ``read`` serves (a second answer about the
    last seq)."""

    def __init__(self, inner: EventStore, chain_id: str, event_hash: bytes) -> None:
        super().__init__(inner)
        self.chain_id, self.event_hash = chain_id, event_hash

    def head(self, chain_id: str) -> ChainHead | None:
        head = self.inner.head(chain_id)
        if head is None or chain_id != self.chain_id:
            return head
        return ChainHead(chain_id, head.seq, self.event_hash)


class HidesTail(LyingStore):
    """Serves ``chain_id`` only up to ``size`` events and only the checkpoints it covers:
    an old checkpoint presented as the latest, the events after it withheld."""

    def __init__(self, inner: EventStore, chain_id: str, size: int) -> None:
        super().__init__(inner)
        self.chain_id, self.size = chain_id, size

    def _limit(self, chain_id: str) -> int | None:
        return self.size if chain_id == self.chain_id else None

    def head(self, chain_id: str) -> ChainHead | None:
        limit = self._limit(chain_id)
        if limit is None:
            return self.inner.head(chain_id)
        last = list(self.inner.read(chain_id, limit - 1, limit))
        return ChainHead(chain_id, last[0].seq, last[0].event_hash) if last else None

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        limit = self._limit(chain_id)
        if limit is not None:
            to_seq = limit if to_seq is None else min(to_seq, limit)
        return self.inner.read(chain_id, from_seq, to_seq)

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        limit = self._limit(chain_id)
        found = self.inner.checkpoints(chain_id)
        return found if limit is None else [c for c in found if c.size <= limit]


class RewritesCheckpoints(LyingStore):
    """``checkpoints`` answers through ``rewrite`` (drop, relabel or swap notes)."""

    def __init__(self, inner: EventStore,
                 rewrite: Callable[[str, list[StoredCheckpoint]], list[StoredCheckpoint]]
                 ) -> None:
        super().__init__(inner)
        self.rewrite = rewrite

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        return self.rewrite(chain_id, self.inner.checkpoints(chain_id))


def reseal_from(envelopes: list[StoredEnvelope], seq: int,
                change: Callable[[Envelope], Envelope]) -> list[StoredEnvelope]:
    """What a store with no key can still do: change the envelope at ``seq`` and re-link
    every later one (new prev hashes, new event hashes), so the hash chain is whole again.
    Actor signatures cover commands, not envelopes, so they still verify; only a signed
    checkpoint over the old events can tell."""
    forged = list(envelopes[:seq])
    prev_hash = envelopes[seq - 1].event_hash if seq else bytes(32)
    for index, stored in enumerate(envelopes[seq:]):
        envelope = open_envelope(stored)
        if index == 0:
            envelope = change(envelope)
        envelope = dataclasses.replace(envelope, prev_hash=prev_hash)
        resealed = seal_envelope(envelope)
        forged.append(resealed)
        prev_hash = resealed.event_hash
    return forged


def flip_first_bytes_field(envelope: Envelope) -> Envelope:
    """The event with the first byte of its first bytes-valued field flipped (re-encoded)."""
    record = envelope.event()
    name = next(k for k, v in record.items() if isinstance(v, bytes) and v)
    record[name] = bytes([record[name][0] ^ 0x01]) + record[name][1:]
    version, payload = encode_payload(envelope.event_type, record)
    return dataclasses.replace(envelope, schema_version=version, payload=payload)
