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
