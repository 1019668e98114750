"""The auditor's checks of one envelope that need no state of the chain around it.

Why a module of its own: these checks (hash, schema, index, payload, command binding, the
actor's signature and authorization) are most of an audit's cost, and for a key domain's
chain they depend on nothing but the envelope and the actors' identities over time, which
are known in full once the system chain is verified. So they can run anywhere, in any order:
in the auditor's own loop, or in worker processes (:mod:`ledger.audit.pool`). The checks
that do need the chain (seq, prev-hash, nonce reuse, authority order, aggregate state,
Merkle tree, checkpoints) stay in :mod:`ledger.audit`, which raises a finding reported here
only when its turn comes in the documented order, so an audit names the same first fault
whether it ran in one process or many.

An examination stops at the first finding; the finding carries its stage, so that the
auditor knows which of its own checks come first:

* ``open``     – event hash, envelope schema, indexed copies (before ``prev-hash``);
* ``content``  – payload, command bytes, command binding, event type (before the nonce and
  authority checks);
* ``identity`` – actor known at that point, signature, authorization (last before the
  aggregate).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.authorization import authorize
from ledger.catalogue import APPROVAL_HOOKS, EVENTS_OF_COMMAND
from ledger.command import LEDGER_IDENTITIES, parse_command, verify_command_signature
from ledger.envelope import Envelope, open_body
from ledger.errors import SkmsError, VerificationError
from ledger.events.codec import EventCodec, default_codec
from ledger.stores.base import StoredEnvelope

OPEN, CONTENT, IDENTITY = "open", "content", "identity"
APPROVAL_EVENT_TYPES = frozenset({"ApprovalRequested", "ApprovalGranted", "ApprovalRejected",
                                  "ApprovalExpired", "ApprovalExecuted"})


@dataclass(frozen=True, slots=True)
class ActorSnapshot:
    public_key: bytes
    roles: tuple[str, ...]
    domains: tuple[str, ...]
    revoked: bool


class Timeline:
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


@dataclass(frozen=True, slots=True)
class Identities:
    """Who every actor was at every system-chain seq, and the ledger's own key.

    Complete once the system chain is verified; a key domain's envelope names the system
    seq it was decided under (its authority seq), so its identity checks need nothing else.
    """

    timeline: Timeline
    ledger_key: bytes | None

    def at(self, actor_id: str, authority_seq: int) -> ActorSnapshot | None:
        if actor_id in LEDGER_IDENTITIES:
            return ledger_snapshot(self.ledger_key)
        return self.timeline.at(actor_id, authority_seq)


def ledger_snapshot(ledger_key: bytes | None) -> ActorSnapshot | None:
    """The ledger's own identity: it signs system commands (checkpoints, genesis)."""
    return None if ledger_key is None else ActorSnapshot(ledger_key, (), ("*",), False)


@dataclass(frozen=True, slots=True)
class Finding:
    """The first fault an examination found: raised by the auditor when its stage is due."""

    stage: str
    message: str
    check: str

    def error(self, chain_id: str, seq: int) -> VerificationError:
        return VerificationError(self.message, seq=seq, chain=chain_id, check=self.check)


@dataclass(frozen=True, slots=True)
class Examined:
    """What the chain-level checks need of one envelope (small: it may cross processes).

    ``envelope`` is kept only when the identity stage was left to the caller (the system
    chain, whose identities change as it is read); ``record`` is the decoded event.
    """

    seq: int
    event_hash: bytes
    finding: Finding | None
    prev_hash: bytes = b""
    event_type: str = ""
    aggregate_id: str = ""
    aggregate_version: int = 0
    recorded_at: int = 0
    authority_seq: int = 0
    actor_id: str = ""
    command_id: str = ""
    command_type: str = ""
    nonce: str = ""
    record: dict[str, Any] | None = None
    envelope: Envelope | None = None
    # Kept only for what the approval checks read (gated commands, approval events):
    command_args: dict[str, Any] | None = None
    command_bytes: bytes = b""
    actor_signature: bytes = b""

    def raise_finding(self, stage: str, chain_id: str) -> None:
        """Raise this envelope's finding if it belongs to ``stage`` (the auditor's turn)."""
        if self.finding is not None and self.finding.stage == stage:
            raise self.finding.error(chain_id, self.seq)


