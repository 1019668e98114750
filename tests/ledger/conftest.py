"""Fixtures: a real ledger in a temporary home on the SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commands.session import Session
from ledger.home import Home

PASSPHRASE = "test passphrase, not secret"


def new_session(home: Path, store_url: str | None = None) -> Session:
    return Session(Home(home, store_url), passphrase=bytearray(PASSPHRASE.encode()))


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """An initialized ledger with alice (key-manager), bob (signer), carol (auditor)."""
    current = new_session(tmp_path / "home")
    current.initialize(name="test", checkpoint_every_events=8)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    current.add_actor("admin", "carol", ["auditor"], ["*"])
    yield current
    current.close()


def create_key(session: Session, algorithm: str = "ed25519", domain: str = "default",
               **args: object) -> str:
    outcome = session.act("alice", "CreateKey", domain, {"algorithm": algorithm, **args})
    return str(outcome.result)
