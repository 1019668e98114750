"""The codec's refusals at the edges: unusable schema folders, broken imports, resolution
failures, and the validators of the Avro types the shipped schemas do not use yet (enum,
fixed, float, plain unions), each through a real :class:`EventCodec` over a temporary folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger import events
from ledger.errors import ConfigurationError, InvalidInput, VerificationError
from ledger.events import EventCodec

NS = "skms.events"


def write(folder: Path, file_name: str, schema: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file_name).write_text(json.dumps(schema), encoding="utf-8")


def record(name: str, fields: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "record", "namespace": NS, "name": name, "fields": fields, **extra}


def one_event(folder: Path, fields: list[dict[str, Any]], **extra: Any) -> EventCodec:
    write(folder, "Ev.v1.avsc", record("Ev", fields, **extra))
    return EventCodec(folder)


# ------------------------------------------------------------------------- the folder


def test_a_missing_folder_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist") as caught:
        EventCodec(tmp_path / "nowhere")
    assert "SKMS_SCHEMAS_DIR" in caught.value.hint


def test_a_badly_named_schema_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "lowercase.v1.avsc", record("Lowercase", []))
    with pytest.raises(ConfigurationError,
                       match=r"schema file name lowercase\.v1\.avsc is not <Name>\.v<N>\.avsc"):
        EventCodec(tmp_path)


@pytest.mark.parametrize("content, expected", [
    (b"{not json", "cannot read schema Ev.v1.avsc"),
    (b"\xff\xfe\x00", "cannot read schema Ev.v1.avsc"),
    (b"[1, 2]", "schema Ev.v1.avsc is not an Avro record schema"),
    (b'{"type": "enum", "name": "Ev", "symbols": ["A"]}',
     "schema Ev.v1.avsc is not an Avro record schema"),
])
def test_unreadable_or_non_record_files_are_refused(tmp_path: Path, content: bytes,
                                                    expected: str) -> None:
    (tmp_path / "Ev.v1.avsc").write_bytes(content)
    with pytest.raises(ConfigurationError) as caught:
        EventCodec(tmp_path)
    assert caught.value.message.startswith(expected)


def test_a_schema_fastavro_cannot_parse_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"schema Ev\.v1\.avsc does not parse: "):
        one_event(tmp_path, [{"name": "a", "type": "NoSuchType"}])


def test_a_protocol_only_error_type_is_unsupported_not_a_key_error(tmp_path: Path) -> None:
    """Avro's ``error`` type parses but means nothing in a record file: a clean refusal."""
    with pytest.raises(ConfigurationError, match="unsupported schema type 'error'"):
        one_event(tmp_path, [{"name": "a",
                              "type": {"type": "error", "name": "Oops", "fields": []}}])


def test_no_envelope_schema_is_a_configuration_error(tmp_path: Path) -> None:
    codec = one_event(tmp_path, [{"name": "a", "type": "int"}])
    assert codec.schema_names() == ["Ev"]
    with pytest.raises(ConfigurationError, match="no EnvelopeBody schema in "):
        codec.encode_envelope_body({"format_version": 1})
    with pytest.raises(ConfigurationError, match="no EnvelopeBody schema in "):
        codec.decode_envelope_body(b"\x02")


# ------------------------------------------------------------------------- imports


@pytest.mark.parametrize("imports, expected", [
    ("_Shared.v1", "Ev.v1.avsc: skms_imports must be a list"),
    (["Shared.v1"], "Ev.v1.avsc: import 'Shared.v1' is not a shared schema like '_Name.v1'"),
    ([7], "Ev.v1.avsc: import 7 is not a shared schema like '_Name.v1'"),
    (["_Shared"], "Ev.v1.avsc: import '_Shared' is not a shared schema like '_Name.v1'"),
    (["_Gone.v1"], "Ev.v1.avsc: imported schema _Gone.v1.avsc is missing"),
    (["_Shared.v2"], "Ev.v1.avsc: imported schema _Shared.v2.avsc is missing"),
])
def test_bad_imports_are_refused_naming_the_file(tmp_path: Path, imports: Any,
                                                 expected: str) -> None:
    write(tmp_path, "_Shared.v1.avsc", record("Shared", [{"name": "x", "type": "int"}]))
    with pytest.raises(ConfigurationError) as caught:
        one_event(tmp_path, [{"name": "a", "type": "int"}], skms_imports=imports)
    assert caught.value.message == expected


