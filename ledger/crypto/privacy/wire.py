"""Byte-level helpers shared by the privacy formats: length prefixes and a strict reader.

Why one module: every proof, signature and ciphertext here is parsed from bytes an attacker
may choose, and every parser must fail the same way, with :class:`~ledger.errors.InvalidInput`
naming the field and the reason, never with an ``IndexError`` or ``struct.error``. The
:class:`Reader` makes that the only way to consume input.

Length prefixes are 4-byte big-endian, as RFC 8235 section 3.3 recommends for the items of a
Fiat-Shamir hash input, so two different tuples of items can never hash the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger.errors import InvalidInput

__all__ = [
    "MAX_RETRIES",
    "Reader",
    "Rng",
    "length_prefixed",
    "require_bytes",
    "require_text",
    "unhex",
]

Rng = Callable[[int], bytes | bytearray]
"""A source of random bytes (``ledger.crypto.entropy.random_bytes`` by default)."""

MAX_RETRIES = 64
"""Bound on every "draw again" loop. Each draw is refused with probability at most 1/2
(rejection sampling below an RSA or Paillier modulus; about 2**-128 or less for scalars),
so an honest source reaches the bound with probability at most 2**-64: reaching it means
the random source is broken."""


def length_prefixed(*items: bytes) -> bytes:
    """``len(item) (4 bytes, big-endian) || item`` for every item, concatenated."""
    return b"".join(len(item).to_bytes(4, "big") + item for item in items)


def require_bytes(value: object, field: str) -> bytes:
    """``value`` as immutable bytes; anything that is not bytes-like is bad input."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InvalidInput(f"{field} must be bytes", field=field)
    return bytes(value)


def unhex(value: object, field: str) -> bytes:
    """Bytes from a hex string (the JSON form of every binary field here)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a hex string", field=field)
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise InvalidInput(f"{field} is not valid hex", field=field) from None


def require_text(value: object, field: str, *, max_length: int = 1024) -> str:
    """A non-empty ``str`` of at most ``max_length`` UTF-8 bytes."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field} must be a non-empty string", field=field)
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} is not valid Unicode text", field=field) from None
    if size > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} bytes", field=field)
    return value


class Reader:
    """Consumes a byte string front to back; every shortfall is :class:`InvalidInput`."""

    def __init__(self, data: object, field: str) -> None:
        self._data = require_bytes(data, field)
        self._offset = 0
        self._field = field

    def take(self, size: int, what: str) -> bytes:
        end = self._offset + size
        if end > len(self._data):
            raise InvalidInput(f"{self._field} is truncated (in {what})", field=self._field)
        chunk = self._data[self._offset:end]
        self._offset = end
        return chunk

    def uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def finish(self) -> None:
        """Refuse trailing bytes: one value has exactly one encoding."""
        if self._offset != len(self._data):
            raise InvalidInput(
                f"{self._field} has {len(self._data) - self._offset} trailing bytes",
                field=self._field,
            )
