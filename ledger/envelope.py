"""The envelope: the one path between a domain event and the bytes a store keeps.

Requirements:

1. An envelope body is the Avro encoding of ``EnvelopeBody`` (``schemas/avro``); the store
   keeps those exact bytes, so the hash never depends on a reader's schema version.
2. ``event_hash = SHA-256("SKMS-EVENT-v1\\0" || body)`` – domain-separated so the hash of an
   event can never collide with a Merkle node, a command or a checkpoint.
3. ``prev_hash`` of seq 0 is 32 zero bytes; of seq n it is the ``event_hash`` of seq n-1.
4. :func:`open_envelope` (or :func:`open_body`, the same checked record without the
   dataclass) is the only way back: it checks the hash and that the indexed copies in
   :class:`StoredEnvelope` agree with the body, and raises otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from ledger.errors import VerificationError
from ledger.events.codec import (
    EventCodec,
    decode_envelope_body,
    decode_payload,
    encode_envelope_body,
)
from ledger.stores.base import StoredEnvelope

EVENT_HASH_DOMAIN = b"SKMS-EVENT-v1\x00"
FORMAT_VERSION = 1
NO_AUTHORITY = -1


def event_hash_of(body: bytes) -> bytes:
    """The chain hash of one envelope body."""
    return hashlib.sha256(EVENT_HASH_DOMAIN + body).digest()


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded envelope. ``payload`` is the Avro-encoded event; see :meth:`event`."""

    chain_id: str
    seq: int
    prev_hash: bytes
    event_type: str
    schema_version: int
    aggregate_id: str
    aggregate_version: int
    recorded_at: int
    actor_id: str
    command_id: str
    command: bytes
    actor_signature: bytes
    authority_seq: int
    correlation_id: str
    causation_id: str
    payload: bytes
    event_hash: bytes = b""
    format_version: int = FORMAT_VERSION

    def event(self) -> dict[str, Any]:
        """The event record, resolved to the newest schema version this code knows."""
        return decode_payload(self.event_type, self.schema_version, self.payload)

    def body_record(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "chain_id": self.chain_id,
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "event_type": self.event_type,
            "schema_version": self.schema_version,
            "aggregate_id": self.aggregate_id,
            "aggregate_version": self.aggregate_version,
            "recorded_at": self.recorded_at,
            "actor_id": self.actor_id,
            "command_id": self.command_id,
            "command": self.command,
            "actor_signature": self.actor_signature,
            "authority_seq": self.authority_seq,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "payload": self.payload,
        }


def seal_envelope(envelope: Envelope) -> StoredEnvelope:
    """Encode an envelope, compute its hash and produce the record a store appends."""
    body = encode_envelope_body(envelope.body_record())
    return StoredEnvelope(
        chain_id=envelope.chain_id,
        seq=envelope.seq,
        event_hash=event_hash_of(body),
        body=body,
        event_type=envelope.event_type,
        aggregate_id=envelope.aggregate_id,
        aggregate_version=envelope.aggregate_version,
        command_id=envelope.command_id,
    )


def open_envelope(stored: StoredEnvelope, codec: EventCodec | None = None) -> Envelope:
    """Decode a stored envelope, checking its hash and its indexed fields against the body.

    ``codec`` defaults to :func:`~ledger.events.codec.default_codec`, which reads the
    environment on every call; a caller opening a whole chain passes it once resolved.
    """
    computed, record = _checked_body(stored, codec)
    return Envelope(event_hash=computed, **record)


_INDEXED = ("chain_id", "seq", "event_type", "aggregate_id", "aggregate_version", "command_id")
"""The body's fields a store keeps a copy of in its own columns, in the order compared."""


def open_body(stored: StoredEnvelope, codec: EventCodec | None = None) -> dict[str, Any]:
    """The body record of a stored envelope, after every check :func:`open_envelope` makes
    (its result is this record as an :class:`Envelope`, with the checked hash).

    For a caller that reads a few fields of every envelope of a chain and keeps none (the
    auditor): building the frozen :class:`Envelope` costs a fifth of what the checks do.
    """
    return _checked_body(stored, codec)[1]


def _checked_body(stored: StoredEnvelope,
                  codec: EventCodec | None) -> tuple[bytes, dict[str, Any]]:
    """The envelope's hash as computed here and its body record, both checked."""
    computed = event_hash_of(stored.body)
    if not hmac.compare_digest(computed, stored.event_hash):
        raise VerificationError("event hash does not match the stored envelope bytes",
                                seq=stored.seq, chain=stored.chain_id, check="event-hash")
    try:
        record = (decode_envelope_body(stored.body) if codec is None
                  else codec.decode_envelope_body(stored.body))
    except VerificationError as exc:
        raise VerificationError(f"envelope body is not valid: {exc.message}", seq=stored.seq,
                                chain=stored.chain_id, check="schema") from None
    for name in _INDEXED:
        outer, inner = getattr(stored, name), record[name]
        if outer != inner:
            raise VerificationError(f"stored {name} {outer!r} differs from the signed "
                                    f"body's {inner!r}", seq=stored.seq,
                                    chain=stored.chain_id, check="index")
    if record["format_version"] != FORMAT_VERSION:
        raise VerificationError(f"unknown envelope format version {record['format_version']}",
                                seq=stored.seq, chain=stored.chain_id, check="schema")
    return computed, record
