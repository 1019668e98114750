"""``skms threats scan`` and ``skms report threats`` on a home, in-process, at real time:
a burst of signatures on a fresh key in the current hour."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from commands.cli.main import cli
from tests.ledger.conftest import PASSPHRASE, new_session


def skms(home: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--home", str(home), *args, "--json"],
                                env={"SKMS_PASSPHRASE": PASSPHRASE}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_scan_records_once_and_the_report_lists_the_finding(tmp_path: Path) -> None:
    home = tmp_path / "home"
    session = new_session(home)
    try:
        session.initialize(name="cli-threats", checkpoint_every_events=1000)
        session.add_actor("admin", "alice", ["key-manager"], ["*"])
        session.add_actor("admin", "bob", ["signer"], ["*"])
        created = session.run("alice", "CreateKey", algorithm="ed25519").result or {}
        key_id = str(created["key_id"])
        for i in range(30):
            session.sign("bob", key_id, f"burst {i}".encode())
    finally:
        session.close()
    policy = skms(home, "--as", "admin", "threats", "policy", "set", "--threshold", "40",
                  "--action", "none")
    assert policy["action"] == "none" and policy["scope"] == "ledger"
    dry = skms(home, "threats", "scan", "--dry-run")
    ours = [f for f in dry["findings"] if f["subject_id"] == key_id]
    assert ours and max(f["score"] for f in ours) >= 40 and dry["recorded"] == []
    assert any(f["kind"] == "actor" for f in dry["findings"])
    done = skms(home, "threats", "scan")
    assert len(done["recorded"]) == 1 and done["suspended_keys"] == []
    assert skms(home, "threats", "scan")["recorded"] == []
    rows = skms(home, "report", "threats")
    rows = rows["rows"] if isinstance(rows, dict) else rows
    (row,) = rows
    assert row["key_id"] == key_id and row["score"] >= 40 and row["suspended"] is False
    assert row["finding_id"] == done["recorded"][0] and row["key_state"] == "active"