def check_identity(chain_id: str, seq: int, command: bytes, actor_signature: bytes,
                   actor_id: str, command_type: str,
                   snapshot: ActorSnapshot | None) -> Finding | None:
    """Actor known at that point, signature with the key it had then, and authorization
    (``command`` and ``actor_signature`` are the envelope's at ``seq``)."""
    if snapshot is None:
        return Finding(IDENTITY, f"actor {actor_id} is not registered at that point",
                       "signature")
    try:
        verify_command_signature(command, actor_signature, snapshot.public_key)
    except SkmsError:
        return Finding(IDENTITY, f"signature of actor {actor_id} does not verify", "signature")
    if seq == 0 and command_type == "InitializeLedger":
        return None
    try:
        authorize(actor_id=actor_id, roles=snapshot.roles, domains=snapshot.domains,
                  revoked=snapshot.revoked, command_type=command_type, chain_id=chain_id)
    except SkmsError as exc:
        return Finding(IDENTITY, f"not authorized then: {exc.message}", "authorization")
    return None


def examine(stored: StoredEnvelope, chain_id: str, identities: Identities | None,
            codec: EventCodec | None = None) -> Examined:
    """Every check of ``stored`` that needs no chain state; the identity stage only when
    ``identities`` is given (key domains), else it is left to the caller.

    ``codec`` (default: :func:`~ledger.events.codec.default_codec`) is best resolved once
    per chain by the caller: the default is looked up in the environment on every call.
    The body is read as the checked record of :func:`~ledger.envelope.open_body`; the
    :class:`Envelope` is built only when it is kept (the system chain)."""
    seq, event_hash = stored.seq, stored.event_hash
    if codec is None:
        codec = default_codec()
    try:
        body = open_body(stored, codec)
    except VerificationError as exc:
        return Examined(seq, event_hash, Finding(OPEN, exc.message, exc.check))
    prev_hash: bytes = body["prev_hash"]
    event_type: str = body["event_type"]
    command_bytes: bytes = body["command"]

    def content(message: str) -> Examined:
        return Examined(seq, event_hash, Finding(CONTENT, message, "command"),
                        prev_hash=prev_hash)

    try:
        record = codec.decode_payload(event_type, body["schema_version"], body["payload"])
    except SkmsError as exc:
        return Examined(seq, event_hash, Finding(CONTENT, f"payload invalid: {exc.message}",
                                                 "payload"), prev_hash=prev_hash)
    try:
        command = parse_command(command_bytes)
    except SkmsError as exc:
        return content(f"command bytes invalid: {exc.message}")
    if (command.chain_id != chain_id or command.actor_id != body["actor_id"]
            or command.command_id != body["command_id"]):
        return content("command does not match the envelope's chain, actor or id")
    if event_type not in EVENTS_OF_COMMAND.get(command.command_type, ()):
        return content(f"a {command.command_type} command cannot cause {event_type}")
    authority_seq: int = body["authority_seq"]
    finding = None
    if identities is not None:
        finding = check_identity(chain_id, body["seq"], command_bytes, body["actor_signature"],
                                 command.actor_id, command.command_type,
                                 identities.at(command.actor_id, authority_seq))
    approval_facts: dict[str, Any] = {}
    if command.command_type in APPROVAL_HOOKS or event_type in APPROVAL_EVENT_TYPES:
        approval_facts = {"command_args": dict(command.args), "command_bytes": command_bytes,
                          "actor_signature": body["actor_signature"]}
    return Examined(seq, event_hash, finding, prev_hash=prev_hash, event_type=event_type,
                    aggregate_id=body["aggregate_id"],
                    aggregate_version=body["aggregate_version"],
                    recorded_at=body["recorded_at"], authority_seq=authority_seq,
                    actor_id=command.actor_id, command_id=command.command_id,
                    command_type=command.command_type, nonce=command.nonce, record=record,
                    envelope=None if identities is not None else
                    Envelope(event_hash=event_hash, **body),  # checked equal by open_body
                    **approval_facts)


def examine_chunk(chain_id: str, identities: Identities,
                  chunk: Sequence[StoredEnvelope]) -> list[Examined]:
    """Examine consecutive envelopes of a key domain's chain, up to the first finding
    (the auditor stops there at the latest, so the rest would be wasted)."""
    examined = []
    codec = default_codec()
    for stored in chunk:
        item = examine(stored, chain_id, identities, codec)
        examined.append(item)
        if item.finding is not None:
            break
    return examined
