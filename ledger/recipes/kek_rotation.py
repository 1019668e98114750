"""KEK rotation: move every wrapped data key from one KEK provider to another, resumably.

Requirements this module meets:

1. **Rewrap, not re-seal.** Each data key is unwrapped by the old provider and wrapped by the
   new one (:func:`ledger.crypto.sealing.rewrap_data_key`), its clear value wiped at once;
   the sealed key material in the log never changes, so the chain's hashes still hold.
   Works for any pair of providers: passphrase to passphrase, passphrase to HSM, HSM to a
   new HSM key.
2. **Resumable.** A :class:`RewrapProgress` record is saved durably before the first key and
   every ``checkpoint_every`` keys. After a crash the same call continues after the last
   saved ``last_ref``. Keys moved after that save but before the crash are recognised (they
   open under the new KEK, not the old one) and counted as ``already_new``, not moved twice.
3. **One rotation at a time.** The run holds the progress store's exclusive claim: a second
   runner is refused with ``ConcurrencyError``, and an unfinished rotation between other KEKs
   must be finished before another may start.
4. **No shredded key comes back.** The new wrapping replaces the stored one only if the stored
   value is still the one that was read (:meth:`RewrapTarget.replace` is a compare-and-swap);
   a key shredded or changed meanwhile is counted as ``skipped`` and left alone.
5. **Auditable.** The record holds the rotation id, both ``kek_id`` values, the counts and a
   running SHA-256 over ``(ref, SHA-256(wrapped under the new KEK))`` in ref order: the
   values a later ``KEKRotationStarted``/``KEKRotationCompleted`` event records and that an
   auditor holding the key-ring can recompute. Nothing in it is secret.
6. **Ordered input.** Entries come in strictly increasing ``ref`` order (as
   ``KeyRing.refs()`` lists them), which is what makes "after the last saved ref" exact.
"""

from __future__ import annotations

import abc
import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ledger.crypto.entropy import random_bytes
from ledger.crypto.kek import KEKProvider
from ledger.crypto.memory import zeroize
from ledger.errors import ConcurrencyError, CryptoError, InvalidInput, StoreError
from ledger.recipes.sealing import check_data_key, rewrap_data_key

__all__ = [
    "PROGRESS_VERSION",
    "STATE_COMPLETE",
    "STATE_RUNNING",
    "FileProgressStore",
    "ProgressStore",
    "RewrapProgress",
    "RewrapTarget",
    "WrappedDataKey",
    "rewrap_data_keys",
]

PROGRESS_VERSION = 1
STATE_RUNNING = "running"
STATE_COMPLETE = "complete"
_DIGEST_LABEL = b"skms/kek-rewrap/v1\x00"
_ROTATION_ID_SIZE = 16


def _now_micros() -> int:
    return time.time_ns() // 1000


@dataclass(frozen=True, slots=True, repr=False)
class WrappedDataKey:
    """One key-ring entry to move: its reference, stored blob and sealing context."""

    ref: str
    wrapped_data_key: bytes
    aad: bytes

    def __repr__(self) -> str:
        return f"WrappedDataKey(ref={self.ref!r}, <{len(self.wrapped_data_key)} bytes>)"


class RewrapTarget(Protocol):
    """Where the new wrappings go: a compare-and-swap on the key-ring (requirement 4)."""

    def replace(self, ref: str, expected: bytes, new: bytes) -> bool:
        """Store ``new`` under ``ref`` if it still holds ``expected``; durable on return.

        Returns ``False``, storing nothing, when ``ref`` is gone or holds something else.
        """


