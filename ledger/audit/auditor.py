"""The offline auditor: proves a store's chains were not altered, removed, reordered or cut.

It needs nothing but the store's bytes (and, optionally, a trusted earlier checkpoint or
the ledger's public key). For every chain, system chain first, each envelope must pass, in
this order (the first failure is raised, naming the chain, seq and check):

1. ``seq``       – envelopes are numbered 0, 1, 2, … with no gap, repeat or reorder,
   and the store's head names the last one read (its seq and its hash).
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
8. ``approval``  – approval quorums (:mod:`ledger.audit.approvals`): a held command's
   request matches the policy in force then; every approval names its request's digest,
   by a distinct approver, never the requester, before the expiry; an execution names
   every approval; and a command needing a quorum never ran without one.
   ``scheduled`` – the scheduler rotated only keys that were due then.
   ``threat`` – a threat finding carries the policy in force and adds up; the scheduler
   suspended a key only citing a finding that suspends (:mod:`ledger.audit.threats`).
   ``aggregate`` – the event applies to its aggregate at the next version (state machine);
   ``threshold`` – a threshold seat's key generation replays from the public values it
   logged (:mod:`ledger.audit.threshold_replay`);
   ``proof`` – a recorded ring approval or possession proof verifies again from public
   values, on the state it was decided on (:mod:`ledger.audit.privacy`).
9. ``checkpoint`` – every checkpoint (as event and as stored note) is signed by the ledger
   key and its root equals the Merkle root of the chain at its size.
10. ``trusted-checkpoint`` – a checkpoint the auditor already trusted is consistent with
   the chain: the chain is at least that long and has the same root at that size.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from ledger.audit.approvals import ApprovalAudit
from ledger.audit.chain_roots import ChainRoots
from ledger.audit.examine import (
    CONTENT,
    IDENTITY,
    OPEN,
    ActorSnapshot,
    Examined,
    Identities,
    Timeline,
    check_identity,
    examine,
    ledger_snapshot,
)
from ledger.audit.pool import examined_in_order
from ledger.audit.privacy import PROOF_EVENTS, check_proof
from ledger.audit.scheduled import check_scheduled
from ledger.audit.threats import ThreatAudit
from ledger.audit.threshold_replay import REPLAYED_EVENTS, replay_problem
from ledger.audit.used_once import UsedOnceIndex
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import LEDGER_IDENTITIES, SYSTEM_ACTOR
from ledger.envelope import NO_AUTHORITY
from ledger.errors import ConfigurationError, SkmsError, VerificationError
from ledger.events.codec import default_codec
from ledger.merkle.checkpoint import (
    Checkpoint,
    chain_origin,
    ledger_verifiers,
    open_checkpoint,
    parse_body,
)
from ledger.merkle.hasher import hash_leaf
from ledger.parallel import worker_pool
from ledger.state import LedgerState
from ledger.stores.base import GENESIS_PREV_HASH, EventStore, StoredCheckpoint, StoredEnvelope

Progress = Callable[[str, int, int], None]
Accepted = Callable[[StoredEnvelope], None]

__all__ = ["Accepted", "ActorSnapshot", "AuditReport", "Auditor", "ChainReport", "Progress"]


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


def used_once_key(*parts: str) -> bytes:
    """A 16-byte digest standing for strings the auditor must remember for the whole chain
    (each actor's nonces and the command that used each): the strings parsed from the
    commands took about 330 bytes per event (tools/bench/bench_audit_memory.py); two digests
    take about half. Length-prefixed, so no two tuples of parts share an encoding."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        encoded = part.encode()
        digest.update(len(encoded).to_bytes(4, "big"))
        digest.update(encoded)
    return digest.digest()


class Auditor:
    """Verifies every chain of a store; raises :class:`VerificationError` at the first fault.

    ``jobs`` > 1 examines key domains' chains of at least ``parallel_from_events`` events in
    that many worker processes (:mod:`ledger.audit.pool`), ``chunk_events`` envelopes at a
    time; the result, and the first fault named, are the same as with one process. Pass
    ``executor`` to reuse a pool across audits (it is then not shut down here).

    ``on_accepted`` is called with each envelope once every check of it has passed, in chain
    order (before the chain's stored checkpoints are checked): what the replay copies.
    Envelopes are read ahead of the checks, so what has been read says nothing.
    """

    def __init__(self, store: EventStore, *, ledger_public_key: bytes | None = None,
                 trusted_checkpoints: Sequence[str] = (), progress: Progress | None = None,
                 jobs: int = 1, chunk_events: int = 1024, parallel_from_events: int = 20_000,
                 executor: Executor | None = None, on_accepted: Accepted | None = None,
                 nonces_in_memory: int = 1 << 16, spill_dir: str | None = None) -> None:
        if jobs < 1:
            raise ConfigurationError("jobs must be at least 1", field="jobs")
        if chunk_events < 1:
            raise ConfigurationError("chunk_events must be at least 1", field="chunk_events")
        self.store = store
        self.pinned_key = ledger_public_key
        self.trusted_notes = list(trusted_checkpoints)
        self.progress = progress
        self.on_accepted = on_accepted
        self.jobs = jobs
        self.chunk_events = chunk_events
        self.parallel_from_events = parallel_from_events
        self.nonces_in_memory = nonces_in_memory
        self.spill_dir = spill_dir
        self._executor = executor
        self._own_executor: Executor | None = None
        self.timeline = Timeline()
        self.fold = LedgerState(strict=True)  # the live ledger's fold, in strict mode
        self.approvals = ApprovalAudit(self.fold)
        self.threats = ThreatAudit(self.fold)
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
        trees: dict[str, ChainRoots] = {}
        reports: list[ChainReport] = []
        trusted_sizes = self._trusted_sizes()
        try:
            for chain_id in ordered:
                tree, chain_report = self._verify_chain(chain_id, self.store.read(chain_id),
                                                        trusted_sizes)
                trees[chain_id] = tree
                reports.append(chain_report)
        finally:
            if self._own_executor is not None:
                self._own_executor.shutdown(wait=True, cancel_futures=True)
                self._own_executor = None
        assert self.ledger_key is not None
        report = AuditReport(self.ledger_id, self.ledger_key.hex(), reports)
        for note in self.trusted_notes:
            report.trusted_checkpoints.append(self._check_trusted(note, trees))
        return report

    def _examined(self, chain_id: str, envelopes: Iterable[StoredEnvelope],
                  total: int) -> Iterator[tuple[StoredEnvelope, Examined]]:
        """The chain's envelopes with their examination (:mod:`ledger.audit.examine`), in
        order: here, or by worker processes for a long key-domain chain when ``jobs`` > 1."""
        codec = default_codec()  # resolved once: the environment lookup costs per event
        if chain_id == SYSTEM_CHAIN:  # identities change as it is read: checked in the loop
            return ((stored, examine(stored, chain_id, None, codec)) for stored in envelopes)
        identities = Identities(self.timeline, self.ledger_key)
        executor = self._executor
        if executor is None and self.jobs > 1 and total >= self.parallel_from_events:
            executor = self._own_executor = self._own_executor or worker_pool(self.jobs)
        if executor is None:
            return ((stored, examine(stored, chain_id, identities, codec))
                    for stored in envelopes)
        return examined_in_order(envelopes, chain_id, identities, executor,
                                 chunk_events=self.chunk_events, window=2 * self.jobs + 1)

    # --- one chain ---------------------------------------------------------------------------

    def _verify_chain(self, chain_id: str, envelopes: Iterable[StoredEnvelope],
                      trusted_sizes: set[int]) -> tuple[ChainRoots, ChainReport]:
        """The chain-level checks, in the documented order; a finding of the examination is
        raised when its stage comes, so the first fault named does not depend on where the
        envelopes were examined.

        The stored checkpoints are read before the chain, so the roots at their sizes (and
        at the trusted checkpoints' sizes) are kept as the pass goes by them
        (:mod:`ledger.audit.chain_roots`)."""
        head = self.store.head(chain_id)
        total = 0 if head is None else head.seq + 1
        stored_checkpoints = self.store.checkpoints(chain_id)
        tree = ChainRoots({c.size for c in stored_checkpoints} | trusted_sizes)
        with UsedOnceIndex(memory_entries=self.nonces_in_memory,
                           spill_dir=self.spill_dir) as nonces:  # every (actor, nonce) seen
            expected, prev_hash, checkpoint_events = self._verify_events(
                chain_id, envelopes, total, tree, nonces)
        if head is not None and expected != total:
            raise VerificationError(f"the chain ends at seq {expected - 1} but its head says "
                                    f"{head.seq}", seq=expected, chain=chain_id, check="seq")
        if head is not None and not hmac.compare_digest(head.event_hash, prev_hash):
            raise VerificationError(f"the store's head names another event at seq {head.seq} "
                                    "than the one read", seq=head.seq, chain=chain_id,
                                    check="seq")
        if chain_id == SYSTEM_CHAIN:
            self.system_size = expected
        for checkpoint in stored_checkpoints:
            self._check_stored_checkpoint(checkpoint, tree)
        last = stored_checkpoints[-1].size if stored_checkpoints else 0
        final_root = tree.root(tree.size)
        assert final_root is not None  # the current size always has its root
        root = final_root.hex()
        return tree, ChainReport(chain_id, expected, root,
                                 checkpoint_events + len(stored_checkpoints), last)

    def _verify_events(self, chain_id: str, envelopes: Iterable[StoredEnvelope], total: int,
                       tree: ChainRoots, nonces: UsedOnceIndex) -> tuple[int, bytes, int]:
        """Every event's checks, in chain order: how many were accepted, the last one's
        hash, and how many were checkpoint events."""
        prev_hash = GENESIS_PREV_HASH
        last_authority = NO_AUTHORITY
        checkpoint_events = 0
        expected = 0
        for stored, item in self._examined(chain_id, envelopes, total):
            def fail(message: str, check: str, seq: int = item.seq) -> VerificationError:
                return VerificationError(message, seq=seq, chain=chain_id, check=check)

            if item.seq != expected:
                kind = ("gap: events missing" if item.seq > expected
                        else "repeated or reordered")
                raise fail(f"expected seq {expected}, found seq {item.seq} ({kind})", "seq",
                           expected)
            item.raise_finding(OPEN, chain_id)
            if not hmac.compare_digest(item.prev_hash, prev_hash):
                raise fail("prev_hash does not link to the previous event", "prev-hash")
            item.raise_finding(CONTENT, chain_id)
            command_key = used_once_key(item.command_id)
            owner = nonces.claim(used_once_key(item.actor_id, item.nonce), command_key)
            if owner != command_key:
                raise fail("nonce reused by a different command (replay)", "command")
            record = item.record
            assert record is not None  # no finding before the identity stage
            if chain_id == SYSTEM_CHAIN:
                envelope = item.envelope
                assert envelope is not None  # kept when the identity stage is ours
                if envelope.authority_seq != NO_AUTHORITY:
                    raise fail("system-chain events carry no authority seq", "authorization")
                finding = check_identity(
                    chain_id, envelope.seq, envelope.command, envelope.actor_signature,
                    item.actor_id, item.command_type,
                    self._system_identity(item.actor_id, envelope, record))
                if finding is not None:
                    raise finding.error(chain_id, item.seq)
            else:
                if not last_authority <= item.authority_seq < self.system_size:
                    raise fail(f"authority seq {item.authority_seq} is outside "
                               f"[{last_authority}, {self.system_size})", "authorization")
                last_authority = item.authority_seq
                item.raise_finding(IDENTITY, chain_id)
            self.approvals.before(chain_id, item)
            check_scheduled(self.fold, chain_id, item)
            self.threats.before(chain_id, item)
            if item.event_type in PROOF_EVENTS:
                problem = check_proof(self.fold, item.event_type, record, item.recorded_at)
                if problem is not None:
                    raise fail(problem, "proof")
            # Aggregate: the event must apply at the next version, where it belongs.
            try:
                self.fold.fold_event(item.event_type, record, item.aggregate_id,
                                     item.aggregate_version, item.recorded_at, chain_id,
                                     item.seq)
            except SkmsError as exc:
                raise fail(exc.message, "aggregate") from None
            except Exception as exc:
                raise fail(f"event does not apply to its aggregate: {type(exc).__name__}: "
                           f"{exc}", "aggregate") from None
            self.approvals.after(chain_id, item)
            self.threats.after(chain_id, item)
            if item.event_type in REPLAYED_EVENTS:
                problem = replay_problem(item.event_type, record,
                                         self.fold.threshold_group(item.aggregate_id))
                if problem is not None:
                    raise fail(problem, "threshold")
            if chain_id == SYSTEM_CHAIN:
                self._after_system_event(item.seq, item.event_type, record)
            if item.event_type == "CheckpointPublished":  # names the chain before itself
                self._check_checkpoint_event(chain_id, item.seq, record, tree)
                checkpoint_events += 1
            tree.append(hash_leaf(item.event_hash))
            prev_hash = item.event_hash
            expected += 1
            if self.on_accepted is not None:
                self.on_accepted(stored)
            if self.progress is not None and (expected % 1000 == 0 or expected == total):
                self.progress(chain_id, expected, total)
        return expected, prev_hash, checkpoint_events

    # --- identities --------------------------------------------------------------------------

    def _system_identity(self, actor_id: str, envelope: Any,
                         record: dict[str, Any]) -> ActorSnapshot | None:
        if actor_id in LEDGER_IDENTITIES:
            if envelope.seq == 0 and actor_id == SYSTEM_ACTOR:
                if envelope.event_type != "LedgerInitialized":
                    return None
                key = bytes(record["ledger_public_key"])
                if self.pinned_key is not None and not hmac.compare_digest(key, self.pinned_key):
                    raise VerificationError("genesis names a different ledger key than the one "
                                            "pinned", seq=0, chain=SYSTEM_CHAIN,
                                            check="signature")
                return ActorSnapshot(key, (), ("*",), False)
            return ledger_snapshot(self.ledger_key)
        actor = self.fold.actors.get(actor_id)
        if actor is None:
            return None
        return ActorSnapshot(actor.public_key, tuple(actor.roles), tuple(actor.domains),
                             actor.revoked)

    def _after_system_event(self, seq: int, event_type: str, record: dict[str, Any]) -> None:
        if event_type == "LedgerInitialized":
            self.ledger_key = bytes(record["ledger_public_key"])
            self.key_name = record["origin"]
            self.origin = record["origin"]
            self.ledger_id = record["ledger_id"]
        elif event_type.startswith("Actor"):
            actor = self.fold.actors[record["actor_id"]]
            self.timeline.record(actor.actor_id, seq, ActorSnapshot(
                actor.public_key, tuple(actor.roles), tuple(actor.domains), actor.revoked))

    # --- checkpoints -------------------------------------------------------------------------

    def _open(self, note: str, chain_id: str, seq: int | None) -> Checkpoint:
        if self.ledger_key is None:
            raise VerificationError("no ledger key to check checkpoints with", seq=seq,
                                    chain=chain_id, check="checkpoint")
        try:
            return open_checkpoint(note, ledger_verifiers(self.key_name, chain_id,
                                                          self.ledger_key))
        except SkmsError as exc:
            raise VerificationError(f"checkpoint signature invalid: {exc.message}", seq=seq,
                                    chain=chain_id, check="checkpoint") from None

    def _check_root(self, checkpoint: Checkpoint, chain_id: str, tree: ChainRoots,
                    seq: int | None) -> None:
        if checkpoint.origin != chain_origin(self.origin, chain_id):
            raise VerificationError(f"checkpoint origin {checkpoint.origin!r} is not this "
                                    "chain's", seq=seq, chain=chain_id, check="checkpoint")
        if checkpoint.size > tree.size:
            raise VerificationError(f"checkpoint covers {checkpoint.size} events but the chain "
                                    f"has {tree.size}", seq=tree.size, chain=chain_id,
                                    check="checkpoint")
        root = tree.root(checkpoint.size)
        if root is None:
            raise VerificationError(f"checkpoint event covers {checkpoint.size} events: one "
                                    f"covers the chain before it ({tree.size} events) or an "
                                    "earlier checkpoint's size", seq=seq, chain=chain_id,
                                    check="checkpoint")
        if not hmac.compare_digest(root, checkpoint.root_hash):
            raise VerificationError(f"checkpoint root at size {checkpoint.size} differs from "
                                    "the chain's", seq=seq if seq is not None else
                                    checkpoint.size - 1, chain=chain_id, check="checkpoint")

    def _check_checkpoint_event(self, chain_id: str, seq: int, record: dict[str, Any],
                                tree: ChainRoots) -> None:
        checkpoint = self._open(record["note"], chain_id, seq)
        if checkpoint.size != record["tree_size"] or checkpoint.root_hash != bytes(
                record["root_hash"]):
            raise VerificationError("checkpoint event fields differ from its signed note",
                                    seq=seq, chain=chain_id, check="checkpoint")
        if checkpoint.size > seq:
            raise VerificationError("checkpoint claims events recorded after it", seq=seq,
                                    chain=chain_id, check="checkpoint")
        self._check_root(checkpoint, chain_id, tree, seq)
        tree.keep()

    def _check_stored_checkpoint(self, stored: StoredCheckpoint, tree: ChainRoots) -> None:
        checkpoint = self._open(stored.note, stored.chain_id, None)
        if checkpoint.size != stored.size:
            raise VerificationError("stored checkpoint size differs from its note",
                                    chain=stored.chain_id, check="checkpoint")
        self._check_root(checkpoint, stored.chain_id, tree, None)

    def _trusted_sizes(self) -> set[int]:
        """The sizes the trusted checkpoints name, read from their bodies before the pass so
        every chain keeps its roots there (the ledger's origin, which names the chain, is
        only known once the system chain is read); a note that does not parse names none
        here and is refused with its reason by :meth:`_check_trusted` after the pass."""
        sizes: set[int] = set()
        for note in self.trusted_notes:
            with contextlib.suppress(SkmsError):
                sizes.add(parse_body(note.split("\n\n", 1)[0] + "\n").size)
        return sizes

    def _check_trusted(self, note: str, trees: dict[str, ChainRoots]) -> dict[str, Any]:
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
        root = tree.root(checkpoint.size)
        if root is None or not hmac.compare_digest(root, checkpoint.root_hash):
            raise VerificationError(
                f"rewritten: the chain's root at size {checkpoint.size} differs from the "
                "trusted checkpoint", seq=checkpoint.size - 1, chain=chain_id,
                check="trusted-checkpoint")
        return {"chain": chain_id, "size": checkpoint.size, "consistent_with_size": size}
