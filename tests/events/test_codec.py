"""The codec: round trips for every event, strict validation, corrupt-byte handling.

Records are generated from the schemas (``schema_samples``), so a new event type is
covered as soon as its ``.avsc`` file exists.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastavro import schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import events
from ledger.errors import InvalidInput, VerificationError
from tests.events.schema_samples import sample_value, strategy, type_name, wrong_value

CODEC = events.default_codec()

EXPECTED_EVENT_TYPES = sorted([
    "LedgerInitialized", "ActorRegistered", "ActorRolesChanged", "ActorRevoked",
    "KeyGenerated", "KeyActivated", "KeyRotated", "KeySuspended", "KeyReactivated",
    "KeyCompromised", "KeyDeactivated", "KeyDestructionScheduled", "KeyDestructionCancelled",
    "KeyDestroyed", "KeyPolicyChanged", "SignatureIssued", "CommandRejected",
    "CheckpointPublished",
])

ENVELOPE_FIELDS = [
    ("format_version", "int"), ("chain_id", "string"), ("seq", "long"),
    ("prev_hash", "bytes"), ("event_type", "string"), ("schema_version", "int"),
    ("aggregate_id", "string"), ("aggregate_version", "long"), ("recorded_at", "long"),
    ("actor_id", "string"), ("command_id", "string"), ("command", "bytes"),
    ("actor_signature", "bytes"), ("authority_seq", "long"), ("correlation_id", "string"),
    ("causation_id", "string"), ("payload", "bytes"),
]


def parsed(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = CODEC.parsed_schema(name, CODEC.latest_version(name))
    return schema, schema["__named_schemas"]


def sample(name: str, *, seed: int = 1, optional_null: bool = False) -> dict[str, Any]:
    schema, named = parsed(name)
    value = sample_value(schema, named, seed=seed, optional_null=optional_null)
    assert isinstance(value, dict)
    return value


def sample_envelope(**overrides: Any) -> dict[str, Any]:
    body = sample(events.ENVELOPE)
    body["format_version"] = events.latest_version(events.ENVELOPE)
    body.update(overrides)
    return body


def field_cases(*, required_only: bool = False) -> list[tuple[str, str]]:
    """(event type, field) for every top-level field of every event's latest schema."""
    return [(event_type, field["name"]) for event_type in events.event_types()
            for field in CODEC.schema_json(event_type, events.latest_version(event_type))
            ["fields"] if not (required_only and "default" in field)]


# ------------------------------------------------------------------------- inventory


def test_every_event_type_of_the_domain_has_a_schema() -> None:
    """Schemas and the domain's event registry match one to one (plus the chain journal's)."""
    import ledger.application  # noqa: F401 - registers every aggregate's events
    from ledger.domain.registry import EVENT_CLASSES

    journal = {"CheckpointPublished", "CommandRejected", "StarkProofRecorded"}
    assert events.event_types() == sorted(set(EVENT_CLASSES) | journal)
    assert set(EXPECTED_EVENT_TYPES) <= set(events.event_types())


def test_envelope_fields_are_in_the_hashed_order() -> None:
    schema, named = parsed(events.ENVELOPE)
    found = [(f["name"], type_name(f["type"], named)) for f in schema["fields"]]
    assert found == ENVELOPE_FIELDS


