"""The JSON form of catalogue values, one codec for every front end (REST, the SDK, the
CLI's ``--json``, and the gRPC codec's ``*_json`` fields).

``HEX`` values are lower-case hex text and ``BYTES`` values base64 text; handlers may
return either kind as ``bytes`` (or ``bytearray`` for secrets they want wiped), and
:func:`to_json` writes them out. :func:`from_json` reads what a client sent, naming the
field of anything malformed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ledger.catalogue import SHAPES, Field, Kind
from ledger.errors import InvalidInput


def to_json(field: Field, value: Any) -> Any:
    """``value`` of ``field``'s kind, as JSON."""
    if value is None:
        return None
    kind = field.kind
    if kind is Kind.HEX:
        return bytes(value).hex() if isinstance(value, bytes | bytearray) else value
    if kind is Kind.BYTES:
        return base64.b64encode(bytes(value)).decode() if isinstance(
            value, bytes | bytearray) else value
    if kind is Kind.LIST:
        assert field.item is not None
        return [to_json(field.item, item) for item in value]
    if kind is Kind.OBJECT:
        assert field.shape is not None
        return shape_to_json(field.shape, value)
    if kind is Kind.JSON:
        return _plain(value)
    return value


def shape_to_json(shape: str, value: Mapping[str, Any]) -> dict[str, Any]:
    """A record of a named shape as JSON (its fields only, in the shape's order)."""
    return {f.name: to_json(f, value.get(f.name)) for f in SHAPES[shape].fields}


def from_json(field: Field, value: Any, path: str | None = None) -> Any:
    """A client's JSON value for ``field`` as Python (bytes for BYTES, decoded base64)."""
    where = path or field.name
    if value is None:
        return None
    if field.kind is Kind.BYTES:
        if not isinstance(value, str):
            raise InvalidInput("must be base64 text", field=where)
        try:
            return base64.b64decode(value, validate=True)
        except (ValueError, binascii.Error):
            raise InvalidInput("not valid base64", field=where) from None
    if field.kind is Kind.LIST and isinstance(value, list):
        assert field.item is not None
        return [from_json(field.item, item, f"{where}[{index}]")
                for index, item in enumerate(value)]
    if field.kind is Kind.OBJECT and isinstance(value, Mapping):
        assert field.shape is not None
        declared = {f.name: f for f in SHAPES[field.shape].fields}
        return {name: from_json(declared[name], item, f"{where}.{name}")
                if name in declared else item for name, item in value.items()}
    return value


def _plain(value: Any) -> Any:
    """Free-form JSON documents may hold bytes (hex) and tuples (lists)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
