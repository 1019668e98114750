"""zeroize(): wipes in place, keeps the length, refuses what it cannot wipe."""

from __future__ import annotations

import ctypes

import pytest

from ledger.crypto.memory import zeroize


def test_zeroize_wipes_in_place() -> None:
    buf = bytearray(b"top secret key material")
    alias = buf
    zeroize(buf)
    assert alias is buf
    assert buf == bytearray(len(b"top secret key material"))


def test_zeroize_keeps_the_allocation() -> None:
    """The zeros land where the secret was: the buffer is not moved to a new block."""
    buf = bytearray(b"k" * 64)
    view = (ctypes.c_char * 64).from_buffer(buf)
    address = ctypes.addressof(view)
    del view
    zeroize(buf)
    after = (ctypes.c_char * 64).from_buffer(buf)
    assert ctypes.addressof(after) == address
    assert ctypes.string_at(address, 64) == bytes(64)
    del after


def test_zeroize_empty_and_resizable_afterwards() -> None:
    empty = bytearray()
    zeroize(empty)
    buf = bytearray(b"abc")
    zeroize(buf)
    buf.extend(b"d")  # no buffer export left behind
    assert buf == bytearray(b"\x00\x00\x00d")


@pytest.mark.parametrize("value", [b"bytes", "str", memoryview(b"x")])
def test_zeroize_refuses_immutable(value: object) -> None:
    with pytest.raises(TypeError):
        zeroize(value)  # type: ignore[arg-type]
