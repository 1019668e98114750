"""The gRPC service definition (``schemas/skms.proto``), written from the catalogue.

One RPC per command and per read, named as the catalogue names them:

* a command's request is ``<Name>Request { SignedCommand command; <path values>;
  <inputs> }`` and its reply ``<Name>Reply { CommandOutcome outcome; <Result> result }``;
* a read's request holds its parameters, its reply ``<Name>Reply { <result> }``;
* shapes are messages of the same names; HEX values are strings (hex, as in JSON), BYTES
  values bytes, JSON documents strings named ``*_json``, nullable scalars ``optional``.

``tools/gen_catalogue.py`` writes the file; a test keeps it equal to :func:`proto_text`, and
the service builds its handlers from the same catalogue, so the three cannot differ.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.catalogue import CATALOGUE, SHAPES, CommandSpec, Field, Kind

PACKAGE = "skms.v1"
SERVICE = "Skms"
PATH_VALUES = ("key_id", "actor_id", "wallet_id", "chain_id")

SCALARS = {Kind.TEXT: "string", Kind.INTEGER: "int64", Kind.TIME: "int64",
           Kind.BOOLEAN: "bool", Kind.HEX: "string", Kind.BYTES: "bytes",
           Kind.JSON: "string"}


def proto_name(field: Field) -> str:
    """The proto field name of a catalogue field (``*_json`` for JSON documents)."""
    return f"{field.name}_json" if field.kind is Kind.JSON else field.name


def proto_type(field: Field) -> str:
    if field.kind is Kind.LIST:
        assert field.item is not None
        return proto_type(field.item)
    if field.kind is Kind.OBJECT:
        assert field.shape is not None
        return field.shape
    return SCALARS[field.kind]


def _field_line(field: Field, number: int) -> str:
    if field.kind is Kind.LIST:
        label = "repeated "
    elif (field.nullable or not field.required) and field.kind is not Kind.OBJECT:
        label = "optional "
    else:
        label = ""
    doc = field.doc.replace("\n", " ")
    return f"  {label}{proto_type(field)} {proto_name(field)} = {number};  // {doc}"


def _message(name: str, fields: Iterable[Field], doc: str = "",
             first: int = 1, prefix: Iterable[str] = ()) -> list[str]:
    lines = [f"// {doc}"] if doc else []
    lines.append(f"message {name} {{")
    lines.extend(prefix)
    for number, field in enumerate(fields, start=first):
        lines.append(_field_line(field, number))
    lines.append("}")
    return lines


def command_path_values(spec: CommandSpec) -> tuple[str, ...]:
    """The values a command's request repeats outside the signed command (as REST paths)."""
    if spec.rest is None:
        return ()
    return tuple(p for p in spec.rest.placeholders() if p in PATH_VALUES)


def proto_text() -> str:
    lines = [
        "// Generated from the command catalogue by tools/gen_catalogue.py; do not edit.",
        'syntax = "proto3";', "", f"package {PACKAGE};", "",
        "// A command signed by the requesting actor (built and signed by the SDK).",
        "message SignedCommand {",
        "  string command = 1;  // The canonical command JSON exactly as signed.",
        "  bytes signature = 2;  // Ed25519 over 'SKMS-COMMAND-v1\\0' || command.",
        "}", "",
        "// Where a command's events went.",
        "message CommandOutcome {",
        "  string command_id = 1;", "  string chain = 2;", "  repeated int64 seqs = 3;",
        "  optional int64 seq = 4;", "  bool replayed = 5;", "  string correlation_id = 6;",
        "  string status = 7;  // done, or pending: held for an approval quorum.",
        "  optional string approval_id = 8;  // The approval request of a held command.",
        "}", ""]
    for shape in SHAPES.values():
        lines += [*_message(shape.name, shape.fields, shape.doc), ""]
    rpcs = []
    for spec in CATALOGUE.client_commands():
        if spec.rest is None:
            continue
        path_lines = [f"  string {name} = {index};  // Must equal the command's."
                      for index, name in enumerate(command_path_values(spec), start=2)]
        first_input = 2 + len(path_lines)
        request = _message(f"{spec.name}Request", spec.inputs, spec.doc, first=first_input,
                           prefix=["  SignedCommand command = 1;", *path_lines])
        lines += [*request, ""]
        reply = ["  CommandOutcome outcome = 1;"]
        if spec.result is not None:
            reply.append(f"  {spec.result.name} result = 2;")
        lines += [f"message {spec.name}Reply {{", *reply, "}", ""]
        rpcs.append(spec.name)
    for read in CATALOGUE.reads:
        if read.rest is None:
            continue
        lines += [*_message(f"{read.name}Request", read.params, read.doc), ""]
        lines += [*_message(f"{read.name}Reply", [read.result]), ""]
        rpcs.append(read.name)
    lines.append(f"service {SERVICE} {{")
    lines += [f"  rpc {name}({name}Request) returns ({name}Reply);" for name in rpcs]
    lines.append("}")
    return "\n".join(lines) + "\n"
