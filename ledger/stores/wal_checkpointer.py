"""Checkpoints an SQLite write-ahead log after a commit instead of inside one.

Why: with SQLite's default auto-checkpoint, the commit that pushes the WAL past 1,000 pages
copies the log into the database file and syncs it before returning, so one sign in every
hundred or so waits several times longer for its commit: that tail is the one-client p99
the service is judged on (figures in docs/performance.md). The store turns auto-checkpoint
off on its writing connection and this thread runs the same passive checkpoint on that
connection right after the commit that crossed the threshold has returned, holding the
store's write lock: the request that triggered it is already answered, and the next commit
waits only if it comes before the checkpoint is done (in a steady stream, the decisions of
the next commands overlap it).

Why on the writing connection, under the write lock, and not beside the writer: a passive
checkpoint racing a writer never catches up with the log's end, so the WAL never restarts
and grows without bound. Holding the write lock, the
checkpoint copies every frame and the next commit starts the log from its beginning again.

Durability does not depend on it: a committed transaction is in the synced WAL whether or
not it has been checkpointed. If a checkpoint fails, the next threshold tries again.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from typing import Any

# A single sign's commit writes about 7 pages (rows and three B-trees), so 128 commits is
# close to SQLite's own 1,000-page auto-checkpoint; big batches count by their bytes.
DEFAULT_COMMITS = 128
DEFAULT_BYTES = 2 * 1024 * 1024


class WalCheckpointer:
    """Runs a passive checkpoint after every ``commits`` commits or ``body_bytes`` bytes."""

    def __init__(self, connection: sqlite3.Connection,
                 write_lock: AbstractContextManager[Any], *,
                 commits: int = DEFAULT_COMMITS, body_bytes: int = DEFAULT_BYTES) -> None:
        self._connection = connection
        self._write_lock = write_lock
        self.commits = commits
        self.body_bytes = body_bytes
        self._pending_commits = 0
        self._pending_bytes = 0
        self._due = False
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.checkpoints = 0  # completed runs (tests read it)
        self.last_error: str | None = None

    def appended(self, body_bytes: int) -> None:
        """Called by the writer after each commit: two counters and, rarely, a notify."""
        with self._wake:
            self._pending_commits += 1
            self._pending_bytes += body_bytes
            if self._stopping or (self._pending_commits < self.commits
                                  and self._pending_bytes < self.body_bytes):
                return
            self._pending_commits = self._pending_bytes = 0
            self._due = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="skms-wal-checkpoint",
                                                daemon=True)
                self._thread.start()
            self._wake.notify()

    def stop(self) -> None:
        """Stop the thread; a checkpoint already due or in progress runs first."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due and not self._stopping:
                    self._wake.wait()
                due, self._due = self._due, False
                if not due:
                    return
            self.checkpoint()

    def checkpoint(self) -> None:
        """One passive checkpoint of the whole log, between two commits."""
        with self._write_lock:
            try:
                self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # commits are unaffected; the next threshold retries
                self.last_error = str(exc)
                return
        self.last_error = None
        self.checkpoints += 1
