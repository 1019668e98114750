"""The ledger: turns signed commands into durable, chained, checkpointed events.

Requirements:

1. State is rebuilt from the log (:mod:`ledger.state`, the same fold the auditor uses).
2. A command is decided only once admitted (:mod:`ledger.admission`: actor, signature,
   freshness, nonce, role); a retried command (same id, same bytes, a signature that
   verifies) returns its earlier outcome.
3. A refused command is recorded as a ``CommandRejected`` event signed by the ledger, then
   the refusal is raised; past ``refusal_limit`` refusals of one actor in a window the rest
   are summed up (:mod:`ledger.refusals`).
4. All events of one command are committed together or not at all; concurrent commands
   share one store transaction (:mod:`ledger.group_commit`); nothing is returned before
   the commit. A command whose commit lost a race with another writer of the same store
   (the chain's head moved) is decided again on the new head, with the same signed
   command, up to :data:`RACE_RETRIES` times.
5. Checkpoints are published every N events, while events arrive at least every T
   seconds, and on demand (:mod:`ledger.checkpoints`).
6. Every event's time is the ledger's clock reading for its decision.

This module only orchestrates; each concern lives in the module named above, and key
material in :class:`ledger.recipes.key_material.KeyMaterial`.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ledger import admission
from ledger.admission import MAX_CLOCK_SKEW_MICROS
from ledger.approvals import gate
from ledger.authorization import SYSTEM_CHAIN
from ledger.catalogue import CATALOGUE, CommandSpec
from ledger.catalogue.validation import check_values
from ledger.checkpoints import Checkpoints, CheckpointTimer, verifier_keys
from ledger.command import SYSTEM_ACTOR, Command, SignedCommand
from ledger.crypto.kek import KEKProvider
from ledger.crypto.schemes import get_scheme
from ledger.domain.actor import Actor
from ledger.domain.aggregate import Aggregate
from ledger.domain.approval_group import ApprovalGroup
from ledger.domain.key import Key
from ledger.domain.ledger_meta import LedgerMeta
from ledger.domain.threshold_group import ThresholdGroup
from ledger.domain.wallet import Wallet
from ledger.envelope import open_envelope
from ledger.errors import (
    CommandRejected,
    ConcurrencyError,
    ConfigurationError,
    InvalidInput,
    NotChainOwner,
    SkmsError,
    StoreError,
    Unauthorized,
)
from ledger.group_commit import GroupCommitter, Ticket
from ledger.hsm.keystore import HsmKeyStore
from ledger.recipes.kek_fence import KekFence
from ledger.recipes.key_material import KeyMaterial, shred_leftovers
from ledger.refusals import RefusalLimit, RefusalRecorder, refusal_chain
from ledger.state import LedgerState
from ledger.stores.base import EventStore, KeyRing, StoredCheckpoint, StoredEnvelope
from ledger.writer import ChainWriter, EventToWrite

if TYPE_CHECKING:
    from ledger.home import HeldIdentity

T = TypeVar("T")

DEFAULT_REFUSAL_LIMIT = RefusalLimit()
RACE_RETRIES = 8
"""Decisions retried after losing a commit race; each retry waits a little longer."""

Inputs = Mapping[str, Any]
"""A command's data beside it (never signed, never stored): bytes, or lists of bytes."""


def now_micros() -> int:
    return time.time_ns() // 1000


def checked(signed: SignedCommand, inputs: Inputs) -> tuple[dict[str, Any], dict[str, Any]]:
    """The command's arguments and inputs checked against its catalogue entry."""
    command = signed.command
    spec = CATALOGUE.find(command.command_type)
    if not isinstance(spec, CommandSpec):
        raise InvalidInput(f"unknown command type {command.command_type!r}",
                           field="command.type")
    checked_inputs = check_values(spec.inputs, inputs, what="input")  # the data's own
    return check_values(spec.args, command.args), checked_inputs      # bounds come first


@dataclass
class Outcome(Generic[T]):
    """What a command produced: its events' seqs (in its chain) and the handler's result."""

    chain_id: str
    seqs: list[int]
    result: T | None
    replayed: bool = False
    command_id: str = ""
    approval_id: str | None = None  # set when the command was held for an approval quorum

    @property
    def status(self) -> str:
        """``pending`` for a command held for its approvers, ``done`` otherwise."""
        return "pending" if self.approval_id is not None else "done"


