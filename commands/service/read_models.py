"""Access to the read models from the service: a pool, a gate and a lock of their own.

Why apart from the request workers: analysts' SQL may run for its whole timeout, and every
query first waits for the read models to be brought up to date. Run on the request pool,
24 slow queries held every worker and starved every other actor's requests (penetration
test F2). Here:

1. Read-model work (queries, reports, projection status) runs on ``query_workers``
   threads of its own; signing, key and actor requests never wait behind it.
2. At most ``query_workers + max_queued_queries`` such requests are admitted at once
   (more: 503 at once, nothing queued), and at most ``max_queries_per_actor`` per actor
   (more: 429), so one actor cannot take the pool.
3. A request's slot is held until its work has really ended, not merely until its caller
   stopped waiting: a query that timed out still counts until DuckDB's interrupt ends it.
4. Bringing the read models up to date (a writer of the DuckDB file) excludes queries;
   queries share the file with each other. Writers go first, so a stream of queries
   cannot keep the read models stale. Every wait is bounded by the request's deadline.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from commands.reads import ReadModels
from commands.service.errors import RateLimited, RequestTimedOut
from commands.service.limits import Limits
from ledger.errors import InvalidInput, StoreUnavailable
from ledger.stores.base import EventStore
from projections.export import ResultSet
from projections.query import DEFAULT_TIMEOUT, QueryBounds, open_sandbox, run_query
from projections.reports import run_report
from projections.runner import ProjectionRunner, database_path
from projections.threat.report import Finding, scan


class ReadModelLock:
    """Many readers or one writer, writers first; every acquisition has a deadline."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def reading(self, deadline: float) -> Iterator[None]:
        with self._condition:
            while self._writing or self._writers_waiting:
                self._wait(deadline)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextlib.contextmanager
    def writing(self, deadline: float) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._wait(deadline)
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()

    def _wait(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if (remaining <= 0 or not self._condition.wait(remaining)) and (
                deadline - time.monotonic() <= 0):
            raise RequestTimedOut("the read models stayed busy until the request's "
                                  "deadline", hint="retry later, or ask for less")


class QueryGate:
    """Admission of read-model requests: a bounded total and a bound per actor."""

    def __init__(self, *, capacity: int, per_actor: int) -> None:
        self.capacity = capacity
        self.per_actor = per_actor
        self._total = 0
        self._by_actor: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, actor_id: str) -> None:
        """Take a slot for ``actor_id`` or refuse at once (429 per actor, 503 in total)."""
        with self._lock:
            mine = self._by_actor.get(actor_id, 0)
            if mine >= self.per_actor:
                raise RateLimited(f"actor {actor_id} already has {mine} read-model requests "
                                  f"running (limit {self.per_actor})", retry_after=1)
            if self._total >= self.capacity:
                raise StoreUnavailable(f"{self._total} read-model requests are already "
                                       "running or queued", hint="retry in a few seconds")
            self._total += 1
            self._by_actor[actor_id] = mine + 1

    def leave(self, actor_id: str) -> None:
        with self._lock:
            self._total -= 1
            left = self._by_actor.get(actor_id, 1) - 1
            if left > 0:
                self._by_actor[actor_id] = left
            else:
                self._by_actor.pop(actor_id, None)

    def running(self) -> int:
        with self._lock:
            return self._total


class ServiceReadModels(ReadModels):
    """The read models as one request of the service sees them: brought up to date under
    the writer side of the lock, read under the reader side, everything within the
    request's ``deadline``, queries within their own timeout and the service's caps."""

    def __init__(self, store: EventStore, home: Path, lock: ReadModelLock, limits: Limits,
                 deadline: float, on_positions: Callable[[dict[str, int]], None]) -> None:
        self._store = store
        self._database = database_path(home)
        self._lock = lock
        self._limits = limits
        self._deadline = deadline
        self._on_positions = on_positions

    def _catch_up(self, deadline: float) -> dict[str, int]:
        with self._lock.writing(deadline), ProjectionRunner(self._store,
                                                            self._database) as runner:
            runner.update()
            status = runner.status()
        self._on_positions({s.chain_id: s.position for s in status})
        return {s.chain_id: s.head for s in status if s.head >= 0}

    def threats(self, now_us: int) -> list[Finding]:
        """The threat scan (docs/threat-detection.md) on the read models brought up to date,
        read under the reader side of the lock like a report."""
        self._catch_up(self._deadline)
        with self._lock.reading(self._deadline):
            con = open_sandbox(self._database, memory_mb=self._limits.query_memory_mb)
            try:
                return scan(con, now_us)
            finally:
                con.close()

    def report(self, name: str, since: Any, at: Any) -> ResultSet:
        heads = self._catch_up(self._deadline)
        with self._lock.reading(self._deadline):
            con = open_sandbox(self._database, memory_mb=self._limits.query_memory_mb)
            try:
                return run_report(con, name, since=since, at=at, heads=heads)
            finally:
                con.close()

    def query(self, sql: str, timeout: float | None) -> ResultSet:
        """The read models brought up to date, then the SQL within its own timeout (from
        now, and never past the request's deadline), its answer cut at the caps."""
        remaining = max(0.0, self._deadline - time.monotonic())
        limit = min(timeout or DEFAULT_TIMEOUT, self._limits.max_query_timeout_s, remaining)
        own_deadline = time.monotonic() + limit
        try:
            self._catch_up(own_deadline)
            with self._lock.reading(own_deadline):
                bounds = QueryBounds(timeout=max(0.001, own_deadline - time.monotonic()),
                                     memory_mb=self._limits.query_memory_mb,
                                     max_rows=self._limits.max_query_rows,
                                     max_bytes=self._limits.max_query_bytes)
                return run_query(self._database, sql, bounds=bounds)
        except RequestTimedOut:
            if limit >= remaining:
                raise  # the request's own deadline: 504
            raise InvalidInput(f"the query did not finish within its timeout of {limit:g} s "
                               "(it waited for the read models)", field="timeout",
                               hint="retry later, or allow a longer timeout") from None

    def status(self) -> list[dict[str, Any]]:
        with self._lock.writing(self._deadline), ProjectionRunner(
                self._store, self._database) as runner:
            return [s.as_dict() for s in runner.status()]
