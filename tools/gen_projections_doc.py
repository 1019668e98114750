"""Write the table reference and the event-to-table map of docs/projections.md from
projections/models.py (the prose around them is written by hand).

    .venv/bin/python tools/gen_projections_doc.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from projections.models import ALL_TABLES, EVENT_TABLES, META, POSITIONS, Table

DOC = Path(__file__).resolve().parents[1] / "docs" / "projections.md"
TABLES_START = "## Tables\n"
MAP_START = "### Which events fill which table\n"
MAP_HEAD = ("Entity tables change only when the entity's creating event has been projected.\n\n"
            "| Event types | Tables |\n|-------------|--------|\n")


def table_section(table: Table) -> str:
    if table in (POSITIONS, META):
        kind = "Bookkeeping of the runner."
    elif table.entity_key is not None:
        kind = (f"Current state: each batch replaces the rows of every `{table.entity_key}` "
                "it touches.")
    else:
        kind = "Append-only: rows are only ever added, in log order."
    rows = "".join(f"| `{c.name}` | `{c.sql_type}` | {c.doc} |\n" for c in table.columns)
    return (f"### `{table.name}`\n\n{table.doc} {kind}\n\n| Column | Type | Meaning |\n"
            f"|--------|------|---------|\n{rows}\n")


def event_map() -> str:
    order = {t.name: i for i, t in enumerate(ALL_TABLES)}
    groups: dict[tuple[str, ...], list[str]] = {}
    for event_type, tables in sorted(EVENT_TABLES.items()):
        groups.setdefault(tuple(sorted(tables, key=order.__getitem__)), []).append(event_type)
    def cells(names: list[str] | tuple[str, ...]) -> str:
        return ", ".join(f"`{name}`" for name in names)

    return MAP_HEAD + "".join(f"| {cells(sorted(events))} | {cells(tables)} |\n"
                              for tables, events in groups.items())


def render(text: str) -> str:
    head, rest = text.split(TABLES_START, 1)
    _, after_tables = rest.split(MAP_START, 1)
    table_intro = rest.split("### `", 1)[0]
    map_tail = after_tables.split("\n## ", 1)[1]
    sections = "".join(table_section(t) for t in ALL_TABLES)
    return (head + TABLES_START + table_intro + sections + MAP_START + "\n" + event_map()
            + "\n## " + map_tail)


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in sys.argv:
        if new != text:
            sys.exit("docs/projections.md is out of date: run tools/gen_projections_doc.py")
        print("docs/projections.md is up to date")
        return
    DOC.write_text(new, encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
