"""From what a user typed to catalogue values: one reader per ``Cli.reader`` name, and
one conversion per field kind for fields without a reader.

Why readers and not click types: the same field is read the same way in every command
that has it (a message is a file or ``-`` for stdin, a secret never a command-line
value), and a failure is an :class:`~ledger.errors.InvalidInput` naming the option, as
every other bad value is.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from commands.wire import from_json
from ledger.catalogue import Field, Kind
from ledger.decimal_text import is_decimal
from ledger.errors import InvalidInput

STDIN = "-"

Lookup = Callable[[str, str], str]
"""``(reader, text) -> id`` for the readers that name things of the loaded ledger: ``actor``
(an actor name or id) and ``circuit`` (a circuit name or key id)."""
LOOKUP_READERS = frozenset({"actor", "circuit"})


def option_name(field: Field) -> str:
    """The option a field is spelled as (``--rotation-days``), or its metavar if it is a
    positional argument (``KEY_ID``): what error messages name."""
    if field.cli.positional:
        return field.name.upper()
    option = field.cli.option or "--" + field.name.replace("_", "-")
    return option.split("/")[0]


def read_bytes(path: str, where: str) -> bytes:
    """A file's bytes, or standard input for ``-``."""
    if path == STDIN:
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field=where) from None


def read_secret(path: str, where: str) -> bytes:
    """A secret from a file or standard input, without its final line break; errors name
    the option, never the content."""
    raw = read_bytes(path, where)
    return raw.rstrip(b"\r\n")


def _text_bytes(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", field=where) from None


def parse_time(text: str, where: str) -> int:
    """RFC 3339 (``2026-12-01T10:00:00Z``) or microseconds since the epoch."""
    if is_decimal(text):
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("not an RFC 3339 time (2026-12-01T10:00:00Z) nor microseconds "
                           "since the epoch", field=where) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1_000_000)


def _hex(text: str, where: str) -> str:
    cleaned = text.strip().lower()
    try:
        bytes.fromhex(cleaned)
    except ValueError:
        raise InvalidInput("not hexadecimal", field=where) from None
    return cleaned


def _json_value(path: str, where: str) -> Any:
    raw = read_bytes(path, where)
    try:
        return json.loads(_text_bytes(raw, where))
    except ValueError:
        raise InvalidInput(f"{path} is not a JSON document", field=where) from None


def _json_file(field: Field, path: str, where: str) -> Any:
    return from_json(field, _json_value(path, where), where)


def _json_documents(item: Field, path: str, where: str) -> list[Any]:
    """A file's documents for a repeated option: one document, or a JSON list of them (a
    custodians file kept for many backups reads the same as one file per custodian)."""
    value = _json_value(path, where)
    found = value if isinstance(value, list) and item.kind is not Kind.LIST else [value]
    return [from_json(item, one, where) for one in found]


def read_value(field: Field, raw: Any, lookup: Lookup) -> Any:
    """The catalogue value of ``field`` from the raw click value (a string, a tuple of
    strings for repeated options, a bool for flags, an int for integers)."""
    where = option_name(field)
    reader = field.cli.reader
    if field.kind is Kind.LIST:
        assert field.item is not None
        values: Sequence[Any] = raw if isinstance(raw, list | tuple) else [raw]
        if reader == "files":
            return [read_bytes(v, where) for v in values]
        if reader == "text-files":
            return [_text_bytes(read_bytes(v, where), where) for v in values]
        if reader == "json-file":
            return _json_file(field, str(values[0]), where)
        if reader == "json-files":
            return [one for v in values for one in _json_documents(field.item, str(v), where)]
        item = field.item
        if reader in LOOKUP_READERS:
            return [lookup(reader, str(v)) for v in values]
        return [read_value(item, v, lookup) for v in values]
    if reader == "file":
        return read_bytes(str(raw), where)
    if reader == "secret-file":
        return read_secret(str(raw), where)
    if reader == "text":
        encoded = str(raw).encode()
        return encoded.hex() if field.kind is Kind.HEX else encoded
    if reader == "hex":
        return bytes.fromhex(_hex(str(raw), where))
    if reader in LOOKUP_READERS:
        return lookup(reader, str(raw))
    if reader == "json-file":
        return _json_file(field, str(raw), where)
    return _plain(field, raw, where)


def _plain(field: Field, raw: Any, where: str) -> Any:
    kind = field.kind
    if kind is Kind.HEX:
        return _hex(str(raw), where)
    if kind is Kind.TIME:
        return raw if isinstance(raw, int) else parse_time(str(raw), where)
    if kind is Kind.INTEGER:
        return int(raw)
    if kind is Kind.BYTES:
        return str(raw).encode()
    if kind is Kind.JSON:
        try:
            return json.loads(str(raw))
        except ValueError:
            raise InvalidInput("not JSON", field=where) from None
    return raw
