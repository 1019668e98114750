"""Group commit: the envelopes of concurrent commands made durable in few transactions.

Requirements:

1. Tickets (the envelopes one command built, in seq order) are queued in the order they
   were built, under the ledger's decision lock.
2. Whoever waits first commits everything queued so far, one ``append`` per chain; later
   waiters usually find their ticket already done. Nothing is answered before its commit.
3. If an append fails, every ticket of that batch and chain fails with the error, and the
   ledger is told (``on_failure``) so that it reloads before deciding again. A store's
   error is passed on as it is (a :class:`~ledger.errors.ConcurrencyError` tells the
   ledger to decide the command again on the new head); anything else becomes a
   :class:`~ledger.errors.StoreError`.
4. Nothing is committed that was decided on top of a failed append. A key domain's
   envelopes name the system-chain seq they were authorized under, and that seq may be
   one still queued: so the system chain is appended first, and a failure of chain C fails
   every ticket decided before the ledger reloaded that could build on it (C's own later
   tickets; every chain's, when C is the system chain) with a
   :class:`~ledger.errors.ConcurrencyError`, so that the ledger decides them again on
   what the store holds. Otherwise a sign authorized by an actor registration that never
   became durable would be in the log, citing a system seq that later names another event.
5. Nothing is committed that does not link: each ticket names the hash its first envelope
   links to, a chain's batch must link ticket to ticket, and the store refuses an append
   whose first link is not its stored head (``ledger.stores.base`` requirement 7). A wrong
   view of a chain then costs a decision again, never a broken chain in the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ledger.authorization import SYSTEM_CHAIN
from ledger.errors import ConcurrencyError, SkmsError, StoreError
from ledger.stores.base import EventStore, StoredEnvelope


@dataclass(slots=True)
class Ticket:
    """One command's envelopes on their way to the store.

    ``done`` is a plain flag, not a ``threading.Event``: a waiter never sleeps on the
    ticket itself but on the commit lock, under which the flag is set and read again, so
    an Event (a condition and a lock per command) would only be built and never waited on.
    """

    chain_id: str
    envelopes: list[StoredEnvelope]
    result: tuple[str, bytes] | None = None  # (command id, result) to keep, see Ledger
    done: bool = False
    error: BaseException | None = None
    doomed: bool = False  # decided on top of a failed append (requirement 4)
    prev_hash: bytes | None = None  # what the first envelope links to (requirement 5)


def linked_prev_hash(chain_id: str, tickets: list[Ticket]) -> bytes | None:
    """What one chain's batch links to, once its tickets are checked to link to each other
    (requirement 5); None when no ticket names it (a ticket made without the writer)."""
    first: bytes | None = None
    last: bytes | None = None
    for ticket in tickets:
        if not ticket.envelopes:
            continue
        if ticket.prev_hash is not None:
            if last is None:
                first = ticket.prev_hash
            elif ticket.prev_hash != last:
                raise ConcurrencyError(f"chain {chain_id!r}: a queued command does not link "
                                       "to the one before it; deciding it again")
        last = ticket.envelopes[-1].event_hash
    return first


class GroupCommitter:
    """Commits queued tickets in as few store transactions as possible."""

    def __init__(self, store: EventStore, on_failure: Callable[[], None]) -> None:
        self._store = store
        self._on_failure = on_failure
        self._queue: list[Ticket] = []
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()
        # Makes a batch's kept results durable before its append (Ledger.keep_results).
        self.before_append: Callable[[list[tuple[str, bytes]]], None] | None = None
        # Chains whose append failed since the ledger last reloaded: what is decided on
        # them until then is doomed (requirement 4).
        self._failed: set[str] = set()

    def enqueue(self, ticket: Ticket) -> None:
        with self._queue_lock:
            ticket.doomed = self._builds_on_failure(ticket)
            self._queue.append(ticket)

    def reloaded(self) -> None:
        """The ledger's state was read again from the store (under its decision lock):
        what it decides from now on builds on durable envelopes only."""
        with self._queue_lock:
            self._failed.clear()

    def _builds_on_failure(self, ticket: Ticket) -> bool:
        return bool(self._failed) and (SYSTEM_CHAIN in self._failed
                                       or ticket.chain_id in self._failed)

    def _note_failure(self, chain_id: str, batch: list[Ticket]) -> None:
        """Doom what may build on ``chain_id``'s failed envelopes: the rest of this batch
        and everything queued behind it."""
        with self._queue_lock:
            self._failed.add(chain_id)
            for ticket in (*batch, *self._queue):
                if not ticket.done and self._builds_on_failure(ticket):
                    ticket.doomed = True

    def wait(self, ticket: Ticket) -> None:
        """Return once ``ticket`` is durable; raise its batch's error otherwise."""
        while not ticket.done:
            with self._commit_lock:
                if ticket.done:
                    break
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._commit(batch)
        if ticket.error is not None:
            raise ticket.error

    def _commit(self, batch: list[Ticket]) -> None:
        by_chain: dict[str, list[Ticket]] = {SYSTEM_CHAIN: []}  # first: others cite it
        for ticket in batch:
            by_chain.setdefault(ticket.chain_id, []).append(ticket)
        for chain_id, queued in by_chain.items():
            tickets = [t for t in queued if not t.doomed]
            self._fail_doomed(queued)
            envelopes = [e for t in tickets for e in t.envelopes]
            failed = False
            try:
                kept = [t.result for t in tickets if t.result is not None]
                if kept and self.before_append is not None:
                    self.before_append(kept)
                if envelopes:
                    self._store.append(chain_id, envelopes, expected_seq=envelopes[0].seq,
                                       prev_hash=linked_prev_hash(chain_id, tickets))
            except BaseException as exc:
                self._on_failure()
                error = exc if isinstance(exc, SkmsError) else StoreError(
                    f"commit failed: {type(exc).__name__}")
                for ticket in tickets:
                    ticket.error = error
                failed = True
            for ticket in tickets:
                ticket.done = True
            if failed:  # after its own tickets are done: they are not doomed, they failed
                self._note_failure(chain_id, batch)

    @staticmethod
    def _fail_doomed(tickets: list[Ticket]) -> None:
        for ticket in tickets:
            if ticket.doomed:
                ticket.error = ConcurrencyError(
                    "decided on envelopes whose commit failed; deciding it again")
                ticket.done = True
