"""``restore_home`` refusals (commands.home_restore): a restore writes into a new, empty
home only, reads a real bundle and a log copy that holds a ledger, and undoes its writes
when the target store is not empty."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from commands.home_restore import restore_home
from ledger.errors import ConfigurationError, InvalidInput
from ledger.home import Home
from tests.custody.test_whole_ledger_restore import NEW_PASSPHRASE, lost  # noqa: F401
from tests.ledger.conftest import new_session


def restore(home: Home, lost: dict[str, Any], **changes: Any) -> dict[str, Any]:  # noqa: F811
    params: dict[str, Any] = {
        "bundle": lost["bundle"].read_bytes(),
        "shares": [lost["shares"][0].read_bytes(), lost["shares"][1].read_bytes()],
        "source_url": lost["log"], "actor": "admin", **changes}
    return restore_home(home, bytearray(NEW_PASSPHRASE.encode()), **params)


def test_a_restore_never_writes_into_an_existing_home(lost: dict[str, Any],  # noqa: F811
                                                      tmp_path: Path) -> None:
    existing = new_session(tmp_path / "existing")
    existing.initialize(name="existing")
    existing.close()
    with pytest.raises(ConfigurationError) as refused:
        restore(Home(tmp_path / "existing"), lost)
    assert refused.value.message == f"a ledger home already exists at {tmp_path / 'existing'}"
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(ConfigurationError) as not_empty:
        restore(Home(busy), lost)
    assert (not_empty.value.field, not_empty.value.message) == ("home", f"{busy} is not empty")
    assert (busy / "notes.txt").read_text() == "mine"


def test_the_bundle_and_the_log_copy_are_checked_first(lost: dict[str, Any],  # noqa: F811
                                                       tmp_path: Path) -> None:
    target = tmp_path / "new-home"
    with pytest.raises(InvalidInput) as garbled:
        restore(Home(target), lost, bundle=b"{not json")
    assert (garbled.value.field, garbled.value.message) == ("bundle", "not a JSON document")
    with pytest.raises(InvalidInput) as share:
        restore(Home(target), lost, shares=[b"[not json"])
    assert (share.value.field, share.value.message) == ("shares", "not a JSON document")
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(InvalidInput) as no_ledger:
        restore(Home(target), lost, source_url=f"sqlite:///{empty}")
    assert (no_ledger.value.field, no_ledger.value.message) == (
        "from", "the log copy holds no ledger")
    assert not target.exists()


def test_a_target_store_holding_a_ledger_is_refused_and_the_home_undone(
        lost: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    given = tmp_path / "given"
    given.mkdir()
    with pytest.raises(ConfigurationError) as refused:
        restore(Home(given, lost["log"]), lost)
    assert refused.value.field == "store"
    assert "already holds a ledger" in refused.value.message
    assert given.is_dir() and list(given.iterdir()) == []  # the given folder stays, empty
