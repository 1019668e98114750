"""``skms projections``, ``skms report`` and ``skms query``: the DuckDB read models.

The projection database is ``<home>/projections.duckdb``. Reports and queries first catch
it up with the store (unless ``--no-update``), then read it through the sandbox of
:mod:`projections.query`: read-only, without file or network access.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from commands.cli.output import State, emit, guarded, json_option
from commands.cli.workers import parallel_options, worker_count
from ledger.errors import InvalidInput
from projections.export import FORMATS, ResultSet, render, write_parquet
from projections.query import DEFAULT_TIMEOUT, open_sandbox, run_query
from projections.reports import REPORTS, check_arguments, parse_time, run_report
from projections.runner import DEFAULT_BATCH_SIZE, ProjectionRunner, database_path

_batch_size = click.option("--batch-size", type=click.IntRange(1, 10_000_000),
                           default=DEFAULT_BATCH_SIZE, show_default=True,
                           help="Events per DuckDB transaction.")
_no_update = click.option("--no-update", is_flag=True,
                          help="Answer from the projection as it is; do not read the store.")
_format = click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                       help="Output format (default: table, or json under --json).")
_output = click.option("--output", type=click.Path(path_type=Path, dir_okay=False),
                       default=None, help="Write to FILE instead of stdout (required for "
                                          "parquet).")


def _runner(state: State, batch_size: int = DEFAULT_BATCH_SIZE, jobs: int = 1,
            parallel_from: int = DEFAULT_BATCH_SIZE) -> ProjectionRunner:
    store, _ = state.session().store()
    return ProjectionRunner(store, database_path(state.home.path), batch_size=batch_size,
                            jobs=worker_count(jobs), parallel_from_events=parallel_from)


def _status_text(result: dict[str, Any]) -> str:
    lines = [f"{'chain':<16} {'position':>9} {'head':>9} {'lag':>9}"]
    lines += [f"{c['chain_id']:<16} {c['position']:>9} {c['head']:>9} {c['lag']:>9}"
              for c in result["chains"]]
    if "applied" in result:
        lines.append(f"applied {result['applied']} events to {result['database']}")
    return "\n".join(lines)


@click.group()
def projections() -> None:
    """Maintain the DuckDB read models (<home>/projections.duckdb)."""


@projections.command("update")
@_batch_size
@parallel_options
@json_option
@click.pass_obj
@guarded
def update(state: State, batch_size: int, jobs: int, parallel_from: int) -> None:
    """Catch the projection up with the store, one transaction per batch."""
    with _runner(state, batch_size, jobs, parallel_from) as runner:
        applied = runner.update()
        chains = [s.as_dict() for s in runner.status()]
    emit({"applied": applied, "chains": chains,
          "database": str(database_path(state.home.path))}, _status_text)


@projections.command("rebuild")
@_batch_size
@parallel_options
@json_option
@click.pass_obj
@guarded
def rebuild(state: State, batch_size: int, jobs: int, parallel_from: int) -> None:
    """Drop every read model and replay the whole log."""
    with _runner(state, batch_size, jobs, parallel_from) as runner:
        applied = runner.rebuild()
        chains = [s.as_dict() for s in runner.status()]
    emit({"applied": applied, "chains": chains,
          "database": str(database_path(state.home.path))}, _status_text)


@projections.command("status")
@json_option
@click.pass_obj
@guarded
def status(state: State) -> None:
    """Per chain: projected position, store head and lag (does not catch up)."""
    with _runner(state) as runner:
        chains = [s.as_dict() for s in runner.status()]
    emit({"chains": chains}, _status_text)


def _catch_up(state: State, *, no_update: bool, wait_for: int | None, chain: str | None,
              timeout: float) -> dict[str, int] | None:
    """Bring the projection up to date; returns the store's chain heads (None if skipped)."""
    if (wait_for is None) != (chain is None):
        raise InvalidInput("--wait-for and --chain go together", field="wait-for",
                           hint="e.g. --wait-for 57 --chain payments")
    if no_update:
        if wait_for is not None:
            raise InvalidInput("--wait-for needs the projection to update; drop --no-update",
                               field="wait-for")
        return None
    with _runner(state) as runner:
        if wait_for is not None and chain is not None:
            runner.wait_for(chain, wait_for, timeout=timeout)
        else:
            runner.update()
        return {s.chain_id: s.head for s in runner.status() if s.head >= 0}


