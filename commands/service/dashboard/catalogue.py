"""The catalogue as the dashboard reads it: every command and read a browser may reach.

Why a document of its own beside ``/openapi.json``: the page builds and signs commands
itself, so it needs what the SDK's builder knows (each derived argument's rule *and* the
inputs it is computed from, each command's chain rule, each read's parameter places), which
OpenAPI has no words for. It is the same data, read from :data:`ledger.catalogue.CATALOGUE`
when the service starts, so the page cannot drift from the server it talks to; pages for
capabilities a server lacks (approvals, threshold sessions) find nothing and say so.
"""

from __future__ import annotations

from typing import Any

from ledger.catalogue import CATALOGUE, SHAPES, CommandSpec, Field, ReadSpec

FORMAT = "skms-dashboard-catalogue-v1"


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple | list | frozenset | set):
        return [_json_value(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def field_document(field: Field) -> dict[str, Any]:
    """One field: its kind, bounds, choices, default, and how a client derives it."""
    return {
        "name": field.name, "kind": field.kind.value, "doc": field.doc,
        "required": field.required, "nullable": field.nullable,
        "default": _json_value(field.default), "choices": _json_value(field.choices),
        "minimum": field.minimum, "maximum": field.maximum, "max_length": field.max_length,
        "size": field.size, "secret": field.secret, "source": field.source.value,
        "shape": field.shape,
        "item": field_document(field.item) if field.item is not None else None,
        "derived": ({"rule": field.derived.rule, "inputs": list(field.derived.inputs)}
                    if field.derived is not None else None),
    }


def command_document(spec: CommandSpec) -> dict[str, Any]:
    assert spec.rest is not None
    return {
        "name": spec.name, "doc": spec.doc, "group": spec.group,
        "roles": sorted(spec.roles), "chain": spec.chain.value, "events": sorted(spec.events),
        "args": [field_document(f) for f in spec.args],
        "inputs": [field_document(f) for f in spec.inputs],
        "result": spec.result.name if spec.result is not None else None,
        "rest": {"method": spec.rest.method, "path": spec.rest.path},
        "reveals_secret": spec.hooks.reveals_secret,
    }


def read_document(spec: ReadSpec) -> dict[str, Any]:
    assert spec.rest is not None
    return {
        "name": spec.name, "doc": spec.doc, "group": spec.group,
        "capability": spec.capability,
        "roles": sorted(spec.roles) if spec.roles is not None else None,
        "params": [field_document(f) for f in spec.params],
        "result": field_document(spec.result),
        "rest": {"method": spec.rest.method, "path": spec.rest.path},
    }


def catalogue_document() -> dict[str, Any]:
    """Commands and reads served over REST, and the shapes their results use."""
    return {
        "format": FORMAT,
        "commands": [command_document(s) for s in CATALOGUE.client_commands()
                     if s.rest is not None],
        "reads": [read_document(s) for s in CATALOGUE.reads if s.rest is not None],
        "shapes": {name: [field_document(f) for f in shape.fields]
                   for name, shape in sorted(SHAPES.items())},
    }