@dataclass
class Decision:
    """The context a handler decides in: the command, its arguments and inputs checked
    against the catalogue (defaults filled in), the ledger's clock reading and what the
    handler touched. Handlers call aggregate methods with ``at=now`` and :meth:`touch` the
    aggregates they change."""

    ledger: Ledger
    command: Command
    now: int
    args: Mapping[str, Any] = field(default_factory=dict)
    inputs: Inputs = field(default_factory=dict)
    touched: list[Aggregate] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    checkpoint_requested: bool = False
    executed: Decision | None = None
    executed_command: SignedCommand | None = None
    held: str | None = None  # the approval request this command was held as
    journal: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def execute_held(self, signed: SignedCommand, args: Mapping[str, Any]) -> Decision:
        """The decision of a held command executed by this one (the approval completing
        its quorum): its events are written after this command's, as ``signed``'s, caused
        by this command."""
        inner = Decision(self.ledger, signed.command, self.now, args)
        self.executed, self.executed_command = inner, signed
        return inner

    def record(self, kind: str, event_type: str, fields: dict[str, Any]) -> None:
        """Record a fact of the chain that belongs to no aggregate (a keyless proof made,
        ``kind`` naming the chain's journal it joins, like checkpoints and refusals): it is
        written with the command's other events and folds as a journal entry."""
        self.journal.append((kind, event_type, fields))

    def touch(self, aggregate: Aggregate) -> None:
        if all(aggregate is not seen for seen in self.touched):
            self.touched.append(aggregate)

    def request_checkpoint(self) -> None:
        """Publish a checkpoint of the command's chain as the command's event."""
        self.checkpoint_requested = True


Decide = Callable[[Decision], T]


@dataclass
class Pending(Generic[T]):
    """A decided command whose events wait in the group commit queue.

    :meth:`complete` (which may block on the store) returns the outcome once the events are
    durable, or raises the recorded refusal once the rejection is; a lost commit race
    decides the command again (requirement 4).
    """

    ledger: Ledger
    signed: SignedCommand
    decide: Decide[T]
    inputs: Inputs
    ticket: Ticket | None  # None: nothing to commit (an earlier outcome, a summed refusal)
    outcome: Outcome[T] | None
    after_commit: list[Callable[[], None]]
    refusal: CommandRejected | None = None
    attempt: int = 0

    def complete(self) -> Outcome[T]:
        try:
            self.ledger.wait_for(self.ticket)
        except ConcurrencyError:
            if self.attempt >= RACE_RETRIES:
                raise
            time.sleep(0.001 * 2 ** min(self.attempt, 6))
            return self.ledger.submit(self.signed, self.decide, self.inputs,
                                      attempt=self.attempt + 1)
        if self.refusal is not None:
            raise self.refusal from None
        for action in self.after_commit:
            action()
        if self.ticket is not None and self.ledger.auto_checkpoint:
            # The command is durable whatever happens to the checkpoint, which stays due.
            with contextlib.suppress(StoreError):
                self.ledger.maybe_checkpoint(self.ticket.chain_id)
        if self.outcome is None:  # a refusal always raises above
            raise StoreError("a refused command has no outcome")
        return self.outcome


def _every_chain(chain_id: str) -> bool:
    return True


def _no_owner_known(chain_id: str) -> str | None:
    return None


