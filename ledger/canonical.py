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


def _plain(value: Any) -> bool:
    """True only for values :func:`_check` accepts, told by exact types alone.

    The common case (every value a command carries) costs a fraction of :func:`_check`,
    which builds a field path for every item and asks the ``Mapping`` ABC; anything
    else (subclasses, floats, out-of-range integers) returns False and gets the full
    check with its precise error, so the two together accept exactly what ``_check`` does.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(abs(value) < 2**63)
    if kind is dict:
        for key, item in value.items():  # a loop: all() over a generator costs twice this
            if type(key) is not str or not _plain(item):
                break
        else:
            return True
        return False
    if kind is list or kind is tuple:
        return all(_plain(item) for item in value)
    return False


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
"""Built once: ``json.dumps`` with these options constructs an encoder on every call."""


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Encode ``value`` canonically (sorted keys, no whitespace, ASCII, no floats)."""
    if not _plain(value):
        _check(value, "")
    return _ENCODER.encode(value).encode()
