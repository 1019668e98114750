"""Connection-level limits, applied before a request reaches authentication.

Requirements (``tests/service/test_connections.py`` tries each):

1. A request head (request line plus headers) larger than ``max_header_bytes``, or with
   more than ``max_headers`` header lines, is answered 431 and the connection is closed;
   the server never buffers more than the limit plus one read of a head.
2. A head that is not complete ``header_timeout_s`` after the connection opened (or after
   the first byte of a later request on it) is answered 408 and the connection is closed,
   so a client that connects and says nothing, or trickles a header, holds nothing for
   long.
3. At most ``max_connections_per_client`` connections per client address are open at
   once; a connection over the cap is answered 503 and closed at once.
4. Every such answer is a problem document (``application/problem+json``) and no
   application code runs for the refused request.

Why not in the ASGI application: by the time a scope reaches the application, uvicorn has
already read and parsed the whole head, which is exactly the memory and time an attacker
wants to make the server spend.
"""

from __future__ import annotations

import asyncio
import json
import threading

from commands.service.errors import PROBLEM_JSON, PROBLEM_TYPE_PREFIX
from commands.service.limits import Limits

REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large",
           503: "Service Unavailable"}


def refusal_bytes(status: int, detail: str, problem_type: str) -> bytes:
    """A complete HTTP/1.1 response carrying a problem document, closing the connection."""
    body = json.dumps({"type": PROBLEM_TYPE_PREFIX + problem_type, "title": REASONS[status],
                       "status": status, "detail": detail}).encode()
    head = (f"HTTP/1.1 {status} {REASONS[status]}\r\ncontent-type: {PROBLEM_JSON}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode("latin-1") + body


class ClientCounter:
    """Open connections per client address (thread-safe: REST and the gRPC front run on
    different event loops). ``open`` refuses past the cap; ``close`` is idempotent per
    connection token."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: dict[str, int] = {}
        self._holders: dict[int, str] = {}
        self._lock = threading.Lock()

    def open(self, token: object, address: str) -> bool:
        with self._lock:
            count = self._open.get(address, 0)
            if count >= self.cap:
                return False
            self._open[address] = count + 1
            self._holders[id(token)] = address
            return True

    def close(self, token: object) -> None:
        with self._lock:
            address = self._holders.pop(id(token), None)
            if address is None:
                return
            remaining = self._open[address] - 1
            if remaining:
                self._open[address] = remaining
            else:
                del self._open[address]

    def count(self, address: str) -> int:
        with self._lock:
            return self._open.get(address, 0)


class HeadGuard:
    """The head budget of one HTTP connection: bytes and header lines of the request head
    being read, and the timer that closes a connection whose head does not arrive.

    The owning protocol calls :meth:`begin` when a head starts (connection made, or the
    first byte of a later request), :meth:`received` after feeding bytes that left the head
    incomplete, :meth:`header` per parsed header line and :meth:`complete` once the head is
    parsed. A refusal writes its answer and closes the transport; :attr:`refused` tells the
    protocol to start no application for the request.
    """

    def __init__(self, limits: Limits, transport: asyncio.BaseTransport,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.limits = limits
        self.transport = transport
        self.loop = loop
        self.in_head = False
        self.refused = False
        self._bytes = 0
        self._headers = 0
        self._timer: asyncio.TimerHandle | None = None

    def begin(self) -> None:
        if self.in_head:
            return
        self.in_head = True
        self._bytes = 0
        self._headers = 0
        self._cancel_timer()
        self._timer = self.loop.call_later(self.limits.header_timeout_s, self._timed_out)

    def received(self, count: int) -> None:
        if not self.in_head or self.refused:
            return
        self._bytes += count
        if self._bytes > self.limits.max_header_bytes:
            self.refuse(431, f"the request head is larger than {self.limits.max_header_bytes} "
                             "bytes", "header-too-large")

    def header(self) -> None:
        self._headers += 1
        if self._headers > self.limits.max_headers and not self.refused:
            self.refuse(431, f"the request has more than {self.limits.max_headers} header "
                             "lines", "too-many-headers")

    def complete(self) -> None:
        self.in_head = False
        self._cancel_timer()

    def close(self) -> None:
        self._cancel_timer()

    def refuse(self, status: int, detail: str, problem_type: str) -> None:
        self.refused = True
        self._cancel_timer()
        if not self.transport.is_closing():
            write = getattr(self.transport, "write", None)
            if write is not None:
                write(refusal_bytes(status, detail, problem_type))
            self.transport.close()

    def _timed_out(self) -> None:
        self._timer = None
        if self.in_head and not self.refused:
            self.refuse(408, f"the request head did not arrive within "
                             f"{self.limits.header_timeout_s:g} s", "header-timeout")

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