class Ledger:
    """One ledger over one store. Thread-safe; shares commits between concurrent commands.

    ``kek`` and ``ledger_key`` are needed to decide commands (they unseal key material and
    sign the ledger's own facts); without them the ledger can still be loaded and read.
    ``kek_fence`` keeps the KEK's uses in step with a rotation run by another process.
    """

    def __init__(self, store: EventStore, keyring: KeyRing, *, kek: KEKProvider | None = None,
                 ledger_key: bytearray | None = None, clock: Callable[[], int] = now_micros,
                 hsm: HsmKeyStore | None = None, kek_fence: KekFence | None = None,
                 max_clock_skew_micros: int = MAX_CLOCK_SKEW_MICROS,
                 auto_checkpoint: bool = True,
                 refusal_limit: RefusalLimit | None = DEFAULT_REFUSAL_LIMIT,
                 home_identities: Callable[[], list[HeldIdentity]] | None = None) -> None:
        self.store = store
        self.keyring = keyring
        self._material = (KeyMaterial(kek, keyring, hsm, kek_fence) if kek is not None
                          else None)
        self._ledger_key = ledger_key
        self._home_identities = home_identities
        self.clock = clock
        self.max_clock_skew_micros = max_clock_skew_micros
        self.auto_checkpoint = auto_checkpoint
        self._refusal_limit = refusal_limit
        self._lock = threading.RLock()
        # Which chains this process may append to: all of them, unless a service shares the
        # store with others and a consumer group gives each chain one writer
        # (ledger/stores/kafka/ownership.py sets this to its ``owns``).
        self.writes: Callable[[str], bool] = _every_chain
        self.owner_of: Callable[[str], str | None] = _no_owner_known
        # Where a refusal on a chain another process writes is recorded (a cluster member
        # hands it to the chain's owner and gets the recorded seq back); None: not recorded.
        self.refusals_elsewhere: Callable[[SignedCommand, CommandRejected],
                                          int | None] | None = None
        self._keep_result: Callable[[SignedCommand, Any], bytes | None] | None = None
        self._committer = GroupCommitter(store, self._mark_stale)
        self._stale = True
        self._reset()

    def _reset(self) -> None:
        self.state = LedgerState()
        writer = ChainWriter(self.state, self._committer)
        self._writer = writer
        self._checkpoints = Checkpoints(self.store, self.state, writer, self._require_key,
                                        self.system_command, self.clock)
        self._refusals = RefusalRecorder(writer, self.system_command, self.clock,
                                         self._refusal_limit)

    # --- what the state holds ------------------------------------------------------------

    @property
    def meta(self) -> LedgerMeta | None:
        return self.state.meta

    @property
    def ledger_id(self) -> str | None:
        return self.state.ledger_id

    @property
    def actors(self) -> dict[str, Actor]:
        return self.state.actors

    @property
    def keys(self) -> dict[str, Key]:
        return self.state.keys

    @property
    def wallets(self) -> dict[str, Wallet]:
        return self.state.wallets

    @property
    def chain_states(self) -> dict[str, Any]:
        return self.state.chains

    @property
    def initialized(self) -> bool:
        return self.state.meta is not None

    def actor(self, actor_id_or_name: str) -> Actor:
        return self.state.actor(actor_id_or_name)

    def key(self, key_id: str) -> Key:
        return self.state.key(key_id)

    def wallet(self, wallet_id: str) -> Wallet:
        return self.state.wallet(wallet_id)

    def threshold_group(self, group_id: str) -> ThresholdGroup:
        return self.state.threshold_group(group_id)

    def group(self, group_id: str) -> ApprovalGroup:
        return self.state.group(group_id)

    def chain(self, chain_id: str) -> Any:
        return self.state.chain(chain_id)

    @property
    def material(self) -> KeyMaterial:
        """The KEK and key-ring; a ledger opened without its KEK cannot touch material."""
        if self._material is None:
            raise ConfigurationError("no key-encryption key is loaded",
                                     hint="set SKMS_PASSPHRASE or use --passphrase-file")
        return self._material

    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()

    # --- loading -------------------------------------------------------------------------

    def _mark_stale(self) -> None:
        self._stale = True

    def load(self) -> None:
        """Rebuild the state from the store (system chain first). All or nothing: if the
        store fails midway, the previous state is kept and the ledger stays stale."""
        with self._lock:
            previous = (self.state, self._writer, self._checkpoints, self._refusals)
            try:
                self._reset()
                self._refusals.throttle = previous[3].throttle  # windows outlive reloads
                chains = self.store.chains()
                ordered = ([SYSTEM_CHAIN] if SYSTEM_CHAIN in chains else []) + [
                    c for c in chains if c != SYSTEM_CHAIN]
                for chain_id in ordered:
                    for stored in self.store.read(chain_id):
                        self.state.apply(open_envelope(stored), stored.event_hash)
            except BaseException:
                self.state, self._writer, self._checkpoints, self._refusals = previous
                self._stale = True
                raise
            self._stale = False
            self._committer.reloaded()

    def refresh_system_chain(self) -> None:
        """Catch up with actor changes another process wrote to the system chain.

        Why before every admission: a writer serving one key domain must not keep accepting
        an actor that a writer elsewhere has just revoked or demoted. One cheap head lookup
        per command; new system events are folded in (or everything is reloaded if the
        chain no longer extends what we hold).
        """
        self._fold_new(SYSTEM_CHAIN)

    def catch_up(self) -> None:
        """Fold in what other processes appended to any chain of a store they share with
        this one (a CLI beside a server on one home), before a read answers from memory.

        For stores whose heads are local (SQLite: answered from memory until some
        connection commits), every chain; while a decision holds the lock, the read does
        not wait: that writer is folding the chain anyway, and a lost race is retried on its
        side. A Kafka chain has one fenced writer: a process that writes every chain has
        nothing to fold, and a cluster member folds the chains other members write
        (:meth:`_follow_others`), so a read answers with what any member acknowledged.
        """
        if not self.store.local_head:
            if self.writes is not _every_chain:
                self._follow_others()
            return
        if not self._lock.acquire(timeout=0.05):
            return
        try:
            if self._stale:
                self.load()
                return
            chains = self.store.chains()
            for chain_id in sorted(chains, key=lambda c: c != SYSTEM_CHAIN):
                self._fold_new(chain_id)
        finally:
            self._lock.release()

    def _follow_others(self) -> None:
        """Fold what other writers appended to the chains this process does not write.
        The store is read outside the decision lock (a remote store's round trips would
        hold up decisions); the envelopes are applied under it, from our head on, and a
        chain that no longer extends what we hold reloads everything."""
        for chain_id in self.store.chains():
            if self.writes(chain_id):
                continue
            next_seq = self.state.chain(chain_id).next_seq
            head = self.store.head(chain_id)
            if head is None or head.seq < next_seq:
                continue
            fetched = list(self.store.read(chain_id, next_seq, head.seq + 1))
            with self._lock:
                if self._stale:
                    self.load()
                    return
                if not self._extend(chain_id, fetched):
                    return

    def _fold_new(self, chain_id: str) -> None:
        """Apply the store's envelopes past our head of ``chain_id`` (reload everything if
        the chain no longer extends what we hold)."""
        head = self.store.head(chain_id)
        next_seq = self.state.chain(chain_id).next_seq
        if head is not None and head.seq >= next_seq:
            self._extend(chain_id, self.store.read(chain_id, next_seq, head.seq + 1))

    def _extend(self, chain_id: str, envelopes: Iterable[StoredEnvelope]) -> bool:
        """Apply ``envelopes`` of ``chain_id`` past our head (those already held are
        skipped: folded meanwhile, by a command's system-chain refresh). One that does not
        extend what we hold reloads everything instead: returns False then."""
        state = self.state.chain(chain_id)
        for stored in envelopes:
            if stored.seq < state.next_seq:
                continue
            envelope = open_envelope(stored)
            if stored.seq != state.next_seq or envelope.prev_hash != state.head_hash:
                self.load()
                return False
            self.state.apply(envelope, stored.event_hash)
        return True

    def ensure_loaded(self) -> None:
        if self._stale:
            self.load()

    def follow(self, chain_id: str) -> None:
        """Fold in what another writer appended to ``chain_id`` before this process took the
        chain over (:mod:`ledger.stores.kafka.ownership` calls it once the store has fenced
        that writer), so the next decision starts from the chain's real head."""
        with self._lock:
            if self._stale:
                self.load()
            else:
                self._fold_new(chain_id)

    def keep_results(self, encode: Callable[[SignedCommand, Any], bytes | None],
                     write: Callable[[list[tuple[str, bytes]]], None]) -> None:
        """Keep each command's result where another process can find it (a cluster's result
        journal, :mod:`ledger.stores.kafka.results`): ``encode`` gives the bytes to keep, or
        None for a result that must not leave this process (a secret), and ``write`` makes a
        batch of them durable before the batch's commit starts, so a stored command's result
        is always there."""
        self._keep_result = encode
        self._committer.before_append = write

    def _require_writer(self, chain_id: str) -> None:
        if not self.writes(chain_id):
            owner = self.owner_of(chain_id)
            raise NotChainOwner(
                f"this process does not write chain {chain_id!r} now"
                + (f"; {owner} does" if owner else "; its ownership is moving"),
                owner=owner, hint="send the request to the chain's owner, or retry it with "
                                  "the same command id in a moment")

    # --- commands ------------------------------------------------------------------------

    def submit(self, signed: SignedCommand, decide: Decide[T], inputs: Inputs | None = None,
               *, attempt: int = 0) -> Outcome[T]:
        """Check, decide, commit (group commit), then return. Refusals are recorded first."""
        pending = self._begin(signed, decide, inputs or {}, lock_wait_s=None, attempt=attempt)
        if pending is None:  # pragma: no cover - a waiting begin (lock_wait_s None) never gives up
            raise StoreError("the ledger could not take the command")
        return pending.complete()

    def begin(self, signed: SignedCommand, decide: Decide[T], inputs: Inputs | None = None,
              *, lock_wait_s: float = 0.002) -> Pending[T] | None:
        """Check and decide now; commit later. None when the ledger is busy or must reload.

        Why: a caller on an event loop decides in its own thread (no hand-off to a worker
        and back, which cost more CPU than the decision) and leaves the commit wait,
        :meth:`Pending.complete`, to a thread that may block. It waits at most
        ``lock_wait_s`` for the decision lock (another decision takes a fraction of a
        millisecond; giving up at once sent bursts of signs to the blocking path, whose
        decisions then held the lock against the next ones) and never for a reload: then
        it returns None and the caller takes the blocking :meth:`submit` path instead.
        """
        return self._begin(signed, decide, inputs or {}, lock_wait_s=lock_wait_s, attempt=0)

    def _begin(self, signed: SignedCommand, decide: Decide[T], inputs: Inputs, *,
               lock_wait_s: float | None, attempt: int) -> Pending[T] | None:
        """``lock_wait_s`` None: wait for the lock and for a reload (``submit``)."""
        self._require_writer(signed.command.chain_id)
        if not self._lock.acquire(timeout=-1 if lock_wait_s is None else lock_wait_s):
            return None
        try:
            if self._stale and lock_wait_s is not None:
                return None
            self.ensure_loaded()
            self.refresh_system_chain()
            try:
                earlier = admission.earlier(self.state, signed)
            except Unauthorized as forged:  # a retry whose signature does not verify
                return self._refused(signed, decide, inputs, forged, attempt)
            if earlier is not None:
                outcome: Outcome[T] = Outcome(earlier.chain_id, list(earlier.seqs), None,
                                              replayed=True,
                                              command_id=signed.command.command_id)
                return Pending(self, signed, decide, inputs, None, outcome, [], None, attempt)
            try:
                admission.admit(self.state, signed, now=self.clock(),
                                max_skew_micros=self.max_clock_skew_micros,
                                store_is_empty=(signed.command.command_type == "InitializeLedger"
                                                and not self.store.chains()))
                args, checked_inputs = checked(signed, inputs)
                decision = Decision(self, signed.command, self.clock(), args, checked_inputs)
                result = self._gated(decision, signed, decide)
                ticket, result = self._build(decision, signed, result)
                if self._keep_result is not None and decision.held is None:
                    kept = self._keep_result(signed, result)
                    if kept is not None:
                        ticket.result = (signed.command.command_id, kept)
            except CommandRejected as refusal:
                self._discard_pending()
                return self._refused(signed, decide, inputs, refusal, attempt)
            except SkmsError:
                self._mark_stale()
                raise
        finally:
            self._lock.release()
        outcome = Outcome(ticket.chain_id, [e.seq for e in ticket.envelopes], result,
                          command_id=signed.command.command_id, approval_id=decision.held)
        return Pending(self, signed, decide, inputs, ticket, outcome, decision.after_commit,
                       None, attempt)

    def _gated(self, decision: Decision, signed: SignedCommand, decide: Decide[T]) -> Any:
        """Hold a command that needs an approval quorum (its request is its one event),
        run an approved resubmission under its approval, or decide (:mod:`ledger.approvals.
        gate`)."""
        screening = gate.screen(self.state, signed, decision.now, self.new_id)
        if screening.request is not None:
            decision.touch(screening.request)
            decision.held = screening.request.approval_id
            return gate.pending_result(screening.request, decision.now)
        if screening.executing is not None:
            gate.execute_under(self.state, screening.executing, decision.command.command_id,
                               at=decision.now)
            decision.touch(screening.executing)
        return decide(decision)

    def _refused(self, signed: SignedCommand, decide: Decide[T], inputs: Inputs,
                 refusal: CommandRejected, attempt: int) -> Pending[T]:
        ticket = (self._refusals.queue(signed, refusal)
                  if self._can_record(refusal_chain(signed.command)) else None)
        return Pending(self, signed, decide, inputs, ticket, None, [], refusal, attempt)

    def _can_record(self, chain_id: str) -> bool:
        """A refusal is recorded on its chain by the process that writes that chain. A
        command reaches here only on a chain this process writes; a refusal made outside
        ``submit`` (a read's) for a chain another cluster member writes goes to that member
        (:meth:`record_refusal`)."""
        return (self.state.meta is not None and self._ledger_key is not None
                and self.writes(chain_id))

    def wait_for(self, ticket: Ticket | None) -> None:
        """Block until ``ticket`` is durable (its batch's error is raised)."""
        if ticket is not None:
            self._committer.wait(ticket)

    def _discard_pending(self) -> None:
        # A handler that mutated an aggregate and then refused leaves dirty state: reload.
        if any(aggregate.pending_events for aggregate in self.state.aggregates()):
            self.load()

    def _build(self, decision: Decision, signed: SignedCommand, result: Any
               ) -> tuple[Ticket, Any]:
        """Seal what the decision did as the command's envelopes; a requested checkpoint
        is the command's one event and its result."""
        chain_id = signed.command.chain_id
        if decision.checkpoint_requested:
            checkpoint, ticket = self._checkpoints.publish(chain_id, requested_by=signed)
            decision.after_commit.append(lambda: self._checkpoints.store(checkpoint))
            meta = self.state.meta
            assert meta is not None  # publish refuses an uninitialized ledger
            return ticket, {"size": checkpoint.size, "note": checkpoint.note,
                            **verifier_keys(meta.origin, chain_id, meta.ledger_public_key)}
        events = [EventToWrite(event.event_type, event.fields(), str(event.originator_id),
                               event.originator_version, event.recorded_at)
                  for aggregate in decision.touched for event in aggregate.collect_events()]
        inner, inner_signed = decision.executed, decision.executed_command
        if inner is not None and inner_signed is not None:  # a held command executed now
            events += [EventToWrite(event.event_type, event.fields(),
                                    str(event.originator_id), event.originator_version,
                                    event.recorded_at, signed=inner_signed,
                                    causation_id=signed.command.command_id)
                       for aggregate in inner.touched for event in aggregate.collect_events()]
            decision.after_commit.extend(inner.after_commit)
        for aggregate in (*decision.touched, *(inner.touched if inner else ())):
            self.state.register(aggregate)
        for kind, event_type, fields in decision.journal:
            aggregate_id, version = self.state.chain(chain_id).next_journal_version(kind)
            events.append(EventToWrite(event_type, fields, aggregate_id, version,
                                       decision.now))
        if not events:
            raise InvalidInput("the command changed nothing", field="command.type")
        return self._writer.write(chain_id, events, signed), result

    # --- the ledger's own facts ----------------------------------------------------------

    def system_command(self, command_type: str, chain_id: str, args: dict[str, Any], *,
                       correlation_id: str = "", actor_id: str = SYSTEM_ACTOR
                       ) -> SignedCommand:
        """A command signed by the ledger's own key (checkpoints, rejections, bootstrap; as
        ``scheduler``, the scheduler's own commands)."""
        command = Command(command_type=command_type, actor_id=actor_id, chain_id=chain_id,
                          args=args, issued_at=self.clock(), correlation_id=correlation_id)
        return command.sign(self._require_key())

    def ledger_signature(self, message: bytes) -> bytes:
        """The ledger's own Ed25519 signature over ``message`` (backup bundles, escrow
        release packages: documents that leave the ledger and are checked offline)."""
        return get_scheme("ed25519").sign(self._require_key(), message)

    def ledger_key_copy(self) -> bytearray:
        """A copy of the ledger's signing key, for a whole-ledger backup (wipe it)."""
        return bytearray(self._require_key())

    def held_identities(self) -> list[HeldIdentity]:
        """The registered identities the home beside this ledger holds, keys opened (wipe
        each): what a whole-ledger backup carries besides the ledger key. A service's
        callers keep their own keys, so its home may hold none."""
        return [] if self._home_identities is None else self._home_identities()

    def _require_key(self) -> bytearray:
        if self._ledger_key is None:
            raise ConfigurationError("the ledger signing key is not loaded",
                                     hint="open the ledger with its passphrase")
        return self._ledger_key

    def record_refusal(self, refused: SignedCommand, refusal: CommandRejected, *,
                       relay: bool = True) -> CommandRejected:
        """Record a refusal decided outside ``submit`` (e.g. a service denying a read).

        ``refused`` describes what was asked (its signature may be empty: the ledger signs
        the ``CommandRejected`` fact itself). Returns ``refusal`` with its recorded seq.
        ``relay=False``: a refusal another cluster member handed here, never handed on.
        """
        for attempt in range(RACE_RETRIES + 1):
            with self._lock:
                self.ensure_loaded()
                chain_id = refusal_chain(refused.command)
                here = self._can_record(chain_id)
                ticket = self._refusals.queue(refused, refusal) if here else None
            hand_to = self.refusals_elsewhere
            if (not here and relay and hand_to is not None and self.state.meta is not None
                    and self._ledger_key is not None):
                # Outside the decision lock: it crosses the network. When the writer cannot
                # take it, the refusal is still answered, without a seq (and logged there).
                refusal.seq = hand_to(refused, refusal)
                return refusal
            try:
                self.wait_for(ticket)
                return refusal
            except ConcurrencyError:
                if attempt == RACE_RETRIES:
                    raise
                refusal.seq = None
        return refusal

    def flush_refusal_summaries(self, *, everything: bool = False) -> int:
        """Record the summaries of refusal windows that have ended (all, ``everything``:
        at shutdown); returns how many events were written. The checkpoint timer calls
        this, so a summary is written even if its actor sends nothing more."""
        with self._lock:
            tickets = self._refusals.summaries(everything=everything) if (
                self._can_record(SYSTEM_CHAIN)) else []
        for ticket in tickets:
            self.wait_for(ticket)
        return len(tickets)

    # --- checkpoints ---------------------------------------------------------------------

    def maybe_checkpoint(self, chain_id: str) -> StoredCheckpoint | None:
        """Publish a checkpoint when N events or T seconds have passed since the last one.

        The first look is without the lock (see :mod:`ledger.checkpoints`), so the common
        case, nothing due, never makes a thread deciding on an event loop find it taken.
        """
        if (self._ledger_key is None or not self.writes(chain_id)
                or not self._checkpoints.due(chain_id)):
            return None
        with self._lock:
            if not self._checkpoints.due(chain_id):
                return None
            checkpoint, ticket = self._checkpoints.publish(chain_id)
        self.wait_for(ticket)
        self._checkpoints.store(checkpoint)
        return checkpoint

    def checkpoint(self, chain_id: str) -> StoredCheckpoint:
        """Sign and store a checkpoint of the chain as it is now, and record it as an event."""
        with self._lock:
            self.ensure_loaded()
            checkpoint, ticket = self._checkpoints.publish(chain_id)
        self.wait_for(ticket)
        self._checkpoints.store(checkpoint)
        return checkpoint

    def start_checkpoint_timer(self, interval_s: float = 1.0,
                               scheduled: Callable[[], Any] | None = None) -> CheckpointTimer:
        """For long-running services: publish due checkpoints (and refusal summaries) even
        when traffic stops, and run ``scheduled`` (the scheduler's due work) on each tick.
        Call ``stop()`` on the result before wiping the ledger key."""
        timer: CheckpointTimer

        def tick() -> None:
            self.flush_refusal_summaries()
            if scheduled is not None:
                scheduled()
            for chain_id in list(self.state.chains):
                if timer.stopping:
                    return
                self.maybe_checkpoint(chain_id)

        timer = CheckpointTimer(tick, interval_s)
        return timer

    # --- the key-ring --------------------------------------------------------------------

    def reconcile_keyring(self) -> list[str]:
        """Shred data keys of destroyed keys (finishes a destruction interrupted by a crash)."""
        refs = [ref for key in self.state.keys.values() if key.state.value == "destroyed"
                for ref in key.shreddable_refs() if ref]  # a token key's versions have none
        return shred_leftovers(self.keyring, refs)
