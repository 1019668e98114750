"""The chain writer: the one place envelopes are built onto the chains' heads.

Requirements:

1. Every envelope names its chain, the next seq, the previous envelope's hash, its event
   (type, schema version, Avro payload, aggregate id and version, time), the signed
   command that caused it (canonical bytes and the actor's signature) and, in a key
   domain, the system-chain seq whose actors authorized it (``authority_seq``).
2. Building advances the chain's head and Merkle frontier and indexes the command (its
   nonce, its id with its seqs) and journal facts at once, without decoding what was just
   encoded; the envelopes then wait in the group commit queue as one ticket per command.
3. Journals (checkpoints, refusals) are numbered per chain like aggregates, under a
   stable journal id, so their versions are checkable too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.authorization import SYSTEM_CHAIN
from ledger.command import SignedCommand
from ledger.envelope import NO_AUTHORITY, Envelope, seal_envelope
from ledger.events.codec import encode_payload
from ledger.group_commit import GroupCommitter, Ticket
from ledger.state import LedgerState
from ledger.stores.base import StoredEnvelope


@dataclass(frozen=True, slots=True)
class EventToWrite:
    """An event on its way into an envelope. ``signed`` names the command that caused it
    when that is not the ticket's own (a command executed under the approval that completed
    its quorum: the requester's command, caused by the approver's, ``causation_id``)."""

    event_type: str
    record: dict[str, Any]
    aggregate_id: str
    aggregate_version: int
    recorded_at: int
    signed: SignedCommand | None = None
    causation_id: str | None = None


class ChainWriter:
    """Builds and queues envelopes over a :class:`~ledger.state.LedgerState`; the ledger's
    decision lock is held by every caller."""

    def __init__(self, state: LedgerState, committer: GroupCommitter) -> None:
        self.state = state
        self.committer = committer

    def authority(self, chain_id: str) -> int:
        """The system-chain seq a key domain's new envelope is decided under."""
        if chain_id == SYSTEM_CHAIN:
            return NO_AUTHORITY
        return self.state.chain(SYSTEM_CHAIN).next_seq - 1

    def write(self, chain_id: str, events: list[EventToWrite],
              signed: SignedCommand) -> Ticket:
        """Seal ``events`` as the next envelopes of ``chain_id`` and queue them."""
        authority = self.authority(chain_id)
        prev_hash = self.state.chain(chain_id).head_hash
        envelopes = [self._seal(chain_id, event, signed, authority) for event in events]
        ticket = Ticket(chain_id, envelopes, prev_hash=prev_hash)
        self.committer.enqueue(ticket)
        return ticket

    def write_journal(self, chain_id: str, kind: str, event_type: str,
                      record: dict[str, Any], signed: SignedCommand, at: int) -> Ticket:
        """One journal fact (``kind``: checkpoints, rejections) as the chain's next envelope."""
        aggregate_id, version = self.state.chain(chain_id).next_journal_version(kind)
        return self.write(chain_id, [EventToWrite(event_type, record, aggregate_id, version,
                                                  at)], signed)

    def _seal(self, chain_id: str, event: EventToWrite, ticket_command: SignedCommand,
              authority: int) -> StoredEnvelope:
        signed = event.signed or ticket_command
        command = signed.command
        state = self.state.chain(chain_id)
        schema_version, payload = encode_payload(event.event_type, event.record)
        stored = seal_envelope(Envelope(
            chain_id=chain_id, seq=state.next_seq, prev_hash=state.head_hash,
            event_type=event.event_type, schema_version=schema_version,
            aggregate_id=event.aggregate_id, aggregate_version=event.aggregate_version,
            recorded_at=event.recorded_at, actor_id=command.actor_id,
            command_id=command.command_id, command=signed.canonical_bytes,
            actor_signature=signed.signature, authority_seq=authority,
            correlation_id=command.correlation_id or command.command_id,
            causation_id=event.causation_id or command.command_id, payload=payload))
        state.advance(stored.event_hash)
        self.state.note_command(command.actor_id, command.nonce, command.command_id,
                                chain_id, signed.canonical_bytes, stored.seq)
        self.state.note_journal(chain_id, stored.seq, event.event_type, event.record,
                                event.recorded_at)
        return stored
