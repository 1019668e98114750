"""``envelopes/``: single envelopes as SKMS seals them, and named ways of breaking one.

Happy files (``envelopes/happy/<chain>-<seq>-<EventType>.json``) give the stored record
(what an :class:`~ledger.stores.base.EventStore` returns), every decoded body field, the
decoded event, the command text, the acting key and the leaf hash, so another
implementation can rebuild the body, the event hash ``SHA-256("SKMS-EVENT-v1\\0" || body)``
and check the actor's Ed25519 signature over ``"SKMS-COMMAND-v1\\0" || command``.

Corruption files (``envelopes/corrupt/<name>.json``) each damage one envelope and name the
first step of opening it that must refuse it (``want_error.step``): ``open_envelope``,
``decode_event`` (:meth:`Envelope.event`), ``parse_command`` or ``verify_signature``, with
the error class and its ``check`` (verification errors), ``field`` (bad input) or
``reason_code`` (refused signatures).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vectorgen.jsonio import Json, plain, stored_envelope
from vectorgen.mutate import flip_bit, flip_char, rehash, reseal, with_columns
from vectorgen.product import (
    COMMAND_DOMAIN,
    EVENT_HASH_DOMAIN,
    Envelope,
    StoredEnvelope,
    hash_leaf,
    open_envelope,
)
from vectorgen.sample import SampleLedger

HAPPY = (("system", 0), ("system", 2), ("default", 0), ("default", 3), ("default", 4),
         ("payments", 3), ("payments", 7))
"""Genesis, the bootstrap admin's registration, a key generation, a refusal, a rotation, a
signature and a checkpoint requested by an auditor: seven event types."""

TARGET = ("payments", 3)
"""The envelope every corruption starts from: bob's first signature."""

ENVELOPE_FIELDS = tuple(f.name for f in dataclasses.fields(Envelope) if f.name != "event_hash")


def envelope_vectors(sample: SampleLedger) -> dict[str, Json]:
    chains = sample.chains()
    files: dict[str, Json] = {}
    for chain_id, seq in HAPPY:
        stored = chains[chain_id][seq]
        files[f"envelopes/happy/{_happy_name(stored)}"] = _happy(sample, stored)
    target = chains[TARGET[0]][TARGET[1]]
    base = f"envelopes/happy/{_happy_name(target)}"
    public_key = sample.public_key_of(open_envelope(target).actor_id).hex()
    for name, desc, mutated, want in _corruptions(sample, target):
        files[f"envelopes/corrupt/{name}.json"] = {
            "desc": desc, "base": base, "stored": stored_envelope(mutated),
            "actor_public_key": public_key, "want_error": want}
    return files


def _happy_name(stored: StoredEnvelope) -> str:
    return f"{stored.chain_id}-{stored.seq}-{stored.event_type}.json"


def _happy(sample: SampleLedger, stored: StoredEnvelope) -> Json:
    envelope = open_envelope(stored)
    actor = next((i.name for i in sample.identities.values()
                  if i.actor_id == envelope.actor_id), envelope.actor_id)
    return {
        "desc": f"{stored.event_type} at seq {stored.seq} of chain {stored.chain_id!r}, "
                f"caused by a command of {actor!r}",
        "stored": stored_envelope(stored),
        "envelope": {name: plain(getattr(envelope, name)) for name in ENVELOPE_FIELDS},
        "event": plain(envelope.event()),
        "command_text": envelope.command.decode("utf-8"),
        "actor_public_key": sample.public_key_of(envelope.actor_id).hex(),
        "event_hash_domain": EVENT_HASH_DOMAIN.hex(),
        "command_domain": COMMAND_DOMAIN.hex(),
        "leaf_hash": hash_leaf(stored.event_hash).hex(),
        "want_error": None,
    }


def _opening(check: str) -> Json:
    return {"step": "open_envelope", "error": "VerificationError", "check": check}


def _corruptions(sample: SampleLedger, target: StoredEnvelope
                 ) -> list[tuple[str, str, StoredEnvelope, dict[str, Any]]]:
    envelope = open_envelope(target)
    middle = len(target.body) // 2
    alice_signature = sample.sign_command_as("alice", envelope.command)
    # format_version is the body's first field: the zigzag varint 0x02 (1) becomes 0x04 (2).
    assert target.body[0] == 0x02, "the envelope body no longer starts with format_version 1"
    format_two = bytes([0x04]) + target.body[1:]
    return [
        ("body-bit-flip", "one bit of the stored body flipped",
         with_columns(target, body=flip_bit(target.body, middle)), _opening("event-hash")),
        ("event-hash-bit-flip", "one bit of the stored event hash flipped",
         with_columns(target, event_hash=flip_bit(target.event_hash, 0)),
         _opening("event-hash")),
        ("event-hash-truncated", "the stored event hash is 31 bytes",
         with_columns(target, event_hash=target.event_hash[:-1]), _opening("event-hash")),
        ("column-chain-id", "the chain_id column differs from the body's",
         with_columns(target, chain_id=flip_char(target.chain_id)), _opening("index")),
        ("column-seq", "the seq column differs from the body's",
         with_columns(target, seq=target.seq ^ 1), _opening("index")),
        ("column-event-type", "the event_type column differs from the body's",
         with_columns(target, event_type="SignatureBatchIssued"), _opening("index")),
        ("column-aggregate-id", "the aggregate_id column differs from the body's",
         with_columns(target, aggregate_id=flip_char(target.aggregate_id)),
         _opening("index")),
        ("column-aggregate-version", "the aggregate_version column differs from the body's",
         with_columns(target, aggregate_version=target.aggregate_version ^ 1),
         _opening("index")),
        ("column-command-id", "the command_id column differs from the body's",
         with_columns(target, command_id=flip_char(target.command_id)), _opening("index")),
        ("body-truncated-rehashed", "the body loses its last byte; the hash is recomputed",
         rehash(target, target.body[:-1]), _opening("schema")),
        ("body-trailing-byte-rehashed", "a zero byte is appended to the body; the hash is "
         "recomputed", rehash(target, target.body + b"\x00"), _opening("schema")),
        ("format-version-2-rehashed", "the body's format_version (its first field) is 2; "
         "the hash is recomputed", rehash(target, format_two), _opening("schema")),
        ("payload-truncated-resealed", "the Avro payload loses its last byte; the envelope "
         "is sealed again", reseal(target, payload=envelope.payload[:-1]),
         {"step": "decode_event", "error": "VerificationError", "check": "schema"}),
        ("schema-version-unknown-resealed", "the payload claims schema version 9; the "
         "envelope is sealed again", reseal(target, schema_version=9),
         {"step": "decode_event", "error": "VerificationError", "check": "schema"}),
        ("command-not-canonical-resealed", "a space is added to the command JSON; the "
         "envelope is sealed again", reseal(target, command=envelope.command[:1] + b" "
                                            + envelope.command[1:]),
         {"step": "parse_command", "error": "InvalidInput", "field": "command"}),
        ("actor-signature-bit-flip-resealed", "one bit of the actor signature flipped; the "
         "envelope is sealed again", reseal(target, actor_signature=flip_bit(
             envelope.actor_signature, 0)),
         {"step": "verify_signature", "error": "Unauthorized", "reason_code": "bad-signature"}),
        ("actor-signature-by-another-actor-resealed", "the command is signed by alice, not "
         "by bob who sent it; the envelope is sealed again",
         reseal(target, actor_signature=alice_signature),
         {"step": "verify_signature", "error": "Unauthorized", "reason_code": "bad-signature"}),
    ]
