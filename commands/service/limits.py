"""Limits: per-actor token buckets, body size, request timeout and batch bounds.

Why per actor (not per address): every request is authenticated as an actor, and an actor
is what the ledger holds accountable; addresses on a loopback service say nothing. A
request is charged after authentication, so unauthenticated floods are bounded only by the
cheap signature checks and the body limit (documented in ``docs/api.md``).

Every limit is configurable (``skms serve --rate``, ``--burst``, ``--max-body``, …) and
tested in ``tests/service/test_limits.py``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from commands.service.errors import RateLimited
from ledger.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Limits:
    """Service limits. ``rate`` is requests per second per actor, ``burst`` the bucket size.

    Connections (``commands/service/connections.py``): a request head (request line and
    headers) of at most ``max_header_bytes`` and ``max_headers`` lines, complete within
    ``header_timeout_s`` of the connection or of its first byte; idle keep-alive connections
    close after ``keep_alive_s``; at most ``max_connections_per_client`` open connections
    per client address. Queries (``POST /v1/query``): ``query_workers`` threads of their
    own, at most ``max_queued_queries`` waiting, ``max_queries_per_actor`` at a time per
    actor, answers cut at ``max_query_rows`` rows or ``max_query_bytes`` bytes, DuckDB held
    to ``query_memory_mb``. Refusals: at most ``refusals_per_window`` recorded one by one
    per actor and ``refusal_window_s``; the rest are counted into one event per window.
    """

    rate: float = 50.0
    burst: int = 100
    max_body_bytes: int = 1_048_576
    request_timeout_s: float = 30.0
    max_batch: int = 256
    feed_queue: int = 256
    feed_stall_s: float = 5.0
    max_query_timeout_s: float = 30.0
    max_header_bytes: int = 32_768
    max_headers: int = 100
    header_timeout_s: float = 10.0
    keep_alive_s: float = 5.0
    max_connections_per_client: int = 512
    query_workers: int = 2
    max_queued_queries: int = 8
    max_queries_per_actor: int = 2
    max_query_rows: int = 10_000
    max_query_bytes: int = 8_388_608
    query_memory_mb: int = 256
    refusals_per_window: int = 20
    refusal_window_s: float = 60.0


class TokenBucket:
    """A classic token bucket; ``clock`` is a parameter so tests need no sleeping."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> float:
        """Take one token; return 0 on success, else the seconds until one is available."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate if self.rate > 0 else math.inf


class RateLimiter:
    """One bucket per actor, bounded in number (least recently used buckets are dropped)."""

    MAX_BUCKETS = 10_000

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, actor_id: str) -> None:
        """Charge one request to ``actor_id``; raise :class:`RateLimited` when over."""
        if self.limits.rate <= 0:
            return
        with self._lock:
            bucket = self._buckets.get(actor_id)
            if bucket is None:
                bucket = TokenBucket(self.limits.rate, self.limits.burst, self._clock)
                self._buckets[actor_id] = bucket
                if len(self._buckets) > self.MAX_BUCKETS:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(actor_id)
            wait = bucket.take()
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise RateLimited(f"actor {actor_id} exceeded {self.limits.rate:g} requests/s "
                              f"(burst {self.limits.burst})", retry_after=retry_after)


def check_batch(count: int, limits: Limits, field: str) -> None:
    """Batches are bounded below the handlers' own maximum, per service configuration."""
    if not 1 <= count <= limits.max_batch:
        raise InvalidInput(f"must hold 1 to {limits.max_batch} items", field=field,
                           hint="split the batch")