def test_schemas_dir_honours_the_environment(tmp_path: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKMS_SCHEMAS_DIR", str(tmp_path))
    assert events.schemas_dir() == tmp_path.resolve()
    monkeypatch.delenv("SKMS_SCHEMAS_DIR")
    assert (events.schemas_dir() / "EnvelopeBody.v1.avsc").is_file()


# ------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("event_type", EXPECTED_EVENT_TYPES)
@pytest.mark.parametrize("optional_null", [False, True], ids=["filled", "nulls"])
def test_every_event_round_trips(event_type: str, optional_null: bool) -> None:
    record = sample(event_type, optional_null=optional_null)
    version, data = events.encode_payload(event_type, record)
    assert version == events.latest_version(event_type)
    assert events.decode_payload(event_type, version, data) == record


def test_omitted_optional_fields_get_their_defaults() -> None:
    record = sample("KeyGenerated")
    del record["label"]
    del record["policy"]["allowed_signers"]
    del record["policy"]["max_signatures_per_day"]
    version, data = events.encode_payload("KeyGenerated", record)
    decoded = events.decode_payload("KeyGenerated", version, data)
    assert decoded["label"] is None
    assert decoded["policy"]["allowed_signers"] == []
    assert decoded["policy"]["max_signatures_per_day"] is None


def test_times_stay_integer_microseconds() -> None:
    body = events.decode_envelope_body(events.encode_envelope_body(
        sample_envelope(recorded_at=1_732_000_000_123_456)))
    assert body["recorded_at"] == 1_732_000_000_123_456
    assert type(body["recorded_at"]) is int


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_envelope_body_round_trips(data: st.DataObject) -> None:
    schema, named = parsed(events.ENVELOPE)
    body = data.draw(strategy(schema, named))
    body["format_version"] = events.latest_version(events.ENVELOPE)
    encoded = events.encode_envelope_body(body)
    assert events.decode_envelope_body(encoded) == body
    assert events.encode_envelope_body(body) == encoded


def test_envelope_body_matches_an_independent_encoder() -> None:
    """Pin the hashed bytes: a fastavro change that altered them would fork every chain."""

    def varint(n: int) -> bytes:
        zigzag = (n << 1) ^ (n >> 63)
        out = bytearray()
        while True:
            byte = zigzag & 0x7F
            zigzag >>= 7
            out.append(byte | (0x80 if zigzag else 0))
            if not zigzag:
                return bytes(out)

    body = sample_envelope(seq=300, authority_seq=-1, command=b"", actor_signature=b"",
                           chain_id="système")
    expected = b""
    for name, kind in ENVELOPE_FIELDS:
        value = body[name]
        if kind in ("int", "long"):
            expected += varint(value)
        else:
            raw = value.encode() if kind == "string" else value
            expected += varint(len(raw)) + raw
    assert events.encode_envelope_body(body) == expected


# ------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("event_type", EXPECTED_EVENT_TYPES)
def test_encoding_is_deterministic_whatever_the_key_order(event_type: str) -> None:
    record = sample(event_type)
    reordered = dict(reversed(list(record.items())))
    first = events.encode_payload(event_type, record)
    assert events.encode_payload(event_type, record) == first
    assert events.encode_payload(event_type, reordered) == first


def test_envelope_encoding_is_deterministic_whatever_the_key_order() -> None:
    body = sample_envelope()
    assert (events.encode_envelope_body(body)
            == events.encode_envelope_body(dict(reversed(list(body.items())))))


# ------------------------------------------------------------------------- rejections


@pytest.mark.parametrize(("event_type", "field"), field_cases())
def test_wrong_type_is_rejected_naming_the_field(event_type: str, field: str) -> None:
    schema, named = parsed(event_type)
    field_schema = next(f["type"] for f in schema["fields"] if f["name"] == field)
    record = sample(event_type)
    record[field] = wrong_value(field_schema, named)
    with pytest.raises(InvalidInput) as caught:
        events.encode_payload(event_type, record)
    assert caught.value.field == field
    assert field in caught.value.message


@pytest.mark.parametrize(("event_type", "field"), field_cases(required_only=True))
def test_missing_required_field_is_rejected_naming_it(event_type: str, field: str) -> None:
    record = sample(event_type)
    del record[field]
    with pytest.raises(InvalidInput) as caught:
        events.encode_payload(event_type, record)
    assert caught.value.field == field


@pytest.mark.parametrize(("record_patch", "field"), [
    ({"policy": {"rotation_period_days": "90", "destruction_wait_days": 30}},
     "policy.rotation_period_days"),
    ({"policy": {"rotation_period_days": 90}}, "policy.destruction_wait_days"),
    ({"policy": {"rotation_period_days": 9, "destruction_wait_days": 3, "colour": "red"}},
     "policy.colour"),
    ({"usage": ["sign", 7]}, "usage[1]"),
    ({"version": 2**31}, "version"),
    ({"label": 5}, "label"),
    ({"surprise": 1}, "surprise"),
])
def test_nested_and_structural_problems_are_named(record_patch: dict[str, Any],
                                                   field: str) -> None:
    record = sample("KeyGenerated") | record_patch
    with pytest.raises(InvalidInput) as caught:
        events.encode_payload("KeyGenerated", record)
    assert caught.value.field == field


def test_long_range_is_enforced() -> None:
    with pytest.raises(InvalidInput) as caught:
        events.encode_envelope_body(sample_envelope(seq=2**63))
    assert caught.value.field == "seq"


def test_unknown_event_type_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        events.encode_payload("KeyExploded", {})
    assert caught.value.field == "event_type"


def test_non_mapping_record_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        events.encode_payload("KeyActivated", ["key", 1])  # type: ignore[arg-type]


def test_envelope_must_use_the_current_format() -> None:
    with pytest.raises(InvalidInput) as caught:
        events.encode_envelope_body(sample_envelope(format_version=99))
    assert caught.value.field == "format_version"


def test_unencodable_string_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        events.encode_payload("ActorRevoked", {"actor_id": "a\ud800", "reason": "r"})


# ------------------------------------------------------------------------- corrupt bytes


@pytest.mark.parametrize("event_type", EXPECTED_EVENT_TYPES)
def test_every_truncation_is_a_verification_error(event_type: str) -> None:
    version, data = events.encode_payload(event_type, sample(event_type))
    for cut in range(len(data)):
        with pytest.raises(VerificationError, match=f"schema {event_type} v{version}"):
            events.decode_payload(event_type, version, data[:cut])


@pytest.mark.parametrize("event_type", EXPECTED_EVENT_TYPES)
def test_trailing_garbage_is_a_verification_error(event_type: str) -> None:
    version, data = events.encode_payload(event_type, sample(event_type))
    with pytest.raises(VerificationError, match="trailing bytes"):
        events.decode_payload(event_type, version, data + b"\x00")


def test_envelope_truncation_and_trailing_garbage() -> None:
    data = events.encode_envelope_body(sample_envelope())
    for cut in range(len(data)):
        with pytest.raises(VerificationError, match="envelope body"):
            events.decode_envelope_body(data[:cut])
    with pytest.raises(VerificationError, match="trailing bytes"):
        events.decode_envelope_body(data + b"junk")


def test_non_canonical_bytes_are_rejected() -> None:
    """One record, one byte string: a boolean of 2 or an overlong varint would hash apart."""
    record = {"ledger_id": "", "ledger_name": "", "ledger_public_key": b"", "origin": "",
              "fips_mode": True, "checkpoint_every_events": 0,
              "checkpoint_every_seconds": 0, "kek_provider": ""}
    _, data = events.encode_payload("LedgerInitialized", record)
    assert data == b"\x00\x00\x00\x00\x01\x00\x00\x00"
    with pytest.raises(VerificationError, match="canonical"):
        events.decode_payload("LedgerInitialized", 1, b"\x00\x00\x00\x00\x02\x00\x00\x00")
    # KeyActivated: key_id "k" then version 1 as zig-zag 0x02; 0x82 0x00 is the same value.
    _, activated = events.encode_payload("KeyActivated", {"key_id": "k", "version": 1})
    assert activated == b"\x02k\x02"
    with pytest.raises(VerificationError, match="canonical"):
        events.decode_payload("KeyActivated", 1, b"\x02k\x82\x00")


def zigzag_varint(value: int) -> bytes:
    """Avro's encoding of an int or long of any size (zig-zag, then base-128 varint)."""
    number = (value << 1) ^ (value >> 127)
    out = bytearray()
    while True:
        low, number = number & 0x7F, number >> 7
        out.append(low | (0x80 if number else 0))
        if not number:
            return bytes(out)


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**40])
def test_an_int_outside_its_avro_range_is_refused(value: int) -> None:
    """Regression (fuzzing, tests/fuzz/corpus/envelope/regression-int-out-of-range):
    fastavro reads an ``int`` varint of any size and writes it back alike, so the bytes
    were canonical and decoded, though no SKMS could have written them."""
    data = b"\x02k" + zigzag_varint(value)  # KeyActivated: key_id "k", version (int)
    with pytest.raises(VerificationError, match="field version") as caught:
        events.decode_payload("KeyActivated", 1, data)
    assert caught.value.check == "schema"
    assert events.decode_payload("KeyActivated", 1, b"\x02k" + zigzag_varint(2**31 - 1)) \
        == {"key_id": "k", "version": 2**31 - 1}


