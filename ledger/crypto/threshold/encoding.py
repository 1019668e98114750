"""Strict parsing of the JSON-friendly dicts the threshold messages travel as.

Why strict: round messages come from other parties (other ledgers, files carried by hand),
so every ``from_dict`` must refuse anything but the exact shape: the expected keys and no
others, the right ``type`` tag and version, lower-case hex of the exact length, whole
numbers in range, and points that decode in the suite's group. Each refusal is
:class:`InvalidInput` naming the offending field (``where.key``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from ledger.errors import InvalidInput

__all__ = ["FORMAT_VERSION", "check_shape", "parse_hex", "parse_int", "parse_int_list"]

FORMAT_VERSION = 1
_HEX = frozenset("0123456789abcdef")


def check_shape(data: object, kind: str, keys: frozenset[str]) -> Mapping[str, Any]:
    """``data`` is a dict with exactly ``keys`` plus ``type == kind`` and ``version == 1``."""
    if not isinstance(data, Mapping):
        raise InvalidInput(f"a {kind} must be a JSON object", field=kind)
    expected = keys | {"type", "version"}
    present = set(data)
    if present != expected:
        missing, extra = sorted(expected - present), sorted(present - expected)
        detail = "; ".join(part for part in (
            f"missing {', '.join(missing)}" if missing else "",
            f"unexpected {', '.join(map(str, extra))}" if extra else "") if part)
        raise InvalidInput(f"malformed {kind}: {detail}", field=kind)
    if data["type"] != kind:
        raise InvalidInput(f"expected a {kind}, got {data['type']!r}", field=f"{kind}.type")
    if data["version"] != FORMAT_VERSION or isinstance(data["version"], bool):
        raise InvalidInput(f"unsupported {kind} version", field=f"{kind}.version")
    return data


def parse_hex(value: object, field: str, size: int | None = None) -> bytes:
    """Lower-case hex, of ``size`` bytes when given."""
    if not isinstance(value, str) or len(value) % 2 or not set(value) <= _HEX:
        raise InvalidInput("must be lower-case hex", field=field)
    data = bytes.fromhex(value)
    if size is not None and len(data) != size:
        raise InvalidInput(f"must be {size} bytes", field=field)
    return data


def parse_int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"must be a whole number in {low}..{high}", field=field)
    return value


def parse_int_list(value: object, field: str, low: int, high: int) -> list[int]:
    """A strictly increasing list of whole numbers (so no duplicates, one canonical order)."""
    if not isinstance(value, list):
        raise InvalidInput("must be a list", field=field)
    numbers = [parse_int(item, field, low, high) for item in value]
    if any(a >= b for a, b in itertools.pairwise(numbers)):
        raise InvalidInput("must be strictly increasing (sorted, no duplicates)", field=field)
    return numbers
