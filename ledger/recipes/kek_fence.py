"""A cross-process fence between a KEK rotation and every process using the home's KEK.

Why: ``skms serve`` opens the KEK once, at start. A rotation run beside it (``skms kek
rotate``) moves every data key to a new KEK; a data key the server wraps meanwhile under
the old KEK, stored after the rewrap passed its reference, would be stranded (no process
opening the home afterwards holds the old KEK), and a data key already moved no longer
opens under the server's old KEK.

How:

1. Every use of the KEK by the ledger (sealing a new secret: wrap *and* key-ring write;
   opening one) holds a shared ``flock`` on the home's ``kek.lock`` for its duration; the
   rotation holds it exclusively while data keys and home secrets move and the home
   switches KEK. So a use either finishes before the move starts or starts after the
   switch: it waits (up to ``wait_s``) rather than races.
2. Under the shared lock the home's configuration says which KEK is in force and whether
   a rotation is pending (``kek_next``: started, maybe crashed). While one is pending no
   new secret is sealed (``ConcurrencyError``, retryable): a resumed rewrap continues
   after its last reference and would miss it. Opening still works for keys not yet
   moved; one already moved is refused with the same retryable error.
3. When the KEK in force is no longer the one this process opened, the fence reopens it
   through ``reopen`` (a token KEK: its PIN is in the home's PIN file) or, for a
   passphrase KEK this process cannot know, refuses every use with a clear error: restart
   with the new passphrase. Nothing is ever wrapped under a KEK the home no longer uses.

4. The configuration is read again only when it may have changed: every write of it
   (:meth:`ledger.home.Home` writes it through :func:`note_configuration_written`) leaves a
   fresh random token in ``kek.lock``, after the new configuration is in place, and a use
   whose token (read under the shared lock: one ``pread``) is the one it saw with its last
   reading keeps that reading. The writes that switch the KEK run under the exclusive lock,
   so no use can see their token before their configuration. Why a token, not the file's
   ``stat``: two writes within one timestamp tick, or a reused inode, would go unseen.

5. A process holds the shared lock through one descriptor for all of its threads: taken by
   the first use that starts, released by the last that ends. Why: opening and closing
   the lock file per use cost more than the lock itself. A rotation waits for the
   releases as before; a process whose uses never pause keeps it waiting, as overlapping
   uses on separate descriptors did.

The kernel drops a dead holder's ``flock``, so a crashed rotation never blocks a server.
"""

from __future__ import annotations

import fcntl
import hmac
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.crypto.kek import KEKProvider
from ledger.errors import ConcurrencyError

LOCK_FILE = "kek.lock"
POLL_S = 0.005
TOKEN_BYTES = 16


def note_configuration_written(home_path: Path) -> None:
    """Tell every fence on ``home_path`` that its configuration changed (requirement 4).
    Call it after the new configuration is in place. Not synced: after a crash every
    process reads the configuration afresh anyway."""
    fd = os.open(home_path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, os.urandom(TOKEN_BYTES), 0)
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class KekState:
    """What the home's configuration says right now (public parameters only)."""

    params: dict[str, Any]
    rotating: bool


