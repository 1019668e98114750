"""``skms query``'s sandbox: every way out of the read models is tried and must be refused.

Each escape is tried twice: through :func:`run_query` (statement check plus DuckDB), and
straight on the sandbox connection, so DuckDB's own configuration is shown to hold even
if the statement check had a gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from ledger.errors import InvalidInput
from projections.query import (
    QueryBounds,
    check_statement,
    execute_sandboxed,
    open_sandbox,
    run_query,
)
from projections.runner import ProjectionRunner
from tests.projections.conftest import Ledger, table_counts


@pytest.fixture(scope="module")
def database(demo_ledger: Ledger, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox") / "p.duckdb"
    with ProjectionRunner(demo_ledger.memory_store(), path) as runner:
        runner.update()
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A readable file and a writable folder outside the database."""
    (tmp_path / "outside.csv").write_text("a,b\n1,2\n")
    yield tmp_path


def escapes(folder: Path) -> dict[str, str]:
    csv = folder / "outside.csv"
    return {
        "create": "CREATE TABLE stolen AS SELECT * FROM keys",
        "insert": "INSERT INTO keys (key_id) VALUES ('forged')",
        "update": "UPDATE keys SET state = 'active'",
        "delete": "DELETE FROM signatures",
        "drop": "DROP TABLE command_rejections",
        "alter": "ALTER TABLE keys ADD COLUMN note VARCHAR",
        "attach-file": f"ATTACH '{folder / 'other.duckdb'}' AS other",
        "attach-memory": "ATTACH ':memory:' AS scratch",
        "copy-to": f"COPY keys TO '{folder / 'keys.csv'}'",
        "copy-from": f"COPY keys FROM '{csv}'",
        "export": f"EXPORT DATABASE '{folder / 'dump'}'",
        "install": "INSTALL httpfs",
        "load": "LOAD httpfs",
        "read_csv": f"SELECT * FROM read_csv('{csv}')",
        "read_csv_auto": f"SELECT * FROM read_csv_auto('{csv}')",
        "read_parquet": f"SELECT * FROM read_parquet('{folder / 'x.parquet'}')",
        "read_json": f"SELECT * FROM read_json('{csv}')",
        "read_text": "SELECT * FROM read_text('/etc/passwd')",
        "read_blob": "SELECT * FROM read_blob('/etc/passwd')",
        "glob": "SELECT * FROM glob('/etc/*')",
        "file-as-table": f"SELECT * FROM '{csv}'",
        "sniff_csv": f"SELECT * FROM sniff_csv('{csv}')",
        "http": "SELECT * FROM read_csv('https://example.com/data.csv')",
        "set-access": "SET enable_external_access = true",
        "reset-access": "RESET enable_external_access",
        "unlock": "SET lock_configuration = false",
        "two-statements": "SELECT 1; DROP TABLE keys",
        "secret": "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')",
    }


ESCAPE_NAMES = sorted(escapes(Path("/tmp")))


@pytest.mark.parametrize("name", ESCAPE_NAMES)
def test_escape_is_refused(database: Path, outside: Path, name: str) -> None:
    before = table_counts(database)
    with pytest.raises(InvalidInput) as caught:
        run_query(database, escapes(outside)[name])
    assert caught.value.field == "sql"
    assert table_counts(database) == before
    assert sorted(p.name for p in outside.iterdir()) == ["outside.csv"]


@pytest.mark.parametrize("name", [n for n in ESCAPE_NAMES if n != "two-statements"])
def test_duckdb_itself_refuses_without_the_statement_check(database: Path, outside: Path,
                                                           name: str) -> None:
    con = open_sandbox(database)
    try:
        with pytest.raises(InvalidInput) as caught:
            execute_sandboxed(con, escapes(outside)[name])
        assert caught.value.field == "sql"
        assert "query refused" in caught.value.message
    finally:
        con.close()
    assert sorted(p.name for p in outside.iterdir()) == ["outside.csv"]


def test_python_objects_are_out_of_reach(database: Path) -> None:
    """DuckDB would otherwise read any Arrow table in the caller's frame by its name."""
    in_memory_secret = pa.table({"secret": ["python memory"]})
    plain = duckdb.connect()
    try:
        assert plain.sql("SELECT * FROM in_memory_secret").fetchall() == [("python memory",)]
    finally:
        plain.close()
    con = open_sandbox(database)
    try:
        with pytest.raises(duckdb.Error):
            con.sql("SELECT * FROM in_memory_secret").fetchall()
    finally:
        con.close()
    assert in_memory_secret.num_rows == 1


