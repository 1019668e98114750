"""Fixtures: a real ledger in a temporary home on the SQLite store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from commands.session import Session
from ledger.errors import StoreUnavailable
from ledger.home import Home
from ledger.stores.base import EventStore

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
    return str(outcome.result["key_id"])


def run_approved(session: Session, requester: str, approver: str, command_type: str,
                 **params: Any) -> Any:
    """Run a command; when the ledger holds it for approval (ExportKey and ReleaseEscrow
    wait for one approver by default), approve it as ``approver`` and, for a command whose
    result only its requester may see, send it again. Returns the command's result."""
    result = session.run(requester, command_type, **params).result
    if not (isinstance(result, dict) and result.get("status") == "pending"):
        return result
    decision = session.run(approver, "ApproveRequest", approval_id=result["approval_id"]).result
    assert isinstance(decision, dict), decision
    if decision.get("result") is not None:
        return decision["result"]
    assert decision["status"] == "approved", decision
    return session.run(requester, command_type, **params).result


@contextmanager
def lock_held_elsewhere(lock: Any) -> Iterator[None]:
    """``lock`` held by another thread for the duration of the block."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        yield
    finally:
        release.set()
        holder.join()


@contextmanager
def failing_appends(store: EventStore) -> Iterator[None]:
    """Every ``store.append`` inside the block raises ``StoreUnavailable``."""
    original = store.append

    def broken(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable("disk on fire")

    store.append = broken  # type: ignore[method-assign]
    try:
        yield
    finally:
        store.append = original  # type: ignore[method-assign]
