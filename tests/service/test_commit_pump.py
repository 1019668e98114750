"""The commit pump: outcomes of decided commands come back on the loop that submitted them."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from typing import Any

import pytest

from commands.handlers import signing_decision
from commands.service.commit_pump import CommitPump
from commands.session import Session
from ledger.application import Pending, now_micros
from ledger.command import Command, SignedCommand
from ledger.crypto.memory import zeroize
from ledger.errors import StoreUnavailable
from tests.ledger.conftest import create_key, failing_appends
from tests.ledger.conftest import session as session  # the fixture, shared


def decided(session: Session, key_id: str, message: bytes) -> Pending[Any]:
    identity = session.home.identity("bob")
    command = Command("Sign", identity.actor_id, "default",
                      {"key_id": key_id, "message_digest": hashlib.sha256(message).hexdigest()},
                      now_micros())
    key = session.home.identity_key("bob", session.kek())
    try:
        signed: SignedCommand = command.sign(key)
    finally:
        zeroize(key)
    pending = session.ledger().begin(signed, signing_decision(signed, message, None))
    assert pending is not None
    return pending


def run_pump(pending: list[Pending[Any]], pump: CommitPump) -> list[tuple[Any, Any, int]]:
    """Submit from a loop; wait for every callback; return (outcome, error, thread id)."""
    async def main() -> list[tuple[Any, Any, int]]:
        loop = asyncio.get_running_loop()
        received: list[tuple[Any, Any, int]] = []
        finished = loop.create_future()

        def done(outcome: Any, error: Any) -> None:
            received.append((outcome, error, threading.get_ident()))
            if len(received) == len(pending):
                finished.set_result(None)

        for item in pending:
            pump.submit(item, done)
        await asyncio.wait_for(finished, 30)
        return received

    return asyncio.run(main())


def test_outcomes_come_back_durable_on_the_submitting_loop(session: Session) -> None:
    key_id = create_key(session)
    pending = [decided(session, key_id, f"m{n}".encode()) for n in range(5)]
    pump = CommitPump()
    try:
        received = run_pump(pending, pump)
    finally:
        pump.stop()
    assert {thread for _, _, thread in received} == {threading.get_ident()}
    assert all(error is None for _, error, _ in received)
    seqs = sorted(outcome.seqs[0] for outcome, _, _ in received)
    assert seqs == sorted(p.outcome.seqs[0] for p in pending if p.outcome)
    store, _ = session.store()
    stored = {e.seq: e.event_type for e in store.read("default")}
    assert all(stored[seq] == "SignatureIssued" for seq in seqs)


def test_a_failed_commit_reaches_the_callback(session: Session) -> None:
    key_id = create_key(session)
    pending = decided(session, key_id, b"not durable")
    pump = CommitPump()
    try:
        with failing_appends(session.ledger().store):
            [(outcome, error, _)] = run_pump([pending], pump)
    finally:
        pump.stop()
    assert outcome is None and isinstance(error, StoreUnavailable)


def test_stop_finishes_what_was_submitted(session: Session) -> None:
    key_id = create_key(session)
    pending = decided(session, key_id, b"last one")
    pump = CommitPump()

    async def main() -> Any:
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        pump.submit(pending, lambda outcome, error: answer.set_result((outcome, error)))
        await loop.run_in_executor(None, pump.stop)  # returns once the pump has ended
        with pytest.raises(RuntimeError):
            pump.submit(pending, lambda outcome, error: None)
        return await asyncio.wait_for(answer, 30)

    outcome, error = asyncio.run(main())
    assert error is None and outcome.seqs
