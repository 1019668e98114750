"""Edges of the projection outputs and runner: values JSON has no type for, formats and
files that cannot be written, charts of odd results, DuckDB files that cannot be opened,
and the small arithmetic of threat scoring."""

from __future__ import annotations

import datetime as dt
import json
import struct
import uuid
import zlib
from pathlib import Path

import duckdb
import pytest

from ledger.errors import ConfigurationError, InvalidInput
from ledger.stores.memory import MemoryEventStore
from projections.charts import MAX_BARS, aggregate, render_chart
from projections.export import ResultSet, json_value, render, to_json, write_parquet
from projections.models import decode
from projections.query import QueryBounds, open_sandbox, run_query
from projections.reports import Chart
from projections.runner import ProjectionRunner, connect
from projections.threat.baseline import Window
from projections.threat.report import Finding, highest
from projections.threat.scoring import poisson_tail
from tests.projections.conftest import Ledger, table_counts


def _result(sql: str) -> ResultSet:
    con = duckdb.connect()
    try:
        return ResultSet.fetch(con.sql(sql))
    finally:
        con.close()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]  # IHDR intact
    return width, height


# --- export ---------------------------------------------------------------------------


def test_json_value_of_blobs_maps_uuids_and_intervals() -> None:
    result = _result("SELECT '\\x00\\xff'::BLOB AS b, {'a': 2, 'b': 'x'} AS s, "
                     "'2b6b6f9e-3c1e-4c52-9a7e-0d1a0c5e7f11'::UUID AS u, "
                     "NULL AS n, 1.5::DOUBLE AS f")
    (record,) = result.records()
    assert record == {"b": "00ff", "s": {"a": 2, "b": "x"},
                      "u": "2b6b6f9e-3c1e-4c52-9a7e-0d1a0c5e7f11", "n": None, "f": 1.5}
    assert json_value(dt.timedelta(minutes=90)) == "1:30:00"
    assert json.loads(to_json(result)) == [record]
    assert json_value(bytearray(b"\x01")) == "01"
    assert json_value(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert json_value(Path("a") / "b") == str(Path("a") / "b")  # anything else as text


def test_render_refuses_a_binary_or_unknown_format() -> None:
    result = _result("SELECT 1 AS one")
    assert "one" in render(result, "table") and "1" in render(result, "table")
    for fmt in ("parquet", "xml"):
        with pytest.raises(InvalidInput) as refused:
            render(result, fmt)
        assert refused.value.field == "format"
        assert f"format {fmt!r} is not a text format" in refused.value.message
        assert "table, csv, json, parquet" in refused.value.hint


def test_parquet_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.parquet"
    with pytest.raises(InvalidInput) as refused:
        write_parquet(_result("SELECT 1 AS one"), target)
    assert refused.value.field == "output"
    assert str(target) in refused.value.message
    assert not target.parent.exists()


def test_a_zero_byte_budget_keeps_no_rows() -> None:
    con = duckdb.connect()
    try:
        bounded = ResultSet.fetch_bounded(con.sql("SELECT range AS n FROM range(10)"),
                                          max_rows=None, max_bytes=0)
    finally:
        con.close()
    assert len(bounded) == 0 and bounded.truncated and bounded.columns == ("n",)


# --- charts ---------------------------------------------------------------------------


def test_chart_labels_of_nulls_and_times() -> None:
    result = _result("SELECT * FROM (VALUES (NULL, 2.5), (TIMESTAMP '2024-05-01 10:42:13', 1.0),"
                     " (NULL, 1.0), ('2024-05-01 10:42:59'::TIMESTAMP, 0.5)) t(\"at\", amount)")
    bars = aggregate(result, Chart("at", "amount", "amounts"))
    assert bars == [("(none)", 3.5), ("2024-05-01 10:42", 1.5)]
    counted = aggregate(result, Chart("at", None, "rows"))
    assert counted == [("(none)", 2.0), ("2024-05-01 10:42", 2.0)]


@pytest.mark.parametrize(("x", "y"), [("missing", None), ("at", "missing")])
def test_chart_of_a_column_the_result_lacks_is_refused(x: str, y: str | None) -> None:
    result = _result("SELECT 1 AS at, 2 AS amount")
    with pytest.raises(InvalidInput) as refused:
        aggregate(result, Chart(x, y, "t"))
    assert refused.value.field == "chart"
    assert refused.value.message == "the result has no column 'missing' to chart"


def test_chart_of_many_fractional_bars_is_cut(tmp_path: Path) -> None:
    result = _result(f"SELECT 'bar ' || range AS x, range + 0.25 AS y "
                     f"FROM range({MAX_BARS + 15})")
    assert len(aggregate(result, Chart("x", "y", "t"))) == MAX_BARS + 15
    path = tmp_path / "cut.png"
    render_chart(result, Chart("x", "y", "Fractions"), path, subtitle="test")
    assert _png_size(path) == (900, 500)


def test_chart_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "chart.png"
    with pytest.raises(InvalidInput) as refused:
        render_chart(_result("SELECT 'a' AS x"), Chart("x", None, "t"), path)
    assert refused.value.field == "chart"
    assert f"cannot write {path}" in refused.value.message
    assert not path.exists()


# --- queries --------------------------------------------------------------------------


def test_a_query_over_its_memory_is_refused(demo_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    with ProjectionRunner(demo_ledger.memory_store(), database) as runner:
        runner.update()
    sql = ("SELECT list(repeat('x', 1000) || range::VARCHAR) AS big "
           "FROM range(2000000)")
    with pytest.raises(InvalidInput) as refused:
        run_query(database, sql, bounds=QueryBounds(memory_mb=8))
    assert refused.value.field == "sql"
    assert refused.value.message == "the query needs more memory than a query may use"
    assert refused.value.hint == "add filters or a LIMIT"
    con = open_sandbox(database)  # the sandbox is usable again afterwards
    try:
        assert con.execute("SELECT count(*) FROM keys").fetchall() == [(4,)]
    finally:
        con.close()


# --- runner ---------------------------------------------------------------------------


def test_a_database_in_a_missing_folder_cannot_be_opened(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "p.duckdb"
    with pytest.raises(ConfigurationError) as refused:
        connect(path)
    assert f"cannot open the projection database {path}" in refused.value.message
    assert refused.value.hint == "check the path and its permissions"


def test_a_file_that_is_not_duckdb_cannot_be_opened(tmp_path: Path) -> None:
    path = tmp_path / "p.duckdb"
    path.write_bytes(b"SQLite format 3\x00" + bytes(4096))
    with pytest.raises(ConfigurationError) as refused:
        connect(path)
    assert f"cannot open the projection database {path}" in refused.value.message


def test_a_configuration_duckdb_refuses_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "p.duckdb"
    with pytest.raises(ConfigurationError) as refused:
        connect(path, config={"no_such_setting": "x"})
    assert "not recognized: no_such_setting" in refused.value.message
    assert refused.value.hint == "delete the file and run skms projections rebuild"


@pytest.mark.parametrize(("options", "field"), [({"batch_size": 0}, "batch-size"),
                                                ({"jobs": 0}, "jobs")])
def test_runner_options_below_one_are_refused(tmp_path: Path, options: dict[str, int],
                                              field: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        ProjectionRunner(MemoryEventStore(), tmp_path / "p.duckdb", **options)
    assert refused.value.field == field
    assert not (tmp_path / "p.duckdb").exists()  # refused before the file was opened


def test_a_database_it_cannot_prepare_is_closed_again(tmp_path: Path) -> None:
    """A view where a table goes: the drop fails, and the runner lets go of the file."""
    path = tmp_path / "p.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE VIEW keys AS SELECT 1 AS key_id")
    con.close()
    with pytest.raises(duckdb.CatalogException, match="keys"):
        ProjectionRunner(MemoryEventStore(), path)
    # Still held, this read-only open (another configuration) would be refused.
    again = duckdb.connect(str(path), read_only=True)
    try:
        assert again.execute("SELECT * FROM keys").fetchall() == [(1,)]
    finally:
        again.close()


def test_an_empty_batch_changes_nothing(demo_ledger: Ledger, tmp_path: Path) -> None:
    database = tmp_path / "p.duckdb"
    with ProjectionRunner(demo_ledger.memory_store(), database) as runner:
        runner.apply_batch("system", [])
        assert runner.positions() == {}
        runner.update()
        before = runner.positions()
        runner.apply_batch("system", [])
        assert runner.positions() == before
    assert table_counts(database)["actors"] == 5


def test_the_entity_cache_starts_over_past_its_limit(demo_ledger: Ledger,
                                                     tmp_path: Path) -> None:
    """Past LIMIT entities the cache forgets them and reads them back from DuckDB."""
    system = demo_ledger.envelopes["system"]
    store = demo_ledger.memory_store()
    with ProjectionRunner(store, tmp_path / "small.duckdb") as small:
        small._entities.LIMIT = 1  # the bound itself is under test
        for chain, envelopes in sorted(demo_ledger.envelopes.items(),
                                       key=lambda item: item[0] != "system"):
            for envelope in envelopes:  # one event per batch: the cache is used each time
                small.apply_batch(chain, [decode(envelope)])
        assert small.positions()["system"] == len(system) - 1
    with ProjectionRunner(store, tmp_path / "big.duckdb") as big:
        big.update()
    small_con = duckdb.connect(str(tmp_path / "small.duckdb"), read_only=True)
    big_con = duckdb.connect(str(tmp_path / "big.duckdb"), read_only=True)
    try:
        for table in ("keys", "actors", "key_versions"):
            query = f"SELECT * FROM {table} ORDER BY ALL"
            assert small_con.execute(query).fetchall() == big_con.execute(query).fetchall()
    finally:
        small_con.close()
        big_con.close()


# --- threat scoring -------------------------------------------------------------------


def test_poisson_tail_with_no_expected_events() -> None:
    assert poisson_tail(0, 0.0) == 1.0
    assert poisson_tail(3, 0.0) == 0.0
    assert poisson_tail(1, -1.0) == 0.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - 2.718281828459045 ** -2)


def test_highest_keeps_the_best_finding_of_each_subject() -> None:
    first, second, third = (Window(h * 3_600_000_000) for h in (10, 11, 12))
    strong = Finding("key", "k-1", first, 80, (), ("bob",))
    weaker_later = Finding("key", "k-1", second, 40, (), ("bob",))
    tie_later = Finding("key", "k-1", third, 80, (), ("bob",))
    other = Finding("actor", "k-1", second, 10, (), ())
    assert highest([strong, weaker_later]) == {("key", "k-1"): strong}
    assert highest([strong, weaker_later, tie_later, other]) == {
        ("key", "k-1"): tie_later, ("actor", "k-1"): other}
    assert dt.datetime.fromtimestamp(third.start_us / 1e6, dt.UTC).hour == 12
