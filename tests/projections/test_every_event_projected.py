"""Every event type of the schema folder has a projection, and writes the tables it says.

A new ``.avsc`` file fails the first test until ``projections.models.EVENT_TABLES`` names
the tables it fills, and the second until the lifecycle fixture records one such event; the
third then checks, event by event on that real log, that each type changes exactly the
declared tables (so a declaration without a mapping, or a mapping without a declaration,
fails too). The catalogue gives the same list from the other side: a new command's events
(``ledger.catalogue.EVENTS_OF_COMMAND``) fail the command test until they are projected
and recorded by the fixture, naming the command that causes them.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from ledger.catalogue import EVENTS_OF_COMMAND
from ledger.events import ENVELOPE, schemas_dir
from projections.models import (
    EVENT_TABLES,
    READ_MODELS,
    WALLET_ADDRESSES,
    WALLETS,
    LoggedEvent,
    Table,
    decode,
    map_events,
)
from tests.projections.conftest import Ledger

SCHEMA_FILE = re.compile(r"^([A-Za-z0-9_]+)\.v[0-9]+\.avsc$")


def schema_event_types() -> set[str]:
    """Event types of the schema folder: every ``.avsc`` except ``_shared`` types and the
    envelope body."""
    names = set()
    for path in schemas_dir().glob("*.avsc"):
        match = SCHEMA_FILE.match(path.name)
        assert match, f"unexpected schema file name {path.name}"
        names.add(match.group(1))
    return {n for n in names if not n.startswith("_") and n != ENVELOPE}


def test_every_event_schema_has_a_projection() -> None:
    types = schema_event_types()
    assert {"SignatureIssued", "DataDecrypted", "SecretSplit"} <= types  # the walk works
    missing = types - set(EVENT_TABLES)
    assert not missing, (f"event types without a projection: {sorted(missing)}: map them "
                         "in projections/models.py and declare them in EVENT_TABLES")
    stale = set(EVENT_TABLES) - types
    assert not stale, f"EVENT_TABLES names types no schema has: {sorted(stale)}"
    known = {t.name for t in READ_MODELS}
    for event_type, tables in EVENT_TABLES.items():
        assert tables and tables <= known, event_type


def test_the_lifecycle_ledger_records_every_event_type(lifecycle_ledger: Ledger) -> None:
    recorded = {e.event_type for e in lifecycle_ledger.events()}
    missing = schema_event_types() - recorded
    assert not missing, (f"the lifecycle_ledger fixture records no {sorted(missing)}: add a "
                         "command that emits it, so its projection is tested")


def command_caused_events() -> dict[str, set[str]]:
    """Event type -> the catalogue commands that may cause it."""
    causes: dict[str, set[str]] = {}
    for command, events in EVENTS_OF_COMMAND.items():
        for event_type in events:
            causes.setdefault(event_type, set()).add(command)
    return causes


def test_every_event_a_command_may_cause_is_projected(lifecycle_ledger: Ledger) -> None:
    causes = command_caused_events()
    commands = set().union(*causes.values())
    assert {"Encrypt", "BackupWallet", "InitializeLedger"} <= commands  # the walk works
    unknown = {e: sorted(c) for e, c in causes.items() if e not in schema_event_types()}
    assert not unknown, f"commands cause events no schemas/avro file defines: {unknown}"
    known = {t.name for t in READ_MODELS}
    unprojected = {e: sorted(c) for e, c in causes.items()
                   if not EVENT_TABLES.get(e) or not EVENT_TABLES[e] <= known}
    assert not unprojected, (f"events (and the commands causing them) without a projection: "
                             f"{unprojected}: map them in projections/models.py and declare "
                             "their tables in EVENT_TABLES")
    recorded = {e.event_type for e in lifecycle_ledger.events()}
    untested = {e: sorted(c) for e, c in causes.items() if e not in recorded}
    assert not untested, (f"the lifecycle_ledger fixture records none of {untested}: run "
                          "such a command there, so the event-by-event test maps it")


class _Entities:
    """Committed entity rows in memory (the runner keeps them in DuckDB)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def load(self, table: Table, ids: Collection[str]) -> list[dict[str, Any]]:
        found = self.rows.get(table.name, {})
        return [dict(row) for i in ids for row in found.get(i, [])]

    def keep(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        assert table.entity_key is not None
        fresh: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            record = dict(zip(table.column_names, row, strict=True))
            fresh.setdefault(record[table.entity_key], []).append(record)
        self.rows.setdefault(table.name, {}).update(fresh)


def test_each_event_changes_exactly_its_declared_tables(lifecycle_ledger: Ledger) -> None:
    entities = _Entities()
    checked: dict[str, int] = {}
    # The system chain first, so actors are known when key chains name them.
    chains = sorted(lifecycle_ledger.envelopes, key=lambda c: (c != "system", c))
    for event in (decode(e) for c in chains for e in lifecycle_ledger.envelopes[c]):
        rows = map_events([event], entities)
        changed = {name for name, table_rows in rows.appended.items() if table_rows}
        changed |= {name for name, table_rows in rows.replaced.items() if table_rows}
        assert changed == EVENT_TABLES[event.event_type], (event.event_type, event.seq)
        for table in READ_MODELS:
            if table.entity_key is not None and rows.replaced.get(table.name):
                entities.keep(table, rows.replaced[table.name])
        checked[event.event_type] = checked.get(event.event_type, 0) + 1
    assert set(checked) == schema_event_types()


def test_wallet_events_of_an_unknown_wallet_keep_their_own_rows() -> None:
    """A log that starts mid-way: the address is kept, no wallet row is invented."""
    event = LoggedEvent("payments", 40, "WalletAddressDerived", "bob-id", 1_000, {
        "wallet_id": "w-unknown", "path": "m/84'/0'/0'/0/0", "purpose": "84",
        "coin": "bitcoin", "curve": "secp256k1", "account": 0, "change": 0, "index": 0,
        "public_key": b"\x02" + bytes(32), "address": "bc1q-example", "actor_id": "bob-id"})
    rows = map_events([event], _Entities())
    assert rows.replaced[WALLETS.name] == []
    (row,) = rows.appended[WALLET_ADDRESSES.name]
    assert dict(zip(WALLET_ADDRESSES.column_names, row, strict=True))["address"] == \
        "bc1q-example"
