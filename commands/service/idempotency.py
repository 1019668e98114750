"""Idempotency: the first response to a command id, kept for a retry of the same command.

The command id is the idempotency key. The first response to a command id is kept
(bounded LRU) and returned again for a retry of the same signed command, also while the
first is still running (the retry waits for it). Past the cache, the ledger still refuses
to run a command twice and answers with the first outcome's seqs (``replayed: true``,
``result: null``).

Bounded twice, in entries and in bytes. Why bytes too: a response's size varies by three
orders of magnitude (a single signature against a batch of 256), so 10,000 entries were
~13 MiB of single signs but ~450 MiB of full batches, and a server under batch load grew
towards that and looked like a leak (docs/assurance.md, "Soak"). Responses are kept as
their compact JSON, whose length is what an entry is charged (with the command's bytes and
a fixed overhead per entry).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any

from ledger.command import SignedCommand


class Idempotency:
    """First responses per command id (bounded), and commands still running.

    Only the identical signed command (the same canonical bytes *and* the same signature)
    is answered from here. A command with the same bytes and another signature goes to the
    ledger, which checks that signature before it says the command already ran (and
    records a forged one), so a copied command with a made-up signature learns nothing.
    """

    ENTRY_OVERHEAD = 256
    """Bytes charged per entry beyond its data (the dict slot, the tuple, object headers)."""

    def __init__(self, capacity: int, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.bytes = 0
        self._done: OrderedDict[str, tuple[bytes, bytes, bytes]] = OrderedDict()
        self._running: dict[str, tuple[SignedCommand, Future[dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def begin(self, signed: SignedCommand) -> tuple[dict[str, Any] | None,
                                                    Future[dict[str, Any]] | None]:
        """``(cached, running)``: a finished first response, or a running first call to wait
        for; both ``None`` when this call must run the command (it then owns the id unless
        another signature of the same command owns it)."""
        command_id = signed.command.command_id
        with self._lock:
            done = self._done.get(command_id)
            if done is not None and _same_signed(done[0], done[1], signed):
                self._done.move_to_end(command_id)
                cached: dict[str, Any] = json.loads(done[2])
                return cached, None
            running = self._running.get(command_id)
            if running is not None:
                first = running[0]
                if _same_signed(first.canonical_bytes, first.signature, signed):
                    return None, running[1]
                return None, None  # another signature: the ledger decides, we keep no entry
            if done is None:
                self._running[command_id] = (signed, Future())
            return None, None

    def finish(self, signed: SignedCommand, response: dict[str, Any] | None,
               error: BaseException | None) -> None:
        command_id = signed.command.command_id
        encoded = (None if response is None
                   else json.dumps(response, separators=(",", ":")).encode())
        with self._lock:
            entry = self._running.get(command_id)
            if entry is None or entry[0] is not signed:
                return  # not the first call of this id
            del self._running[command_id]
            if encoded is not None:
                self._keep(command_id, signed, encoded)
        if error is not None:
            entry[1].set_exception(error)
        else:
            entry[1].set_result(response or {})

    def _keep(self, command_id: str, signed: SignedCommand, encoded: bytes) -> None:
        """Keep a first response (under the lock), evicting the least recently used entries
        while over either bound (a response larger than the byte bound alone is not kept)."""
        cost = _cost(signed.canonical_bytes, signed.signature, encoded)
        if cost > self.max_bytes:
            return
        self._done[command_id] = (signed.canonical_bytes, signed.signature, encoded)
        self.bytes += cost
        while len(self._done) > self.capacity or self.bytes > self.max_bytes:
            _, evicted = self._done.popitem(last=False)
            self.bytes -= _cost(*evicted)

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)


def _cost(canonical: bytes, signature: bytes, encoded: bytes) -> int:
    return len(canonical) + len(signature) + len(encoded) + Idempotency.ENTRY_OVERHEAD


def _same_signed(canonical: bytes, signature: bytes, signed: SignedCommand) -> bool:
    return canonical == signed.canonical_bytes and signature == signed.signature
