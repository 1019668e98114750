"""The read models as the CLI reads them: ``<home>/projections.duckdb``, caught up with the
store first (unless ``--no-update``), then read through the sandbox of
:mod:`projections.query` (read-only, no file or network access)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commands.reads import ReadModels
from ledger.errors import InvalidInput
from ledger.stores.base import EventStore
from projections.export import ResultSet
from projections.query import DEFAULT_TIMEOUT, open_sandbox, run_query
from projections.reports import run_report
from projections.runner import ProjectionRunner, database_path


class CliReadModels(ReadModels):
    """Keeps the last answer (:attr:`last`) for the output formats beyond JSON."""

    def __init__(self, store: EventStore, home: Path, *, no_update: bool = False,
                 wait_for: int | None = None, wait_chain: str | None = None,
                 wait_timeout: float = 30.0) -> None:
        if (wait_for is None) != (wait_chain is None):
            raise InvalidInput("--wait-for and --wait-chain go together", field="wait_for",
                               hint="e.g. --wait-for 57 --wait-chain payments")
        if no_update and wait_for is not None:
            raise InvalidInput("--wait-for needs the read models to update; drop --no-update",
                               field="wait_for")
        self._store = store
        self._database = database_path(home)
        self._no_update = no_update
        self._wait_for = wait_for
        self._wait_chain = wait_chain
        self._wait_timeout = wait_timeout
        self.last: ResultSet | None = None

    def _catch_up(self) -> dict[str, int] | None:
        """The store's chain heads after catching up (None when told not to)."""
        if self._no_update:
            return None
        with ProjectionRunner(self._store, self._database) as runner:
            if self._wait_for is not None and self._wait_chain is not None:
                runner.wait_for(self._wait_chain, self._wait_for, timeout=self._wait_timeout)
            else:
                runner.update()
            return {s.chain_id: s.head for s in runner.status() if s.head >= 0}

    def report(self, name: str, since: Any, at: Any) -> ResultSet:
        heads = self._catch_up()
        con = open_sandbox(self._database)
        try:
            self.last = run_report(con, name, since=since, at=at, heads=heads)
        finally:
            con.close()
        return self.last

    def query(self, sql: str, timeout: float | None) -> ResultSet:
        self._catch_up()
        self.last = run_query(self._database, sql, timeout=timeout or DEFAULT_TIMEOUT)
        return self.last

    def status(self) -> list[dict[str, Any]]:
        with ProjectionRunner(self._store, self._database) as runner:
            return [s.as_dict() for s in runner.status()]
