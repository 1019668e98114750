"""The offline auditor: proves a store's chains were not altered, removed, reordered or cut.

It needs nothing but the store's bytes (and, optionally, a trusted earlier checkpoint or
the ledger's public key). For every chain, system chain first, each envelope must pass, in
this order (the first failure is raised, naming the chain, seq and check):

1. ``seq``       – envelopes are numbered 0, 1, 2, … with no gap, repeat or reorder.
2. ``event-hash``/``schema``/``index`` – hash over the stored body, body decodes against its
   schema, the stored index columns equal the body's values.
3. ``prev-hash`` – links to the previous envelope's hash (zeros for seq 0).
4. ``payload``   – the event decodes against its Avro schema.
5. ``command``   – the command bytes are canonical, name this chain, actor and command id,
   and may cause this event type; nonces are never reused.
6. ``signature`` – the actor's Ed25519 signature verifies with the key the actor had *at that
   point* (system chain: just before the event; key domains: at the system-chain seq the
   envelope names as its authority, which may never go backwards).
7. ``authorization`` – the actor held a role allowing the command in that domain then.
8. ``aggregate`` – the event applies to its aggregate at the next version (state machine).
9. ``checkpoint`` – every checkpoint (as event and as stored note) is signed by the ledger
   key and its root equals the Merkle root of the chain at its size.
10. ``trusted-checkpoint`` – a checkpoint the auditor already trusted is consistent with
   the chain: the chain is at least that long and has the same root at that size.
"""

from __future__ import annotations

import bisect
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from ledger.authorization import EVENTS_OF_COMMAND, SYSTEM_CHAIN, authorize
from ledger.command import SYSTEM_ACTOR, parse_command, verify_command_signature
from ledger.domain.actor import Actor
from ledger.domain.events import EVENT_CLASSES, record_to_event
from ledger.domain.key import Key
from ledger.domain.ledger_meta import LedgerMeta
from ledger.domain.wallet import Wallet
from ledger.envelope import GENESIS_PREV_HASH, NO_AUTHORITY, open_envelope
from ledger.errors import SkmsError, VerificationError
from ledger.merkle.checkpoint import Checkpoint, open_checkpoint
from ledger.merkle.hasher import hash_leaf
from ledger.merkle.tree import MerkleTree
from ledger.stores.base import EventStore, StoredCheckpoint, StoredEnvelope

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ActorSnapshot:
    public_key: bytes
    roles: tuple[str, ...]
    domains: tuple[str, ...]
    revoked: bool


@dataclass
class ChainReport:
    chain_id: str
    size: int
    root: str
    checkpoints_verified: int
    last_checkpoint_size: int


@dataclass
class AuditReport:
    ledger_id: str
    ledger_public_key: str
    chains: list[ChainReport] = field(default_factory=list)
    trusted_checkpoints: list[dict[str, Any]] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(c.size for c in self.chains)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, "ledger_id": self.ledger_id,
                "ledger_public_key": self.ledger_public_key, "events": self.events,
                "chains": [vars(c) for c in self.chains],
                "trusted_checkpoints": self.trusted_checkpoints}


class _Timeline:
    """Each actor's identity and roles as of every system-chain seq that changed them."""

    def __init__(self) -> None:
        self._seqs: dict[str, list[int]] = {}
        self._states: dict[str, list[ActorSnapshot]] = {}

    def record(self, actor_id: str, seq: int, snapshot: ActorSnapshot) -> None:
        self._seqs.setdefault(actor_id, []).append(seq)
        self._states.setdefault(actor_id, []).append(snapshot)

    def at(self, actor_id: str, seq: int) -> ActorSnapshot | None:
        seqs = self._seqs.get(actor_id)
        if not seqs:
            return None
        index = bisect.bisect_right(seqs, seq) - 1
        return self._states[actor_id][index] if index >= 0 else None


