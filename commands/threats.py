"""Where the scheduler's threat scan reads from: the home's read models, brought up to date
first (the CLI's ``skms threats scan``; the service brings them up to date under its own
read-model lock, :meth:`commands.service.read_models.ServiceReadModels.threats`)."""

from __future__ import annotations

from pathlib import Path

from commands.scheduler import ThreatScan
from ledger.stores.base import EventStore
from projections.query import open_sandbox
from projections.runner import ProjectionRunner, database_path
from projections.threat.report import Finding, scan


def scan_database(database: Path, now_us: int) -> list[Finding]:
    """Score every key and actor of the recent windows, read-only."""
    con = open_sandbox(database)
    try:
        return scan(con, now_us)
    finally:
        con.close()


def home_scan(store: EventStore, home: Path) -> ThreatScan:
    """A scan of the home's read models, caught up with ``store`` before each scan."""
    database = database_path(home)

    def run(now_us: int) -> list[Finding]:
        with ProjectionRunner(store, database) as runner:
            runner.update()
        return scan_database(database, now_us)

    return run