def test_an_envelope_int_outside_its_range_is_refused() -> None:
    """The same for an envelope body: written by fastavro itself (which does not check
    ranges when writing), the bytes are canonical, and still refused."""
    version = CODEC.latest_version(events.ENVELOPE)
    record = {**events.decode_envelope_body(events.encode_envelope_body(sample_envelope())),
              "schema_version": 2**40}
    buffer = io.BytesIO()
    schemaless_writer(buffer, CODEC.parsed_schema(events.ENVELOPE, version), record)
    with pytest.raises(VerificationError, match="field schema_version"):
        events.decode_envelope_body(buffer.getvalue())


def test_unknown_versions_and_types_on_decode() -> None:
    _, data = events.encode_payload("KeyActivated", {"key_id": "k", "version": 1})
    with pytest.raises(VerificationError, match="no such schema version"):
        events.decode_payload("KeyActivated", 7, data)
    with pytest.raises(VerificationError, match="unknown event type"):
        events.decode_payload("KeyExploded", 1, data)
    with pytest.raises(InvalidInput):
        events.decode_payload("KeyActivated", 1, data, reader_version=9)
    with pytest.raises(VerificationError, match="format_version"):
        events.decode_envelope_body(b"\x0e" + b"\x00" * 40)
    with pytest.raises(VerificationError):
        events.decode_envelope_body(b"")
    with pytest.raises(VerificationError):
        events.decode_payload("KeyActivated", 1, "text")  # type: ignore[arg-type]


@settings(max_examples=300)
@given(st.sampled_from(EXPECTED_EVENT_TYPES), st.binary(max_size=120))
def test_random_payload_bytes_fail_cleanly_or_are_canonical(event_type: str,
                                                            junk: bytes) -> None:
    try:
        record = events.decode_payload(event_type, 1, junk)
    except VerificationError:
        return
    assert events.encode_payload(event_type, record) == (1, junk)


@settings(max_examples=300)
@given(st.data())
def test_bit_flips_in_an_envelope_fail_cleanly_or_are_canonical(data: st.DataObject) -> None:
    body = events.encode_envelope_body(sample_envelope())
    index = data.draw(st.integers(0, len(body) - 1))
    flipped = bytearray(body)
    flipped[index] ^= 1 << data.draw(st.integers(0, 7))
    try:
        decoded = events.decode_envelope_body(bytes(flipped))
    except VerificationError:
        return
    assert events.encode_envelope_body(decoded) == bytes(flipped)
