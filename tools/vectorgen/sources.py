"""Fixed time, ids, nonces and entropy, so the generator writes the same bytes every run.

Requirements:

1. Nothing the vectors contain comes from the OS clock or the OS random generator: a run
   today and a run next year, on any machine, with any ``PYTHONHASHSEED``, write equal files.
2. Each source is its own labelled SHAKE-256 stream (``seed || label || counter``), so a
   product change that draws one more id does not shift the key material, and the other
   way round.
3. Where the product takes time or randomness as a parameter, the generator passes it: the
   ledger's ``clock=`` (which is also the ``at=`` of every aggregate event since the
   catalogue refactor, so event times need no substitution any more) and explicit command
   ids and nonces. Where it does not yet -- the ids and nonces of the ledger's own system
   commands (``Command``'s defaults), aggregate ids (``Ledger.new_id``) and key material,
   data keys and AEAD nonces (``KeyMaterial``, ``seal_private_key`` and ``aead.seal`` draw
   from ``entropy.random_bytes`` with no ``rng=``) -- :func:`deterministic` substitutes the
   source for the duration of one build and restores it afterwards. Those substitutions
   are listed here, and only here, so that each one can be deleted once the product takes
   the parameter.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from collections.abc import Iterator
from unittest import mock

from vectorgen.product import entropy


class SeededStream:
    """Deterministic bytes: block ``i`` is ``SHAKE-256(seed || label || i)``, one per call."""

    def __init__(self, seed: bytes, label: str) -> None:
        self._prefix = seed + b"\x00" + label.encode("ascii") + b"\x00"
        self._counter = 0

    def read(self, n: int) -> bytes:
        block = hashlib.shake_256(self._prefix + self._counter.to_bytes(8, "big")).digest(n)
        self._counter += 1
        return block

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(bytes=self.read(16), version=4)


class FixedClock:
    """The ledger's clock: stands still until the generator moves it (microseconds)."""

    def __init__(self, start_micros: int) -> None:
        self.now = start_micros

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> int:
        self.now += seconds * 1_000_000
        return self.now


def fixed_secret(seed: bytes, label: str, size: int = 32) -> bytearray:
    """A named fixed secret (a signing seed, the KEK); a bytearray so callers can wipe it."""
    return bytearray(SeededStream(seed, "secret/" + label).read(size))


@contextlib.contextmanager
def deterministic(seed: bytes) -> Iterator[None]:
    """Replace the product's hidden sources of ids, nonces and entropy (see requirement 3).

    ``uuid.uuid4`` and ``secrets.token_hex`` are looked up at call time by the product, so
    patching the module attributes reaches every caller. ``entropy.random_bytes`` reads its
    source from its keyword default, which every importer shares (one function object).
    The health monitor's start-up test reads 1024 bytes once per process; it is run first
    on a throw-away stream, so whether it already ran cannot shift the real stream.
    """
    ids = SeededStream(seed, "uuid4")
    nonces = SeededStream(seed, "nonce")
    material = SeededStream(seed, "entropy")
    entropy.random_bytes(0, source=SeededStream(seed, "entropy-start-up").read)
    defaults = entropy.random_bytes.__kwdefaults__
    assert defaults is not None and "source" in defaults, "entropy.random_bytes changed shape"

    def token_hex(nbytes: int | None = None) -> str:
        return nonces.read(32 if nbytes is None else nbytes).hex()

    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(uuid, "uuid4", ids.uuid4))
        stack.enter_context(mock.patch.object(secrets, "token_hex", token_hex))
        stack.enter_context(mock.patch.dict(defaults, {"source": material.read}))
        yield