@dataclass(frozen=True, slots=True)
class RewrapProgress:
    """Where a rotation stands; JSON-friendly and free of secrets (requirement 5)."""

    rotation_id: str
    old_kek_id: str
    new_kek_id: str
    state: str
    rewrapped: int
    already_new: int
    skipped: int
    last_ref: str | None
    digest: bytes
    started_at: int
    updated_at: int

    @property
    def moved(self) -> int:
        """Keys now under the new KEK because of this rotation (rewrapped + already_new)."""
        return self.rewrapped + self.already_new

    def to_dict(self) -> dict[str, object]:
        return {
            "version": PROGRESS_VERSION,
            "rotation_id": self.rotation_id,
            "old_kek_id": self.old_kek_id,
            "new_kek_id": self.new_kek_id,
            "state": self.state,
            "rewrapped": self.rewrapped,
            "already_new": self.already_new,
            "skipped": self.skipped,
            "last_ref": self.last_ref,
            "digest": self.digest.hex(),
            "started_at": self.started_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RewrapProgress:
        """Strict parse: exact keys, types, ranges; a tampered record is refused, not used."""
        names = {"version", "rotation_id", "old_kek_id", "new_kek_id", "state", "rewrapped",
                 "already_new", "skipped", "last_ref", "digest", "started_at", "updated_at"}
        if not isinstance(data, Mapping) or set(data) != names:
            raise InvalidInput("a rewrap progress record needs exactly "
                               + ", ".join(sorted(names)), field="progress")
        if data["version"] != PROGRESS_VERSION:
            raise InvalidInput("unsupported rewrap progress version", field="progress.version")
        texts = [data[name] for name in ("rotation_id", "old_kek_id", "new_kek_id")]
        if not all(isinstance(value, str) and value for value in texts):
            raise InvalidInput("rotation and KEK ids must be non-empty text", field="progress")
        if data["state"] not in (STATE_RUNNING, STATE_COMPLETE):
            raise InvalidInput("progress state must be running or complete",
                               field="progress.state")
        counts = [data[name] for name in ("rewrapped", "already_new", "skipped", "started_at",
                                          "updated_at")]
        if not all(isinstance(value, int) and not isinstance(value, bool) and value >= 0
                   for value in counts):
            raise InvalidInput("counts and times must be non-negative integers",
                               field="progress")
        last_ref = data["last_ref"]
        if last_ref is not None and (not isinstance(last_ref, str) or not last_ref):
            raise InvalidInput("last_ref must be null or non-empty text",
                               field="progress.last_ref")
        digest_text = data["digest"]
        try:
            if not isinstance(digest_text, str):
                raise ValueError("digest")
            digest = bytes.fromhex(digest_text)
        except ValueError:
            raise InvalidInput("digest must be hex", field="progress.digest") from None
        if len(digest) != 32 or digest.hex() != digest_text:
            raise InvalidInput("digest must be 32 bytes of lowercase hex",
                               field="progress.digest")
        return cls(texts[0], texts[1], texts[2], data["state"], counts[0], counts[1], counts[2],
                   last_ref, digest, counts[3], counts[4])


def _initial_digest(rotation_id: str) -> bytes:
    return hashlib.sha256(_DIGEST_LABEL + rotation_id.encode()).digest()


def _fold(digest: bytes, ref: str, wrapped: bytes) -> bytes:
    encoded = ref.encode()
    return hashlib.sha256(digest + len(encoded).to_bytes(4, "big") + encoded
                          + hashlib.sha256(wrapped).digest()).digest()


class ProgressStore(abc.ABC):
    """Keeps the one progress record of a key-ring's rotations, and who is running one."""

    @abc.abstractmethod
    def claim(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive right to run a rotation; ``ConcurrencyError`` if another holds it."""

    @abc.abstractmethod
    def load(self) -> RewrapProgress | None:
        """The saved record, or ``None`` if no rotation was ever started here."""

    @abc.abstractmethod
    def save(self, progress: RewrapProgress) -> None:
        """Replace the record; durable on return (a crash keeps this one or the previous)."""


class FileProgressStore(ProgressStore):
    """The record as JSON in one file (atomic replace + fsync); the claim is a ``flock``.

    ``flock`` belongs to the open file, so the kernel drops the claim when its holder dies:
    a crashed run never blocks the resume.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def _claim(self) -> Iterator[None]:
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConcurrencyError("a KEK rewrap is in progress elsewhere",
                                       hint="wait for it to finish (or crash) and retry"
                                       ) from None
            yield
        finally:
            os.close(fd)  # also releases the lock

    def claim(self) -> contextlib.AbstractContextManager[None]:
        return self._claim()

    def load(self) -> RewrapProgress | None:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read the rewrap progress: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise InvalidInput("the rewrap progress file is not JSON",
                               field="progress") from None
        return RewrapProgress.from_dict(data)

    def save(self, progress: RewrapProgress) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(progress.to_dict(), handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError as exc:
            raise StoreError(f"cannot save the rewrap progress: {exc.strerror}") from None


def _start(old: KEKProvider, new: KEKProvider, saved: RewrapProgress | None,
           clock: Callable[[], int], rng: Callable[[int], bytearray]) -> RewrapProgress:
    if saved is not None and saved.state == STATE_RUNNING:
        if (saved.old_kek_id, saved.new_kek_id) != (old.kek_id, new.kek_id):
            raise ConcurrencyError(
                f"rewrap {saved.rotation_id} from {saved.old_kek_id} to {saved.new_kek_id} is "
                "unfinished", hint="finish it with those two KEKs before starting another")
        return saved
    id_buffer = rng(_ROTATION_ID_SIZE)
    rotation_id = bytes(id_buffer).hex()
    zeroize(id_buffer)
    now = clock()
    return RewrapProgress(rotation_id, old.kek_id, new.kek_id, STATE_RUNNING, 0, 0, 0, None,
                          _initial_digest(rotation_id), now, now)


def rewrap_data_keys(old: KEKProvider, new: KEKProvider, entries: Iterable[WrappedDataKey],
                     target: RewrapTarget, progress_store: ProgressStore, *,
                     checkpoint_every: int = 64, clock: Callable[[], int] = _now_micros,
                     rng: Callable[[int], bytearray] = random_bytes,
                     on_checkpoint: Callable[[RewrapProgress], None] | None = None
                     ) -> RewrapProgress:
    """Move every entry from ``old`` to ``new``; resume an unfinished run of the same pair.

    Returns the completed record. ``on_checkpoint`` sees each record right after it was
    saved (the first, every ``checkpoint_every`` keys, and the completed one): where the
    ledger will emit its events. Raises ``ConcurrencyError`` (requirement 3),
    ``InvalidInput`` for unordered entries, and ``CryptoError`` naming the ref of a data key
    that opens under neither KEK; any failure leaves the last saved record to resume from.
    """
    if old.kek_id == new.kek_id:
        raise InvalidInput("the new KEK is the old one", field="new_kek")
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or not (
            1 <= checkpoint_every <= 100_000):
        raise InvalidInput("checkpoint_every must be an integer from 1 to 100,000",
                           field="checkpoint_every")

    def checkpoint(record: RewrapProgress) -> RewrapProgress:
        record = replace(record, updated_at=clock())
        progress_store.save(record)
        if on_checkpoint is not None:
            on_checkpoint(record)
        return record

    with progress_store.claim():
        progress = _start(old, new, progress_store.load(), clock, rng)
        if progress.last_ref is None and progress.moved == 0 and progress.skipped == 0:
            progress = checkpoint(progress)
        resume_after = progress.last_ref
        previous: str | None = None
        since_save = 0
        for entry in entries:
            ref = entry.ref
            if not isinstance(ref, str) or not ref:
                raise InvalidInput("every entry needs a non-empty ref", field="ref")
            if previous is not None and ref <= previous:
                raise InvalidInput(f"entries must come in increasing ref order ({ref!r} after "
                                   f"{previous!r})", field="ref")
            previous = ref
            if resume_after is not None and ref <= resume_after:
                continue
            progress = _move_one(old, new, entry, target, progress)
            since_save += 1
            if since_save >= checkpoint_every:
                progress = checkpoint(progress)
                since_save = 0
        return checkpoint(replace(progress, state=STATE_COMPLETE))


def _move_one(old: KEKProvider, new: KEKProvider, entry: WrappedDataKey,
              target: RewrapTarget, progress: RewrapProgress) -> RewrapProgress:
    try:
        rewrapped = rewrap_data_key(entry.wrapped_data_key, old, new, aad=entry.aad)
    except CryptoError:
        try:
            check_data_key(entry.wrapped_data_key, new, aad=entry.aad)
        except CryptoError:
            raise CryptoError(f"data key {entry.ref!r} opens under neither the old nor the "
                              "new KEK", hint="the key-ring entry is corrupt or was wrapped "
                                              "by a third KEK") from None
        return replace(progress, already_new=progress.already_new + 1, last_ref=entry.ref,
                       digest=_fold(progress.digest, entry.ref, entry.wrapped_data_key))
    if not target.replace(entry.ref, entry.wrapped_data_key, rewrapped):
        return replace(progress, skipped=progress.skipped + 1, last_ref=entry.ref)
    return replace(progress, rewrapped=progress.rewrapped + 1, last_ref=entry.ref,
                   digest=_fold(progress.digest, entry.ref, rewrapped))