class Auditor:
    """Verifies every chain of a store; raises :class:`VerificationError` at the first fault."""

    def __init__(self, store: EventStore, *, ledger_public_key: bytes | None = None,
                 trusted_checkpoints: Sequence[str] = (), progress: Progress | None = None
                 ) -> None:
        self.store = store
        self.pinned_key = ledger_public_key
        self.trusted_notes = list(trusted_checkpoints)
        self.progress = progress
        self.timeline = _Timeline()
        self.system_size = 0
        self.ledger_key: bytes | None = None
        self.key_name = ""
        self.origin = ""
        self.ledger_id = ""

    # --- entry point -------------------------------------------------------------------------

    def verify(self) -> AuditReport:
        chains = self.store.chains()
        if SYSTEM_CHAIN not in chains:
            raise VerificationError("the store holds no system chain (no genesis)",
                                    chain=SYSTEM_CHAIN, seq=0, check="seq")
        ordered = [SYSTEM_CHAIN] + [c for c in chains if c != SYSTEM_CHAIN]
        trees: dict[str, MerkleTree] = {}
        reports: list[ChainReport] = []
        for chain_id in ordered:
            tree, chain_report = self._verify_chain(chain_id, self.store.read(chain_id))
            trees[chain_id] = tree
            reports.append(chain_report)
        assert self.ledger_key is not None
        report = AuditReport(self.ledger_id, self.ledger_key.hex(), reports)
        for note in self.trusted_notes:
            report.trusted_checkpoints.append(self._check_trusted(note, trees))
        return report

    # --- one chain ---------------------------------------------------------------------------

    def _verify_chain(self, chain_id: str, envelopes: Iterable[StoredEnvelope]
                      ) -> tuple[MerkleTree, ChainReport]:
        head = self.store.head(chain_id)
        total = 0 if head is None else head.seq + 1
        tree = MerkleTree()
        prev_hash = GENESIS_PREV_HASH
        actors: dict[str, Actor] = {}
        keys: dict[str, Key] = {}
        wallets: dict[str, Wallet] = {}
        journal: dict[str, int] = {}
        nonces: dict[tuple[str, str], str] = {}
        last_authority = NO_AUTHORITY
        checkpoint_events = 0
        expected = 0
        for stored in envelopes:
            def fail(message: str, check: str, seq: int = stored.seq) -> VerificationError:
                return VerificationError(message, seq=seq, chain=chain_id, check=check)

            if stored.seq != expected:
                kind = ("gap: events missing" if stored.seq > expected
                        else "repeated or reordered")
                raise fail(f"expected seq {expected}, found seq {stored.seq} ({kind})", "seq",
                           expected)
            envelope = open_envelope(stored)
            if not hmac.compare_digest(envelope.prev_hash, prev_hash):
                raise fail("prev_hash does not link to the previous event", "prev-hash")
            try:
                record = envelope.event()
            except SkmsError as exc:
                raise fail(f"payload invalid: {exc.message}", "payload") from None
            # Command: canonical, bound to this envelope, allowed to cause this event.
            try:
                command = parse_command(envelope.command)
            except SkmsError as exc:
                raise fail(f"command bytes invalid: {exc.message}", "command") from None
            if (command.chain_id != chain_id or command.actor_id != envelope.actor_id
                    or command.command_id != envelope.command_id):
                raise fail("command does not match the envelope's chain, actor or id", "command")
            if envelope.event_type not in EVENTS_OF_COMMAND.get(command.command_type, ()):
                raise fail(f"a {command.command_type} command cannot cause "
                           f"{envelope.event_type}", "command")
            owner = nonces.setdefault((command.actor_id, command.nonce), command.command_id)
            if owner != command.command_id:
                raise fail("nonce reused by a different command (replay)", "command")
            # Signature and authorization at that point of the chain.
            if chain_id == SYSTEM_CHAIN:
                if envelope.authority_seq != NO_AUTHORITY:
                    raise fail("system-chain events carry no authority seq", "authorization")
                snapshot = self._system_identity(command.actor_id, actors, envelope, record)
            else:
                if not last_authority <= envelope.authority_seq < self.system_size:
                    raise fail(f"authority seq {envelope.authority_seq} is outside "
                               f"[{last_authority}, {self.system_size})", "authorization")
                last_authority = envelope.authority_seq
                snapshot = self._domain_identity(command.actor_id, envelope.authority_seq)
            if snapshot is None:
                raise fail(f"actor {command.actor_id} is not registered at that point",
                           "signature")
            try:
                verify_command_signature(envelope.command, envelope.actor_signature,
                                         snapshot.public_key)
            except SkmsError:
                raise fail(f"signature of actor {command.actor_id} does not verify",
                           "signature") from None
            try:
                if not (envelope.seq == 0 and command.command_type == "InitializeLedger"):
                    authorize(actor_id=command.actor_id, roles=snapshot.roles,
                              domains=snapshot.domains, revoked=snapshot.revoked,
                              command_type=command.command_type, chain_id=chain_id)
            except SkmsError as exc:
                raise fail(f"not authorized then: {exc.message}", "authorization") from None
            # Aggregate: the event must apply at the next version.
            try:
                self._apply(envelope.event_type, record, envelope.aggregate_id,
                            envelope.aggregate_version, envelope.recorded_at, actors, keys,
                            journal, chain_id, wallets=wallets)
            except SkmsError as exc:
                raise fail(exc.message, "aggregate") from None
            except Exception as exc:
                raise fail(f"event does not apply to its aggregate: {type(exc).__name__}: "
                           f"{exc}", "aggregate") from None
            if chain_id == SYSTEM_CHAIN:
                self._after_system_event(envelope.seq, envelope.event_type, record, actors)
            tree.append(hash_leaf(stored.event_hash))
            if envelope.event_type == "CheckpointPublished":
                self._check_checkpoint_event(chain_id, envelope.seq, record, tree)
                checkpoint_events += 1
            prev_hash = stored.event_hash
            expected += 1
            if self.progress is not None and (expected % 1000 == 0 or expected == total):
                self.progress(chain_id, expected, total)
        if head is not None and expected != total:
            raise VerificationError(f"the chain ends at seq {expected - 1} but its head says "
                                    f"{head.seq}", seq=expected, chain=chain_id, check="seq")
        if chain_id == SYSTEM_CHAIN:
            self.system_size = expected
        stored_checkpoints = self.store.checkpoints(chain_id)
        for checkpoint in stored_checkpoints:
            self._check_stored_checkpoint(checkpoint, tree)
        last = stored_checkpoints[-1].size if stored_checkpoints else 0
        root = tree.root().hex()
        return tree, ChainReport(chain_id, expected, root,
                                 checkpoint_events + len(stored_checkpoints), last)

    # --- identities --------------------------------------------------------------------------

    def _system_identity(self, actor_id: str, actors: dict[str, Actor], envelope: Any,
                         record: dict[str, Any]) -> ActorSnapshot | None:
        if actor_id == SYSTEM_ACTOR:
            if envelope.seq == 0:
                if envelope.event_type != "LedgerInitialized":
                    return None
                key = bytes(record["ledger_public_key"])
                if self.pinned_key is not None and not hmac.compare_digest(key, self.pinned_key):
                    raise VerificationError("genesis names a different ledger key than the one "
                                            "pinned", seq=0, chain=SYSTEM_CHAIN,
                                            check="signature")
                return ActorSnapshot(key, (), ("*",), False)
            return self._ledger_snapshot()
        actor = actors.get(actor_id)
        if actor is None:
            return None
        return ActorSnapshot(actor.public_key, tuple(actor.roles), tuple(actor.domains),
                             actor.revoked)

    def _domain_identity(self, actor_id: str, authority_seq: int) -> ActorSnapshot | None:
        if actor_id == SYSTEM_ACTOR:
            return self._ledger_snapshot()
        return self.timeline.at(actor_id, authority_seq)

    def _ledger_snapshot(self) -> ActorSnapshot | None:
        if self.ledger_key is None:
            return None
        return ActorSnapshot(self.ledger_key, (), ("*",), False)

    def _after_system_event(self, seq: int, event_type: str, record: dict[str, Any],
                            actors: dict[str, Actor]) -> None:
        if event_type == "LedgerInitialized":
            self.ledger_key = bytes(record["ledger_public_key"])
            self.key_name = record["origin"]
            self.origin = record["origin"]
            self.ledger_id = record["ledger_id"]
        elif event_type.startswith("Actor"):
            actor = actors[record["actor_id"]]
            self.timeline.record(actor.actor_id, seq, ActorSnapshot(
                actor.public_key, tuple(actor.roles), tuple(actor.domains), actor.revoked))

    # --- aggregates --------------------------------------------------------------------------

    @staticmethod
    def _apply(event_type: str, record: dict[str, Any], aggregate_id: str, version: int,
               recorded_at: int, actors: dict[str, Actor], keys: dict[str, Key],
               journal: dict[str, int], chain_id: str,
               wallets: dict[str, Wallet] | None = None) -> None:
        if event_type not in EVENT_CLASSES:
            if journal.get(aggregate_id, 0) + 1 != version:
                raise VerificationError(f"journal {aggregate_id} skips to version {version}")
            journal[aggregate_id] = version
            return
        event = record_to_event(event_type, record, aggregate_id=aggregate_id,
                                aggregate_version=version, recorded_at=recorded_at)
        if isinstance(event, LedgerMeta.Initialized):
            if chain_id != SYSTEM_CHAIN:
                raise VerificationError("genesis outside the system chain")
            event.mutate(None)
        elif isinstance(event, Actor.Registered):
            if chain_id != SYSTEM_CHAIN or aggregate_id in actors:
                raise VerificationError("actor registered twice or outside the system chain")
            if record["actor_id"] != aggregate_id:
                raise VerificationError("actor id differs from its aggregate id")
            actors[aggregate_id] = cast(Actor, event.mutate(None))
        elif isinstance(event, Key.Generated):
            if aggregate_id in keys or record["domain"] != chain_id:
                raise VerificationError("key generated twice or in another domain's chain")
            keys[aggregate_id] = cast(Key, event.mutate(None))
        elif isinstance(event, Actor.Event):
            if aggregate_id not in actors:
                raise VerificationError(f"event for unknown actor {aggregate_id}")
            event.mutate(actors[aggregate_id])
        elif isinstance(event, Key.Event):
            if aggregate_id not in keys:
                raise VerificationError(f"event for unknown key {aggregate_id}")
            event.mutate(keys[aggregate_id])
        elif isinstance(event, Wallet.Created):
            wallets = {} if wallets is None else wallets
            if aggregate_id in wallets or record["domain"] != chain_id:
                raise VerificationError("wallet created twice or in another domain's chain")
            if record["wallet_id"] != aggregate_id:
                raise VerificationError("wallet id differs from its aggregate id")
            wallets[aggregate_id] = cast(Wallet, event.mutate(None))
        elif isinstance(event, Wallet.Event):
            if wallets is None or aggregate_id not in wallets:
                raise VerificationError(f"event for unknown wallet {aggregate_id}")
            event.mutate(wallets[aggregate_id])

    # --- checkpoints -------------------------------------------------------------------------

    def _open(self, note: str, chain_id: str, seq: int | None) -> Checkpoint:
        if self.ledger_key is None:
            raise VerificationError("no ledger key to check checkpoints with", seq=seq,
                                    chain=chain_id, check="checkpoint")
        try:
            return open_checkpoint(note, {self.key_name: self.ledger_key})
        except SkmsError as exc:
            raise VerificationError(f"checkpoint signature invalid: {exc.message}", seq=seq,
                                    chain=chain_id, check="checkpoint") from None

    def _check_root(self, checkpoint: Checkpoint, chain_id: str, tree: MerkleTree,
                    seq: int | None) -> None:
        if checkpoint.origin != f"{self.origin}/{chain_id}":
            raise VerificationError(f"checkpoint origin {checkpoint.origin!r} is not this "
                                    "chain's", seq=seq, chain=chain_id, check="checkpoint")
        if checkpoint.size > tree.size:
            raise VerificationError(f"checkpoint covers {checkpoint.size} events but the chain "
                                    f"has {tree.size}", seq=tree.size, chain=chain_id,
                                    check="checkpoint")
        if not hmac.compare_digest(tree.root(checkpoint.size), checkpoint.root_hash):
            raise VerificationError(f"checkpoint root at size {checkpoint.size} differs from "
                                    "the chain's", seq=seq if seq is not None else
                                    checkpoint.size - 1, chain=chain_id, check="checkpoint")

    def _check_checkpoint_event(self, chain_id: str, seq: int, record: dict[str, Any],
                                tree: MerkleTree) -> None:
        checkpoint = self._open(record["note"], chain_id, seq)
        if checkpoint.size != record["tree_size"] or checkpoint.root_hash != bytes(
                record["root_hash"]):
            raise VerificationError("checkpoint event fields differ from its signed note",
                                    seq=seq, chain=chain_id, check="checkpoint")
        if checkpoint.size > seq:
            raise VerificationError("checkpoint claims events recorded after it", seq=seq,
                                    chain=chain_id, check="checkpoint")
        self._check_root(checkpoint, chain_id, tree, seq)

    def _check_stored_checkpoint(self, stored: StoredCheckpoint, tree: MerkleTree) -> None:
        checkpoint = self._open(stored.note, stored.chain_id, None)
        if checkpoint.size != stored.size:
            raise VerificationError("stored checkpoint size differs from its note",
                                    chain=stored.chain_id, check="checkpoint")
        self._check_root(checkpoint, stored.chain_id, tree, None)

    def _check_trusted(self, note: str, trees: dict[str, MerkleTree]) -> dict[str, Any]:
        assert self.ledger_key is not None
        try:
            checkpoint = open_checkpoint(note, {self.key_name: self.ledger_key})
        except SkmsError as exc:
            raise VerificationError(f"the trusted checkpoint is not signed by this ledger's key: "
                                    f"{exc.message}", check="trusted-checkpoint") from None
        prefix = self.origin + "/"
        if not checkpoint.origin.startswith(prefix):
            raise VerificationError(f"trusted checkpoint origin {checkpoint.origin!r} is not "
                                    "this ledger's", check="trusted-checkpoint")
        chain_id = checkpoint.origin[len(prefix):]
        tree = trees.get(chain_id)
        size = 0 if tree is None else tree.size
        if tree is None or checkpoint.size > size:
            raise VerificationError(
                f"truncated: the trusted checkpoint covers {checkpoint.size} events, the chain "
                f"has {size}", seq=size, chain=chain_id, check="trusted-checkpoint")
        if not hmac.compare_digest(tree.root(checkpoint.size), checkpoint.root_hash):
            raise VerificationError(
                f"rewritten: the chain's root at size {checkpoint.size} differs from the "
                "trusted checkpoint", seq=checkpoint.size - 1, chain=chain_id,
                check="trusted-checkpoint")
        return {"chain": chain_id, "size": checkpoint.size, "consistent_with_size": size}