def test_reading_is_allowed(database: Path) -> None:
    result = run_query(database, "SELECT count(*) AS n FROM signatures")
    assert result.rows == [(38,)]
    shown = run_query(database, "SHOW TABLES")
    assert "keys" in shown.column("name")
    described = run_query(database, "DESCRIBE keys")
    assert "key_id" in described.column("column_name")
    assert run_query(database, "WITH n AS (SELECT 2 AS v) SELECT v FROM n").rows == [(2,)]


@pytest.mark.parametrize("sql", [
    "EXPLAIN SELECT 1",
    "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1",
    "EXPLAIN ANALYZE SET VARIABLE x = 1",
    "EXPLAIN ANALYZE LOAD json",
    "EXPLAIN ANALYZE CHECKPOINT",
    "PRAGMA version", "CALL pragma_version()", "SET threads = 4",
])
def test_only_plain_selects_run(database: Path, sql: str) -> None:
    """Penetration test F8: EXPLAIN ANALYZE executes the statement it explains."""
    with pytest.raises(InvalidInput, match="only reading statements") as refused:
        run_query(database, sql)
    assert refused.value.field == "sql"


def test_the_home_path_never_leaves(database: Path) -> None:
    """Penetration test F8: duckdb_databases() and settings name the database's folder."""
    home = str(database.resolve().parent)
    for sql in ("SELECT path FROM duckdb_databases() WHERE path IS NOT NULL",
                "SELECT current_setting('temp_directory') AS t"):
        result = run_query(database, sql)
        assert not any(home in str(value) for row in result.rows for value in row), sql
    result = run_query(database, "SELECT path FROM duckdb_databases() WHERE path IS NOT NULL")
    assert result.rows and all("<home>" in str(row[0]) for row in result.rows)
    with pytest.raises(InvalidInput) as refused:
        run_query(database, "SELECT * FROM no_such_table")
    assert home not in refused.value.message


def test_answers_are_cut_at_the_bounds(database: Path) -> None:
    """Penetration test F3: rows and bytes are capped while reading, and say so."""
    sql = "SELECT range AS i, 'xxxxxxxxxxxxxxxx' AS s FROM range(3000000)"
    cut = run_query(database, sql, bounds=QueryBounds(max_rows=5000))
    assert len(cut) == 5000 and cut.truncated
    small = run_query(database, sql, bounds=QueryBounds(max_bytes=100_000))
    assert 0 < len(small) < 5000 and small.truncated
    assert small.arrow.nbytes <= 100_000
    whole = run_query(database, "SELECT * FROM range(10)", bounds=QueryBounds(max_rows=10))
    assert len(whole) == 10 and not whole.truncated


def test_memory_is_bounded(database: Path) -> None:
    """Penetration test F2: an unbounded recursive CTE stops at the memory limit (or its
    timeout), with a clear refusal."""
    with pytest.raises(InvalidInput) as refused:
        run_query(database, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) "
                            "SELECT count(*) FROM r",
                  bounds=QueryBounds(timeout=20, memory_mb=64))
    assert refused.value.field == "sql"
    assert "memory" in refused.value.message or "longer than" in refused.value.message


def test_the_sandbox_configuration_is_in_force(database: Path) -> None:
    result = run_query(database, "SELECT current_setting('enable_external_access'), "
                                 "current_setting('lock_configuration'), "
                                 "current_setting('access_mode')")
    assert result.rows == [(False, True, "read_only")]


def test_statement_check_messages(database: Path) -> None:
    con = open_sandbox(database)
    try:
        with pytest.raises(InvalidInput, match="only reading statements"):
            check_statement(con, "DELETE FROM keys")
        with pytest.raises(InvalidInput, match="expected one statement, got 2"):
            check_statement(con, "SELECT 1; SELECT 2")
        with pytest.raises(InvalidInput, match="does not parse"):
            check_statement(con, "SELEKT everything")
    finally:
        con.close()


def test_long_query_is_interrupted(database: Path) -> None:
    with pytest.raises(InvalidInput, match="ran longer than"):
        run_query(database, "SELECT sum(a.range * b.range) FROM range(200000) a, "
                            "range(200000) b", timeout=0.3)


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no projection database"):
        run_query(tmp_path / "absent.duckdb", "SELECT 1")
