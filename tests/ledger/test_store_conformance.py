"""The conformance suite against the in-memory and SQLite stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.stores.base import EventStore, KeyRing
from ledger.stores.memory import MemoryEventStore, MemoryKeyRing
from ledger.stores.sqlite import SQLiteEventStore, SQLiteKeyRing
from tests.store_conformance import StoreConformance


class TestMemoryStore(StoreConformance):
    def create_store(self) -> tuple[EventStore, KeyRing]:
        return MemoryEventStore(), MemoryKeyRing()


class TestSQLiteStore(StoreConformance):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def create_store(self) -> tuple[EventStore, KeyRing]:
        return (SQLiteEventStore(self.folder / "ledger.db"),
                SQLiteKeyRing(self.folder / "ledger.keyring.db"))

    def reopen_store(self, store: EventStore) -> EventStore | None:
        return SQLiteEventStore(self.folder / "ledger.db")

    def test_shredded_key_is_gone_from_the_files(self, tmp_path: Path) -> None:
        keyring = SQLiteKeyRing(tmp_path / "k.db")
        secret = b"WRAPPED-DATA-KEY-" + bytes(range(32))
        keyring.put("key/v1", secret)
        keyring.shred("key/v1")
        keyring.close()
        for path in tmp_path.iterdir():
            assert secret not in path.read_bytes(), path.name

    def test_head_follows_appends_through_another_connection(self) -> None:
        """The remembered head is dropped when another connection commits (data_version)."""
        from tests.store_conformance import envelope

        first = SQLiteEventStore(self.folder / "shared.db")
        second = SQLiteEventStore(self.folder / "shared.db")
        first.append("c", [envelope("c", 0)], expected_seq=0)
        assert first.head("c") is not None and first.head("c").seq == 0  # type: ignore[union-attr]
        assert second.head("c").seq == 0  # type: ignore[union-attr]
        second.append("c", [envelope("c", 1), envelope("c", 2, version=3)], expected_seq=1)
        assert second.head("c").seq == 2  # type: ignore[union-attr]  (own append)
        head = first.head("c")
        assert head is not None and head.seq == 2
        assert head.event_hash == envelope("c", 2).event_hash
        assert first.head("unknown") is None
        second.append("unknown", [envelope("unknown", 0)], expected_seq=0)
        assert first.head("unknown") is not None
        first.close()
        second.close()
