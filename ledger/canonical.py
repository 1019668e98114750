"""Canonical JSON: the one byte encoding of values that get signed (commands).

Why not plain ``json.dumps``: signatures need every party to produce identical bytes for
the same value. We restrict values to types with one unambiguous encoding (no floats, no
bytes – hex them first), sort keys and strip whitespace. The output is ASCII.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ledger.errors import InvalidInput


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) >= 2**63:
            raise InvalidInput("integer out of the signed 64-bit range", field=path)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput("object keys must be strings", field=path)
            _check(item, f"{path}.{key}" if path else key)
        return
    raise InvalidInput(f"type {type(value).__name__} has no canonical encoding", field=path)


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Encode ``value`` canonically (sorted keys, no whitespace, ASCII, no floats)."""
    _check(value, "")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
