"""Fixtures: a real ledger on SQLite with a key-manager, a key user and an auditor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commands.session import Session
from tests.ledger.conftest import new_session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """alice (key-manager), bob (signer: the key-user role), carol (auditor)."""
    current = new_session(tmp_path / "home")
    current.initialize(name="symmetric", checkpoint_every_events=8)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    current.add_actor("admin", "carol", ["auditor"], ["*"])
    yield current
    current.close()


def create(session: Session, algorithm: str, **args: object) -> str:
    return session.act("alice", "CreateKey", "default", {"algorithm": algorithm,
                                                             **args}).result["key_id"]
