"""The one place that turns events and envelope bodies into bytes and back.

Requirements (``tests/events`` checks each):

1. Every event type and the envelope body have an Avro record schema per version in
   ``schemas/avro/<Name>.v<N>.avsc``; files never change once released, a new version is a
   new file (see ``docs/schema-compatibility.md``).
2. Encoding always uses the latest version and is deterministic: the same record gives the
   same bytes, whatever the key order of the mapping. Envelope bodies are hashed byte for
   byte, so schemas containing Avro maps (no canonical order) are refused at load time.
3. Encoding validates first and names the offending field in
   :class:`~ledger.errors.InvalidInput`; fastavro is never left to guess (e.g. ``True``
   for an ``int``, unknown keys silently dropped).
4. Decoding reads with the writer's schema version and resolves to the reader's (default:
   latest), so old events stay readable after a schema change. Bytes that are truncated,
   followed by garbage, or not the canonical encoding of what they decode to raise
   :class:`~ledger.errors.VerificationError`, and so does a record the encoder would
   refuse (an ``int`` beyond 32 bits); no fastavro exception escapes.
5. Values are plain Python primitives. ``logicalType`` annotations (``timestamp-micros``)
   document meaning for humans and other-language readers, but this codec ignores them:
   times are ``int`` microseconds since the Unix epoch in and out, because converting to
   ``datetime`` would lose nothing here but cost time and invite timezone mistakes.

Shared named types (e.g. ``KeyPolicy``) live in ``_<Name>.v<N>.avsc`` files. A schema
that uses one lists the exact file in its ``"skms_imports"`` attribute, so an old event
schema keeps meaning what it meant even after a shared type gets a new version.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from ledger.errors import ConfigurationError, InvalidInput, VerificationError
from ledger.schema_files import avro_dir

ENVELOPE = "EnvelopeBody"
NAMESPACE = "skms.events"
IMPORTS_ATTRIBUTE = "skms_imports"
SCHEMAS_DIR_ENV = "SKMS_SCHEMAS_DIR"

_FILE_NAME = re.compile(r"^(_?[A-Z][A-Za-z0-9]*)\.v([1-9][0-9]*)\.avsc$")
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})

# A compiled validator raises _Invalid(path, message) for the first problem it finds.
_Validator = Callable[[object, str], None]


class _Invalid(Exception):
    """Internal: a validation failure with the dotted path of the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def schemas_dir() -> Path:
    """The schema folder: ``$SKMS_SCHEMAS_DIR`` when set, else the one SKMS ships.

    The shipped folder is package data found by :mod:`ledger.schema_files` (not the
    working directory), so the CLI, tests and tools agree on one folder wherever they are
    started from, in a checkout and in an installed wheel alike.
    """
    configured = os.environ.get(SCHEMAS_DIR_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return avro_dir()


class EventCodec:
    """Encoder/decoder over one schema folder, with every schema parsed once.

    Module-level functions use the folder named by :func:`schemas_dir`; tests and tools
    build their own instance over another folder (e.g. synthetic v2 schemas) instead of
    mutating global state.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ConfigurationError(
                f"schema folder {self.directory} does not exist",
                hint=f"set {SCHEMAS_DIR_ENV} to the folder holding the .avsc files")
        self._raw: dict[str, dict[int, dict[str, Any]]] = {}
        for path in sorted(self.directory.glob("*.avsc")):
            match = _FILE_NAME.match(path.name)
            if match is None:
                raise ConfigurationError(
                    f"schema file name {path.name} is not <Name>.v<N>.avsc",
                    hint="rename it; the name and version are read from the file name")
            stem, version = match.group(1), int(match.group(2))
            self._raw.setdefault(stem, {})[version] = self._load_json(path)
        self._parsed: dict[tuple[str, int], dict[str, Any]] = {}
        self._validators: dict[tuple[str, int], _Validator] = {}
        for stem, by_version in self._raw.items():
            for version in by_version:
                self._prepare(stem, version)
        self._latest = {stem: max(by_version) for stem, by_version in self._raw.items()}
        self._event_types = sorted(
            stem for stem in self._raw if stem != ENVELOPE and not stem.startswith("_"))

    # ----------------------------------------------------------------- schema access

    def schema_names(self) -> list[str]:
        """Every schema name in the folder: event types, ``EnvelopeBody``, ``_Shared`` types."""
        return sorted(self._raw)

    def event_types(self) -> list[str]:
        """Event type names, sorted; excludes the envelope body and shared types."""
        return list(self._event_types)

    def versions(self, name: str) -> list[int]:
        """Versions present for a schema name, ascending."""
        return sorted(self._by_version(name))

    def latest_version(self, name: str) -> int:
        """Highest version of a schema name; writers always use it."""
        self._by_version(name)
        return self._latest[name]

    def schema_json(self, name: str, version: int) -> dict[str, Any]:
        """The schema exactly as written in its file (docs included), for tools and tests."""
        raw = self._by_version(name).get(version)
        if raw is None:
            raise InvalidInput(f"no schema {name} v{version} in {self.directory}",
                               field="schema_version")
        return copy.deepcopy(raw)  # callers may mutate it; the cache must not change

    def parsed_schema(self, name: str, version: int) -> dict[str, Any]:
        """The fastavro-parsed schema (logical types stripped, imports resolved).

        Shared with the codec's cache for speed: callers must not mutate it.
        """
        parsed = self._parsed.get((name, version))
        if parsed is None:
            raise InvalidInput(f"no schema {name} v{version} in {self.directory}",
                               field="schema_version")
        return parsed

    # ----------------------------------------------------------------- events

    def encode_payload(self, event_type: str, record: Mapping[str, Any]) -> tuple[int, bytes]:
        """Validate ``record`` and encode it with the latest schema of ``event_type``.

        Returns ``(schema_version, bytes)``; the version goes into the envelope so readers
        know which writer schema to resolve from.
        """
        if event_type not in self._event_types:
            raise InvalidInput(f"unknown event type {event_type!r}", field="event_type",
                               hint=f"known types: {', '.join(self._event_types)}")
        version = self._latest[event_type]
        return version, self._encode(event_type, version, record)

    def decode_payload(self, event_type: str, schema_version: int, data: bytes, *,
                       reader_version: int | None = None) -> dict[str, Any]:
        """Decode a payload written with ``schema_version``, resolved to ``reader_version``.

        Resolution is what keeps history readable: fields added since the writer's version
        get their defaults, fields removed since are dropped.
        """
        label = f"payload does not match schema {event_type} v{schema_version}"
        if event_type not in self._event_types:
            raise VerificationError(f"{label}: unknown event type", check="schema",
                                    hint="a newer SKMS may have written it; upgrade")
        if schema_version not in self._raw[event_type]:
            raise VerificationError(f"{label}: no such schema version", check="schema",
                                    hint="a newer SKMS may have written it; upgrade")
        reader = self._latest[event_type] if reader_version is None else reader_version
        if reader not in self._raw[event_type]:
            raise InvalidInput(f"no reader schema {event_type} v{reader}",
                               field="reader_version")
        writer_schema = self._parsed[(event_type, schema_version)]
        record = self._decode_exact(writer_schema, data, label,
                                    self._validators[(event_type, schema_version)])
        if reader == schema_version:
            return record
        try:
            resolved = schemaless_reader(
                io.BytesIO(data), writer_schema, self._parsed[(event_type, reader)])
        except Exception as exc:  # fastavro raises many types; all mean "cannot resolve"
            raise VerificationError(
                f"{label}: cannot resolve to reader v{reader}: {_describe(exc)}",
                check="schema") from None
        if not isinstance(resolved, dict):  # impossible for record schemas; keeps types honest
            raise VerificationError(f"{label}: did not decode to a record", check="schema")
        return resolved

    # ----------------------------------------------------------------- envelope

    def encode_envelope_body(self, record: Mapping[str, Any]) -> bytes:
        """Encode an envelope body with the latest format; its bytes are what gets hashed.

        ``format_version`` must be the latest version: old formats are read-only, so every
        new entry is written the one current way.
        """
        latest = self._latest_envelope()
        version = record.get("format_version") if isinstance(record, Mapping) else None
        if type(version) is not int or version != latest:
            raise InvalidInput(f"format_version must be {latest}, the current envelope format",
                               field="format_version")
        return self._encode(ENVELOPE, latest, record)

    def decode_envelope_body(self, data: bytes) -> dict[str, Any]:
        """Decode an envelope body with the schema its leading ``format_version`` names.

        No resolution happens: the body is returned exactly as written, because its bytes
        are what the chain hash covers and callers branch on ``format_version``.
        """
        self._latest_envelope()
        version = _peek_int(data)
        if version is None or version not in self._raw[ENVELOPE]:
            shown = "unreadable" if version is None else str(version)
            raise VerificationError(
                f"envelope body does not match schema {ENVELOPE}: format_version {shown} "
                "is not a known envelope format", check="schema")
        label = f"envelope body does not match schema {ENVELOPE} v{version}"
        return self._decode_exact(self._parsed[(ENVELOPE, version)], data, label,
                                  self._validators[(ENVELOPE, version)])

    # ----------------------------------------------------------------- internals

    def _by_version(self, name: str) -> dict[int, dict[str, Any]]:
        by_version = self._raw.get(name)
        if by_version is None:
            raise InvalidInput(f"unknown schema {name!r} in {self.directory}",
                               field="event_type")
        return by_version

    def _latest_envelope(self) -> int:
        if ENVELOPE not in self._raw:
            raise ConfigurationError(f"no {ENVELOPE} schema in {self.directory}",
                                     hint=f"set {SCHEMAS_DIR_ENV} to the SKMS schema folder")
        return self._latest[ENVELOPE]

    def _encode(self, name: str, version: int, record: Mapping[str, Any]) -> bytes:
        try:
            self._validators[(name, version)](record, "")
        except _Invalid as problem:
            field = problem.path or None
            where = f"field {problem.path}" if problem.path else "record"
            raise InvalidInput(f"{name} v{version}: {where}: {problem.message}",
                               field=field) from None
        buffer = io.BytesIO()
        try:
            schemaless_writer(buffer, self._parsed[(name, version)], record,
                              disable_tuple_notation=True)
        except Exception as exc:  # validated already; e.g. a lone surrogate in a string
            raise InvalidInput(f"{name} v{version}: cannot encode: {_describe(exc)}") from None
        return buffer.getvalue()

    @staticmethod
    def _decode_exact(schema: dict[str, Any], data: bytes, label: str,
                      validator: _Validator) -> dict[str, Any]:
        """Decode ``data`` with its writer schema and insist the bytes are canonical.

        Re-encoding and comparing rejects, in one check, truncated values fastavro would
        pad, trailing garbage, overlong varints and booleans other than 0/1: the chain
        hashes bytes, so exactly one byte string may stand for a record. The record must
        then pass the encoder's own validator: fastavro reads an ``int`` or ``long`` varint
        of any size (and writes it back the same), so without it a body holding, say, an
        ``int`` of 2^40 would decode although no SKMS could have written it (found by
        fuzzing, ``tests/fuzz/corpus/envelope/regression-int-out-of-range``). It runs
        before the re-encoding, which fastavro refuses with its own ``ValueError`` for such
        a value inside a union (``regression-union-int-out-of-range``).
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise VerificationError(f"{label}: expected bytes, got {type(data).__name__}",
                                    check="schema")
        data = bytes(data)
        stream = io.BytesIO(data)
        try:
            record = schemaless_reader(stream, schema, None)
        except Exception as exc:  # EOFError, IndexError, UnicodeDecodeError, ...
            raise VerificationError(f"{label}: {_describe(exc)}", check="schema") from None
        if not isinstance(record, dict):  # impossible for record schemas; keeps types honest
            raise VerificationError(f"{label}: did not decode to a record", check="schema")
        consumed = stream.tell()
        if consumed != len(data):
            raise VerificationError(
                f"{label}: {len(data) - consumed} trailing bytes after the record",
                check="schema")
        try:
            validator(record, "")
        except _Invalid as problem:
            raise VerificationError(f"{label}: field {problem.path}: {problem.message}",
                                    check="schema") from None
        again = io.BytesIO()
        try:
            schemaless_writer(again, schema, record, disable_tuple_notation=True)
        except (ValueError, TypeError, OverflowError) as exc:
            raise VerificationError(f"{label}: {_describe(exc)}", check="schema") from None
        if again.getvalue() != data:
            raise VerificationError(
                f"{label}: bytes are not the canonical encoding of the record they decode to",
                check="schema")
        return record

    @staticmethod
    def _load_json(path: Path) -> dict[str, Any]:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigurationError(f"cannot read schema {path.name}: {exc}") from None
        if not isinstance(raw, dict) or raw.get("type") != "record":
            raise ConfigurationError(f"schema {path.name} is not an Avro record schema")
        return raw

    def _prepare(self, stem: str, version: int) -> None:
        """Parse one schema with its imports and compile its validator."""
        key = (stem, version)
        if key in self._parsed:
            return
        raw = self._raw[stem][version]
        file_name = f"{stem}.v{version}.avsc"
        expected = stem.lstrip("_")
        if raw.get("name") != expected or raw.get("namespace") != NAMESPACE:
            raise ConfigurationError(
                f"schema {file_name} must declare name {expected!r} in namespace "
                f"{NAMESPACE!r}", hint="the file name and the record name must agree")
        named: dict[str, Any] = {}
        try:
            for imported in self._imports_of(file_name, raw, seen=(file_name,)):
                parse_schema(_strip_logical_types(imported), named_schemas=named)
            parsed = parse_schema(_strip_logical_types(raw), named_schemas=named)
        except ConfigurationError:
            raise
        except Exception as exc:  # fastavro's SchemaParseException, UnknownType, ...
            raise ConfigurationError(f"schema {file_name} does not parse: {exc}") from None
        if not isinstance(parsed, dict):
            raise ConfigurationError(f"schema {file_name} is not an Avro record schema")
        if _contains_map(raw):
            raise ConfigurationError(
                f"schema {file_name} contains an Avro map",
                hint="maps have no canonical order, so hashed bytes would not be "
                     "deterministic; use an array of records")
        self._parsed[key] = parsed
        self._validators[key] = _compile(parsed, parsed.get("__named_schemas", {}))

    def _imports_of(self, file_name: str, raw: Mapping[str, Any],
                    seen: tuple[str, ...]) -> list[dict[str, Any]]:
        """Imported shared schemas of ``raw``, dependencies first."""
        imports = raw.get(IMPORTS_ATTRIBUTE, [])
        if not isinstance(imports, list):
            raise ConfigurationError(f"{file_name}: {IMPORTS_ATTRIBUTE} must be a list")
        ordered: list[dict[str, Any]] = []
        for ref in imports:
            match = _FILE_NAME.match(f"{ref}.avsc") if isinstance(ref, str) else None
            if match is None or not ref.startswith("_"):
                raise ConfigurationError(
                    f"{file_name}: import {ref!r} is not a shared schema like '_Name.v1'")
            if ref + ".avsc" in seen:
                raise ConfigurationError(f"{file_name}: circular import of {ref}")
            imported = self._raw.get(match.group(1), {}).get(int(match.group(2)))
            if imported is None:
                raise ConfigurationError(f"{file_name}: imported schema {ref}.avsc is missing")
            ordered += self._imports_of(ref + ".avsc", imported, (*seen, ref + ".avsc"))
            ordered.append(imported)
        return ordered


def _strip_logical_types(schema: Any) -> Any:
    """A copy of ``schema`` without ``logicalType`` keys, so values stay primitives."""
    if isinstance(schema, dict):
        return {key: _strip_logical_types(value) for key, value in schema.items()
                if key != "logicalType"}
    if isinstance(schema, list):
        return [_strip_logical_types(item) for item in schema]
    return schema


def _contains_map(schema: Any) -> bool:
    if isinstance(schema, dict):
        return schema.get("type") == "map" or any(_contains_map(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_contains_map(item) for item in schema)
    return False


def _describe(exc: BaseException) -> str:
    """One line naming a decoder failure; fastavro's EOFError often has no text at all."""
    text = str(exc) or ("data ends early" if isinstance(exc, EOFError) else "")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _peek_int(data: object) -> int | None:
    """The Avro ``int`` at the start of ``data`` (zig-zag varint), or ``None``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        return None
    value = shift = 0
    for byte in bytes(data[:5]):
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return (value >> 1) ^ -(value & 1)
        shift += 7
    return None


# --------------------------------------------------------------------- validation


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _compile(schema: Any, named: Mapping[str, Any]) -> _Validator:
    """Build a validator closure for a parsed schema.

    Compiling once per schema keeps validation cheap enough to run on every encode,
    which matters because fastavro's writer coerces or drops what it does not expect.
    """
    if isinstance(schema, str):
        if schema in _PRIMITIVES:
            return _primitive(schema)
        if schema not in named:  # e.g. Avro's protocol-only "error" type: no KeyError escapes
            raise ConfigurationError(f"unsupported schema type {schema!r}")
        target = named[schema]
        # Named types may be recursive; resolve lazily through a one-slot cache.
        cache: list[_Validator] = []

        def by_name(value: object, path: str) -> None:
            if not cache:
                cache.append(_compile(target, named))
            cache[0](value, path)

        return by_name
    if isinstance(schema, list):
        return _union([_compile(branch, named) for branch in schema], schema)
    kind = schema["type"]
    if kind == "record":
        return _record(schema, named)
    if kind == "array":
        return _array(_compile(schema["items"], named))
    if kind == "enum":
        return _enum(schema["symbols"])
    if kind == "fixed":
        return _fixed(schema["size"])
    if isinstance(kind, str | list | dict) and kind != schema:
        return _compile(kind, named)
    raise ConfigurationError(f"unsupported schema type {kind!r}")


def _primitive(kind: str) -> _Validator:
    """One closure per kind testing just that kind: it runs for every field of every event
    decoded or encoded."""
    if kind in ("int", "long"):
        low, high = _INT_RANGE if kind == "int" else _LONG_RANGE

        def check_integer(value: object, path: str) -> None:
            if type(value) is not int:
                raise _Invalid(path, f"expected {kind}, got {_kind(value)}")
            if not low <= value <= high:
                raise _Invalid(path, f"{kind} out of range")

        return check_integer
    if kind == "string":
        def check_string(value: object, path: str) -> None:
            if not isinstance(value, str):
                raise _Invalid(path, f"expected string, got {_kind(value)}")

        return check_string
    if kind == "bytes":
        def check_bytes(value: object, path: str) -> None:
            if not isinstance(value, bytes | bytearray):
                raise _Invalid(path, f"expected bytes, got {_kind(value)}")

        return check_bytes
    if kind == "null":
        def check_null(value: object, path: str) -> None:
            if value is not None:
                raise _Invalid(path, f"expected null, got {_kind(value)}")

        return check_null
    if kind == "boolean":
        def check_boolean(value: object, path: str) -> None:
            if type(value) is not bool:
                raise _Invalid(path, f"expected boolean, got {_kind(value)}")

        return check_boolean

    def check_number(value: object, path: str) -> None:  # float, double
        if type(value) not in (int, float):
            raise _Invalid(path, f"expected {kind}, got {_kind(value)}")

    return check_number


def _record(schema: Mapping[str, Any], named: Mapping[str, Any]) -> _Validator:
    fields = [(field["name"], "default" in field, _compile(field["type"], named))
              for field in schema["fields"]]
    known = frozenset(name for name, _, _ in fields)
    record_name = schema["name"]

    def check(value: object, path: str) -> None:
        if type(value) is not dict and not isinstance(value, Mapping):
            raise _Invalid(path, f"expected a {record_name} mapping, got {_kind(value)}")
        for name, has_default, validate in fields:
            if name in value:
                validate(value[name], f"{path}.{name}" if path else name)  # = _join, inlined
            elif not has_default:
                raise _Invalid(_join(path, name), "required field is missing")
        if len(value) > len(known) or not known.issuperset(value):
            unknown = sorted(str(key) for key in value if key not in known)
            raise _Invalid(_join(path, unknown[0]), f"not a field of {record_name}")

    return check


def _array(items: _Validator) -> _Validator:
    def check(value: object, path: str) -> None:
        if not isinstance(value, list | tuple):
            raise _Invalid(path, f"expected an array, got {_kind(value)}")
        for index, item in enumerate(value):
            items(item, f"{path}[{index}]")

    return check


def _union(branches: list[_Validator], schema: list[Any]) -> _Validator:
    def check(value: object, path: str) -> None:
        problems: list[_Invalid] = []
        for branch in branches:
            try:
                branch(value, path)
            except _Invalid as problem:
                problems.append(problem)
            else:
                return
        if value is not None and "null" in schema and len(problems) == 2:
            # An optional field: report why the non-null branch refused it.
            raise next(p for p, b in zip(problems, schema, strict=True) if b != "null")
        raise _Invalid(path, f"{_kind(value)} matches no branch of the union")

    return check


def _enum(symbols: list[str]) -> _Validator:
    allowed = frozenset(symbols)

    def check(value: object, path: str) -> None:
        if not isinstance(value, str) or value not in allowed:
            raise _Invalid(path, f"expected one of {', '.join(symbols)}")

    return check


def _fixed(size: int) -> _Validator:
    def check(value: object, path: str) -> None:
        if not isinstance(value, bytes | bytearray) or len(value) != size:
            raise _Invalid(path, f"expected exactly {size} bytes")

    return check


# --------------------------------------------------------------------- module API

_default: tuple[str | None, EventCodec] | None = None


def default_codec() -> EventCodec:
    """The codec over :func:`schemas_dir`, built once per value of ``$SKMS_SCHEMAS_DIR``."""
    global _default
    configured = os.environ.get(SCHEMAS_DIR_ENV)
    current = _default
    if current is None or current[0] != configured:
        current = (configured, EventCodec(schemas_dir()))
        _default = current
    return current[1]


def event_types() -> list[str]:
    """Event type names, sorted (no ``EnvelopeBody``, no shared types)."""
    return default_codec().event_types()


def versions(event_type: str) -> list[int]:
    """Schema versions present for ``event_type`` (or ``EnvelopeBody``), ascending."""
    return default_codec().versions(event_type)


def latest_version(event_type: str) -> int:
    """Latest schema version of ``event_type`` (or ``EnvelopeBody``)."""
    return default_codec().latest_version(event_type)


def encode_payload(event_type: str, record: Mapping[str, Any]) -> tuple[int, bytes]:
    """Validate and encode an event record with its latest schema: ``(version, bytes)``."""
    return default_codec().encode_payload(event_type, record)


def decode_payload(event_type: str, schema_version: int, data: bytes, *,
                   reader_version: int | None = None) -> dict[str, Any]:
    """Decode an event payload written with ``schema_version`` (resolving to the reader's)."""
    return default_codec().decode_payload(event_type, schema_version, data,
                                          reader_version=reader_version)


def encode_envelope_body(record: Mapping[str, Any]) -> bytes:
    """Validate and encode an envelope body; these bytes are what the chain hashes."""
    return default_codec().encode_envelope_body(record)


def decode_envelope_body(data: bytes) -> dict[str, Any]:
    """Decode an envelope body, rejecting anything but its exact canonical bytes."""
    return default_codec().decode_envelope_body(data)
