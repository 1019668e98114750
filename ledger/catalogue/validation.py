"""Checking values against catalogue fields: one implementation for every front end.

Requirements:

1. A command's signed arguments are checked before its handler runs: no unknown name,
   every required one present, each of its kind and within its bounds; the checked view
   holds the defaults of absent optional arguments (the signed bytes are not changed).
2. Inputs (data beside the command) and read parameters are checked the same way.
3. A failure is :class:`~ledger.errors.InvalidInput` naming the field (``items[2].message``
   for nested values) and the reason, in words a user can act on.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ledger.catalogue.model import Field, Kind
from ledger.catalogue.shapes import SHAPES
from ledger.errors import InvalidInput


def check_values(fields: Iterable[Field], values: Mapping[str, Any], *,
                 what: str = "argument") -> dict[str, Any]:
    """The checked values with defaults filled in (see the module doc)."""
    declared = {f.name: f for f in fields}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise InvalidInput(f"unknown {what}{'s' if len(unknown) > 1 else ''} "
                           f"{', '.join(unknown)}; expected some of "
                           f"{', '.join(sorted(declared)) or 'none'}", field=unknown[0])
    checked: dict[str, Any] = {}
    for name, spec in declared.items():
        if name not in values or (values[name] is None and not spec.nullable
                                  and not spec.required):
            if spec.required:
                raise InvalidInput(f"required {what} is missing", field=name)
            if spec.default is not None:
                checked[name] = copy.deepcopy(spec.default)
            continue
        checked[name] = check_value(spec, values[name], name)
    return checked


def check_value(spec: Field, value: Any, path: str) -> Any:
    """One value of ``spec``'s kind and bounds (``path`` names it in errors)."""
    if value is None:
        if spec.nullable:
            return None
        raise InvalidInput("must not be null", field=path)
    kind = spec.kind
    if kind is Kind.TEXT:
        _check_text(spec, value, path)
    elif kind in (Kind.INTEGER, Kind.TIME):
        _check_integer(spec, value, path)
    elif kind is Kind.BOOLEAN:
        if not isinstance(value, bool):
            raise InvalidInput("must be true or false", field=path)
    elif kind is Kind.HEX:
        _check_hex(spec, value, path)
    elif kind is Kind.BYTES:
        _check_bytes(spec, value, path)
    elif kind is Kind.LIST:
        return _check_list(spec, value, path)
    elif kind is Kind.OBJECT:
        return _check_object(spec, value, path)
    if spec.choices and value not in spec.choices:
        shown = ", ".join(str(c) for c in spec.choices)
        raise InvalidInput(f"must be one of {shown}", field=path)
    return value


def _check_text(spec: Field, value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=path)
    if not value and spec.required and not spec.choices:
        raise InvalidInput("required text is empty", field=path)
    if spec.max_length is not None and len(value) > spec.max_length:
        raise InvalidInput(f"longer than {spec.max_length} characters", field=path)


def _check_integer(spec: Field, value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("must be a whole number", field=path)
    low = spec.minimum if spec.minimum is not None else -(2**63)
    high = spec.maximum if spec.maximum is not None else 2**63 - 1
    if not low <= value <= high:
        raise InvalidInput(f"must be a whole number from {low} to {high}", field=path)


LOWER_HEX_DIGITS = re.compile(r"[0-9a-f]*")
"""The one spelling of bytes as text, with an even length (whitespace and upper case refused:
a digest has one form, so the signed command and what it names cannot differ in spelling).
A plain character class: a pattern of digit pairs costs five times as much per character."""


def _check_hex(spec: Field, value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise InvalidInput("must be hexadecimal text", field=path)
    if len(value) % 2 or LOWER_HEX_DIGITS.fullmatch(value) is None:
        raise InvalidInput("not lower-case hexadecimal of whole bytes", field=path)
    size = len(value) // 2
    if spec.size is not None and size != spec.size:
        raise InvalidInput(f"must be {spec.size} bytes", field=path)
    if spec.maximum is not None and size > spec.maximum:
        raise InvalidInput(f"larger than {spec.maximum} bytes", field=path)


def _check_bytes(spec: Field, value: Any, path: str) -> None:
    if not isinstance(value, bytes | bytearray):
        raise InvalidInput("must be bytes", field=path)
    if spec.maximum is not None and len(value) > spec.maximum:
        raise InvalidInput(f"larger than {spec.maximum} bytes", field=path)


def _check_list(spec: Field, value: Any, path: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise InvalidInput("must be a list", field=path)
    low = spec.minimum or 0
    if not low <= len(value) <= (spec.maximum if spec.maximum is not None else 10**6):
        high = spec.maximum if spec.maximum is not None else "any number of"
        raise InvalidInput(f"must hold {low} to {high} items", field=path)
    assert spec.item is not None, spec.name
    if _all_plainly_valid(spec.item, value):
        return list(value)
    return [check_value(spec.item, item, f"{path}[{index}]") for index, item in
            enumerate(value)]


def _all_plainly_valid(item: Field, values: Any) -> bool:
    """One pass over a batch of digests or messages (a SignBatch holds up to a thousand of
    each) instead of a check per item; False sends the caller to the per-item check, which
    names the first bad item."""
    if item.choices or item.nullable:
        return False
    if item.kind is Kind.HEX and item.size is not None:
        width = 2 * item.size
        if not all(type(v) is str and len(v) == width for v in values):
            return False
        return LOWER_HEX_DIGITS.fullmatch("".join(values)) is not None
    if item.kind is Kind.BYTES:
        limit = item.maximum if item.maximum is not None else float("inf")
        return all(isinstance(v, bytes | bytearray) and len(v) <= limit for v in values)
    return False


def _check_object(spec: Field, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput("must be an object", field=path)
    assert spec.shape is not None, spec.name
    fields = SHAPES[spec.shape].fields
    try:
        return check_values(fields, value, what="field")
    except InvalidInput as problem:
        raise InvalidInput(problem.message, field=f"{path}.{problem.field}") from None
