"""The SQLite store checkpoints its WAL after commits, never inside one, and keeps it bounded."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from ledger.stores.sqlite import SQLiteEventStore
from ledger.stores.wal_checkpointer import WalCheckpointer
from tests.stores.conformance import envelope

BODY = b"x" * 1500  # about one audited sign's envelope


def fill(store: SQLiteEventStore, chain: str, commits: int, start: int = 0) -> None:
    for seq in range(start, start + commits):
        store.append(chain, [envelope(chain, seq, body=BODY + seq.to_bytes(4, "big"))],
                     expected_seq=seq)


def wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_commits_never_checkpoint_inline(tmp_path: Path) -> None:
    store = SQLiteEventStore(tmp_path / "ledger.db")
    assert store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    store.close()


def test_the_commit_crossing_the_threshold_returns_before_the_checkpoint(
        tmp_path: Path) -> None:
    """The checkpoint runs on its own thread: the commit that made it due is not held up."""
    store = SQLiteEventStore(tmp_path / "ledger.db")
    store.checkpointer.commits = 4
    started, release = threading.Event(), threading.Event()
    checkpoint = store.checkpointer.checkpoint

    def held_checkpoint() -> None:
        started.set()
        release.wait(30)
        checkpoint()

    store.checkpointer.checkpoint = held_checkpoint  # type: ignore[method-assign]
    try:
        fill(store, "c", 4)  # the fourth commit makes a checkpoint due and returns
        assert started.wait(30)
        assert store.checkpointer.checkpoints == 0
    finally:
        release.set()
    store.close()  # waits for the checkpoint in progress
    assert store.checkpointer.checkpoints == 1
    assert store.checkpointer._thread is not None
    assert not store.checkpointer._thread.is_alive()


def test_the_wal_stays_bounded_and_every_event_survives(tmp_path: Path) -> None:
    """Without checkpoints the log would hold every commit's pages (about 16 MB here)."""
    path = tmp_path / "ledger.db"
    store = SQLiteEventStore(path)
    store.checkpointer.commits = 32
    fill(store, "c", 600)
    store.checkpointer.stop()  # let the last due checkpoint finish
    assert store.checkpointer.checkpoints >= 600 // 32 - 1
    assert store.checkpointer.last_error is None
    assert wal_bytes(path) < 4 * 1024 * 1024, wal_bytes(path)
    store.close()
    reopened = SQLiteEventStore(path)
    assert [e.seq for e in reopened.read("c")] == list(range(600))
    reopened.close()


def test_without_the_checkpointer_the_wal_grows(tmp_path: Path) -> None:
    """The control for the bound above: the store's own checkpoints are what keep it."""
    path = tmp_path / "ledger.db"
    store = SQLiteEventStore(path)
    store.checkpointer.stop()  # no checkpoint thread from here on
    fill(store, "c", 600)
    assert wal_bytes(path) > 4 * 1024 * 1024, wal_bytes(path)
    store.close()


def test_big_appends_count_by_their_bytes(tmp_path: Path) -> None:
    store = SQLiteEventStore(tmp_path / "ledger.db")
    store.checkpointer.body_bytes = 64 * 1024
    batch = [envelope("c", seq, body=BODY + seq.to_bytes(4, "big")) for seq in range(60)]
    store.append("c", batch, expected_seq=0)  # one commit of ~90 KB
    store.checkpointer.stop()
    assert store.checkpointer.checkpoints == 1
    store.close()


def test_a_failed_checkpoint_is_recorded_not_raised(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "x.db", check_same_thread=False)
    connection.close()  # every execute now fails
    checkpointer = WalCheckpointer(connection, threading.Lock(), commits=1)
    checkpointer.appended(10)
    checkpointer.stop()
    assert checkpointer.checkpoints == 0
    assert checkpointer.last_error is not None and "closed" in checkpointer.last_error
