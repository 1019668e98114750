"""Query results and the formats they leave in: text table, CSV, JSON and Parquet.

A result is fetched once as an Arrow table, so Parquet keeps DuckDB's exact column types
(timestamps stay timestamps) while the text formats are derived from the same rows.
Parquet is written by pyarrow in this process, never by DuckDB: the analyst sandbox has
no file access, and writing the output file is the caller's decision, not the SQL's.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from ledger.errors import InvalidInput

FORMATS = ("table", "csv", "json", "parquet")


@dataclass(frozen=True, slots=True)
class ResultSet:
    """Column names, DuckDB type names and rows of one query, plus its Arrow form."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    arrow: Any
    truncated: bool = False

    @classmethod
    def fetch(cls, relation: duckdb.DuckDBPyRelation) -> ResultSet:
        """Run ``relation`` once and keep everything every output format needs."""
        table = relation.to_arrow_table()
        return cls(tuple(relation.columns), tuple(str(t) for t in relation.types), table)

    @classmethod
    def fetch_bounded(cls, relation: duckdb.DuckDBPyRelation, *, max_rows: int | None,
                      max_bytes: int | None, batch_rows: int = 2048) -> ResultSet:
        """Like :meth:`fetch`, but read batch by batch and stop past ``max_rows`` rows or
        ``max_bytes`` bytes of Arrow buffers: memory stays bounded by the cut plus one
        batch, and ``truncated`` says whether rows were left unread."""
        reader = relation.to_arrow_reader(batch_rows)
        batches: list[Any] = []
        rows = size = 0
        truncated = False
        for batch in reader:
            if max_rows is not None and rows + batch.num_rows > max_rows:
                batch = batch.slice(0, max_rows - rows)
                truncated = True
            if max_bytes is not None and size + batch.nbytes > max_bytes:
                keep = _rows_within(batch, max_bytes - size)
                batch = batch.slice(0, keep)
                truncated = True
            batches.append(batch)
            rows += batch.num_rows
            size += batch.nbytes
            if truncated:
                break
        reader.close()
        table = (pa.Table.from_batches(batches) if batches
                 else reader.schema.empty_table())
        return cls(tuple(relation.columns), tuple(str(t) for t in relation.types), table,
                   truncated)

    def replacing(self, text: str, replacement: str) -> ResultSet:
        """The same result with ``text`` replaced in every text value (e.g. a path)."""
        columns = []
        for column in self.arrow.columns:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                column = pc.replace_substring(column, text, replacement)
            columns.append(column)
        table = pa.Table.from_arrays(columns, schema=self.arrow.schema)
        return ResultSet(self.columns, self.types, table, self.truncated)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        # Column by column: a dict per row would merge duplicate names like "SELECT 1, 1".
        columns = [self.arrow.column(i).to_pylist() for i in range(self.arrow.num_columns)]
        return list(zip(*columns, strict=True)) if columns else []

    def column(self, name: str) -> list[Any]:
        return list(self.arrow.column(self.columns.index(name)).to_pylist())

    def __len__(self) -> int:
        return int(self.arrow.num_rows)

    def records(self) -> list[dict[str, Any]]:
        """Rows as JSON-ready objects (see :func:`json_value`)."""
        return [{name: json_value(value) for name, value in zip(self.columns, row, strict=True)}
                for row in self.rows]


def json_value(value: Any) -> Any:
    """A JSON-representable form: ISO times (UTC, no offset), hex bytes, exact integers."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, uuid.UUID | dt.timedelta):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _cell(value: Any) -> str:
    """One value as text in a table or CSV cell; nested values as compact JSON."""
    if value is None:
        return ""
    shown = json_value(value)
    if isinstance(shown, list | dict):
        return json.dumps(shown, separators=(",", ":"))
    if isinstance(shown, bool):
        return "true" if shown else "false"
    return str(shown)


def to_csv(result: ResultSet) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([_cell(v) for v in row] for row in result.rows)
    return buffer.getvalue()


def to_json(result: ResultSet) -> str:
    return json.dumps(result.records(), indent=2, sort_keys=False) + "\n"


def to_table(result: ResultSet, *, max_width: int = 48) -> str:
    """Aligned text for terminals; long cells are shortened (use csv/json for full values)."""
    return text_table(result.columns, [[_cell(v) for v in row] for row in result.rows],
                      max_width=max_width)


def text_table(columns: Sequence[str], cells: Sequence[Sequence[str]], *,
               max_width: int = 48) -> str:
    """Text cells under a header, aligned, with a row count: the one text-table layout, kept
    apart from :func:`to_table` so that ``skms shell`` lays out its lists (keys, approvals,
    ...) exactly as reports are laid out, without a second renderer."""
    def clip(text: str) -> str:
        return text if len(text) <= max_width else text[:max_width - 1] + "…"

    body = [[clip(c) for c in row] for row in cells]
    header = [clip(c) for c in columns]
    widths = [max([len(header[i])] + [len(r[i]) for r in body]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"


def write_parquet(result: ResultSet, path: Path) -> None:
    """Write the Arrow form to Parquet; duplicate column names get a numeric suffix."""
    names = _unique(result.columns)
    table = pa.Table.from_arrays(result.arrow.columns, names=names)
    try:
        pq.write_table(table, str(path))
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc}", field="output") from None


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        result.append(name if count == 0 else f"{name}_{count}")
    return result


def render(result: ResultSet, fmt: str) -> str:
    """Text formats only; Parquet is binary and goes through :func:`write_parquet`."""
    if fmt == "csv":
        return to_csv(result)
    if fmt == "json":
        return to_json(result)
    if fmt == "table":
        return to_table(result)
    raise InvalidInput(f"format {fmt!r} is not a text format", field="format",
                       hint=f"choose one of: {', '.join(FORMATS)}")


def _rows_within(batch: Any, budget: int) -> int:
    """How many leading rows of an Arrow batch fit in ``budget`` bytes (at least none)."""
    if batch.num_rows == 0 or budget <= 0:
        return 0
    per_row = max(1, batch.nbytes // batch.num_rows)
    keep = int(min(batch.num_rows, budget // per_row))
    while keep > 0 and batch.slice(0, keep).nbytes > budget:  # the estimate was an average
        keep = keep * 9 // 10
    return keep
