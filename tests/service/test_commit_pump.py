"""The commit pump: outcomes of decided commands come back on the loop that submitted them."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from commands.handlers import begin
from commands.service.commit_pump import CommitPump
from commands.service.config import ServiceConfig
from commands.session import Session
from ledger.application import Pending, now_micros
from ledger.command import Command, SignedCommand
from ledger.crypto.memory import zeroize
from ledger.errors import ConfigurationError, StoreUnavailable
from tests.ledger.conftest import create_key, failing_appends
from tests.ledger.conftest import session as session  # the fixture, shared
from tests.service.conftest import Running


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
    pending = begin(session.ledger(), signed, {"message": message})
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


def count_appends(store: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Envelopes per store transaction, recorded as the pump commits."""
    sizes: list[int] = []
    original = store.append

    def counting(chain_id: str, envelopes: Any, **kwargs: Any) -> None:
        sizes.append(len(envelopes))
        original(chain_id, envelopes, **kwargs)

    monkeypatch.setattr(store, "append", counting)
    return sizes


def submit_apart(pump: CommitPump, first: Pending[Any],
                 second: Callable[[], Pending[Any]], gap_s: float) -> list[Any]:
    """Submit ``first``; ``gap_s`` later decide ``second`` and submit it; return both
    errors once done."""
    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        answers = [loop.create_future(), loop.create_future()]
        pump.submit(first, lambda o, e: answers[0].set_result(e))
        await asyncio.sleep(gap_s)
        pump.submit(second(), lambda o, e: answers[1].set_result(e))
        return list(await asyncio.wait_for(asyncio.gather(*answers), 30))

    return asyncio.run(main())


@pytest.mark.parametrize("expect_more", [True, False])
def test_with_more_requests_in_flight_the_pump_gathers_them_into_one_commit(
        session: Session, monkeypatch: pytest.MonkeyPatch, expect_more: bool) -> None:
    key_id = create_key(session)
    first = decided(session, key_id, b"first")
    sizes = count_appends(session.ledger().store, monkeypatch)
    asked: list[int] = []

    def more(queued: int) -> bool:
        asked.append(queued)
        return expect_more

    pump = CommitPump(gather_s=1.0, expect_more=more)
    try:
        assert submit_apart(pump, first, lambda: decided(session, key_id, b"second"),
                            gap_s=0.2) == [None, None]
    finally:
        pump.stop()
    assert asked[0] == 1  # asked with the one command queued when it woke
    # Gathering: the second sign, decided 0.2 s later, shares the first one's commit.
    # Not expecting more: the first was committed alone, at once.
    assert sizes == ([2] if expect_more else [1, 1])


def test_a_request_alone_is_committed_without_waiting(session: Session) -> None:
    """With a gather window longer than the test's own 30 s bound, nothing may wait for it."""
    key_id = create_key(session)
    pump = CommitPump(gather_s=60.0, expect_more=lambda queued: False)
    try:
        [(outcome, error, _)] = run_pump([decided(session, key_id, b"alone")], pump)
    finally:
        pump.stop()
    assert error is None and outcome.seqs


def test_the_service_pump_gathers_only_while_other_requests_are_in_flight(
        fresh_service: Running) -> None:
    core = fresh_service.server.core
    expect_more = core._pump._expect_more  # what the service's pump asks when it wakes
    assert expect_more is not None
    with fresh_service.client("auditor") as auditor:
        auditor.whoami()  # every request finished is counted out again
    for _ in range(500):  # the server counts it out just after the response has left
        if core.metrics.requests_in_flight == 0:
            break
        time.sleep(0.01)
    assert core.metrics.requests_in_flight == 0
    core.metrics.request_started()
    try:
        assert not expect_more(1)  # the one request in flight is the one queued: commit
        core.metrics.request_started()
        try:
            assert expect_more(1)  # another request may bring a decision: gather
            assert not expect_more(2)
        finally:
            core.metrics.request_finished()
    finally:
        core.metrics.request_finished()
    assert core.metrics.requests_in_flight == 0


@pytest.mark.parametrize("seconds", [-0.001, 0.5])
def test_a_gather_window_out_of_range_is_refused(tmp_path: Any, seconds: float) -> None:
    with pytest.raises(ConfigurationError) as refused:
        ServiceConfig(home=tmp_path, commit_gather_s=seconds).check()
    assert refused.value.field == "commit-gather-ms"
