"""The one way tests reach SKMS's own vectors in ``tests/vectors/``.

Own vectors are written by ``tools/gen_vectors.py`` (see ``docs/vectors.md``) and committed
beside the tests; official ones stay in ``../shared/vectors`` and go through
:mod:`tests.vectors`. Each file is one case; :func:`load_own_vectors` walks a file or a
folder and hands every case to a small, format-specific parser, so a test module
parametrizes over the result and a failing case shows up by its file name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ledger.stores.base import StoredCheckpoint, StoredEnvelope

T = TypeVar("T")

OWN_VECTORS = Path(__file__).resolve().parent / "vectors"


@dataclass(frozen=True)
class OwnVector:
    """One vector file: its path below ``tests/vectors`` (the test id) and its JSON."""

    path: str
    data: dict[str, Any]


def load_own_vectors(relative: str, parser: Callable[[OwnVector], T]) -> list[T]:
    """Every JSON file at ``relative`` (one file, or a folder walked recursively, in sorted
    order), each parsed by ``parser``. A missing or empty location fails the test run:
    these vectors are part of the repository, so their absence is a broken checkout."""
    location = OWN_VECTORS / relative
    files = [location] if location.is_file() else sorted(location.rglob("*.json"))
    if not files:
        pytest.fail(f"no own vectors at {location} (run python tools/gen_vectors.py)")
    return [parser(OwnVector(p.relative_to(OWN_VECTORS).as_posix(),
                             json.loads(p.read_text(encoding="utf-8")))) for p in files]


def load_own_json(relative: str) -> dict[str, Any]:
    """One own vector file's JSON."""
    return load_own_vectors(relative, lambda vector: vector.data)[0]


def as_is(vector: OwnVector) -> OwnVector:
    """The parser for formats a test reads field by field."""
    return vector


def stored_envelope(data: Mapping[str, Any]) -> StoredEnvelope:
    """A stored envelope as written by the generator (bytes columns in hex)."""
    return StoredEnvelope(
        chain_id=data["chain_id"], seq=data["seq"], event_hash=bytes.fromhex(data["event_hash"]),
        body=bytes.fromhex(data["body"]), event_type=data["event_type"],
        aggregate_id=data["aggregate_id"], aggregate_version=data["aggregate_version"],
        command_id=data["command_id"])


def stored_checkpoint(data: Mapping[str, Any]) -> StoredCheckpoint:
    return StoredCheckpoint(chain_id=data["chain_id"], size=data["size"], note=data["note"])


def hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def assert_error(error: BaseException, want: Mapping[str, Any]) -> None:
    """``error`` is exactly the class ``want["error"]`` names, and every other key of
    ``want`` (``chain``, ``seq``, ``check``, ``field``, ``reason_code``) equals the
    attribute of that name."""
    assert type(error).__name__ == want["error"], f"{type(error).__name__}: {error}"
    for name, value in want.items():
        if name not in {"error", "step"}:
            assert getattr(error, name) == value, f"{name}: {getattr(error, name)!r} ({error})"
