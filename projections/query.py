"""Analysts' ad-hoc SQL, in a sandbox that can read the read models and nothing else.

Requirements (``tests/projections/test_query_sandbox.py`` tries each escape):

1. The database is opened ``read_only``: CREATE, INSERT, UPDATE, DELETE, DROP are refused
   by DuckDB itself.
2. ``enable_external_access = false``: no ATTACH, COPY, EXPORT, INSTALL or LOAD of
   extension files, and no file or network table function (read_csv, read_parquet,
   read_text, glob, http URLs, ...).
3. ``lock_configuration = true``: the SQL cannot switch 2. back on with SET or RESET.
4. Python replacement scans are off, so SQL cannot read Python variables of this process.
5. On top of DuckDB's checks, exactly one statement whose DuckDB statement type is SELECT
   (which includes WITH, VALUES, DESCRIBE, SHOW and SUMMARIZE) is accepted, so refusals
   come with a plain message and a multi-statement string cannot smuggle a second command.
   EXPLAIN is refused: ``EXPLAIN ANALYZE`` executes the statement it explains, whatever
   its kind.
6. A query that runs longer than its timeout is interrupted (DuckDB ``interrupt``), so a
   timed-out query stops using the machine instead of running on unseen.
7. A query's DuckDB instance has one thread, ``memory_mb`` of memory and no temporary
   directory (nothing spills to disk): a query that needs more fails with a clear error.
8. Answers can be cut at ``max_rows`` rows or ``max_bytes`` bytes (Arrow buffer sizes),
   read batch by batch so the cut bounds memory too; the result says it was truncated.
9. The absolute path of the database folder (the ledger home) never leaves: it is
   replaced by ``<home>`` in error messages and in text values of results
   (``duckdb_databases()``, ``current_setting('temp_directory')``, ...).

Every refusal is :class:`~ledger.errors.InvalidInput` with ``field="sql"``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ledger.errors import InvalidInput, NotFound
from projections.export import ResultSet
from projections.runner import connect

SANDBOX_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
    "threads": 1,
    "temp_directory": "",
    "lock_configuration": True,  # last: it freezes every option above
}
DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 512
BATCH_ROWS = 2048
HOME_PLACEHOLDER = "<home>"


def open_sandbox(path: Path, *, memory_mb: int = DEFAULT_MEMORY_MB
                 ) -> duckdb.DuckDBPyConnection:
    """A read-only, no-external-access, configuration-locked connection to ``path``."""
    if not Path(path).exists():
        raise NotFound("no projection database yet", hint="run skms projections update first")
    config = {"memory_limit": f"{int(memory_mb)}MB", **SANDBOX_CONFIG}
    return connect(path, read_only=True, config=config)


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Accept exactly one reading statement; refuse anything else with a clear message."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise InvalidInput(f"the SQL does not parse: {_first_line(exc)}", field="sql") from None
    if len(statements) != 1:
        raise InvalidInput(f"expected one statement, got {len(statements)}", field="sql",
                           hint="run statements one at a time")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise InvalidInput(f"only reading statements (SELECT) are allowed, not "
                           f"{kind.name}", field="sql",
                           hint="the projection database is read-only for queries")


@dataclass(frozen=True, slots=True)
class QueryBounds:
    """What one query may take: seconds, memory, and the size of its answer (None: all)."""

    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    max_rows: int | None = None
    max_bytes: int | None = None


def run_query(path: Path, sql: str, *, timeout: float = DEFAULT_TIMEOUT,
              bounds: QueryBounds | None = None) -> ResultSet:
    """Run one reading statement in the sandbox and fetch its result."""
    bounds = bounds or QueryBounds(timeout=timeout)
    con = open_sandbox(path, memory_mb=bounds.memory_mb)
    home = str(Path(path).resolve().parent)
    try:
        check_statement(con, sql)
        return execute_sandboxed(con, sql, timeout=bounds.timeout, max_rows=bounds.max_rows,
                                 max_bytes=bounds.max_bytes, hide=home)
    finally:
        con.close()


def execute_sandboxed(con: duckdb.DuckDBPyConnection, sql: str, *,
                      timeout: float = DEFAULT_TIMEOUT, max_rows: int | None = None,
                      max_bytes: int | None = None, hide: str | None = None) -> ResultSet:
    """Execute on a sandbox connection; DuckDB's refusals become ``InvalidInput``.

    ``hide``: a path replaced by ``<home>`` in errors and text results."""
    timer = threading.Timer(timeout, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        relation = con.sql(sql)
        if relation is None:  # pragma: no cover - DuckDB 2 always returns a relation
            raise InvalidInput("the statement returns no rows", field="sql")
        result = (ResultSet.fetch(relation) if max_rows is None and max_bytes is None
                  else ResultSet.fetch_bounded(relation, max_rows=max_rows,
                                               max_bytes=max_bytes, batch_rows=BATCH_ROWS))
        return result.replacing(hide, HOME_PLACEHOLDER) if hide else result
    except duckdb.InterruptException:
        raise InvalidInput(f"the query ran longer than {timeout:g} s and was stopped",
                           field="sql", hint="add filters or a LIMIT") from None
    except duckdb.OutOfMemoryException:
        raise InvalidInput("the query needs more memory than a query may use", field="sql",
                           hint="add filters or a LIMIT") from None
    except duckdb.Error as exc:
        raise InvalidInput(f"query refused: {_first_line(exc, hide)}", field="sql") from None
    finally:
        timer.cancel()


def _first_line(exc: BaseException, hide: str | None = None) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line.replace(hide, HOME_PLACEHOLDER) if hide else line
