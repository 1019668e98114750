"""Analysts' ad-hoc SQL, in a sandbox that can read the read models and nothing else.

Requirements (``tests/projections/test_query_sandbox.py`` tries each escape):

1. The database is opened ``read_only``: CREATE, INSERT, UPDATE, DELETE, DROP are refused
   by DuckDB itself.
2. ``enable_external_access = false``: no ATTACH, COPY, EXPORT, INSTALL or LOAD of
   extension files, and no file or network table function (read_csv, read_parquet,
   read_text, glob, http URLs, ...).
3. ``lock_configuration = true``: the SQL cannot switch 2. back on with SET or RESET.
4. Python replacement scans are off, so SQL cannot read Python variables of this process.
5. On top of DuckDB's checks, only one statement of a reading kind (SELECT, including
   DESCRIBE/SHOW/SUMMARIZE, and EXPLAIN) is accepted, so refusals come with a plain
   message and a multi-statement string cannot smuggle a second command.
6. A query that runs longer than its timeout is interrupted.

Every refusal is :class:`~ledger.errors.InvalidInput` with ``field="sql"``.
"""

from __future__ import annotations

import threading
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
    "lock_configuration": True,  # last: it freezes every option above
}
_READING = (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN)
DEFAULT_TIMEOUT = 60.0


def open_sandbox(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only, no-external-access, configuration-locked connection to ``path``."""
    if not Path(path).exists():
        raise NotFound(f"no projection database at {path}",
                       hint="run skms projections update first")
    return connect(path, read_only=True, config=dict(SANDBOX_CONFIG))


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
    if kind not in _READING:
        raise InvalidInput(f"only reading statements (SELECT) are allowed, not "
                           f"{kind.name}", field="sql",
                           hint="the projection database is read-only for queries")


def run_query(path: Path, sql: str, *, timeout: float = DEFAULT_TIMEOUT) -> ResultSet:
    """Run one reading statement in the sandbox and fetch its result."""
    con = open_sandbox(path)
    try:
        check_statement(con, sql)
        return execute_sandboxed(con, sql, timeout=timeout)
    finally:
        con.close()


def execute_sandboxed(con: duckdb.DuckDBPyConnection, sql: str, *,
                      timeout: float = DEFAULT_TIMEOUT) -> ResultSet:
    """Execute on a sandbox connection; DuckDB's refusals become ``InvalidInput``."""
    timer = threading.Timer(timeout, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        return ResultSet.fetch(con.sql(sql))
    except duckdb.InterruptException:
        raise InvalidInput(f"the query ran longer than {timeout:g} s and was stopped",
                           field="sql", hint="add filters or a LIMIT") from None
    except duckdb.Error as exc:
        raise InvalidInput(f"query refused: {_first_line(exc)}", field="sql") from None
    finally:
        timer.cancel()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
