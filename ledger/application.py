"""The ledger application: turns signed commands into durable, chained, checkpointed events.

Requirements:

1. State (aggregates, chain heads, Merkle frontiers, seen commands) is rebuilt from the log.
2. A command is accepted only if its actor is registered and not revoked, its signature
   over the canonical bytes verifies, its time is within the allowed skew and its nonce and
   id are unused. A retried command (same id, same bytes) returns its earlier outcome.
3. A refused command is recorded as a ``CommandRejected`` event signed by the ledger, then
   the refusal is raised. Past ``refusal_limit`` refusals of one actor in a window, the
   rest are summed up in one event per window (``ledger/refusals.py``).
4. All events of one command are committed together or not at all; concurrent commands
   share one store transaction (group commit); nothing is returned before the commit.
5. Checkpoints are published every N events and, while events arrive, at least every T
   seconds, and on demand; each is stored and recorded as an event.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from eventsourcing.domain import Aggregate

from ledger.authorization import SYSTEM_CHAIN, authorize
from ledger.chain_state import ChainState
from ledger.command import SYSTEM_ACTOR, Command, SignedCommand, parse_command
from ledger.crypto.kek import KEKProvider
from ledger.crypto.scheme import get_scheme
from ledger.domain.actor import Actor
from ledger.domain.events import EVENT_CLASSES, event_to_record, micros, record_to_event
from ledger.domain.key import Key
from ledger.domain.ledger_meta import LedgerMeta
from ledger.domain.wallet import Wallet
from ledger.envelope import NO_AUTHORITY, Envelope, open_envelope, seal_envelope
from ledger.errors import (
    CommandRejected,
    ConfigurationError,
    InvalidInput,
    NotFound,
    ReplayedCommand,
    SkmsError,
    StoreError,
    Unauthorized,
    VerificationError,
)
from ledger.events.codec import encode_payload
from ledger.merkle.checkpoint import Checkpoint, sign_note
from ledger.refusals import (
    SUMMARY_COMMAND_TYPE,
    SUMMARY_REASON_CODE,
    RefusalLimit,
    RefusalThrottle,
    Summary,
)
from ledger.stores.base import EventStore, KeyRing, StoredCheckpoint, StoredEnvelope

T = TypeVar("T")

MAX_CLOCK_SKEW_MICROS = 300_000_000
DEFAULT_REFUSAL_LIMIT = RefusalLimit()
CHAIN_ID_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


def now_micros() -> int:
    return time.time_ns() // 1000


def check_chain_id(chain_id: str) -> str:
    if not chain_id or len(chain_id) > 64 or not set(chain_id) <= CHAIN_ID_ALPHABET:
        raise InvalidInput("must be 1-64 characters of a-z, 0-9, '-' or '_'", field="domain")
    return chain_id


@dataclass
class Outcome(Generic[T]):
    """What a command produced: its events' seqs (in its chain) and the handler's result."""

    chain_id: str
    seqs: list[int]
    result: T | None
    replayed: bool = False


@dataclass
class Decision:
    """The context a handler decides in. Handlers call aggregate methods and ``touch`` them."""

    ledger: Ledger
    command: Command
    now: int
    touched: list[Aggregate] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def touch(self, aggregate: Aggregate) -> None:
        if all(aggregate is not seen for seen in self.touched):
            self.touched.append(aggregate)


@dataclass
class _Ticket:
    chain_id: str
    envelopes: list[StoredEnvelope]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


@dataclass
class Pending(Generic[T]):
    """A decided command whose events wait in the group commit queue.

    ``complete`` (which may block on the store) returns the outcome once the events are
    durable, or raises the recorded refusal once the rejection is.
    """

    ledger: Ledger
    ticket: _Ticket | None  # None: nothing to commit (an earlier outcome, an unrecorded refusal)
    outcome: Outcome[T] | None
    after_commit: list[Callable[[], None]]
    refusal: CommandRejected | None = None

    def complete(self) -> Outcome[T]:
        self.ledger._committed(self)
        if self.outcome is None:  # a refusal always raises above
            raise StoreError("a refused command has no outcome")
        return self.outcome


class _GroupCommitter:
    """Commits queued tickets in as few store transactions as possible.

    Tickets are queued in seq order under the ledger's decision lock. Whoever waits first
    takes the commit lock and commits everything queued so far, one ``append`` per chain;
    later waiters usually find their ticket already done. If one append fails, every ticket
    of that batch and chain fails, and the ledger reloads before deciding again.
    """

    def __init__(self, store: EventStore, on_failure: Callable[[], None]) -> None:
        self._store = store
        self._on_failure = on_failure
        self._queue: list[_Ticket] = []
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()

    def enqueue(self, ticket: _Ticket) -> None:
        with self._queue_lock:
            self._queue.append(ticket)

    def wait(self, ticket: _Ticket) -> None:
        while not ticket.done.is_set():
            with self._commit_lock:
                if ticket.done.is_set():
                    break
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._commit(batch)
        if ticket.error is not None:
            raise ticket.error

    def _commit(self, batch: list[_Ticket]) -> None:
        by_chain: dict[str, list[_Ticket]] = {}
        for ticket in batch:
            by_chain.setdefault(ticket.chain_id, []).append(ticket)
        for chain_id, tickets in by_chain.items():
            envelopes = [e for t in tickets for e in t.envelopes]
            try:
                if envelopes:
                    self._store.append(chain_id, envelopes, expected_seq=envelopes[0].seq)
            except BaseException as exc:
                self._on_failure()
                error = exc if isinstance(exc, SkmsError) else StoreError(
                    f"commit failed: {type(exc).__name__}")
                for ticket in tickets:
                    ticket.error = error
            for ticket in tickets:
                ticket.done.set()


class CheckpointTimer:
    """A background thread that publishes due checkpoints; ``stop`` waits for it to end."""

    def __init__(self, ledger: Ledger, interval_s: float) -> None:
        self._ledger = ledger
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="skms-checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            with contextlib.suppress(SkmsError):  # the next tick retries
                self._ledger.flush_refusal_summaries()
            for chain_id in list(self._ledger.chain_states):
                if self._stop.is_set():
                    return
                try:
                    self._ledger.maybe_checkpoint(chain_id)
                except SkmsError:
                    continue  # the next commit or tick retries; failures fail closed

    def stop(self) -> None:
        """Stop ticking and wait for a tick in progress, so no checkpoint outlives the key."""
        self._stop.set()
        self._thread.join()


class Ledger:
    """One ledger over one store. Thread-safe; shares commits between concurrent commands."""

    def __init__(self, store: EventStore, keyring: KeyRing, *, kek: KEKProvider | None = None,
                 ledger_key: bytearray | None = None, clock: Callable[[], int] = now_micros,
                 max_clock_skew_micros: int = MAX_CLOCK_SKEW_MICROS,
                 auto_checkpoint: bool = True,
                 refusal_limit: RefusalLimit | None = DEFAULT_REFUSAL_LIMIT) -> None:
        self.store = store
        self.keyring = keyring
        self.kek = kek
        self._ledger_key = ledger_key
        self.clock = clock
        self.max_clock_skew_micros = max_clock_skew_micros
        self.auto_checkpoint = auto_checkpoint
        self._refusals = RefusalThrottle(refusal_limit) if refusal_limit is not None else None
        self._lock = threading.RLock()
        self._committer = _GroupCommitter(store, self._mark_stale)
        self._stale = True
        self._reset()

    # --- state -------------------------------------------------------------------------------

    def _reset(self) -> None:
        self.meta: LedgerMeta | None = None
        self.ledger_id: str | None = None
        self.actors: dict[str, Actor] = {}
        self.keys: dict[str, Key] = {}
        self.wallets: dict[str, Wallet] = {}
        self.chain_states: dict[str, ChainState] = {}
        self._commands: dict[str, tuple[str, bytes, list[int]]] = {}
        self._rejections: dict[str, tuple[str, int, str, str]] = {}
        self._nonces: set[tuple[str, str]] = set()

    def _mark_stale(self) -> None:
        self._stale = True

    _STATE_FIELDS = ("meta", "ledger_id", "actors", "keys", "wallets", "chain_states",
                     "_commands", "_rejections", "_nonces")

    def load(self) -> None:
        """Rebuild every aggregate and chain state from the store (system chain first).

        All or nothing: if the store fails midway (an outage), the previous state is kept
        and the ledger stays marked stale, so lookups keep working and the next command
        retries the reload.
        """
        with self._lock:
            previous = {name: getattr(self, name) for name in self._STATE_FIELDS}
            try:
                self._reset()
                chains = self.store.chains()
                ordered = ([SYSTEM_CHAIN] if SYSTEM_CHAIN in chains else []) + [
                    c for c in chains if c != SYSTEM_CHAIN]
                for chain_id in ordered:
                    for stored in self.store.read(chain_id):
                        self._apply(open_envelope(stored), stored.event_hash)
            except BaseException:
                for name, value in previous.items():
                    setattr(self, name, value)
                self._stale = True
                raise
            self._stale = False

    def refresh_system_chain(self) -> None:
        """Catch up with actor changes another process wrote to the system chain.

        Why before every admission: a writer serving one key domain must not keep accepting
        an actor that a writer elsewhere has just revoked or demoted. One cheap head lookup
        per command; new system events are folded in (or everything is reloaded if the
        chain no longer extends what we hold).
        """
        head = self.store.head(SYSTEM_CHAIN)
        state = self.chain(SYSTEM_CHAIN)
        if head is None or head.seq < state.next_seq:
            return
        for stored in self.store.read(SYSTEM_CHAIN, state.next_seq, head.seq + 1):
            envelope = open_envelope(stored)
            if envelope.prev_hash != state.head_hash:
                self.load()
                return
            self._apply(envelope, stored.event_hash)

    def ensure_loaded(self) -> None:
        if self._stale:
            self.load()

    def chain(self, chain_id: str) -> ChainState:
        state = self.chain_states.get(chain_id)
        if state is None:
            state = self.chain_states[chain_id] = ChainState(chain_id)
        return state

    def _apply(self, envelope: Envelope, event_hash: bytes) -> None:
        """Fold one envelope into the in-memory state (used on load and after building)."""
        state = self.chain(envelope.chain_id)
        if envelope.seq != state.next_seq or envelope.prev_hash != state.head_hash:
            raise VerificationError("chain link broken while loading", seq=envelope.seq,
                                    chain=envelope.chain_id, check="prev-hash",
                                    hint="run 'skms audit verify' for a full report")
        state.advance(event_hash)
        if envelope.command:
            command = parse_command(envelope.command)
            self._nonces.add((command.actor_id, command.nonce))
            seen = self._commands.get(command.command_id)
            seqs = [*seen[2], envelope.seq] if seen else [envelope.seq]
            self._commands[command.command_id] = (envelope.chain_id, envelope.command, seqs)
        if envelope.event_type in EVENT_CLASSES:
            event = record_to_event(envelope.event_type, envelope.event(),
                                    aggregate_id=envelope.aggregate_id,
                                    aggregate_version=envelope.aggregate_version,
                                    recorded_at=envelope.recorded_at)
            self._fold(event)
        else:
            state.journal_versions[envelope.aggregate_id] = envelope.aggregate_version
            record = envelope.event()
            if envelope.event_type == "CheckpointPublished":
                state.last_checkpoint_size = record["tree_size"]
                state.last_checkpoint_at = envelope.recorded_at
            elif envelope.event_type == "CommandRejected":
                self._rejections[record["command_id"]] = (
                    envelope.chain_id, envelope.seq, record["reason_code"], record["reason"])

    def _fold(self, event: Any) -> None:
        if isinstance(event, LedgerMeta.Initialized):
            self.meta = event.mutate(None)
            self.ledger_id = event.ledger_id
        elif isinstance(event, Actor.Registered):
            actor = cast(Actor, event.mutate(None))
            self.actors[actor.actor_id] = actor
        elif isinstance(event, Key.Generated):
            key = cast(Key, event.mutate(None))
            self.keys[key.key_id] = key
        elif isinstance(event, Actor.Event):
            event.mutate(self.actors[str(event.originator_id)])
        elif isinstance(event, Key.Event):
            event.mutate(self.keys[str(event.originator_id)])
        elif isinstance(event, Wallet.Created):
            wallet = cast(Wallet, event.mutate(None))
            self.wallets[wallet.wallet_id] = wallet
        elif isinstance(event, Wallet.Event):
            event.mutate(self.wallets[str(event.originator_id)])
        else:
            raise VerificationError(f"no aggregate handles {type(event).__name__}")

    # --- lookups -----------------------------------------------------------------------------

    def actor(self, actor_id_or_name: str) -> Actor:
        found = self.actors.get(actor_id_or_name)
        if found is None:
            matches = [a for a in self.actors.values() if a.name == actor_id_or_name]
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise NotFound(f"no actor {actor_id_or_name!r}", field="actor")
        return found

    def key(self, key_id: str) -> Key:
        found = self.keys.get(key_id)
        if found is None:
            raise NotFound(f"no key {key_id!r}", field="key_id")
        return found

    def wallet(self, wallet_id: str) -> Wallet:
        found = self.wallets.get(wallet_id)
        if found is None:
            raise NotFound(f"no wallet {wallet_id!r}", field="wallet_id")
        return found

    def system_head_seq(self) -> int:
        return self.chain(SYSTEM_CHAIN).next_seq - 1

    @property
    def initialized(self) -> bool:
        return self.meta is not None

    # --- commands ----------------------------------------------------------------------------

    def submit(self, signed: SignedCommand, decide: Callable[[Decision], T]) -> Outcome[T]:
        """Check, decide, commit (group commit), then return. Refusals are recorded first."""
        pending = self._begin(signed, decide, lock_wait_s=None)
        if pending is None:  # only a non-waiting begin gives up
            raise StoreError("the ledger could not take the command")
        return pending.complete()

    def begin(self, signed: SignedCommand, decide: Callable[[Decision], T], *,
              lock_wait_s: float = 0.002) -> Pending[T] | None:
        """Check and decide now; commit later. None when the ledger is busy or must reload.

        Why: a caller on an event loop decides in its own thread (no hand-off to a worker
        and back, which cost more CPU than the decision) and leaves the commit wait,
        :meth:`Pending.complete`, to a thread that may block. It waits at most
        ``lock_wait_s`` for the decision lock (another decision takes a fraction of a
        millisecond; giving up at once sent bursts of signs to the blocking path, whose
        decisions then held the lock against the next ones) and never for a reload: then
        it returns None and the caller takes the blocking :meth:`submit` path instead.
        """
        return self._begin(signed, decide, lock_wait_s=lock_wait_s)

    def _begin(self, signed: SignedCommand, decide: Callable[[Decision], T], *,
               lock_wait_s: float | None) -> Pending[T] | None:
        """``lock_wait_s`` None: wait for the lock and for a reload (``submit``)."""
        command = signed.command
        if not self._lock.acquire(timeout=-1 if lock_wait_s is None else lock_wait_s):
            return None
        try:
            if self._stale and lock_wait_s is not None:
                return None
            self.ensure_loaded()
            self.refresh_system_chain()
            try:
                earlier = self._earlier_outcome(signed)
            except Unauthorized as forged:  # a retry whose signature does not verify
                return Pending(self, self._queue_rejection(signed, forged), None, [],
                               refusal=forged)
            if earlier is not None:
                return Pending(self, None, earlier, [])
            try:
                self._admit(signed)
                decision = Decision(self, command, self.clock())
                result = decide(decision)
                ticket = self._build(decision, signed)
            except CommandRejected as refusal:
                self._discard_pending(refusal)
                return Pending(self, self._queue_rejection(signed, refusal), None, [],
                               refusal=refusal)
            except SkmsError:
                self._mark_stale()
                raise
        finally:
            self._lock.release()
        outcome = Outcome(ticket.chain_id, [e.seq for e in ticket.envelopes], result)
        return Pending(self, ticket, outcome, decision.after_commit)

    def _committed(self, pending: Pending[Any]) -> None:
        """Wait for ``pending``'s commit, then run its after-commit actions and checkpoint."""
        if pending.ticket is not None:
            self._committer.wait(pending.ticket)
        if pending.refusal is not None:
            raise pending.refusal from None
        for action in pending.after_commit:
            action()
        if pending.ticket is not None and self.auto_checkpoint:
            self.maybe_checkpoint(pending.ticket.chain_id)

    def _earlier_outcome(self, signed: SignedCommand) -> Outcome[Any] | None:
        command = signed.command
        seen = self._commands.get(command.command_id)
        if seen is not None:
            if seen[1] != signed.canonical_bytes:
                raise ReplayedCommand(f"command id {command.command_id} was already used for a "
                                      "different command", field="command_id",
                                      reason_code="replay")
            # The same bytes are not proof of the same actor: check its signature again.
            signed.verify(self._identity(command.actor_id)[0])
            return Outcome(seen[0], list(seen[2]), None, replayed=True)
        rejected = self._rejections.get(command.command_id)
        if rejected is not None:
            raise CommandRejected(f"command {command.command_id} was refused earlier: "
                                  f"{rejected[3]}", reason_code=rejected[2], seq=rejected[1])
        return None

    def _admit(self, signed: SignedCommand) -> None:
        command = signed.command
        if self.meta is None and command.command_type != "InitializeLedger":
            raise ConfigurationError("the ledger is not initialized", hint="run 'skms init'")
        if command.chain_id != SYSTEM_CHAIN:
            check_chain_id(command.chain_id)
        skew = abs(self.clock() - command.issued_at)
        if skew > self.max_clock_skew_micros:
            raise ReplayedCommand(
                f"command issued {skew // 1_000_000} s away from the ledger clock (limit "
                f"{self.max_clock_skew_micros // 1_000_000} s)", field="issued_at",
                reason_code="stale-command")
        if (command.actor_id, command.nonce) in self._nonces:
            raise ReplayedCommand("nonce already used by this actor", field="nonce",
                                  reason_code="replay")
        if command.command_type == "InitializeLedger":
            self._admit_genesis(signed)
            return
        public_key, roles, domains, revoked = self._identity(command.actor_id)
        signed.verify(public_key)
        authorize(actor_id=command.actor_id, roles=roles, domains=domains, revoked=revoked,
                  command_type=command.command_type, chain_id=command.chain_id)

    def _admit_genesis(self, signed: SignedCommand) -> None:
        """Genesis is self-signed: the command carries the ledger key that signs it."""
        if self.meta is not None or self.store.chains():
            raise CommandRejected("the ledger is already initialized", reason_code="exists")
        if signed.command.actor_id != SYSTEM_ACTOR:
            raise Unauthorized("only the ledger identity may initialize", reason_code="genesis")
        key_hex = signed.command.args.get("ledger_public_key")
        if not isinstance(key_hex, str):
            raise InvalidInput("missing", field="ledger_public_key")
        signed.verify(bytes.fromhex(key_hex))

    def _identity(self, actor_id: str) -> tuple[bytes, list[str], list[str], bool]:
        if actor_id == SYSTEM_ACTOR:
            if self.meta is None:
                raise Unauthorized("no ledger identity yet", reason_code="unknown-actor")
            return self.meta.ledger_public_key, [], ["*"], False
        actor = self.actors.get(actor_id)
        if actor is None:
            raise Unauthorized(f"unknown actor {actor_id!r}", field="actor_id",
                               reason_code="unknown-actor")
        return actor.public_key, actor.roles, actor.domains, actor.revoked

    def _discard_pending(self, refusal: CommandRejected) -> None:
        # A handler that mutated an aggregate and then refused leaves dirty state: reload.
        if any(getattr(a, "pending_events", None) for a in self._all_aggregates()):
            self.load()

    def _all_aggregates(self) -> Iterable[Aggregate]:
        yield from self.actors.values()
        yield from self.keys.values()
        yield from self.wallets.values()

    def _build(self, decision: Decision, signed: SignedCommand) -> _Ticket:
        command = signed.command
        chain_id = command.chain_id
        state = self.chain(chain_id)
        authority = NO_AUTHORITY if chain_id == SYSTEM_CHAIN else self.system_head_seq()
        envelopes: list[StoredEnvelope] = []
        events: list[tuple[str, dict[str, Any], str, int, int]] = []
        for aggregate in decision.touched:
            for event in aggregate.collect_events():
                event_type, record = event_to_record(event)
                # The envelope's time is the event's own, so a rebuild reproduces it exactly.
                events.append((event_type, record, str(event.originator_id),
                               event.originator_version, micros(event.timestamp)))
        for aggregate in decision.touched:
            self._register(aggregate)
        if not events:
            raise InvalidInput("the command changed nothing", field="command.type")
        for event_type, record, aggregate_id, version, recorded_at in events:
            stored = self._seal(state, event_type, record, aggregate_id, version, signed,
                                recorded_at, authority)
            self._note_built(signed, stored, record, recorded_at)
            envelopes.append(stored)
        ticket = _Ticket(chain_id, envelopes)
        self._committer.enqueue(ticket)
        return ticket

    def _seal(self, state: ChainState, event_type: str, record: dict[str, Any],
              aggregate_id: str, aggregate_version: int, signed: SignedCommand, now: int,
              authority: int) -> StoredEnvelope:
        command = signed.command
        schema_version, payload = encode_payload(event_type, record)
        envelope = Envelope(
            chain_id=state.chain_id, seq=state.next_seq, prev_hash=state.head_hash,
            event_type=event_type, schema_version=schema_version, aggregate_id=aggregate_id,
            aggregate_version=aggregate_version, recorded_at=now, actor_id=command.actor_id,
            command_id=command.command_id, command=signed.canonical_bytes,
            actor_signature=signed.signature, authority_seq=authority,
            correlation_id=command.correlation_id or command.command_id,
            causation_id=command.command_id, payload=payload)
        stored = seal_envelope(envelope)
        state.advance(stored.event_hash)
        return stored

    def _note_built(self, signed: SignedCommand, stored: StoredEnvelope, record: dict[str, Any],
                    recorded_at: int) -> None:
        """Update indexes for an envelope just built (without decoding what we just encoded)."""
        command = signed.command
        self._nonces.add((command.actor_id, command.nonce))
        seen = self._commands.get(command.command_id)
        seqs = [*seen[2], stored.seq] if seen else [stored.seq]
        self._commands[command.command_id] = (stored.chain_id, signed.canonical_bytes, seqs)
        if stored.event_type == "CheckpointPublished":
            state = self.chain(stored.chain_id)
            state.last_checkpoint_size = record["tree_size"]
            state.last_checkpoint_at = recorded_at
        elif stored.event_type == "CommandRejected":
            self._rejections[record["command_id"]] = (
                stored.chain_id, stored.seq, record["reason_code"], record["reason"])

    def _register(self, aggregate: Aggregate) -> None:
        if isinstance(aggregate, Key):
            self.keys[aggregate.key_id] = aggregate
        elif isinstance(aggregate, Wallet):
            self.wallets[aggregate.wallet_id] = aggregate
        elif isinstance(aggregate, Actor):
            self.actors[aggregate.actor_id] = aggregate
        elif isinstance(aggregate, LedgerMeta):
            self.meta = aggregate
            self.ledger_id = str(aggregate.id)

    # --- system commands ---------------------------------------------------------------------

    def system_command(self, command_type: str, chain_id: str, args: dict[str, Any], *,
                       correlation_id: str = "") -> SignedCommand:
        """A command signed by the ledger's own key (checkpoints, rejections, bootstrap)."""
        if self._ledger_key is None:
            raise ConfigurationError("the ledger signing key is not loaded",
                                     hint="open the ledger with its passphrase")
        command = Command(command_type=command_type, actor_id=SYSTEM_ACTOR, chain_id=chain_id,
                          args=args, issued_at=self.clock(), correlation_id=correlation_id)
        return command.sign(self._ledger_key)

    def sign_as_ledger(self, message: bytes) -> bytes:
        if self._ledger_key is None:
            raise ConfigurationError("the ledger signing key is not loaded")
        return get_scheme("ed25519").sign(self._ledger_key, message)

    def record_refusal(self, refused: SignedCommand, refusal: CommandRejected) -> CommandRejected:
        """Record a refusal decided outside ``submit`` (e.g. a service denying a read).

        ``refused`` describes what was asked (its signature may be empty: the ledger signs
        the ``CommandRejected`` fact itself). Returns ``refusal`` with its recorded seq.
        """
        with self._lock:
            self.ensure_loaded()
            return self._record_rejection(refused, refusal)

    def _record_rejection(self, signed: SignedCommand, refusal: CommandRejected) -> CommandRejected:
        """Append a CommandRejected fact (signed by the ledger) and return the refusal."""
        ticket = self._queue_rejection(signed, refusal)
        if ticket is not None:
            self._committer.wait(ticket)
        return refusal

    def _queue_rejection(self, signed: SignedCommand,
                         refusal: CommandRejected) -> _Ticket | None:
        """Queue a CommandRejected fact (signed by the ledger); None when there is no ledger
        to record it in yet. ``refusal.seq`` is its seq."""
        command = signed.command
        chain_id = command.chain_id if (command.chain_id == SYSTEM_CHAIN or
                                        _valid_chain(command.chain_id)) else SYSTEM_CHAIN
        if self.meta is None or self._ledger_key is None:
            return None
        digest = hashlib.sha256(signed.canonical_bytes).digest()
        if self._refusals is not None:
            now = self.clock()
            summaries = [self._queue_summary(s) for s in self._refusals.due(now)]
            if not self._refusals.admit(command.actor_id, chain_id, now, digest,
                                        refusal.reason_code):
                # Not recorded one by one; whoever waits on this commits the summaries.
                return summaries[-1] if summaries else None
        record = {
            "actor_id": command.actor_id[:200], "command_type": command.command_type[:100],
            "command_id": command.command_id[:100], "target": _target(command),
            "reason_code": refusal.reason_code, "reason": refusal.message[:500],
            "command_digest": digest,
        }
        system = self.system_command("RecordRejection", chain_id,
                                     {"rejected_command_id": command.command_id[:100]},
                                     correlation_id=command.correlation_id[:100])
        ticket = self._queue_rejection_record(chain_id, record, system)
        refusal.seq = ticket.envelopes[0].seq
        return ticket

    def _queue_summary(self, summary: Summary) -> _Ticket:
        """Queue the CommandRejected event summing up an actor's unrecorded refusals."""
        command_id = str(uuid.uuid4())
        record = {
            "actor_id": summary.actor_id[:200], "command_type": SUMMARY_COMMAND_TYPE,
            "command_id": command_id, "target": None, "reason_code": SUMMARY_REASON_CODE,
            "reason": summary.reason(), "command_digest": summary.digest,
        }
        system = self.system_command("RecordRejection", SYSTEM_CHAIN, {
            "rejected_command_id": command_id, "rejected_actor_id": summary.actor_id[:200],
            "rejected_count": summary.count})
        return self._queue_rejection_record(SYSTEM_CHAIN, record, system)

    def flush_refusal_summaries(self, *, everything: bool = False) -> int:
        """Record the summaries of refusal windows that have ended (all, ``everything``:
        at shutdown); returns how many events were written. The checkpoint timer calls
        this, so a summary is written even if its actor sends nothing more."""
        if self._refusals is None:
            return 0
        with self._lock:
            if self.meta is None or self._ledger_key is None:
                return 0
            tickets = [self._queue_summary(summary)
                       for summary in self._refusals.due(self.clock(), everything=everything)]
        for ticket in tickets:
            self._committer.wait(ticket)
        return len(tickets)

    def _queue_rejection_record(self, chain_id: str, record: dict[str, Any],
                                system: SignedCommand) -> _Ticket:
        state = self.chain(chain_id)
        aggregate_id, version = state.next_journal_version("rejections")
        authority = NO_AUTHORITY if chain_id == SYSTEM_CHAIN else self.system_head_seq()
        now = self.clock()
        stored = self._seal(state, "CommandRejected", record, aggregate_id, version, system,
                            now, authority)
        self._note_built(system, stored, record, now)
        ticket = _Ticket(chain_id, [stored])
        self._committer.enqueue(ticket)
        return ticket

    # --- checkpoints -------------------------------------------------------------------------

    def request_checkpoint(self, signed: SignedCommand) -> StoredCheckpoint:
        """A checkpoint asked for by an actor: admitted like any command, then published."""
        with self._lock:
            self.ensure_loaded()
            if self._earlier_outcome(signed) is not None:
                raise ReplayedCommand("this checkpoint request was already served",
                                      field="command_id", reason_code="replay")
            try:
                if signed.command.command_type != "RequestCheckpoint":
                    raise InvalidInput("not a RequestCheckpoint command", field="command.type")
                self._admit(signed)
                if self.chain(signed.command.chain_id).next_seq == 0:
                    raise NotFound(f"chain {signed.command.chain_id!r} has no events",
                                   field="chain")
            except CommandRejected as refusal:
                raise self._record_rejection(signed, refusal) from None
            return self.checkpoint(signed.command.chain_id, requested_by=signed)

    def maybe_checkpoint(self, chain_id: str) -> StoredCheckpoint | None:
        """Publish a checkpoint when N events or T seconds have passed since the last one.

        The first look is without the lock (a stale answer only delays the check to the
        next command or the timer), so the common case, nothing due, never makes a thread
        deciding on an event loop find the lock taken.
        """
        if not self._checkpoint_due(chain_id):
            return None
        with self._lock:
            if not self._checkpoint_due(chain_id):
                return None
            return self.checkpoint(chain_id)

    def _checkpoint_due(self, chain_id: str) -> bool:
        meta, state = self.meta, self.chain_states.get(chain_id)
        if meta is None or self._ledger_key is None or state is None:
            return False
        pending = state.next_seq - state.last_checkpoint_size
        if pending <= 0:
            return False
        overdue = (self.clock() - state.last_checkpoint_at
                   >= meta.checkpoint_every_seconds * 1_000_000)
        return pending >= meta.checkpoint_every_events or overdue

    def checkpoint(self, chain_id: str, *, requested_by: SignedCommand | None = None
                   ) -> StoredCheckpoint:
        """Sign and store a checkpoint of the chain as it is now, and record it as an event."""
        with self._lock:
            self.ensure_loaded()
            if self.meta is None:
                raise ConfigurationError("the ledger is not initialized", hint="run 'skms init'")
            state = self.chain(chain_id)
            if state.next_seq == 0:
                raise NotFound(f"chain {chain_id!r} has no events", field="chain")
            size = state.next_seq
            body = Checkpoint(origin=f"{self.meta.origin}/{chain_id}", size=size,
                              root_hash=state.frontier.root()).body()
            note = sign_note(body, self.meta.origin, self._require_key())
            stored_checkpoint = StoredCheckpoint(chain_id, size, note)
            self.store.put_checkpoint(stored_checkpoint)
            system = requested_by or self.system_command(
                "PublishCheckpoint", chain_id, {"tree_size": size})
            aggregate_id, version = state.next_journal_version("checkpoints")
            authority = NO_AUTHORITY if chain_id == SYSTEM_CHAIN else self.system_head_seq()
            record = {"tree_size": size, "root_hash": state.frontier.root(), "note": note}
            now = self.clock()
            stored = self._seal(state, "CheckpointPublished", record, aggregate_id, version,
                                system, now, authority)
            self._note_built(system, stored, record, now)
            ticket = _Ticket(chain_id, [stored])
            self._committer.enqueue(ticket)
        self._committer.wait(ticket)
        return stored_checkpoint

    def start_checkpoint_timer(self, interval_s: float = 1.0) -> CheckpointTimer:
        """For long-running services: publish due checkpoints even when traffic stops.

        Commits already trigger checkpoints; this timer covers the tail, so events never wait
        more than ``checkpoint_every_seconds`` (+ ``interval_s``) for a checkpoint. Call
        ``stop()`` on the result before wiping the ledger key.
        """
        return CheckpointTimer(self, interval_s)

    def _require_key(self) -> bytearray:
        if self._ledger_key is None:
            raise ConfigurationError("the ledger signing key is not loaded")
        return self._ledger_key

    def reconcile_keyring(self) -> list[str]:
        """Shred data keys of destroyed keys (finishes a destruction interrupted by a crash)."""
        shredded = []
        present = set(self.keyring.refs())
        for key in self.keys.values():
            if key.state.value == "destroyed":
                for version in key.versions.values():
                    ref = version["data_key_ref"]
                    if ref in present:
                        self.keyring.shred(ref)
                        shredded.append(ref)
        return shredded

    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()


def _valid_chain(chain_id: str) -> bool:
    try:
        check_chain_id(chain_id)
    except InvalidInput:
        return False
    return True


def _target(command: Command) -> str | None:
    for name in ("key_id", "wallet_id", "actor_id", "name"):
        value = command.args.get(name)
        if isinstance(value, str):
            return value[:200]
    return None