def _deliver(state: State, result: ResultSet, fmt: str | None, output: Path | None,
             what: str) -> None:
    """Print or write ``result`` in the chosen format."""
    chosen = fmt or ("json" if state.json else "table")
    if chosen == "parquet" and output is None:
        raise InvalidInput("parquet output needs --output FILE", field="output")
    if output is None:
        click.echo(render(result, chosen), nl=False)
        return
    if chosen == "parquet":
        write_parquet(result, output)
    else:
        try:
            output.write_text(render(result, chosen), encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot write {output}: {exc.strerror}",
                               field="output") from None
    emit({"what": what, "rows": len(result), "format": chosen, "output": str(output)},
         lambda r: f"wrote {r['rows']} rows of {r['what']} to {r['output']} ({r['format']})")


@click.command()
@click.argument("name", required=False)
@click.option("--list", "list_reports", is_flag=True, help="List the reports and exit.")
@click.option("--since", default=None, help="Only activity at or after T (ISO date/time, UTC).")
@click.option("--at", "at_time", default=None,
              help="Evaluation time of overdue-rotation (default: now, UTC).")
@_format
@_output
@click.option("--chart", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also draw the report as a bar chart into FILE.png.")
@click.option("--wait-for", type=click.IntRange(0, None), default=None,
              help="First wait until --chain is projected up to this seq (read-your-writes).")
@click.option("--chain", default=None, help="Chain of --wait-for.")
@click.option("--timeout", type=click.FloatRange(0.1, 86400), default=30.0, show_default=True,
              help="Seconds --wait-for may take.")
@_no_update
@json_option
@click.pass_obj
@guarded
def report(state: State, name: str | None, list_reports: bool, since: str | None,
           at_time: str | None, fmt: str | None, output: Path | None, chart: Path | None,
           wait_for: int | None, chain: str | None, timeout: float,
           no_update: bool) -> None:
    """Run a named compliance report (see --list)."""
    if list_reports:
        rows = [{"name": r.name, "since": r.takes_since, "description": r.description}
                for r in REPORTS.values()]
        emit(rows, lambda rs: "\n".join(f"{r['name']:<26} {r['description']}" for r in rs))
        return
    if name is None:
        raise InvalidInput("name a report", field="name",
                           hint=f"one of: {', '.join(REPORTS)} (or --list)")
    since_value = parse_time(since, field="since") if since is not None else None
    at_value = parse_time(at_time, field="at") if at_time is not None else None
    chosen = check_arguments(name, since=since_value, at=at_value)
    heads = _catch_up(state, no_update=no_update, wait_for=wait_for, chain=chain,
                      timeout=timeout)
    con = open_sandbox(database_path(state.home.path))
    try:
        result = run_report(con, name, since=since_value, at=at_value, heads=heads)
    finally:
        con.close()
    if chart is not None:
        from projections.charts import render_chart

        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        render_chart(result, chosen.chart, chart, subtitle=f"skms report {name} · {stamp}")
        click.echo(f"chart written to {chart}", err=True)
    _deliver(state, result, fmt, output, f"report {name}")


@click.command()
@click.argument("sql")
@_format
@_output
@click.option("--timeout", type=click.FloatRange(0.1, 86400), default=DEFAULT_TIMEOUT,
              show_default=True, help="Seconds the query may run before it is stopped.")
@_no_update
@json_option
@click.pass_obj
@guarded
def query(state: State, sql: str, fmt: str | None, output: Path | None,
          timeout: float, no_update: bool) -> None:
    """Run one read-only SQL query on the read models (no file or network access)."""
    _catch_up(state, no_update=no_update, wait_for=None, chain=None, timeout=0.0)
    result = run_query(database_path(state.home.path), sql, timeout=timeout)
    _deliver(state, result, fmt, output, "query")

