"""One behavioural suite for every store, so adapters cannot drift apart.

Subclass :class:`StoreConformance` with a ``create_store`` (and ``reopen_store`` where the
adapter persists) in a few lines per adapter; pytest collects each subclass.
"""

from __future__ import annotations

import hashlib
import threading

import pytest

from ledger.errors import ConcurrencyError
from ledger.stores.base import (
    GENESIS_PREV_HASH,
    ChainHead,
    EventStore,
    KeyRing,
    StoredCheckpoint,
    StoredEnvelope,
)


def envelope(chain: str, seq: int, *, aggregate: str = "agg-1", version: int | None = None,
             command: str | None = None, body: bytes | None = None) -> StoredEnvelope:
    payload = body if body is not None else f"{chain}:{seq}".encode()
    return StoredEnvelope(chain, seq, hashlib.sha256(payload).digest(), payload, "TestEvent",
                          aggregate, seq + 1 if version is None else version,
                          command or f"cmd-{seq}")


class StoreConformance:
    """Requirements 1-7 of ``ledger.stores.base``."""

    chain = "conformance"

    def create_store(self) -> tuple[EventStore, KeyRing]:
        raise AssertionError("subclasses provide a store")

    def reopen_store(self, store: EventStore) -> EventStore | None:
        """A second handle on the same data, or None for non-persistent stores."""
        return None

    @pytest.fixture
    def stores(self) -> tuple[EventStore, KeyRing]:
        store, keyring = self.create_store()
        yield store, keyring
        store.close()
        keyring.close()

    def test_empty_store(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        assert store.head(self.chain) is None
        assert list(store.read(self.chain)) == []
        assert store.latest_checkpoint(self.chain) is None

    def test_append_and_read_back(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        batch = [envelope(self.chain, i) for i in range(5)]
        store.append(self.chain, batch[:2], expected_seq=0)
        store.append(self.chain, batch[2:], expected_seq=2)
        assert list(store.read(self.chain)) == batch
        assert list(store.read(self.chain, 1, 3)) == batch[1:3]
        head = store.head(self.chain)
        assert head is not None and head.seq == 4 and head.event_hash == batch[4].event_hash
        assert self.chain in store.chains()

    def test_wrong_expected_seq_is_a_conflict(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        store.append(self.chain, [envelope(self.chain, 0)], expected_seq=0)
        with pytest.raises(ConcurrencyError):
            store.append(self.chain, [envelope(self.chain, 0)], expected_seq=0)
        with pytest.raises(ConcurrencyError):
            store.append(self.chain, [envelope(self.chain, 2)], expected_seq=2)
        assert [e.seq for e in store.read(self.chain)] == [0]

    def test_an_append_that_does_not_link_to_the_head_is_a_conflict(
            self, stores: tuple[EventStore, KeyRing]) -> None:
        """Requirement 7: the right seq with the wrong link stores nothing."""
        store, _ = stores
        first, second = envelope(self.chain, 0), envelope(self.chain, 1)
        with pytest.raises(ConcurrencyError):  # an empty chain's head is the genesis hash
            store.append(self.chain, [first], expected_seq=0, prev_hash=b"\x01" * 32)
        assert store.head(self.chain) is None
        store.append(self.chain, [first], expected_seq=0, prev_hash=GENESIS_PREV_HASH)
        for wrong in (GENESIS_PREV_HASH, second.event_hash, first.event_hash[:-1] + b"\x00"):
            with pytest.raises(ConcurrencyError, match="not the stored one"):
                store.append(self.chain, [second], expected_seq=1, prev_hash=wrong)
        assert [e.seq for e in store.read(self.chain)] == [0]
        store.append(self.chain, [second], expected_seq=1, prev_hash=first.event_hash)
        assert store.head(self.chain) == ChainHead(self.chain, 1, second.event_hash)

    def test_duplicate_aggregate_version_is_a_conflict(
            self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        store.append(self.chain, [envelope(self.chain, 0, version=1)], expected_seq=0)
        with pytest.raises(ConcurrencyError):
            store.append(self.chain, [envelope(self.chain, 1, version=1)], expected_seq=1)
        assert store.head(self.chain).seq == 0  # type: ignore[union-attr]

    def test_batches_are_atomic(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        store.append(self.chain, [envelope(self.chain, 0, version=1)], expected_seq=0)
        bad_batch = [envelope(self.chain, 1, version=2), envelope(self.chain, 2, version=1)]
        with pytest.raises(ConcurrencyError):
            store.append(self.chain, bad_batch, expected_seq=1)
        assert [e.seq for e in store.read(self.chain)] == [0]
        gap_batch = [envelope(self.chain, 1), envelope(self.chain, 3)]
        with pytest.raises(ConcurrencyError):
            store.append(self.chain, gap_batch, expected_seq=1)
        assert [e.seq for e in store.read(self.chain)] == [0]

    def test_command_ids_are_found(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        store.append(self.chain, [envelope(self.chain, 0, command="c1"),
                                  envelope(self.chain, 1, aggregate="agg-2", version=1,
                                           command="c1"),
                                  envelope(self.chain, 2, command="c2")], expected_seq=0)
        assert store.seqs_for_command(self.chain, "c1") == [0, 1]
        assert store.seqs_for_command(self.chain, "c2") == [2]
        assert store.seqs_for_command(self.chain, "nope") == []

    def test_chains_are_independent(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        store.append(self.chain, [envelope(self.chain, 0)], expected_seq=0)
        other = self.chain + "-b"
        store.append(other, [envelope(other, 0)], expected_seq=0)
        assert [e.chain_id for e in store.read(other)] == [other]
        assert {self.chain, other} <= set(store.chains())

    def test_checkpoints(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        store.put_checkpoint(StoredCheckpoint(self.chain, 3, "note-3"))
        store.put_checkpoint(StoredCheckpoint(self.chain, 1, "note-1"))
        store.put_checkpoint(StoredCheckpoint(self.chain, 3, "note-3"))
        assert [c.size for c in store.checkpoints(self.chain)] == [1, 3]
        assert store.latest_checkpoint(self.chain) == StoredCheckpoint(self.chain, 3, "note-3")

    def test_concurrent_writers_never_fork(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        wins: list[int] = []
        conflicts: list[int] = []

        def writer(number: int) -> None:
            try:
                store.append(self.chain, [envelope(self.chain, 0, body=f"w{number}".encode())],
                             expected_seq=0)
                wins.append(number)
            except ConcurrencyError:
                conflicts.append(number)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(wins) == 1 and len(conflicts) == 5
        assert len(list(store.read(self.chain))) == 1

    def test_reopen_sees_everything(self, stores: tuple[EventStore, KeyRing]) -> None:
        store, _ = stores
        batch = [envelope(self.chain, i) for i in range(3)]
        store.append(self.chain, batch, expected_seq=0)
        store.put_checkpoint(StoredCheckpoint(self.chain, 3, "n"))
        again = self.reopen_store(store)
        if again is None:
            return
        try:
            assert list(again.read(self.chain)) == batch
            assert again.head(self.chain).seq == 2  # type: ignore[union-attr]
            assert [c.size for c in again.checkpoints(self.chain)] == [3]
            again.append(self.chain, [envelope(self.chain, 3)], expected_seq=3)
        finally:
            again.close()

    def test_keyring_put_get_shred(self, stores: tuple[EventStore, KeyRing]) -> None:
        _, keyring = stores
        keyring.put("k1/v1", b"wrapped-1")
        keyring.put("k2/v1", b"wrapped-2")
        assert keyring.get("k1/v1") == b"wrapped-1"
        assert set(keyring.refs()) >= {"k1/v1", "k2/v1"}
        keyring.shred("k1/v1")
        keyring.shred("k1/v1")
        assert keyring.get("k1/v1") is None
        assert "k1/v1" not in keyring.refs()
        assert keyring.get("k2/v1") == b"wrapped-2"
