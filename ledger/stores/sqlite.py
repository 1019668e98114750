"""Embedded SQLite store: the zero-setup default (``sqlite:///path/to/ledger.db``).

Why these settings: WAL lets readers (auditor, projections) run beside the writer;
``synchronous=FULL`` makes a commit durable before ``append`` returns (fail closed);
``BEGIN IMMEDIATE`` takes the write lock up front so two processes cannot interleave a
head check and an insert. Reads go through a second connection: under WAL they see the last
commit without waiting for one in progress, so the ledger's per-command head check and
readers (feed, audit) never queue behind a commit's fsync. The primary key (chain, seq) and
the unique (chain, aggregate, version) constraint are the optimistic concurrency control.
The writing connection never checkpoints the WAL inside a commit; a
:class:`~ledger.stores.wal_checkpointer.WalCheckpointer` thread does it beside the commits.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ledger.errors import ConcurrencyError, StoreError, StoreUnavailable
from ledger.stores.base import (
    ChainHead,
    EventStore,
    KeyRing,
    StoredCheckpoint,
    StoredEnvelope,
    check_link,
)
from ledger.stores.memory import check_batch
from ledger.stores.wal_checkpointer import WalCheckpointer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    chain_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_hash BLOB NOT NULL,
    body BLOB NOT NULL,
    event_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    aggregate_version INTEGER NOT NULL,
    command_id TEXT NOT NULL,
    PRIMARY KEY (chain_id, seq),
    UNIQUE (chain_id, aggregate_id, aggregate_version)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_by_command ON events (chain_id, command_id);
CREATE TABLE IF NOT EXISTS checkpoints (
    chain_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (chain_id, size)
) WITHOUT ROWID;
"""

_PAGE = 2000


def _connect(path: Path, timeout_s: float) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=timeout_s, isolation_level=None,
                                     check_same_thread=False)
    except (sqlite3.Error, OSError) as exc:
        raise StoreUnavailable(f"cannot open SQLite database {path}: {exc}") from None
    return connection



CHAIN_IDS = """
WITH RECURSIVE chain(id) AS (
    SELECT MIN(chain_id) FROM events
    UNION ALL
    SELECT (SELECT MIN(chain_id) FROM events WHERE chain_id > chain.id) FROM chain
    WHERE chain.id IS NOT NULL)
SELECT id FROM chain WHERE id IS NOT NULL"""
"""The chain ids in order, one index seek per chain: ``SELECT DISTINCT`` visits every row of
the index, tens of milliseconds at half a million events, and a read after any commit asks."""

HEAD = ("SELECT seq, CAST(event_hash AS BLOB) FROM events WHERE chain_id = ? "
        "ORDER BY seq DESC LIMIT 1")
"""A chain's head: one seek on the primary key, by the reader and inside an append."""


