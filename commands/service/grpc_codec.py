"""Between gRPC messages and catalogue values (the proto is written from the same fields by
:mod:`commands.service.proto_schema`)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.message import Message

from commands.service.proto_schema import proto_name
from ledger.catalogue import SHAPES, Field, Kind
from ledger.errors import InvalidInput


def values_of(fields: Iterable[Field], message: Message) -> dict[str, Any]:
    """A request's catalogue values: BYTES as bytes, HEX as text, JSON parsed; unset
    optional values left out."""
    values: dict[str, Any] = {}
    for field in fields:
        name = proto_name(field)
        if field.kind is Kind.LIST:
            assert field.item is not None
            values[field.name] = [_item_value(field.item, v) for v in getattr(message, name)]
            if not values[field.name] and not field.required:
                del values[field.name]
        elif field.kind is Kind.OBJECT:
            if message.HasField(name):
                assert field.shape is not None
                values[field.name] = values_of(SHAPES[field.shape].fields,
                                               getattr(message, name))
        elif (field.nullable or not field.required) and not message.HasField(name):
            continue
        else:
            values[field.name] = _item_value(field, getattr(message, name))
    return values


def _item_value(field: Field, value: Any) -> Any:
    if field.kind is Kind.OBJECT:
        assert field.shape is not None
        return values_of(SHAPES[field.shape].fields, value)
    if field.kind is Kind.JSON:
        try:
            return json.loads(value) if value else None
        except ValueError:
            raise InvalidInput("not JSON", field=f"{field.name}_json") from None
    if field.kind is Kind.BYTES:
        return bytes(value)
    return value


def fill(message: Message, fields: Iterable[Field], data: Mapping[str, Any]) -> Message:
    """Set a reply message from JSON-form catalogue values (BYTES arrive as base64)."""
    for field in fields:
        value = data.get(field.name)
        if value is None:
            continue
        name = proto_name(field)
        if field.kind is Kind.LIST:
            assert field.item is not None
            target = getattr(message, name)
            for item in value:
                if field.item.kind is Kind.OBJECT:
                    assert field.item.shape is not None
                    fill(target.add(), SHAPES[field.item.shape].fields, item)
                else:
                    target.append(_wire(field.item, item))
        elif field.kind is Kind.OBJECT:
            assert field.shape is not None
            fill(getattr(message, name), SHAPES[field.shape].fields, value)
        else:
            setattr(message, name, _wire(field, value))
    return message


def _wire(field: Field, value: Any) -> Any:
    if field.kind is Kind.JSON:
        return json.dumps(value, sort_keys=True, default=str)
    if field.kind is Kind.BYTES:
        return base64.b64decode(value) if isinstance(value, str) else bytes(value)
    return value
