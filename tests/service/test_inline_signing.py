"""Signing commands are decided on the event loop; everything else, and a signing command
that finds the ledger busy, goes to the worker pool with the same results."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from commands.sdk.client import ApiError
from commands.sdk.grpc_client import GrpcClient
from commands.service.limits import Limits
from ledger.stores.sqlite import SQLiteEventStore
from tests.ledger.conftest import lock_held_elsewhere
from tests.service.conftest import Running, start


class CountingPool(ThreadPoolExecutor):
    """The core's worker pool, counting the work handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="counted")
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def pool(fresh_service: Running, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingPool]:
    counting = CountingPool()
    monkeypatch.setattr(fresh_service.server.core, "executor", counting)
    yield counting
    counting.shutdown(wait=True)


def _grpc(running: Running, name: str) -> GrpcClient:
    actor = running.actors[name]
    return GrpcClient(running.grpc_target, actor.actor_id, actor.private_key, ca=running.ca)


def test_signs_are_decided_without_the_worker_pool(fresh_service: Running,
                                                   pool: CountingPool) -> None:
    with fresh_service.client("key-manager") as km:
        before = pool.submitted
        key_id = km.create_key("ed25519").result["key_id"]
        assert pool.submitted > before  # other commands still run on the pool
    with fresh_service.client("signer") as signer, _grpc(fresh_service, "signer") as remote:
        signer._domains[key_id] = remote._domains[key_id] = "default"  # no key lookups
        before = pool.submitted
        single = signer.sign(key_id, b"on the loop")
        batch = signer.sign_batch(key_id, [b"a", b"b", b"c"])
        reply = remote.sign(key_id, b"over gRPC")
        remote_batch = remote.sign_batch(key_id, [b"d", b"e"])
        assert pool.submitted == before, "a signing request went through the worker pool"
        assert signer.verify(key_id, b"on the loop",
                             bytes.fromhex(single.result["signature"]))["valid"]
        assert remote.verify(key_id, b"over gRPC", reply.result["signature"])["valid"]
    assert len(batch.result["signatures"]) == 3 and len(remote_batch.result["signatures"]) == 2
    assert single.result["signature"] != reply.result["signature"]


def test_a_busy_ledger_sends_signs_to_the_pool(fresh_service: Running,
                                               pool: CountingPool) -> None:
    with fresh_service.client("key-manager") as km:
        key_id = km.create_key("ed25519").result["key_id"]
    ledger = fresh_service.server.core.ledger
    result: dict[str, Any] = {}

    def sign() -> None:
        with fresh_service.client("signer") as signer:
            signer._domains[key_id] = "default"
            result["outcome"] = signer.sign(key_id, b"while busy")

    before = pool.submitted
    with lock_held_elsewhere(ledger._lock):
        signing = threading.Thread(target=sign)
        signing.start()
        # The request waits for the lock on a pool thread, not on the event loop: the
        # service keeps answering meanwhile.
        for _ in range(300):
            if pool.submitted > before:
                break
            threading.Event().wait(0.01)
        with fresh_service.client("auditor") as auditor:
            assert auditor.whoami()["actor_id"]
    signing.join(30)
    assert pool.submitted > before
    assert result["outcome"].result["signature"]


def test_a_refused_sign_is_recorded_on_the_inline_path(fresh_service: Running,
                                                       pool: CountingPool) -> None:
    with fresh_service.client("key-manager") as km:
        key_id = km.create_key("ed25519").result["key_id"]
        km.suspend_key(key_id)

    with fresh_service.client("signer") as signer, pytest.raises(ApiError) as refused:
        signer._domains[key_id] = "default"
        before = pool.submitted
        signer.sign(key_id, b"suspended")
    assert refused.value.status == 409 and pool.submitted == before
    ledger = fresh_service.server.core.ledger
    store = ledger.store
    last = list(store.read("default"))[-1]
    assert last.event_type == "CommandRejected"


def test_a_sign_past_the_timeout_still_commits_and_its_retry_gets_the_outcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    running = start(tmp_path / "home", limits=Limits(rate=10_000, burst=10_000,
                                                     request_timeout_s=0.5))
    try:
        with running.client("key-manager") as km:
            key_id = km.create_key("ed25519").result["key_id"]
        original = SQLiteEventStore.append
        slow = threading.Event()

        def slow_append(self: SQLiteEventStore, *args: Any, **kwargs: Any) -> None:
            if slow.is_set():
                time.sleep(1.5)  # past the 0.5 s request timeout
            original(self, *args, **kwargs)

        monkeypatch.setattr(SQLiteEventStore, "append", slow_append)
        with running.client("signer") as signer:
            signer._domains[key_id] = "default"
            prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"slow disk"})
            slow.set()
            with pytest.raises(ApiError) as timed_out:
                signer.send(prepared)
            assert timed_out.value.status == 504
            slow.clear()
            again = None
            for _ in range(60):  # until the first call has settled (its commit is slow)
                try:
                    again = signer.send(prepared)
                    break
                except ApiError as error:
                    if error.status != 504:
                        raise
        assert again is not None
        assert again.replayed is True and again.result["signature"]
        events = [e for e in running.server.core.store.read("default")
                  if e.command_id == prepared.command.command_id]
        assert [e.event_type for e in events] == ["SignatureIssued"]
    finally:
        running.server.stop()
