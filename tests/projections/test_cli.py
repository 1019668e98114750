"""``skms projections``, ``skms report`` and ``skms query`` end to end on a demo home (and
charts on the home of the lifecycle ledger, which ran every command)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from projections.reports import REPORTS
from tests.projections.conftest import Ledger, copy_home, invoke

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def ok(home: Path, *args: str) -> str:
    result = invoke(home, *args)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def refused(home: Path, *args: str) -> str:
    result = invoke(home, *args)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    return str(result.output)


def test_update_status_rebuild(demo_home: Path) -> None:
    before = json.loads(ok(demo_home, "--json", "projections", "status"))
    assert {c["chain_id"]: c["lag"] for c in before["chains"]} == {"payments": 59, "system": 9}
    updated = json.loads(ok(demo_home, "projections", "update", "--batch-size", "9", "--json"))
    assert updated["applied"] == 68
    assert all(c["lag"] == 0 for c in updated["chains"])
    assert json.loads(ok(demo_home, "--json", "projections", "update"))["applied"] == 0
    rebuilt = json.loads(ok(demo_home, "--json", "projections", "rebuild"))
    assert rebuilt["applied"] == 68
    text = ok(demo_home, "projections", "status")
    assert "payments" in text and "lag" in text
    assert (demo_home / "projections.duckdb").exists()


def test_rebuild_in_worker_processes(demo_home: Path) -> None:
    alone = json.loads(ok(demo_home, "--json", "projections", "rebuild", "--jobs", "1"))
    table = ok(demo_home, "report", "inventory", "--format", "json")
    workers = json.loads(ok(demo_home, "--json", "projections", "rebuild", "--jobs", "2",
                            "--parallel-from", "1", "--batch-size", "5"))
    assert workers == alone and workers["applied"] == 68
    assert ok(demo_home, "report", "inventory", "--format", "json") == table
    assert "--jobs" in refused(demo_home, "projections", "rebuild", "--jobs", "-2")


def test_report_list(demo_home: Path) -> None:
    listed = json.loads(ok(demo_home, "--json", "report", "--list"))
    assert [r["name"] for r in listed] == list(REPORTS)
    assert "signing-activity" in ok(demo_home, "report", "--list")


def test_report_table_csv_json(demo_home: Path) -> None:
    table = ok(demo_home, "report", "refused-commands")
    assert "missing-role" in table and "(2 rows)" in table
    rows = list(csv.DictReader(io.StringIO(ok(demo_home, "report", "refused-commands",
                                              "--format", "csv"))))
    assert [r["command_type"] for r in rows] == ["Sign", "RotateKey"]
    parsed = json.loads(ok(demo_home, "report", "inventory", "--format", "json"))
    assert sum(r["keys"] for r in parsed) == 4
    api = json.loads(ok(demo_home, "--json", "report", "inventory"))  # the REST form
    assert api["rows"] == parsed and api["name"] == "inventory" and api["truncated"] is False


def test_report_files_read_back(demo_home: Path, tmp_path: Path) -> None:
    as_csv, as_json, as_parquet = (tmp_path / "r.csv", tmp_path / "r.json",
                                   tmp_path / "r.parquet")
    for fmt, path in (("csv", as_csv), ("json", as_json), ("parquet", as_parquet)):
        ok(demo_home, "report", "signing-activity", "--format", fmt, "--output", str(path))
    from_json = json.loads(as_json.read_text())
    from_csv = list(csv.DictReader(io.StringIO(as_csv.read_text())))
    table = pq.read_table(as_parquet)
    assert len(from_json) == len(from_csv) == table.num_rows == 4
    assert sum(r["signatures"] for r in from_json) == 38
    assert sum(int(r["signatures"]) for r in from_csv) == 38
    assert sum(table.column("signatures").to_pylist()) == 38
    assert str(table.schema.field("day").type) == "date32[day]"
    assert [r["key_id"] for r in from_json] == table.column("key_id").to_pylist()


def test_parquet_needs_an_output_file(demo_home: Path) -> None:
    assert "--output" in refused(demo_home, "report", "inventory", "--format", "parquet")


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_draws_a_chart(demo_home: Path, tmp_path: Path, name: str) -> None:
    chart = tmp_path / f"{name}.png"
    extra = ["--at", "2200-01-01"] if name in ("overdue-rotation", "rotation-schedule") else []
    ok(demo_home, "report", name, "--chart", str(chart), *extra)
    data = chart.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 5_000


@pytest.fixture(scope="module")
def lifecycle_home(lifecycle_ledger: Ledger, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the home that ran every command (data keys, wallets, backups)."""
    return copy_home(lifecycle_ledger.home, tmp_path_factory.mktemp("charts") / "home")


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_charts_rows_of_a_full_ledger(lifecycle_home: Path, tmp_path: Path,
                                                   name: str) -> None:
    """Unlike the demo (no data operations, no wallets), this ledger gives every report
    rows, so each chart has bars: its x and y columns hold values."""
    extra = ["--at", "2200-01-01"] if name in ("overdue-rotation", "rotation-schedule") else []
    rows = json.loads(ok(lifecycle_home, "--json", "report", name, *extra))["rows"]
    chart = REPORTS[name].chart
    assert rows, name
    assert any(r[chart.x] is not None for r in rows)
    if chart.y is not None:
        assert any(r[chart.y] for r in rows)  # bars of some height (days may be < 0)
    picture = tmp_path / f"{name}.png"
    ok(lifecycle_home, "report", name, "--chart", str(picture), *extra)
    assert picture.read_bytes().startswith(PNG_MAGIC)


