"""The auditor's index of what may be used once per chain, in memory bounded by a constant.

Why: the ledger refuses a reused (actor, nonce) forever, so the auditor must remember every
one a chain has used; held in a dict, that index alone would make an audit's memory grow
with the chain (about 150 bytes per event). The rule is kept as it is; what bounds the
memory is where the index lives:

1. Up to ``memory_entries`` claims are held in a dict, so a chain shorter than that costs
   nothing more than before.
2. When the dict is full its claims are written to a SQLite file in a private temporary
   directory (no journal, no fsync: the file is scratch, rebuilt by the next audit) and the
   dict starts again; an unwritable or full ``$TMPDIR`` ends the audit with a
   ``ConfigurationError`` naming it, never with a verdict. A fixed-size Bloom filter
   (``filter_bits``) stands in front of the file, so a key never claimed before — nearly
   every key — is answered without reading it; a key the filter may hold is looked up. A
   false positive costs one lookup, never a wrong answer.
3. The file's page cache is capped, the filter and the dict have fixed sizes: the memory an
   audit holds no longer depends on how long the chain is. ``close`` removes the file.

Keys and owners are the 16-byte digests of :func:`ledger.audit.auditor.used_once_key`;
their bits are uniform, so the filter's four positions are the key's own four 32-bit words,
masked to the filter's size.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
import tempfile
from pathlib import Path
from types import TracebackType

from ledger.errors import ConfigurationError

KEY_BYTES = 16
_WORDS = struct.Struct("<4I")  # a key's four filter positions: its 32-bit words, masked
_CACHE_KIB = 4096  # the spill file's page cache, per index


class UsedOnceIndex:
    """Maps each key to the first owner that claimed it; bounded memory (module docstring)."""

    def __init__(self, *, memory_entries: int = 1 << 16, filter_bits: int = 1 << 26,
                 spill_dir: str | None = None) -> None:
        if memory_entries < 1:
            raise ConfigurationError("memory_entries must be at least 1",
                                     field="memory_entries")
        position_bits = filter_bits.bit_length() - 1
        if filter_bits < 8 or filter_bits != 1 << position_bits or position_bits > 32:
            raise ConfigurationError("filter_bits must be a power of two from 8 to 2**32",
                                     field="filter_bits")
        self.memory_entries = memory_entries
        self.spill_dir = spill_dir
        self._position_mask = filter_bits - 1
        self._recent: dict[bytes, bytes] = {}
        self._filter: bytearray | None = None
        self._db: sqlite3.Connection | None = None
        self._folder: Path | None = None
        self.spilled = 0  # claims written to the file
        self.lookups = 0  # keys the filter could not rule out, looked up in the file

    def claim(self, key: bytes, owner: bytes) -> bytes:
        """The owner of ``key``: the one that claimed it first, which is ``owner`` when the
        key is new (and is then recorded)."""
        if len(key) != KEY_BYTES:
            raise ValueError("a used-once key is a 16-byte digest")
        held = self._recent.get(key)
        if held is not None:
            return held
        if self._filter is not None and self._may_hold(key):
            self.lookups += 1
            assert self._db is not None
            try:
                row = self._db.execute("SELECT owner FROM used WHERE key = ?",
                                       (key,)).fetchone()
            except sqlite3.Error as exc:
                raise self._scratch_failed(exc) from None
            if row is not None:
                return bytes(row[0])
        self._recent[key] = owner
        if len(self._recent) >= self.memory_entries:
            self._spill()
        return owner

    def __len__(self) -> int:
        return self.spilled + len(self._recent)

    def close(self) -> None:
        """Drops the index and removes its spill file; the index is empty again."""
        self._recent.clear()
        self._filter = None
        self.spilled = 0
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> UsedOnceIndex:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # --- the spill file and its filter ---------------------------------------------------

    def _may_hold(self, key: bytes) -> bool:
        bits = self._filter
        assert bits is not None
        mask = self._position_mask
        for word in _WORDS.unpack(key):
            position = word & mask
            if not bits[position >> 3] & (1 << (position & 7)):
                return False
        return True

    def _spill(self) -> None:
        recent = self._recent
        try:
            db = self._db if self._db is not None else self._open_file()
            db.execute("BEGIN")  # in key order: each of the table's pages is written once
            db.executemany("INSERT INTO used VALUES (?, ?)",
                           ((key, recent[key]) for key in sorted(recent)))
            db.execute("COMMIT")
        except (OSError, sqlite3.Error) as exc:
            raise self._scratch_failed(exc) from None
        bits = self._filter
        assert bits is not None
        mask = self._position_mask
        for (word,) in struct.iter_unpack("<I", b"".join(recent)):
            position = word & mask
            bits[position >> 3] |= 1 << (position & 7)
        self.spilled += len(recent)
        recent.clear()

    def _scratch_failed(self, exc: Exception) -> ConfigurationError:
        """The index is dropped (an audit cannot go on without it) and the folder named."""
        self.close()
        return ConfigurationError(
            f"the audit's scratch file for its nonce index failed in "
            f"{self.spill_dir or tempfile.gettempdir()}: {exc}", field="TMPDIR")

    def _open_file(self) -> sqlite3.Connection:
        self._folder = Path(tempfile.mkdtemp(prefix="skms-audit-", dir=self.spill_dir))
        db = sqlite3.connect(self._folder / "used-once.sqlite", isolation_level=None,
                             check_same_thread=False)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        db.execute("CREATE TABLE used (key BLOB PRIMARY KEY, owner BLOB NOT NULL) "
                   "WITHOUT ROWID")
        self._db = db
        self._filter = bytearray((self._position_mask + 1) // 8)
        return db
