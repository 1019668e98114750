"""What the CLI reads from the user and how it prints (commands.cli.readers, .printer): a
bad value names the option and the reason; ``--print`` names the fields a result has."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from commands.cli.printer import emit, field_text, guarded, report_error
from commands.cli.readers import parse_time, read_bytes, read_value
from ledger.catalogue import Field, Kind
from ledger.catalogue.model import Cli
from ledger.errors import InvalidInput, VerificationError


def no_lookup(reader: str, text: str) -> str:
    raise AssertionError("no lookup expected")


def refused(call: object, *args: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_a_missing_file_is_named_with_its_option(tmp_path: Path) -> None:
    problem = refused(read_bytes, str(tmp_path / "absent.bin"), "--input")
    assert problem.field == "--input"
    assert problem.message == f"cannot read {tmp_path / 'absent.bin'}: No such file or directory"


def test_times_are_rfc3339_or_microseconds() -> None:
    assert parse_time("1700000000000000", "--since") == 1_700_000_000_000_000
    assert parse_time("2026-12-01T10:00:00Z", "--since") == 1_796_119_200_000_000
    assert parse_time("2026-12-01T10:00:00", "--since") == 1_796_119_200_000_000  # UTC
    assert parse_time("2026-12-01T11:00:00+01:00", "--since") == 1_796_119_200_000_000
    problem = refused(parse_time, "yesterday", "--since")
    assert problem.field == "--since"
    assert problem.message.startswith("not an RFC 3339 time")


def test_hex_json_and_text_file_values(tmp_path: Path) -> None:
    hex_field = Field("digest", Kind.HEX, "doc")
    assert read_value(hex_field, " ABcd ", no_lookup) == "abcd"
    problem = refused(read_value, hex_field, "xyz", no_lookup)
    assert (problem.field, problem.message) == ("--digest", "not hexadecimal")
    assert read_value(Field("note", Kind.BYTES, "doc"), "plain text", no_lookup) == b"plain text"
    json_field = Field("document", Kind.JSON, "doc")
    assert read_value(json_field, '{"a": [1]}', no_lookup) == {"a": [1]}
    problem = refused(read_value, json_field, "{a:", no_lookup)
    assert (problem.field, problem.message) == ("--document", "not JSON")
    files = Field("names", Kind.LIST, "doc", item=Field("name", Kind.TEXT, "doc"),
                  cli=Cli(reader="text-files"))
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("héllo")
    bad.write_bytes(b"\xff\xfe")
    assert read_value(files, (str(good),), no_lookup) == ["héllo"]
    problem = refused(read_value, files, (str(bad),), no_lookup)
    assert (problem.field, problem.message) == ("--names", "the file is not UTF-8 text")
    documents = Field("custodians", Kind.LIST, "doc", item=Field("c", Kind.JSON, "doc"),
                      cli=Cli(reader="json-files"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    problem = refused(read_value, documents, (str(broken),), no_lookup)
    assert (problem.field, problem.message) == ("--custodians",
                                                f"{broken} is not a JSON document")


def test_field_text_names_the_fields_a_result_has() -> None:
    problem = refused(field_text, {"key_id": "k", "state": "active"}, "colour")
    assert problem.field == "print"
    assert problem.message == "the result has no field 'colour'; it has key_id, state"
    problem = refused(field_text, [{"key_id": "k"}], "key_id")
    assert problem.message == "the result has no field 'key_id'; it has none (a list)"
    assert field_text({"roles": ["a", "b"]}, "roles") == "a\nb"
    assert field_text({"policy": {"z": 1, "a": None}}, "policy") == '{"a": null, "z": 1}'


def test_emit_prints_json_of_bytes_and_other_values_and_no_empty_text(
        capsys: pytest.CaptureFixture[str]) -> None:
    emit({"blob": b"\x01\x02", "path": Path("/tmp/x")})
    assert capsys.readouterr().out == '{\n  "blob": "0102",\n  "path": "/tmp/x"\n}\n'
    emit({"ignored": 1}, lambda _: "")
    assert capsys.readouterr().out == ""


def test_guarded_lets_clicks_own_exits_through() -> None:
    @click.command()
    @guarded
    def stop() -> None:
        raise click.UsageError("wrong usage")

    result = CliRunner().invoke(stop, [])
    assert result.exit_code == 2
    assert "wrong usage" in result.output
    assert "internal error" not in result.output


def test_a_verification_failure_names_the_chain_seq_and_check(
        capsys: pytest.CaptureFixture[str]) -> None:
    report_error(VerificationError("hash mismatch", seq=7, chain="payments",
                                   check="prev-hash", hint="restore the log"), None, {})
    assert capsys.readouterr().err == ("error: chain 'payments' seq 7 (prev-hash): hash "
                                       "mismatch\n  hint: restore the log\n")
