"""The conformance suite against the in-memory and SQLite stores."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from ledger.stores.base import EventStore, KeyRing
from ledger.stores.memory import MemoryEventStore, MemoryKeyRing
from ledger.stores.sqlite import SQLiteEventStore, SQLiteKeyRing
from tests.stores.conformance import StoreConformance, envelope


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

    def test_own_commit_keeps_other_heads_but_not_after_a_foreign_commit(self) -> None:
        """Our own commit updates our head and keeps the others remembered (no read of the
        database); a commit by another connection in between, even one made just before
        ours, is still seen on every chain."""
        first = SQLiteEventStore(self.folder / "own.db")
        second = SQLiteEventStore(self.folder / "own.db")
        first.append("sys", [envelope("sys", 0)], expected_seq=0)
        first.append("a", [envelope("a", 0)], expected_seq=0)
        assert first.head("sys").seq == 0 and first.chains() == ["a", "sys"]  # type: ignore[union-attr]
        queries: list[str] = []
        reader = first._reader

        class CountingReader:
            def execute(self, sql: str, *args: Any) -> Any:
                queries.append(sql)
                return reader.execute(sql, *args)

        first._reader = CountingReader()  # type: ignore[assignment]
        first.append("a", [envelope("a", 1)], expected_seq=1)
        assert first.head("a").seq == 1 and first.head("sys").seq == 0  # type: ignore[union-attr]
        assert first.chains() == ["a", "sys"]
        assert queries == []
        second.append("sys", [envelope("sys", 1)], expected_seq=1)  # before first's commit
        first.append("a", [envelope("a", 2)], expected_seq=2)
        assert first.head("sys").seq == 1  # type: ignore[union-attr]
        assert first.head("a").seq == 2  # type: ignore[union-attr]
        second.append("b", [envelope("b", 0)], expected_seq=0)
        assert first.chains() == ["a", "b", "sys"]
        first._reader = reader
        first.close()
        second.close()

    def test_reads_do_not_wait_for_a_commit_in_progress(self) -> None:
        """Reads use their own connection: a head check never queues behind a commit's fsync."""
        store = SQLiteEventStore(self.folder / "reads.db")
        store.append("c", [envelope("c", 0)], expected_seq=0)
        first = store.head("c")
        in_commit, release = threading.Event(), threading.Event()
        order: list[str] = []

        class SlowCommit:  # the writing connection, with a COMMIT that waits for the test
            def __init__(self, connection: Any) -> None:
                self.connection = connection

            def execute(self, sql: str, *args: Any) -> Any:
                if sql == "COMMIT":
                    in_commit.set()
                    release.wait(30)
                    order.append("commit")
                return self.connection.execute(sql, *args)

            def __getattr__(self, name: str) -> Any:
                return getattr(self.connection, name)

        store._db = SlowCommit(store._db)  # type: ignore[assignment]
        writer = threading.Thread(target=store.append, args=(
            "c", [envelope("c", 1)]),
            kwargs={"expected_seq": 1})
        writer.start()
        try:
            assert in_commit.wait(30)
            during = store.head("c")  # would wait for the release (30 s) on the writer's lock
            order.append("head")
            assert during == first and [e.seq for e in store.read("c")] == [0]
        finally:
            release.set()
            writer.join()
        assert order == ["head", "commit"]
        after = store.head("c")
        assert after is not None and after.seq == 1
        store.close()