def test_a_circular_import_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "_A.v1.avsc", record("A", [{"name": "x", "type": "int"}],
                                          skms_imports=["_B.v1"]))
    write(tmp_path, "_B.v1.avsc", record("B", [{"name": "y", "type": "int"}],
                                          skms_imports=["_A.v1"]))
    with pytest.raises(ConfigurationError) as caught:
        EventCodec(tmp_path)
    assert caught.value.message == "_B.v1.avsc: circular import of _A.v1"


def test_an_imported_type_is_usable_dependencies_first(tmp_path: Path) -> None:
    write(tmp_path, "_Inner.v1.avsc", record("Inner", [{"name": "n", "type": "int"}]))
    write(tmp_path, "_Outer.v1.avsc", record("Outer", [{"name": "inner", "type": "Inner"}],
                                              skms_imports=["_Inner.v1"]))
    codec = one_event(tmp_path, [{"name": "o", "type": "Outer"}], skms_imports=["_Outer.v1"])
    version, data = codec.encode_payload("Ev", {"o": {"inner": {"n": 5}}})
    assert version == 1
    assert codec.decode_payload("Ev", 1, data) == {"o": {"inner": {"n": 5}}}
    with pytest.raises(InvalidInput, match=r"field o\.inner\.n: expected int, got str") as caught:
        codec.encode_payload("Ev", {"o": {"inner": {"n": "5"}}})
    assert caught.value.field == "o.inner.n"
    assert codec.event_types() == ["Ev"]
    assert codec.schema_names() == ["Ev", "_Inner", "_Outer"]


# ------------------------------------------------------------------------- lookups


def test_unknown_schema_names_and_versions_are_invalid_input() -> None:
    codec = events.default_codec()
    with pytest.raises(InvalidInput, match="no schema KeyGenerated v99 in ") as caught:
        codec.schema_json("KeyGenerated", 99)
    assert caught.value.field == "schema_version"
    with pytest.raises(InvalidInput, match="no schema KeyGenerated v99 in ") as caught:
        codec.parsed_schema("KeyGenerated", 99)
    assert caught.value.field == "schema_version"
    with pytest.raises(InvalidInput, match="unknown schema 'NoSuchEvent' in ") as caught:
        events.versions("NoSuchEvent")
    assert caught.value.field == "event_type"
    with pytest.raises(InvalidInput, match="unknown schema 'NoSuchEvent'"):
        events.latest_version("NoSuchEvent")
    assert events.versions("KeyGenerated") == [1]
    assert events.versions(events.ENVELOPE) == [1]


# ------------------------------------------------------------------------- resolution


def test_a_writer_version_the_reader_cannot_resolve_is_a_verification_error(
        tmp_path: Path) -> None:
    old = tmp_path / "old"
    write(old, "Ev.v1.avsc", record("Ev", [{"name": "a", "type": "string"}]))
    version, data = EventCodec(old).encode_payload("Ev", {"a": "text"})
    assert version == 1
    new = tmp_path / "new"
    write(new, "Ev.v1.avsc", record("Ev", [{"name": "a", "type": "string"}]))
    write(new, "Ev.v2.avsc", record("Ev", [{"name": "a", "type": "int"}]))
    codec = EventCodec(new)
    assert codec.decode_payload("Ev", 1, data, reader_version=1) == {"a": "text"}
    with pytest.raises(VerificationError) as caught:
        codec.decode_payload("Ev", 1, data)
    assert caught.value.message.startswith(
        "payload does not match schema Ev v1: cannot resolve to reader v2: ")
    assert caught.value.check == "schema"


def test_a_reader_version_that_does_not_exist_is_invalid_input(tmp_path: Path) -> None:
    codec = one_event(tmp_path, [{"name": "a", "type": "int"}])
    _, data = codec.encode_payload("Ev", {"a": 1})
    with pytest.raises(InvalidInput, match="no reader schema Ev v3") as caught:
        codec.decode_payload("Ev", 1, data, reader_version=3)
    assert caught.value.field == "reader_version"