class KekFence:
    """One process's view of the home's KEK, kept in step with rotations."""

    def __init__(self, home_path: Path, kek: KEKProvider, opened: dict[str, Any],
                 read: Callable[[], KekState],
                 reopen: Callable[[dict[str, Any]], KEKProvider], *,
                 wait_s: float = 10.0) -> None:
        self._lock_path = home_path / LOCK_FILE
        self._kek = kek
        self._opened = dict(opened)
        self._read = read
        self._reopen = reopen
        self._wait_s = wait_s
        self._swapped: list[KEKProvider] = []
        self._switch = threading.Lock()
        self._seen: tuple[bytes, KekState] | None = None  # (token, the reading it names)
        self._in_force: tuple[KekState, KEKProvider] | None = None  # its KEK, once checked
        # One descriptor per process holds the shared lock for all of its threads' uses:
        # taken when the first use starts, released when the last ends (requirement 5).
        self._holders = 0
        self._holders_lock = threading.Lock()
        self._fd: tuple[int, int] | None = None  # (pid, descriptor): a fork opens its own

    @contextmanager
    def using(self, *, sealing: bool) -> Iterator[tuple[KEKProvider, bool]]:
        """The KEK in force, held against a rotation for the block; ``(kek, rotating)``.

        ``sealing``: the block wraps a new data key and stores it (refused mid-rotation).
        """
        fd = self._enter_shared()
        try:
            state = self._state(fd)
            if sealing and state.rotating:
                raise ConcurrencyError(
                    "a KEK rotation is in progress in this home; no new secret is sealed "
                    "until it completes",
                    hint="retry shortly (a crashed rotation resumes with 'skms kek rotate')")
            yield self._current(state), state.rotating
        finally:
            self._leave_shared()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """For the rotation: no process uses the KEK while the block runs. Its own
        descriptor: on this process's shared one, ``flock`` would convert the lock, not
        wait for the other holders."""
        with self._locked(fcntl.LOCK_EX):
            yield

    def close(self) -> None:
        """Close the providers this fence reopened (the first one is its owner's)."""
        for kek in self._swapped:
            kek.close()
        self._swapped.clear()
        with self._holders_lock:
            if self._fd is not None and self._fd[0] == os.getpid() and not self._holders:
                os.close(self._fd[1])
                self._fd = None

    def _state(self, fd: int) -> KekState:
        """The configuration's KEK state, read again only if its token changed (an empty
        token, a home no write has marked yet, is never trusted)."""
        token = os.pread(fd, TOKEN_BYTES, 0)
        seen = self._seen
        if seen is not None and len(token) == TOKEN_BYTES and hmac.compare_digest(
                seen[0], token):
            return seen[1]
        state = self._read()
        self._seen = (token, state)
        return state

    def _current(self, state: KekState) -> KEKProvider:
        in_force = self._in_force
        if in_force is not None and in_force[0] is state:  # checked already
            return in_force[1]
        with self._switch:
            if state.params != self._opened:
                self._kek = self._reopen(state.params)
                self._swapped.append(self._kek)
                self._opened = dict(state.params)
            self._in_force = (state, self._kek)
            return self._kek

    def _enter_shared(self) -> int:
        """This process's descriptor, holding the shared lock (waiting up to ``wait_s``
        while a rotation holds it exclusively)."""
        deadline = time.monotonic() + self._wait_s
        while True:
            with self._holders_lock:
                fd = self._process_fd()
                if self._holders:
                    self._holders += 1
                    return fd
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    self._holders = 1
                    return fd
                except BlockingIOError:
                    pass
            if time.monotonic() >= deadline:
                raise _held_by_rotation()
            time.sleep(POLL_S)

    def _leave_shared(self) -> None:
        with self._holders_lock:
            self._holders -= 1
            if not self._holders and self._fd is not None:
                fcntl.flock(self._fd[1], fcntl.LOCK_UN)

    def _process_fd(self) -> int:
        """The descriptor of this process (a forked child shares its parent's open file,
        and so its lock: it opens its own and holds nothing yet)."""
        pid = os.getpid()
        if self._fd is None or self._fd[0] != pid:
            self._fd = (pid, os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                     0o600))
            self._holders = 0
        return self._fd[1]

    @contextmanager
    def _locked(self, mode: int) -> Iterator[int]:
        """``mode`` held on a descriptor of its own for the block."""
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + self._wait_s
            while True:
                try:
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise _held_by_rotation() from None
                    time.sleep(POLL_S)
            yield fd
        finally:
            os.close(fd)  # closing the descriptor releases the lock


def _held_by_rotation() -> ConcurrencyError:
    return ConcurrencyError("the home's KEK is held by a rotation (or a long operation)",
                            hint="retry when 'skms kek rotate' has finished")
