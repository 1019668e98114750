"""PNG bar charts of report results (matplotlib, no display needed).

matplotlib is imported only when a chart is asked for: it costs about half a second,
which every other ``skms`` command should not pay. The object API (``Figure``) is used
instead of ``pyplot`` so no global backend or figure state is touched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ledger.errors import InvalidInput
from projections.export import ResultSet, json_value
from projections.reports import Chart

MAX_BARS = 60


def _label(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(json_value(value))


def aggregate(result: ResultSet, chart: Chart) -> list[tuple[str, float]]:
    """Sum ``chart.y`` (or count rows) per ``chart.x`` value, in first-seen order."""
    for name in (chart.x, chart.y):
        if name is not None and name not in result.columns:
            raise InvalidInput(f"the result has no column {name!r} to chart", field="chart")
    xs = result.column(chart.x)
    ys = result.column(chart.y) if chart.y is not None else [1] * len(xs)
    totals: dict[str, float] = {}
    for x, y in zip(xs, ys, strict=True):
        key = _label(x)
        totals[key] = totals.get(key, 0.0) + (float(y) if y is not None else 0.0)
    return list(totals.items())


def render_chart(result: ResultSet, chart: Chart, path: Path, *, subtitle: str = "") -> None:
    """Draw ``result`` as a bar chart into the PNG file ``path``."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    bars = aggregate(result, chart)
    if len(bars) > MAX_BARS:
        bars = bars[:MAX_BARS]
        subtitle = (subtitle + f" (first {MAX_BARS} bars)").strip()
    figure = Figure(figsize=(9, 5), dpi=100, layout="constrained")
    axes = figure.subplots()
    if bars:
        labels = [label if len(label) <= 24 else label[:23] + "…" for label, _ in bars]
        values = [value for _, value in bars]
        axes.bar(range(len(bars)), values, width=0.6, color="#3b6ea5")
        pad = max(0.0, (4 - len(bars)) / 2)  # a lone bar should not fill the plot
        axes.set_xlim(-0.75 - pad, len(bars) - 0.25 + pad)
        if all(value.is_integer() for value in values):
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xticks(range(len(bars)), labels, rotation=45 if len(bars) > 4 else 0,
                        ha="right" if len(bars) > 4 else "center", fontsize=8)
    else:
        axes.text(0.5, 0.5, "no rows", ha="center", va="center", transform=axes.transAxes)
    axes.set_title(chart.title + (f"\n{subtitle}" if subtitle else ""))
    axes.set_xlabel(chart.x)
    axes.set_ylabel(chart.y or "rows")
    axes.grid(axis="y", alpha=0.3)
    try:
        figure.savefig(str(path), format="png")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc}", field="chart") from None
