"""Checkpoints: signed C2SP notes of each chain's Merkle root, published as they fall due.

Requirements:

1. A checkpoint is due on a chain once ``checkpoint_every_events`` events have passed
   since the last one, or ``checkpoint_every_seconds`` while any have; publishing signs the
   chain's root at its current size with the ledger key, stores the note, and records a
   ``CheckpointPublished`` event (signed by the ledger, or carrying the actor's own
   ``RequestCheckpoint`` command when an actor asked for it). The note carries two
   signature lines by the ledger key: under the checkpoint's origin line (C2SP
   tlog-checkpoint: witnesses look a log's key up by origin), then under the ledger's
   origin, the name earlier SKMS versions sign and verify with
   (:func:`ledger.merkle.checkpoint.sign_ledger_checkpoint`).
   The note is stored only once its event is durable (:meth:`Checkpoints.store`): the
   event commits only if every envelope the note covers committed before it, so a note
   over envelopes that lost a commit race to another process never reaches the store.
2. The due check is cheap and may run without the ledger's lock (a stale answer only
   delays publishing to the next command or timer tick); publishing holds the lock.
3. :class:`CheckpointTimer` publishes due checkpoints when traffic stops, so no event
   waits longer than the period (+ the tick) for one; ``stop`` waits for a tick in
   progress, so no checkpoint outlives the ledger key.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from ledger.command import SignedCommand
from ledger.errors import ConfigurationError, NotFound, SkmsError
from ledger.group_commit import Ticket
from ledger.merkle.checkpoint import (
    Checkpoint,
    chain_origin,
    chain_verifier_key,
    sign_ledger_checkpoint,
    verifier_key_string,
)
from ledger.state import LedgerState
from ledger.stores.base import EventStore, StoredCheckpoint
from ledger.writer import ChainWriter

CHECKPOINT_EVENT = "CheckpointPublished"


def verifier_keys(ledger_origin: str, chain_id: str, public_key: bytes) -> dict[str, str]:
    """The two verifier keys a chain's checkpoints open with, as results name them: the
    C2SP one (named by the chain's origin line) and the ledger-named one of older notes."""
    return {"verifier_key": chain_verifier_key(ledger_origin, chain_id, public_key),
            "ledger_verifier_key": verifier_key_string(ledger_origin, public_key)}


class Checkpoints:
    """Decides when a chain's checkpoint is due and publishes it."""

    def __init__(self, store: EventStore, state: LedgerState, writer: ChainWriter,
                 ledger_key: Callable[[], bytearray],
                 system_command: Callable[[str, str, dict[str, object]], SignedCommand],
                 clock: Callable[[], int]) -> None:
        self._store = store
        self._state = state
        self._writer = writer
        self._ledger_key = ledger_key
        self._system_command = system_command
        self._clock = clock

    def due(self, chain_id: str) -> bool:
        meta, chain = self._state.meta, self._state.chains.get(chain_id)
        if meta is None or chain is None:
            return False
        pending = chain.next_seq - chain.last_checkpoint_size
        if pending <= 0:
            return False
        overdue = (self._clock() - chain.last_checkpoint_at
                   >= meta.checkpoint_every_seconds * 1_000_000)
        return pending >= meta.checkpoint_every_events or overdue

    def publish(self, chain_id: str, requested_by: SignedCommand | None = None
                ) -> tuple[StoredCheckpoint, Ticket]:
        """Sign a checkpoint of the chain as it is now and queue its event; the caller
        holds the ledger's lock, waits for the ticket, then stores the note with :meth:`store`."""
        meta = self._state.meta
        if meta is None:
            raise ConfigurationError("the ledger is not initialized", hint="run 'skms init'")
        chain = self._state.chain(chain_id)
        if chain.next_seq == 0:
            raise NotFound(f"chain {chain_id!r} has no events", field="chain")
        size = chain.next_seq
        root = chain.frontier.root()
        unsigned = Checkpoint(origin=chain_origin(meta.origin, chain_id), size=size,
                              root_hash=root)
        note = sign_ledger_checkpoint(unsigned, meta.origin, self._ledger_key())
        stored = StoredCheckpoint(chain_id, size, note)
        signed = requested_by or self._system_command("PublishCheckpoint", chain_id,
                                                      {"tree_size": size})
        record = {"tree_size": size, "root_hash": root, "note": note}
        ticket = self._writer.write_journal(chain_id, "checkpoints", CHECKPOINT_EVENT, record,
                                            signed, self._clock())
        return stored, ticket

    def store(self, checkpoint: StoredCheckpoint) -> None:
        """Store a published note; only after its event's ticket is durable."""
        self._store.put_checkpoint(checkpoint)


class CheckpointTimer:
    """A background thread running ``tick`` every ``interval_s``; ``stop`` waits for it."""

    def __init__(self, tick: Callable[[], None], interval_s: float) -> None:
        self._tick = tick
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="skms-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            with contextlib.suppress(SkmsError):  # the next commit or tick retries
                self._tick()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop ticking and wait for a tick in progress, so no checkpoint outlives the key."""
        self._stop.set()
        self._thread.join()
