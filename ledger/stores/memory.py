"""In-memory store: the executable specification of :mod:`ledger.stores.base`.

Small on purpose; the conformance suite runs against it first, and every other adapter
must behave exactly like it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from ledger.errors import ConcurrencyError
from ledger.stores.base import (
    ChainHead,
    EventStore,
    KeyRing,
    StoredCheckpoint,
    StoredEnvelope,
    check_link,
)


def check_batch(chain_id: str, envelopes: Sequence[StoredEnvelope], expected_seq: int) -> None:
    """Shared precondition of every adapter: one chain, consecutive seqs from expected_seq."""
    for offset, envelope in enumerate(envelopes):
        if envelope.chain_id != chain_id:
            raise ConcurrencyError(f"envelope for chain {envelope.chain_id!r} appended to "
                                   f"chain {chain_id!r}")
        if envelope.seq != expected_seq + offset:
            raise ConcurrencyError(f"envelope seq {envelope.seq} is not consecutive "
                                   f"(expected {expected_seq + offset})")
    versions = [(e.aggregate_id, e.aggregate_version) for e in envelopes]
    if len(set(versions)) != len(versions):
        raise ConcurrencyError("the batch repeats an aggregate version")


class MemoryEventStore(EventStore):
    """Chains held in lists; lost when the process ends."""

    local_head = True

    def __init__(self) -> None:
        self.url = "memory://"
        self._lock = threading.Lock()
        self._chains: dict[str, list[StoredEnvelope]] = {}
        self._versions: dict[str, set[tuple[str, int]]] = {}
        self._commands: dict[tuple[str, str], list[int]] = {}
        self._checkpoints: dict[str, dict[int, StoredCheckpoint]] = {}

    def chains(self) -> list[str]:
        with self._lock:
            return sorted(c for c, events in self._chains.items() if events)

    def head(self, chain_id: str) -> ChainHead | None:
        with self._lock:
            events = self._chains.get(chain_id)
            if not events:
                return None
            last = events[-1]
            return ChainHead(chain_id, last.seq, last.event_hash)

    def append(self, chain_id: str, envelopes: Sequence[StoredEnvelope], *,
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        check_batch(chain_id, envelopes, expected_seq)
        with self._lock:
            events = self._chains.setdefault(chain_id, [])
            if expected_seq != len(events):
                raise ConcurrencyError(f"chain {chain_id!r} is at seq {len(events)}, "
                                       f"not {expected_seq}")
            check_link(chain_id, prev_hash, events[-1].event_hash if events else None)
            taken = self._versions.setdefault(chain_id, set())
            for envelope in envelopes:
                if (envelope.aggregate_id, envelope.aggregate_version) in taken:
                    raise ConcurrencyError(f"aggregate {envelope.aggregate_id} version "
                                           f"{envelope.aggregate_version} already exists")
            for envelope in envelopes:
                events.append(envelope)
                taken.add((envelope.aggregate_id, envelope.aggregate_version))
                self._commands.setdefault((chain_id, envelope.command_id), []).append(
                    envelope.seq)

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        with self._lock:
            events = list(self._chains.get(chain_id, []))
        end = len(events) if to_seq is None else min(to_seq, len(events))
        yield from events[max(from_seq, 0):end]

    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        with self._lock:
            return list(self._commands.get((chain_id, command_id), []))

    def put_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        with self._lock:
            self._checkpoints.setdefault(checkpoint.chain_id, {}).setdefault(
                checkpoint.size, checkpoint)

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        with self._lock:
            found = self._checkpoints.get(chain_id, {})
            return [found[size] for size in sorted(found)]


class MemoryKeyRing(KeyRing):
    """Wrapped data keys in a dict."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, key_ref: str, wrapped_data_key: bytes) -> None:
        with self._lock:
            self._keys[key_ref] = wrapped_data_key

    def get(self, key_ref: str) -> bytes | None:
        with self._lock:
            return self._keys.get(key_ref)

    def shred(self, key_ref: str) -> None:
        with self._lock:
            self._keys.pop(key_ref, None)

    def refs(self) -> list[str]:
        with self._lock:
            return sorted(self._keys)
