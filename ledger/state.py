"""The ledger's state as the log defines it, and the one fold that builds it.

Requirements:

1. State (the ledger's genesis facts, actors, keys, wallets, approval groups, every
   chain's head and Merkle frontier, and the indexes of commands, refusals and nonces) is
   a function of the log:
   it is rebuilt by folding envelopes in chain order, system chain first.
2. There is one fold. The live ledger folds what it loads and what it decides; the
   auditor folds what it verifies, in strict mode, where an event must also belong where
   it stands: genesis only on the system chain, an actor's events only there, a key's or
   wallet's only in its own domain's chain, ids equal to their aggregate ids, journals
   (checkpoints, refusals) numbered without gaps. A violation raises
   :class:`~ledger.errors.VerificationError` naming it.
3. Lookups raise :class:`~ledger.errors.NotFound` naming the field.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from ledger.authorization import SYSTEM_CHAIN
from ledger.chain_state import ChainState
from ledger.command import parse_command
from ledger.domain.actor import Actor
from ledger.domain.aggregate import Aggregate, Created
from ledger.domain.approval import Approval
from ledger.domain.approval_group import ApprovalGroup
from ledger.domain.approval_policy import ApprovalPolicies, book_id
from ledger.domain.custody import Backup, EscrowAgent, ImportToken
from ledger.domain.key import Key
from ledger.domain.ledger_meta import LedgerMeta
from ledger.domain.registry import EVENT_CLASSES, record_to_event
from ledger.domain.threshold_group import ThresholdGroup
from ledger.domain.wallet import Wallet
from ledger.envelope import Envelope
from ledger.errors import NotFound, VerificationError


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """Where a command's events are: its chain, the SHA-256 of its canonical bytes (what a
    retry under the same id is compared with), their seqs.

    Why a digest and not the bytes: one record per command stays in memory for the ledger's
    life; a batch's canonical command holds every message digest (~17 KB for 256), so
    keeping the bytes made a server under batch load grow by that much per batch
    (docs/assurance.md, "Soak")."""

    chain_id: str
    digest: bytes
    seqs: tuple[int, ...]

    def same_command(self, canonical: bytes) -> bool:
        """True if ``canonical`` is the command this record was made from."""
        return hmac.compare_digest(self.digest, hashlib.sha256(canonical).digest())


@dataclass(frozen=True, slots=True)
class RefusalRecord:
    """A recorded refusal of a command: its chain, seq, reason code and reason."""

    chain_id: str
    seq: int
    reason_code: str
    reason: str


class LedgerState:
    """Aggregates, chain states and indexes, folded from the log (see the module doc)."""

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self.meta: LedgerMeta | None = None
        self.ledger_id: str | None = None
        self.actors: dict[str, Actor] = {}
        self.keys: dict[str, Key] = {}
        self.wallets: dict[str, Wallet] = {}
        self.groups: dict[str, ApprovalGroup] = {}
        self.approvals: dict[str, Approval] = {}
        self.policy_books: dict[str, ApprovalPolicies] = {}
        self.threshold_groups: dict[str, ThresholdGroup] = {}
        self.backups: dict[str, Backup] = {}
        self.escrow_agents: dict[str, EscrowAgent] = {}
        self.import_tokens: dict[str, ImportToken] = {}
        self.chains: dict[str, ChainState] = {}
        self.commands: dict[str, CommandRecord] = {}
        self.rejections: dict[str, RefusalRecord] = {}
        self.nonces: set[tuple[str, str]] = set()

    # --- lookups -----------------------------------------------------------------------

    def chain(self, chain_id: str) -> ChainState:
        state = self.chains.get(chain_id)
        if state is None:
            state = self.chains[chain_id] = ChainState(chain_id)
        return state

    def actor(self, actor_id_or_name: str) -> Actor:
        found = self.actors.get(actor_id_or_name)
        if found is None:
            matches = [a for a in self.actors.values() if a.name == actor_id_or_name]
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise NotFound(f"no actor {actor_id_or_name!r}", field="actor")
        return found

    def key(self, key_id: str) -> Key:
        return _found(self.keys, key_id, "key", "key_id")

    def wallet(self, wallet_id: str) -> Wallet:
        return _found(self.wallets, wallet_id, "wallet", "wallet_id")

    def group(self, group_id: str) -> ApprovalGroup:
        return _found(self.groups, group_id, "approval group", "group_id")

    def approval(self, approval_id: str) -> Approval:
        return _found(self.approvals, approval_id, "approval request", "approval_id")

    def threshold_group(self, group_id: str) -> ThresholdGroup:
        return _found(self.threshold_groups, group_id, "threshold group", "group_id")

    def backup(self, backup_id: str) -> Backup:
        return _found(self.backups, backup_id, "backup", "backup_id")

    def escrow_agent(self, agent_id_or_name: str, *, field: str = "escrow_agent"
                     ) -> EscrowAgent:
        found = self.escrow_agents.get(agent_id_or_name)
        if found is None:
            matches = [a for a in self.escrow_agents.values() if a.name == agent_id_or_name]
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise NotFound(f"no escrow agent {agent_id_or_name!r}", field=field)
        return found

    def import_token(self, token_id: str) -> ImportToken:
        return _found(self.import_tokens, token_id, "import token", "token")

    def aggregates(self) -> Iterator[Aggregate]:
        yield from self.actors.values()
        yield from self.keys.values()
        yield from self.wallets.values()
        yield from self.groups.values()
        yield from self.approvals.values()
        yield from self.policy_books.values()
        yield from self.threshold_groups.values()
        yield from self.backups.values()
        yield from self.escrow_agents.values()
        yield from self.import_tokens.values()

    # --- the fold ----------------------------------------------------------------------

    def apply(self, envelope: Envelope, event_hash: bytes) -> None:
        """Fold one envelope: link it to its chain, index its command, apply its event."""
        state = self.chain(envelope.chain_id)
        if envelope.seq != state.next_seq or envelope.prev_hash != state.head_hash:
            raise VerificationError("chain link broken while loading", seq=envelope.seq,
                                    chain=envelope.chain_id, check="prev-hash",
                                    hint="run 'skms audit verify' for a full report")
        state.advance(event_hash)
        if envelope.command:
            command = parse_command(envelope.command)
            self.note_command(command.actor_id, command.nonce, command.command_id,
                              envelope.chain_id, envelope.command, envelope.seq)
        self.fold_event(envelope.event_type, envelope.event(), envelope.aggregate_id,
                        envelope.aggregate_version, envelope.recorded_at, envelope.chain_id,
                        envelope.seq)

    def note_command(self, actor_id: str, nonce: str, command_id: str, chain_id: str,
                     canonical: bytes, seq: int) -> None:
        """Index one envelope's command (its nonce, and its id with the envelope's seq)."""
        self.nonces.add((actor_id, nonce))
        seen = self.commands.get(command_id)
        if seen is None:
            self.commands[command_id] = CommandRecord(
                chain_id, hashlib.sha256(canonical).digest(), (seq,))
        else:
            self.commands[command_id] = CommandRecord(chain_id, seen.digest, (*seen.seqs, seq))

    def fold_event(self, event_type: str, record: dict[str, Any], aggregate_id: str,
                   version: int, recorded_at: int, chain_id: str, seq: int) -> None:
        """Apply one event to its aggregate (or journal) as it stands at ``seq``."""
        if event_type not in EVENT_CLASSES:
            self._journal(event_type, record, aggregate_id, version, recorded_at, chain_id,
                          seq)
            return
        event = record_to_event(event_type, record, aggregate_id=aggregate_id,
                                aggregate_version=version, recorded_at=recorded_at)
        kind = event.aggregate_class
        if isinstance(event, Created):
            self._create(event, kind, record, aggregate_id, chain_id)
        elif kind is Actor:
            self._require(chain_id == SYSTEM_CHAIN, "actor event outside the system chain")
            event.mutate(self._existing(self.actors, aggregate_id, "actor"))
        elif kind is Key:
            key = self._existing(self.keys, aggregate_id, "key")
            self._require(key.domain == chain_id, "key event in another domain's chain")
            event.mutate(key)
        elif kind is LedgerMeta:
            self._require(chain_id == SYSTEM_CHAIN and self.meta is not None
                          and str(self.meta.id) == aggregate_id,
                          "ledger event outside the system chain or before genesis")
            assert self.meta is not None
            event.mutate(self.meta)
        elif kind is Wallet:
            wallet = self._existing(self.wallets, aggregate_id, "wallet")
            self._require(wallet.domain == chain_id, "wallet event in another domain's chain")
            event.mutate(wallet)
        elif kind is ApprovalGroup:
            group = self._existing(self.groups, aggregate_id, "approval group")
            self._require(group.domain == chain_id, "group event in another domain's chain")
            event.mutate(group)
        elif kind is Approval:
            approval = self._existing(self.approvals, aggregate_id, "approval request")
            self._require(approval.chain_id == chain_id,
                          "approval event in another chain than its request's")
            event.mutate(approval)
        elif kind is ApprovalPolicies:
            self._require(record["chain_id"] == chain_id and str(book_id(chain_id))
                          == aggregate_id, "approval policy outside its chain's book")
            book = self.policy_books.get(chain_id) or ApprovalPolicies.for_chain(chain_id)
            event.mutate(book)
            self.policy_books[chain_id] = book
        elif kind is ThresholdGroup:
            group = self._existing(self.threshold_groups, aggregate_id, "threshold group")
            self._require(group.domain == chain_id,
                          "threshold group event in another domain's chain")
            event.mutate(group)
        elif kind is Backup:
            self._require(chain_id == SYSTEM_CHAIN, "backup event outside the system chain")
            event.mutate(self._existing(self.backups, aggregate_id, "backup"))
        elif kind is ImportToken:
            token = self._existing(self.import_tokens, aggregate_id, "import token")
            self._require(token.domain == chain_id,
                          "import token event in another domain's chain")
            event.mutate(token)
        else:
            raise VerificationError(f"no aggregate handles {event_type}")

    def _create(self, event: Created, kind: type[Aggregate], record: dict[str, Any],
                aggregate_id: str, chain_id: str) -> None:
        if kind is LedgerMeta:
            self._require(chain_id == SYSTEM_CHAIN and self.meta is None,
                          "genesis outside the system chain, or twice")
            self.meta = cast(LedgerMeta, event.mutate(None))
            self.ledger_id = record["ledger_id"]
        elif kind is Actor:
            self._require(chain_id == SYSTEM_CHAIN and aggregate_id not in self.actors,
                          "actor registered twice or outside the system chain")
            self._require(record["actor_id"] == aggregate_id,
                          "actor id differs from its aggregate id")
            self.actors[aggregate_id] = cast(Actor, event.mutate(None))
        elif kind is Key:
            self._require(aggregate_id not in self.keys and record["domain"] == chain_id,
                          "key generated twice or in another domain's chain")
            self.keys[aggregate_id] = cast(Key, event.mutate(None))
        elif kind is Wallet:
            self._require(aggregate_id not in self.wallets and record["domain"] == chain_id,
                          "wallet created twice or in another domain's chain")
            self._require(record["wallet_id"] == aggregate_id,
                          "wallet id differs from its aggregate id")
            self.wallets[aggregate_id] = cast(Wallet, event.mutate(None))
        elif kind is ApprovalGroup:
            self._require(aggregate_id not in self.groups and record["domain"] == chain_id,
                          "approval group created twice or in another domain's chain")
            self._require(record["group_id"] == aggregate_id,
                          "group id differs from its aggregate id")
            self.groups[aggregate_id] = cast(ApprovalGroup, event.mutate(None))
        elif kind is Approval:
            self._require(aggregate_id not in self.approvals and record["chain_id"] == chain_id
                          and record["approval_id"] == aggregate_id,
                          "approval requested twice, under another id or in another chain")
            self.approvals[aggregate_id] = cast(Approval, event.mutate(None))
        elif kind is ThresholdGroup:
            self._require(aggregate_id not in self.threshold_groups
                          and record["domain"] == chain_id,
                          "threshold group started twice or in another domain's chain")
            self._require(record["group_id"] == aggregate_id,
                          "threshold group id differs from its aggregate id")
            self.threshold_groups[aggregate_id] = cast(ThresholdGroup, event.mutate(None))
        elif kind is Backup:
            self._require(chain_id == SYSTEM_CHAIN and aggregate_id not in self.backups
                          and record["backup_id"] == aggregate_id,
                          "backup created twice, outside the system chain or under "
                          "another id")
            self.backups[aggregate_id] = cast(Backup, event.mutate(None))
        elif kind is EscrowAgent:
            self._require(chain_id == SYSTEM_CHAIN and aggregate_id not in self.escrow_agents
                          and record["agent_id"] == aggregate_id,
                          "escrow agent registered twice, outside the system chain or "
                          "under another id")
            self.escrow_agents[aggregate_id] = cast(EscrowAgent, event.mutate(None))
        elif kind is ImportToken:
            self._require(aggregate_id not in self.import_tokens
                          and record["domain"] == chain_id
                          and record["token_id"] == aggregate_id,
                          "import token issued twice, in another domain's chain or under "
                          "another id")
            self.import_tokens[aggregate_id] = cast(ImportToken, event.mutate(None))
        else:
            raise VerificationError(f"no aggregate is created by {event.event_type}")

    def register(self, aggregate: Aggregate) -> None:
        """Keep an aggregate a decision created (its events are folded as they are built)."""
        if isinstance(aggregate, Key):
            self.keys[aggregate.key_id] = aggregate
        elif isinstance(aggregate, Wallet):
            self.wallets[aggregate.wallet_id] = aggregate
        elif isinstance(aggregate, ThresholdGroup):
            self.threshold_groups[aggregate.group_id] = aggregate
        elif isinstance(aggregate, Actor):
            self.actors[aggregate.actor_id] = aggregate
        elif isinstance(aggregate, ApprovalGroup):
            self.groups[aggregate.group_id] = aggregate
        elif isinstance(aggregate, Approval):
            self.approvals[aggregate.approval_id] = aggregate
        elif isinstance(aggregate, ApprovalPolicies):
            self.policy_books[aggregate.chain_id] = aggregate
        elif isinstance(aggregate, Backup):
            self.backups[aggregate.backup_id] = aggregate
        elif isinstance(aggregate, EscrowAgent):
            self.escrow_agents[aggregate.agent_id] = aggregate
        elif isinstance(aggregate, ImportToken):
            self.import_tokens[aggregate.token_id] = aggregate
        elif isinstance(aggregate, LedgerMeta):
            self.meta = aggregate
            self.ledger_id = str(aggregate.id)

    def note_journal(self, chain_id: str, seq: int, event_type: str, record: dict[str, Any],
                     recorded_at: int) -> None:
        """Index a journal fact just built (without decoding what was just encoded)."""
        state = self.chain(chain_id)
        if event_type == "CheckpointPublished":
            state.last_checkpoint_size = record["tree_size"]
            state.last_checkpoint_at = recorded_at
        elif event_type == "CommandRejected":
            self.rejections[record["command_id"]] = RefusalRecord(
                chain_id, seq, record["reason_code"], record["reason"])

    # --- details -----------------------------------------------------------------------

    def _journal(self, event_type: str, record: dict[str, Any], aggregate_id: str,
                 version: int, recorded_at: int, chain_id: str, seq: int) -> None:
        state = self.chain(chain_id)
        if self.strict:
            self._require(state.journal_versions.get(aggregate_id, 0) + 1 == version,
                          f"journal {aggregate_id} skips to version {version}")
        state.journal_versions[aggregate_id] = version
        self.note_journal(chain_id, seq, event_type, record, recorded_at)

    def _require(self, condition: bool, message: str) -> None:
        if self.strict and not condition:
            raise VerificationError(message)

    @staticmethod
    def _existing(found: dict[str, Any], aggregate_id: str, kind: str) -> Any:
        if aggregate_id not in found:
            raise VerificationError(f"event for unknown {kind} {aggregate_id}")
        return found[aggregate_id]


T = TypeVar("T")


def _found(table: dict[str, T], ident: str, what: str, field: str) -> T:
    """``table[ident]``, or NotFound naming the field (one shape for every lookup)."""
    found = table.get(ident)
    if found is None:
        raise NotFound(f"no {what} {ident!r}", field=field)
    return found
