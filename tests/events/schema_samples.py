"""Sample values and Hypothesis strategies generated from Avro schemas.

Tests build records from the schemas rather than by hand, so a new event type or field is
covered the moment its ``.avsc`` file exists, and no test needs editing to notice it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
_COMPLEX = ("record", "array", "enum", "fixed", "map")


def resolve(schema: Any, named: Mapping[str, Any]) -> Any:
    """Follow named references and ``{"type": <primitive>}`` wrappers to a concrete schema."""
    while True:
        if isinstance(schema, str) and schema in named:
            schema = named[schema]
        elif isinstance(schema, dict) and schema["type"] not in _COMPLEX:
            schema = schema["type"]
        else:
            return schema


def type_name(schema: Any, named: Mapping[str, Any]) -> str:
    schema = resolve(schema, named)
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    return str(schema["type"])


def sample_value(schema: Any, named: Mapping[str, Any], *, seed: int = 1,
                 optional_null: bool = False) -> Any:
    """A deterministic valid value; ``seed`` varies it, ``optional_null`` picks null branches."""
    schema = resolve(schema, named)
    if isinstance(schema, list):
        if optional_null and "null" in schema:
            return None
        branch = next(b for b in schema if b != "null")
        return sample_value(branch, named, seed=seed, optional_null=optional_null)
    if isinstance(schema, str):
        return {
            "null": None,
            "boolean": seed % 2 == 1,
            "int": 1000 + seed,
            "long": 1_732_000_000_000_000 + seed,
            "float": 0.5,
            "double": 0.25,
            "bytes": bytes(range(seed % 7, seed % 7 + 32)),
            "string": f"sample-{seed}",
        }[schema]
    kind = schema["type"]
    if kind == "record":
        return {field["name"]: sample_value(field["type"], named, seed=seed + index,
                                            optional_null=optional_null)
                for index, field in enumerate(schema["fields"])}
    if kind == "array":
        return [sample_value(schema["items"], named, seed=seed + i,
                             optional_null=optional_null) for i in range(2)]
    if kind == "enum":
        return schema["symbols"][seed % len(schema["symbols"])]
    if kind == "fixed":
        return bytes(schema["size"])
    raise AssertionError(f"no sample for schema type {kind!r}")


def wrong_value(schema: Any, named: Mapping[str, Any]) -> Any:
    """A value of the wrong Python type for ``schema`` (for its non-null branch)."""
    schema = resolve(schema, named)
    if isinstance(schema, list):
        schema = resolve(next(b for b in schema if b != "null"), named)
    kind = schema if isinstance(schema, str) else schema["type"]
    return {
        "boolean": 1,
        "int": True,
        "long": "12",
        "bytes": "not bytes",
        "string": b"not a str",
        "array": "not a list",
        "record": 7,
        "enum": 3,
        "fixed": "x",
    }[kind]


def strategy(schema: Any, named: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """A Hypothesis strategy producing every kind of valid value for ``schema``."""
    schema = resolve(schema, named)
    if isinstance(schema, list):
        return st.one_of([strategy(branch, named) for branch in schema])
    if isinstance(schema, str):
        return {
            "null": st.none(),
            "boolean": st.booleans(),
            "int": st.integers(INT_MIN, INT_MAX),
            "long": st.integers(LONG_MIN, LONG_MAX),
            "float": st.floats(width=32, allow_nan=False),
            "double": st.floats(allow_nan=False),
            "bytes": st.binary(max_size=80),
            "string": st.text(max_size=40),
        }[schema]
    kind = schema["type"]
    if kind == "record":
        return st.fixed_dictionaries({field["name"]: strategy(field["type"], named)
                                      for field in schema["fields"]})
    if kind == "array":
        return st.lists(strategy(schema["items"], named), max_size=4)
    if kind == "enum":
        return st.sampled_from(schema["symbols"])
    if kind == "fixed":
        return st.binary(min_size=schema["size"], max_size=schema["size"])
    raise AssertionError(f"no strategy for schema type {kind!r}")
