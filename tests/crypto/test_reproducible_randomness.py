"""Reproducible randomness for throw-away ledgers: same seed, same bytes; never by accident."""

from __future__ import annotations

import pytest

from ledger.crypto.entropy import ReproducibleStream, random_bytes, reproducible_randomness
from ledger.errors import InvalidInput


def test_a_seed_gives_one_stream_and_another_seed_another() -> None:
    one, again, other = (ReproducibleStream(b"a"), ReproducibleStream(b"a"),
                         ReproducibleStream(b"b"))
    first = one.read(40) + one.read(24)
    assert first == again.read(64)
    assert other.read(64) != first
    assert one.read(64) != first  # the stream moves on: nonces drawn from it do not repeat


def test_random_bytes_follow_the_seed_only_inside_the_block() -> None:
    with reproducible_randomness(b"seed"):
        inside = random_bytes(32)
    with reproducible_randomness(b"seed"):
        assert random_bytes(32) == inside
    assert random_bytes(32) != random_bytes(32)
    assert random_bytes(32) != inside


def test_seeds_do_not_nest_and_must_be_bytes() -> None:
    with reproducible_randomness(b"outer"), pytest.raises(InvalidInput):
        with reproducible_randomness(b"inner"):
            pass
    with pytest.raises(InvalidInput) as refused:
        ReproducibleStream(b"")
    assert refused.value.field == "seed"
