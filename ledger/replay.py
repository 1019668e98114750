"""Replay: copy every chain from one store to another, verifying as it goes.

Why through the auditor: a disaster-recovery copy must never launder a tampered log. Each
envelope is handed to the auditor first; it is written to the target only once the auditor
has accepted it (its ``on_accepted`` hook), so the target always holds a verified prefix.
A target that already holds a prefix of a chain is resumed after checking that prefix is
byte-identical.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ledger.audit import Auditor, AuditReport, Progress
from ledger.errors import ConcurrencyError, VerificationError
from ledger.stores.base import EventStore, KeyRing, StoredEnvelope

BATCH = 500


@dataclass
class ReplayReport:
    copied: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    checkpoints: int = 0
    keyring_entries: int = 0
    keyring_shredded: int = 0
    audit: AuditReport | None = None

    def as_dict(self) -> dict[str, object]:
        return {"copied": self.copied, "already_present": self.skipped,
                "checkpoints": self.checkpoints, "keyring_entries": self.keyring_entries,
                "keyring_shredded": self.keyring_shredded,
                "audit": self.audit.as_dict() if self.audit else None}


class _Tee:
    """Writes each envelope the auditor has accepted, in batches, to the target.

    Reads are not acceptance: the auditor reads ahead when worker processes examine a
    chain, so only its ``on_accepted`` calls reach :meth:`accept`.
    """

    def __init__(self, source: EventStore, target: EventStore, report: ReplayReport) -> None:
        self.source = source
        self.target = target
        self.report = report
        self.buffer: list[StoredEnvelope] = []
        self.chain_id = ""
        self.target_size = 0
        self.existing: dict[int, bytes] = {}

    def read(self, chain_id: str) -> Iterator[StoredEnvelope]:
        """Start a chain (the previous one's accepted tail is written first)."""
        self.flush()
        self.chain_id = chain_id
        head = self.target.head(chain_id)
        self.target_size = 0 if head is None else head.seq + 1
        self.existing = ({e.seq: e.event_hash for e in self.target.read(chain_id)} if head
                         else {})
        return self.source.read(chain_id)

    def accept(self, envelope: StoredEnvelope) -> None:
        if envelope.seq < self.target_size:
            if not hmac.compare_digest(self.existing.get(envelope.seq, b""),
                                       envelope.event_hash):
                raise VerificationError("the target already holds a different event here",
                                        seq=envelope.seq, chain=envelope.chain_id,
                                        check="replay")
            self.report.skipped[self.chain_id] = self.report.skipped.get(self.chain_id, 0) + 1
            return
        self.buffer.append(envelope)
        if len(self.buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        try:
            self.target.append(self.chain_id, self.buffer, expected_seq=self.buffer[0].seq)
        except ConcurrencyError as exc:
            raise VerificationError(f"the target changed during replay: {exc.message}",
                                    seq=self.buffer[0].seq, chain=self.chain_id,
                                    check="replay") from None
        self.report.copied[self.chain_id] = (self.report.copied.get(self.chain_id, 0)
                                             + len(self.buffer))
        self.buffer = []


class _TeeStore(EventStore):
    """The source store as the auditor sees it, with reads routed through the tee."""

    def __init__(self, source: EventStore, tee: _Tee) -> None:
        self._source = source
        self._tee = tee
        self.url = source.url

    def chains(self) -> list[str]:
        return self._source.chains()

    def head(self, chain_id: str):  # type: ignore[no-untyped-def]
        return self._source.head(chain_id)

    def append(self, chain_id, envelopes, *, expected_seq,  # type: ignore[no-untyped-def]
               prev_hash=None):
        raise VerificationError("replay never writes to its source")

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        return self._tee.read(chain_id)

    def seqs_for_command(self, chain_id: str, command_id: str) -> list[int]:
        return self._source.seqs_for_command(chain_id, command_id)

    def put_checkpoint(self, checkpoint):  # type: ignore[no-untyped-def]
        raise VerificationError("replay never writes to its source")

    def checkpoints(self, chain_id: str):  # type: ignore[no-untyped-def]
        return self._source.checkpoints(chain_id)


def replay(source: EventStore, target: EventStore, *, source_keyring: KeyRing | None = None,
           target_keyring: KeyRing | None = None, progress: Progress | None = None,
           on_chain_done: Callable[[str], None] | None = None, jobs: int = 1,
           parallel_from_events: int = 20_000) -> ReplayReport:
    """Copy and verify every chain (and checkpoints, and optionally the key-ring).

    ``jobs`` and ``parallel_from_events`` are the auditor's (:class:`ledger.audit.Auditor`).
    """
    report = ReplayReport()
    tee = _Tee(source, target, report)
    auditor = Auditor(_TeeStore(source, tee), progress=progress, jobs=jobs,
                      parallel_from_events=parallel_from_events, on_accepted=tee.accept)
    report.audit = auditor.verify()
    tee.flush()
    for chain_id in source.chains():
        for checkpoint in source.checkpoints(chain_id):
            target.put_checkpoint(checkpoint)
            report.checkpoints += 1
        if on_chain_done is not None:
            on_chain_done(chain_id)
    if source_keyring is not None and target_keyring is not None:
        kept = set()
        for ref in source_keyring.refs():
            wrapped = source_keyring.get(ref)
            if wrapped is not None:
                target_keyring.put(ref, wrapped)
                kept.add(ref)
                report.keyring_entries += 1
        # Mirror shredding: a data key destroyed since an earlier backup must not survive
        # in the backup, or crypto-shredding would be undone by the next restore.
        for ref in target_keyring.refs():
            if ref not in kept:
                target_keyring.shred(ref)
                report.keyring_shredded += 1
    return report