# ------------------------------------------------------------------------- envelope bytes


@pytest.mark.parametrize("data", ["not bytes", None, b"", b"\xff\xff\xff\xff\xff\x01"])
def test_an_unreadable_envelope_format_version_is_named(data: Any) -> None:
    with pytest.raises(VerificationError) as caught:
        events.decode_envelope_body(data)
    assert caught.value.message == (
        "envelope body does not match schema EnvelopeBody: format_version unreadable "
        "is not a known envelope format")
    assert caught.value.check == "schema"


def test_an_unknown_envelope_format_version_is_named() -> None:
    with pytest.raises(VerificationError, match="format_version 5 is not a known envelope"):
        events.decode_envelope_body(b"\x0a")  # zig-zag 5


def test_a_decoder_given_something_other_than_bytes_says_so(tmp_path: Path) -> None:
    codec = one_event(tmp_path, [{"name": "a", "type": "int"}])
    with pytest.raises(VerificationError,
                       match=r"payload does not match schema Ev v1: expected bytes, got str"):
        codec.decode_payload("Ev", 1, "AA==")  # type: ignore[arg-type]


# ------------------------------------------------------------------------- validators


@pytest.fixture
def typed(tmp_path: Path) -> EventCodec:
    return one_event(tmp_path, [
        {"name": "colour", "type": {"type": "enum", "name": "Colour",
                                    "symbols": ["RED", "GREEN"]}},
        {"name": "tag", "type": {"type": "fixed", "name": "Tag", "size": 4}},
        {"name": "ratio", "type": "float"},
        {"name": "weight", "type": "double"},
        {"name": "either", "type": ["int", "string"]},
        {"name": "flag", "type": "boolean"},
        {"name": "maybe", "type": ["null", "Colour"], "default": None},
    ])


def good() -> dict[str, Any]:
    return {"colour": "GREEN", "tag": b"abcd", "ratio": 0.5, "weight": 2, "either": "x",
            "flag": True}


def test_enum_fixed_float_and_union_values_round_trip(typed: EventCodec) -> None:
    version, data = typed.encode_payload("Ev", good())
    assert version == 1
    assert typed.decode_payload("Ev", 1, data) == {**good(), "weight": 2.0, "maybe": None}
    _, data = typed.encode_payload("Ev", {**good(), "either": 7, "maybe": "RED",
                                          "tag": bytearray(b"wxyz")})
    decoded = typed.decode_payload("Ev", 1, data)
    assert (decoded["either"], decoded["maybe"], decoded["tag"]) == (7, "RED", b"wxyz")


@pytest.mark.parametrize("patch, field, message", [
    ({"colour": "BLUE"}, "colour", "expected one of RED, GREEN"),
    ({"colour": 1}, "colour", "expected one of RED, GREEN"),
    ({"tag": b"abc"}, "tag", "expected exactly 4 bytes"),
    ({"tag": "abcd"}, "tag", "expected exactly 4 bytes"),
    ({"ratio": "0.5"}, "ratio", "expected float, got str"),
    ({"weight": True}, "weight", "expected double, got bool"),
    ({"either": [1]}, "either", "list matches no branch of the union"),
    ({"either": None}, "either", "None matches no branch of the union"),
    ({"flag": 1}, "flag", "expected boolean, got int"),
    ({"maybe": "BLUE"}, "maybe", "expected one of RED, GREEN"),
])
def test_each_validator_names_the_field_and_the_problem(typed: EventCodec,
                                                        patch: dict[str, Any], field: str,
                                                        message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        typed.encode_payload("Ev", {**good(), **patch})
    assert caught.value.field == field
    assert caught.value.message == f"Ev v1: field {field}: {message}"


def test_a_decoded_enum_index_beyond_the_symbols_is_a_verification_error(
        typed: EventCodec) -> None:
    _, data = typed.encode_payload("Ev", good())
    assert data[0] == 2  # zig-zag 1: GREEN
    with pytest.raises(VerificationError) as caught:
        typed.decode_payload("Ev", 1, b"\x08" + data[1:])  # index 4 of two symbols
    assert caught.value.message.startswith("payload does not match schema Ev v1: ")
    assert caught.value.check == "schema"
