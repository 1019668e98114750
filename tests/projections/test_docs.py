"""``docs/projections.md`` names every table, column and report column the code has."""

from __future__ import annotations

import json
import re
from pathlib import Path

from projections.models import ALL_TABLES, EVENT_TABLES
from projections.query import open_sandbox
from projections.reports import REPORTS, run_report
from projections.runner import ProjectionRunner
from tests.projections.conftest import Ledger, invoke

DOC = Path(__file__).resolve().parents[2] / "docs" / "projections.md"


def documented_tables() -> dict[str, list[tuple[str, str]]]:
    """``### `name` `` sections and the (column, type) rows of their tables."""
    tables: dict[str, list[tuple[str, str]]] = {}
    current: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### `([a-z_]+)`$", line)
        if heading:
            current = heading.group(1)
            tables[current] = []
            continue
        row = re.match(r"^\| `([a-z_]+)` \| `([A-Z\[\]]+)` \|", line)
        if row and current is not None:
            tables[current].append((row.group(1), row.group(2)))
        if line.startswith("## "):
            current = None
    return tables


def test_every_table_and_column_is_documented_in_order() -> None:
    documented = documented_tables()
    assert list(documented) == [t.name for t in ALL_TABLES]
    for table in ALL_TABLES:
        assert documented[table.name] == [(c.name, c.sql_type) for c in table.columns], \
            table.name


def test_every_report_and_its_columns_are_documented(demo_ledger: Ledger,
                                                     tmp_path: Path) -> None:
    # Only the Reports section: a report may share its name with a table's column.
    text = DOC.read_text(encoding="utf-8").split("\n## Reports\n", 1)[1].split("\n## ", 1)[0]
    database = tmp_path / "p.duckdb"
    with ProjectionRunner(demo_ledger.memory_store(), database) as runner:
        runner.update()
    con = open_sandbox(database)
    try:
        for name in REPORTS:
            row = re.search(rf"^\| `{re.escape(name)}` \|[^|]*\| (.*) \|$", text, re.M)
            assert row, f"report {name} is not in the report table"
            columns = re.findall(r"`([a-z_]+)`", row.group(1))
            assert columns == list(run_report(con, name).columns), name
    finally:
        con.close()


def test_the_example_query_runs(demo_home: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.search(r'^skms query "(SELECT [^"]*)" --format csv$', text, re.M)
    assert example, "the example query is missing"
    sql = " ".join(example.group(1).split())
    result = invoke(demo_home, "--json", "query", sql)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert sum(r["signatures"] for r in rows) == 38


def test_the_event_to_table_map_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Which events fill which table\n", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, frozenset[str]] = {}
    for line in section.splitlines():
        cells = line.split(" | ")
        if not line.startswith("| `") or len(cells) != 2:
            continue
        tables = frozenset(re.findall(r"`([a-z_]+)`", cells[1]))
        for event_type in re.findall(r"`([A-Za-z]+)`", cells[0]):
            assert event_type not in documented, f"{event_type} is listed twice"
            documented[event_type] = tables
    assert documented == dict(EVENT_TABLES)