class SQLiteEventStore(EventStore):
    """Chains in one SQLite file, shared safely by several processes."""

    local_head = True

    def __init__(self, path: str | Path, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path).absolute()
        self.url = f"sqlite:///{self.path}"  # four slashes: an absolute path
        self._lock = threading.RLock()  # the writing connection
        self._read_lock = threading.RLock()  # the reading connection and the remembered heads
        self._heads: dict[str, ChainHead | None] = {}
        self._chains: list[str] | None = None
        self._writer_version: int | None = None  # the writer's data_version they are true at
        self._db = _connect(self.path, timeout_s)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's job
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(f"cannot initialise SQLite store {self.path}: {exc}") from None
        self._reader = _connect(self.path, timeout_s)
        self.checkpointer = WalCheckpointer(self._db, self._lock)

    def chains(self) -> list[str]:
        """Remembered, like :meth:`head`, until another connection commits."""
        with self._read_lock:
            if not self._remembered_is_current():
                return [row[0] for row in self._query(CHAIN_IDS, ())]
            if self._chains is None:
                self._chains = [row[0] for row in self._query(CHAIN_IDS, ())]
            return list(self._chains)

    def head(self, chain_id: str) -> ChainHead | None:
        """The chain's head; remembered until another connection commits.

        Why: the ledger asks for the system chain's head before every command (to see actor
        changes written by other processes). ``PRAGMA data_version`` on the writing
        connection changes exactly when some other connection has committed, and not for
        this connection's own commits, whose heads :meth:`append` remembers itself; so
        between other processes' commits the check costs no query, even right after our
        own commit. While our commit is in progress the writing connection is busy, and
        the answer is read without waiting for it.
        """
        with self._read_lock:
            if not self._remembered_is_current():
                return self._query_head(chain_id)
            if chain_id not in self._heads:
                self._heads[chain_id] = self._query_head(chain_id)
            return self._heads[chain_id]

    def _query_head(self, chain_id: str) -> ChainHead | None:
        rows = self._query(HEAD, (chain_id,))
        return ChainHead(chain_id, rows[0][0], bytes(rows[0][1])) if rows else None

    def _remembered_is_current(self) -> bool:
        """Whether the remembered heads may answer (forgotten first if another connection
        committed); False while the writing connection is in use. The caller holds
        ``_read_lock``; the writer lock is only tried, so the lock order of
        :meth:`append` (writer, then reader) cannot deadlock with this one."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            version = self._writer_data_version()
        finally:
            self._lock.release()
        self._forget_unless(version)
        return True

    def _writer_data_version(self) -> int:
        """(the caller holds ``_lock``)"""
        try:
            version: int = self._db.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite read failed: {exc}") from None
        return version

    def _forget_unless(self, version: int | None) -> None:
        """Forget the remembered heads unless no other connection has committed since they
        were true (the caller holds ``_read_lock``)."""
        if version is None or version != self._writer_version:
            self._heads.clear()
            self._chains = None
            self._writer_version = version

    def _remember_appended(self, last: StoredEnvelope) -> None:
        """After our own commit (the caller holds ``_lock``): our new head is known. The
        other remembered heads are kept without asking SQLite again: our own commit leaves
        ``data_version`` as it was, so if another connection committed since the last
        check, the next :meth:`head` or :meth:`chains` sees the version changed and forgets
        them all, this one too, before answering."""
        with self._read_lock:
            self._heads[last.chain_id] = ChainHead(last.chain_id, last.seq, last.event_hash)
            if self._chains is not None and last.chain_id not in self._chains:
                self._chains = sorted([*self._chains, last.chain_id])

    def append(self, chain_id: str, envelopes: Sequence[StoredEnvelope], *,
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        check_batch(chain_id, envelopes, expected_seq)
        rows = [(e.chain_id, e.seq, e.event_hash, e.body, e.event_type, e.aggregate_id,
                 e.aggregate_version, e.command_id) for e in envelopes]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"SQLite store is busy: {exc}") from None
            try:
                head = self._db.execute(HEAD, (chain_id,)).fetchone()
                next_seq = 0 if head is None else head[0] + 1
                if next_seq != expected_seq:
                    raise ConcurrencyError(f"chain {chain_id!r} is at seq {next_seq}, "
                                           f"not {expected_seq}")
                check_link(chain_id, prev_hash, None if head is None else bytes(head[1]))
                for row in rows:
                    self._db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)", row)
                self._db.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                self._rollback()
                raise ConcurrencyError(f"append conflicts with stored events: {exc}") from None
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreUnavailable(f"SQLite append failed: {exc}") from None
            except BaseException:
                self._rollback()
                raise
            if envelopes:
                self._remember_appended(envelopes[-1])
        self.checkpointer.appended(sum(len(e.body) for e in envelopes))

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        # Pages keep no cursor open across yields, so a slow reader never blocks the writer.
        position = max(from_seq, 0)
        end = (1 << 62) if to_seq is None else to_seq
        while position < end:
            with self._read_lock:
                rows = self._query(
                    "SELECT chain_id, seq, CAST(event_hash AS BLOB), CAST(body AS BLOB), "
                    "event_type, "
                    "aggregate_id, "
                    "aggregate_version, command_id FROM events WHERE chain_id = ? AND seq >= ? "
                    "AND seq < ? ORDER BY seq LIMIT ?", (chain_id, position, end, _PAGE))
            for row in rows:
                yield StoredEnvelope(row[0], row[1], bytes(row[2]), bytes(row[3]), row[4],
                                     row[5], row[6], row[7])
            if len(rows) < _PAGE:
                return
            position = rows[-1][1] + 1

    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        with self._read_lock:
            rows = self._query("SELECT seq FROM events WHERE chain_id = ? AND command_id = ? "
                               "ORDER BY seq", (chain_id, command_id))
        return [row[0] for row in rows]

    def put_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        with self._lock:
            try:
                self._db.execute("INSERT OR IGNORE INTO checkpoints VALUES (?,?,?)",
                                 (checkpoint.chain_id, checkpoint.size, checkpoint.note))
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"SQLite checkpoint write failed: {exc}") from None

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        with self._read_lock:
            rows = self._query("SELECT chain_id, size, note FROM checkpoints WHERE chain_id = ? "
                               "ORDER BY size", (chain_id,))
        return [StoredCheckpoint(*row) for row in rows]

    def close(self) -> None:
        self.checkpointer.stop()
        with self._lock, self._read_lock:
            self._db.close()
            self._reader.close()

    def _query(self, sql: str, params: tuple[object, ...]) -> list[Any]:
        """Run a read on the reading connection (the caller holds ``_read_lock``)."""
        try:
            rows: list[Any] = self._reader.execute(sql, params).fetchall()
            return rows
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite read failed: {exc}") from None

    def _rollback(self) -> None:
        with self._read_lock:
            self._forget_unless(None)  # whatever happened, ask the database again
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            return


class SQLiteKeyRing(KeyRing):
    """Wrapped data keys in their own SQLite file beside the log.

    ``secure_delete`` overwrites deleted rows with zeros and a TRUNCATE checkpoint empties
    the WAL, so a shredded data key survives in neither file (file-system remnants below
    SQLite are out of scope; see docs/threat-model.md).
    """

    def __init__(self, path: str | Path, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = _connect(self.path, timeout_s)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's job
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute("CREATE TABLE IF NOT EXISTS keyring (ref TEXT PRIMARY KEY, "
                             "wrapped BLOB NOT NULL)")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot initialise key-ring {self.path}: {exc}") from None

    def put(self, key_ref: str, wrapped_data_key: bytes) -> None:
        with self._lock:
            try:
                self._db.execute("INSERT OR REPLACE INTO keyring VALUES (?, ?)",
                                 (key_ref, wrapped_data_key))
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"key-ring write failed: {exc}") from None

    def get(self, key_ref: str) -> bytes | None:
        with self._lock:
            try:
                row = self._db.execute("SELECT wrapped FROM keyring WHERE ref = ?",
                                       (key_ref,)).fetchone()
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"key-ring read failed: {exc}") from None
        return None if row is None else bytes(row[0])

    def shred(self, key_ref: str) -> None:
        with self._lock:
            try:
                self._db.execute("DELETE FROM keyring WHERE ref = ?", (key_ref,))
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"key-ring shred failed: {exc}") from None

    def refs(self) -> list[str]:
        with self._lock:
            try:
                rows = self._db.execute("SELECT ref FROM keyring ORDER BY ref").fetchall()
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"key-ring read failed: {exc}") from None
        return [row[0] for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