def test_report_options(demo_home: Path) -> None:
    overdue = json.loads(ok(demo_home, "--json", "report", "overdue-rotation",
                            "--at", "2200-01-01"))["rows"]
    assert len(overdue) == 3
    future = json.loads(ok(demo_home, "--json", "report", "signing-activity",
                           "--since", "2200-01-01T00:00:00Z"))["rows"]
    assert future == []
    waited = json.loads(ok(demo_home, "--json", "report", "chain-status",
                           "--wait-for", "58", "--wait-chain", "payments"))["rows"]
    assert {r["chain"]: r["lag"] for r in waited} == {"payments": 0, "system": 0}
    stale = json.loads(ok(demo_home, "--json", "report", "chain-status", "--no-update"))["rows"]
    assert {r["chain"]: r["head"] for r in stale} == {"payments": None, "system": None}


def test_report_errors_are_messages(demo_home: Path) -> None:
    assert "no projection database" in refused(demo_home, "report", "inventory",
                                               "--no-update")
    assert "no report named" in refused(demo_home, "report", "private-keys")
    assert "NAME: required parameter is missing" in refused(demo_home, "report")
    assert "does not take --since" in refused(demo_home, "report", "chain-status",
                                              "--since", "2024-01-01")
    assert "does not take --at" in refused(demo_home, "report", "inventory", "--at", "2030-01-01")
    assert "not an ISO date" in refused(demo_home, "report", "inventory", "--since", "soon")
    assert "go together" in refused(demo_home, "report", "inventory", "--wait-for", "3")
    assert "not 100000" in refused(demo_home, "report", "inventory", "--wait-for", "100000",
                                   "--wait-chain", "payments", "--wait-timeout", "0.3")


def test_query_formats(demo_home: Path, tmp_path: Path) -> None:
    sql = "SELECT name, roles, registered_at FROM actors ORDER BY name"
    table = ok(demo_home, "query", sql)
    assert "alice" in table and "(5 rows)" in table
    as_json = json.loads(ok(demo_home, "query", sql, "--format", "json"))
    assert [r["name"] for r in as_json] == ["admin", "alice", "bob", "carol", "dave"]
    assert as_json[1]["roles"] == ["key-manager"]
    as_csv = list(csv.DictReader(io.StringIO(ok(demo_home, "query", sql, "--format", "csv"))))
    assert json.loads(as_csv[2]["roles"]) == ["signer"]
    target = tmp_path / "actors.parquet"
    ok(demo_home, "query", sql, "--format", "parquet", "--output", str(target))
    table_back = pq.read_table(target)
    assert table_back.column("name").to_pylist() == [r["name"] for r in as_json]
    assert str(table_back.schema.field("registered_at").type) == "timestamp[us]"
    counted = json.loads(ok(demo_home, "--json", "query",
                            "SELECT count(*) AS n FROM signatures"))
    assert counted["rows"] == [{"n": 38}] and counted["columns"] == ["n"]


@pytest.mark.parametrize("sql", [
    "DROP TABLE keys",
    "COPY keys TO '/tmp/skms-stolen-keys.csv'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "ATTACH '/tmp/skms-other.duckdb' AS other",
    "INSTALL httpfs",
])
def test_query_refusals_exit_non_zero_without_traceback(demo_home: Path, sql: str) -> None:
    output = refused(demo_home, "query", sql)
    assert output.startswith("error: SQL:")
    result = invoke(demo_home, "--json", "query", sql)
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["field"] == "sql"
    assert payload["error"] == "InvalidInput" and result.exit_code == 2
