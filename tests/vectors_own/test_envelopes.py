"""Own envelope vectors: SKMS seals and opens them byte for byte, and refuses each forgery
at the step the vector names; an independent reading (hashlib, an Avro reader written from
the specification, pyca/cryptography) agrees on every hash, field and signature."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from ledger.command import parse_command, verify_command_signature
from ledger.envelope import Envelope, open_envelope, seal_envelope
from ledger.errors import SkmsError
from ledger.stores.base import StoredEnvelope
from tests.own_vectors import OwnVector, as_is, assert_error, load_own_vectors, stored_envelope
from tests.vectors import REPO_ROOT
from tests.vectors_own import reference

HAPPY = load_own_vectors("envelopes/happy", as_is)
CORRUPT = load_own_vectors("envelopes/corrupt", as_is)
BODY_FIELDS = reference.avro_record_fields(REPO_ROOT / "schemas" / "avro" /
                                           "EnvelopeBody.v1.avsc")
BYTES_FIELDS = frozenset(name for name, kind in BODY_FIELDS if kind == "bytes")
COLUMNS = ("chain_id", "seq", "event_type", "aggregate_id", "aggregate_version", "command_id")


def path_of(vector: OwnVector) -> str:
    return vector.path


def envelope_of(fields: dict[str, Any]) -> Envelope:
    values: dict[str, Any] = {name: bytes.fromhex(value) if name in BYTES_FIELDS else value
                              for name, value in fields.items()}
    return Envelope(**values)


def plain(value: Any) -> Any:
    """Decoded records as the vectors write them: bytes in hex."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def first_refusal(stored: StoredEnvelope, public_key: bytes) -> tuple[str, SkmsError] | None:
    """Open an envelope the way a reader must, step by step; the first step that refuses."""
    try:
        envelope = open_envelope(stored)
    except SkmsError as exc:
        return "open_envelope", exc
    try:
        envelope.event()
    except SkmsError as exc:
        return "decode_event", exc
    try:
        parse_command(envelope.command)
    except SkmsError as exc:
        return "parse_command", exc
    try:
        verify_command_signature(envelope.command, envelope.actor_signature, public_key)
    except SkmsError as exc:
        return "verify_signature", exc
    return None


def test_the_families_are_all_there() -> None:
    assert len(HAPPY) >= 7
    assert len({v.data["stored"]["event_type"] for v in HAPPY}) == len(HAPPY)
    assert {v.data["want_error"]["step"] for v in CORRUPT} == {
        "open_envelope", "decode_event", "parse_command", "verify_signature"}


@pytest.mark.parametrize("vector", HAPPY, ids=path_of)
def test_sealing_reproduces_the_stored_bytes(vector: OwnVector) -> None:
    stored = stored_envelope(vector.data["stored"])
    assert seal_envelope(envelope_of(vector.data["envelope"])) == stored


@pytest.mark.parametrize("vector", HAPPY, ids=path_of)
def test_opening_gives_back_every_field(vector: OwnVector) -> None:
    data = vector.data
    stored = stored_envelope(data["stored"])
    opened = open_envelope(stored)
    assert opened == dataclasses.replace(envelope_of(data["envelope"]),
                                         event_hash=stored.event_hash)
    assert plain(opened.event()) == data["event"]
    assert opened.command.decode("utf-8") == data["command_text"]
    assert first_refusal(stored, bytes.fromhex(data["actor_public_key"])) is None


@pytest.mark.parametrize("vector", HAPPY, ids=path_of)
def test_independent_reading_agrees(vector: OwnVector) -> None:
    data = vector.data
    stored = stored_envelope(data["stored"])
    assert reference.EVENT_DOMAIN.hex() == data["event_hash_domain"]
    assert reference.COMMAND_DOMAIN.hex() == data["command_domain"]
    assert reference.event_hash(stored.body) == stored.event_hash
    assert reference.leaf_hash(stored.event_hash).hex() == data["leaf_hash"]
    record = reference.read_avro_record(stored.body, BODY_FIELDS)
    assert plain(record) == data["envelope"]
    assert [record[c] for c in COLUMNS] == [getattr(stored, c) for c in COLUMNS]
    public_key = bytes.fromhex(data["actor_public_key"])
    message = reference.COMMAND_DOMAIN + record["command"]
    assert reference.ed25519_valid(public_key, message, record["actor_signature"])
    forged = bytes([record["actor_signature"][0] ^ 1]) + record["actor_signature"][1:]
    assert not reference.ed25519_valid(public_key, message, forged)


@pytest.mark.parametrize("vector", CORRUPT, ids=path_of)
def test_each_corruption_is_refused_at_its_step(vector: OwnVector) -> None:
    want = vector.data["want_error"]
    refusal = first_refusal(stored_envelope(vector.data["stored"]),
                            bytes.fromhex(vector.data["actor_public_key"]))
    assert refusal is not None, vector.data["desc"]
    step, error = refusal
    assert step == want["step"], f"{step}: {error}"
    assert_error(error, want)


def reference_open_check(stored: StoredEnvelope) -> str | None:
    """What the independent reading finds wrong before the payload: the check's name."""
    if reference.event_hash(stored.body) != stored.event_hash:
        return "event-hash"
    try:
        record = reference.read_avro_record(stored.body, BODY_FIELDS)
    except (AssertionError, IndexError, UnicodeDecodeError):
        return "schema"
    if record["format_version"] != 1:
        return "schema"
    if [record[c] for c in COLUMNS] != [getattr(stored, c) for c in COLUMNS]:
        return "index"
    return None


@pytest.mark.parametrize("vector", CORRUPT, ids=path_of)
def test_independent_reading_finds_the_same_fault(vector: OwnVector) -> None:
    want = vector.data["want_error"]
    stored = stored_envelope(vector.data["stored"])
    found = reference_open_check(stored)
    if want["step"] == "open_envelope":
        assert found == want["check"]
        return
    assert found is None
    record = reference.read_avro_record(stored.body, BODY_FIELDS)
    command = record["command"]
    canonical = json.dumps(json.loads(command), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=True).encode()
    assert (canonical != command) == (want["step"] == "parse_command")
    signed = reference.ed25519_valid(bytes.fromhex(vector.data["actor_public_key"]),
                                     reference.COMMAND_DOMAIN + command,
                                     record["actor_signature"])
    if want["step"] == "verify_signature":
        assert not signed
    elif want["step"] == "decode_event":
        assert signed
