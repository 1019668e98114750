"""Fixtures: a real ledger on SQLite with a requester, approvers in and out of its domain,
and helpers to read what the log holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.session import Session
from ledger.audit import Auditor
from ledger.envelope import Envelope, open_envelope
from tests.ledger.conftest import new_session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    """alice (key-manager), ann, ben and cy (approvers everywhere), dora (approver in
    'other' only), bob (signer)."""
    current = new_session(tmp_path / "home")
    current.initialize(name="approvals", checkpoint_every_events=1000)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    for name in ("ann", "ben", "cy"):
        current.add_actor("admin", name, ["approver"], ["*"])
    current.add_actor("admin", "dora", ["approver"], ["other"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    yield current
    current.close()


def actor_id(session: Session, name: str) -> str:
    return str(session.home.identity(name).actor_id)


def create_key(session: Session, domain: str = "default", **args: Any) -> str:
    return str(session.act("alice", "CreateKey", domain,
                           {"algorithm": "ed25519", **args}).result["key_id"])


def envelopes(session: Session, chain: str = "default") -> list[Envelope]:
    store, _ = session.store()
    return [open_envelope(e) for e in store.read(chain)]


def audit(session: Session) -> None:
    Auditor(session.store()[0]).verify()
