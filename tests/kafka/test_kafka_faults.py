"""Faults on a real cluster: a killed writer, a second writer, a dead broker, frozen brokers.

What each test holds the ledger on Kafka to (the promises of ``ledger.stores.base`` and
``ledger.application``, seen from outside):

* nothing acknowledged is ever lost, nothing is applied twice, no command is half-stored;
* the chain still verifies (``Auditor``) and has one seq per position (no fork);
* a writer that cannot be sure its events are durable refuses to answer (fail closed);
* after the fault the same command id can be retried, and a restarted writer continues.

Every loop is bounded in count and time, and every test that disturbs the brokers puts the
3-node cluster back (``restore_cluster``) in ``finally`` so later tests find it healthy.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from commands.handlers import execute
from ledger.application import Outcome
from ledger.audit import Auditor
from ledger.crypto.schemes import get_scheme
from ledger.envelope import open_envelope
from ledger.errors import StoreUnavailable, WriterFenced
from ledger.stores.base import StoredEnvelope
from tests.kafka.conftest import delete_topics, require_broker
from tests.kafka.kafka_burst_writer import POINTS
from tests.kafka.kafka_ledger import (
    NODES,
    assert_gapless,
    assert_whole_commands,
    execute_retrying,
    fresh_store,
    init_ledger,
    kafka_sh,
    partition_leader,
    presign,
    presign_sign,
    require_three_brokers,
    restore_cluster,
    store_url,
    within,
)
from tests.ledger.conftest import new_session
from tests.vectors import REPO_ROOT

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
require_broker(module_level=True)

EVENTS_PER_COMMAND = {"CreateKey": 2, "Sign": 1}
Acks = set[tuple[str, int]]


@pytest.fixture
def kafka_ledger(tmp_path: Path, kafka_bootstrap: str, kafka_prefix: str,
                 kafka_admin: object) -> Iterator[tuple[Path, str]]:
    """A ledger home on a fresh prefix with small store timeouts (topics deleted after)."""
    url = store_url(kafka_bootstrap, kafka_prefix, timeout_ms=4000,
                    transaction_timeout_ms=10_000)
    home = tmp_path / "home"
    init_ledger(home, url, checkpoint_every_events=16)
    yield home, url
    delete_topics(kafka_admin, kafka_prefix)


# --------------------------------------------------------------------------- writer processes


class Writer:
    """A burst writer process whose ACK lines are collected by a thread (never blocks)."""

    def __init__(self, home: Path, *kill_at: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.kafka.kafka_burst_writer", str(home), *kill_at],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        self.acks: list[tuple[str, list[int]]] = []
        self.stderr = ""
        self._readers = [threading.Thread(target=self._read_acks, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read_acks(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("ACK "):
                _, chain, seqs = line.split()
                self.acks.append((chain, [int(s) for s in seqs.split(",")]))

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()

    def wait_for_acks(self, count: int, within_s: float) -> None:
        deadline = time.monotonic() + within_s
        while len(self.acks) < count and self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"the writer acknowledged {len(self.acks)} commands in "
                                     f"{within_s:.0f} s, expected {count}")
            time.sleep(0.02)

    def finish(self, within_s: float = 60) -> int:
        """Wait for the process to end (killing it after ``within_s``); its return code."""
        try:
            code = self.process.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            raise AssertionError(f"the writer did not stop within {within_s:.0f} s") from None
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    def acknowledged(self) -> Acks:
        return {(chain, seq) for chain, seqs in self.acks for seq in seqs}

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        """Never leave a writer running behind a failed test (its topics are deleted next)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def check_log(url: str, acknowledged: Acks) -> dict[str, int]:
    """What a restarted process reads: audited, gapless, whole commands, every ack present."""
    with fresh_store(url) as store:
        Auditor(store).verify()
        sizes = assert_gapless(store)
        stored = {(c, e.seq) for c in store.chains() for e in store.read(c)}
        lost = sorted(acknowledged - stored)
        assert not lost, f"acknowledged events lost: {lost[:10]}"
        if "default" in sizes:
            assert_whole_commands(store, "default", EVENTS_PER_COMMAND)
        return sizes


# --------------------------------------------------------------------------- the writer dies


def test_sigkill_mid_transaction_loses_and_duplicates_nothing(
        kafka_ledger: tuple[Path, str]) -> None:
    home, url = kafka_ledger
    rng = random.Random(20261130)
    # Random instants (wherever the writer happens to be) and the three transaction points.
    rounds: list[tuple[str, ...]] = [()] * 4 + [(p, str(rng.randint(2, 10))) for p in POINTS]
    rng.shuffle(rounds)
    acknowledged: Acks = set()
    sizes: list[int] = []
    for kill_at in rounds:
        with Writer(home, *kill_at) as writer:
            if not kill_at:
                writer.wait_for_acks(1, within_s=60)
                time.sleep(rng.uniform(0.05, 1.5))
                writer.process.send_signal(signal.SIGKILL)
            code = writer.finish()
        assert code == -signal.SIGKILL, f"writer {kill_at} exited {code}: {writer.stderr[-3000:]}"
        acknowledged |= writer.acknowledged()
        sizes.append(sum(check_log(url, acknowledged).values()))
    assert len(acknowledged) > 20, "the writer barely ran; the test proved nothing"
    assert sizes == sorted(sizes)

    # A restarted writer continues the chain (and settles what the last one left open).
    again = new_session(home)
    try:
        key_id = again.act("alice", "CreateKey", "default",
                               {"algorithm": "ecdsa-p256"}).result["key_id"]
        outcome = again.sign("bob", key_id, b"after the crashes")
        acknowledged |= {(outcome.chain_id, s) for s in outcome.seqs}
    finally:
        again.close()
    check_log(url, acknowledged)


# --------------------------------------------------------------------------- two writers


def test_a_second_writer_fences_the_first(kafka_ledger: tuple[Path, str]) -> None:
    home, url = kafka_ledger
    with (Writer(home) as first,  # a running writer process on chain "default"
          closing(new_session(home)) as second, closing(new_session(home)) as third):
        first.wait_for_acks(5, within_s=60)
        ledger = second.ledger()
        # Taking over: the first append makes the chain's transactional producer, which
        # fences the older one. The second writer's view may be behind the first's last
        # commits (ConcurrencyError), so it retries the same command id.
        created = execute_retrying(ledger, presign(second, "alice", "CreateKey", "default",
                                                   {"algorithm": "ed25519"}))
        key_id = str(created.result["key_id"])
        code = first.finish(within_s=60)
        assert code == 1, f"the fenced writer should stop with an error, exited {code}"
        assert "WriterFenced" in first.stderr and "another writer" in first.stderr, (
            first.stderr[-3000:])
        second.sign("bob", key_id, b"the new writer owns the chain")

        # The same through the API: a third writer takes over; the second is told clearly,
        # every time, and nothing it tried is stored.
        third.sign("bob", key_id, b"third writer")
        refused = presign_sign(second, "bob", key_id, b"from a fenced writer")
        for _ in range(2):
            with pytest.raises(WriterFenced) as fenced:
                execute(ledger, refused, {"message": b"from a fenced writer"})
            assert "another writer" in fenced.value.message
            assert "stop this writer" in fenced.value.hint
        third.sign("bob", key_id, b"the third writer goes on")
        with fresh_store(url) as store:
            assert store.seqs_for_command("default", refused.command.command_id) == []
        check_log(url, first.acknowledged())


# --------------------------------------------------------------------------- broker faults


def test_killing_one_of_three_brokers_loses_no_acknowledged_event(
        kafka_ledger: tuple[Path, str]) -> None:
    require_three_brokers()
    home, url = kafka_ledger
    session = new_session(home)
    killed, done = threading.Event(), threading.Event()
    acked: list[tuple[Outcome[object], bool]] = []  # (outcome, started after the kill)
    errors: list[Exception] = []
    killer: threading.Thread | None = None
    try:
        key_id = session.act("alice", "CreateKey", "default",
                                 {"algorithm": "ed25519"}).result["key_id"]
        ledger = session.ledger()
        prefix = url.split("prefix=", 1)[1].split("&", 1)[0]
        victim = partition_leader(url, f"{prefix}.default.events")  # the chain's leader

        def kill_during_the_burst() -> None:
            deadline = time.monotonic() + 60
            while len(acked) < 8 and time.monotonic() < deadline:
                if done.is_set():
                    return  # the burst failed before the fault: nothing to inject
                time.sleep(0.01)
            kafka_sh("kill-broker", str(victim), "--nodes", str(NODES))
            killed.set()

        killer = threading.Thread(target=kill_during_the_burst, daemon=True)
        killer.start()
        deadline = time.monotonic() + 150
        for number in range(400):
            after_kill = killed.is_set()
            if sum(after for _, after in acked) >= 12 or time.monotonic() > deadline:
                break
            message = f"burst {number}".encode()
            signed = presign_sign(session, "bob", key_id, message)
            outcome = execute_retrying(ledger, signed, message=message, errors=errors)
            acked.append((outcome, after_kill))
        killer.join(timeout=120)
        assert killed.is_set(), "the broker was never killed"
        assert sum(after for _, after in acked) >= 12, (
            f"only {sum(after for _, after in acked)} commands succeeded after the kill")
        acknowledged = {(o.chain_id, s) for o, _ in acked for s in o.seqs}
        check_log(url, acknowledged)
    finally:
        done.set()
        session.close()
        if killer is not None:
            killer.join(timeout=120)
        restore_cluster()


def test_frozen_brokers_fail_closed_then_recover(kafka_ledger: tuple[Path, str]) -> None:
    require_three_brokers()
    home, url = kafka_ledger
    session = new_session(home)
    try:
        key_id = session.act("alice", "CreateKey", "default",
                                 {"algorithm": "ed25519"}).result["key_id"]
        public_key = session.ledger().key(key_id).versions[1]["public_key"]
        session.sign("bob", key_id, b"before the freeze")
        ledger = session.ledger()
        store = session.store()[0]
        messages = [b"signed while frozen", b"sent while still frozen"]
        commands = [presign_sign(session, "bob", key_id, m) for m in messages]

        # Freeze every broker at the worst moment: the signature exists in memory and only
        # the append of its event stands between it and the caller.
        real_append = store.append
        armed = [True]

        def append_into_a_frozen_cluster(chain_id: str, envelopes: list[StoredEnvelope], *,
                                         expected_seq: int,
                                         prev_hash: bytes | None = None) -> None:
            if armed[0]:
                armed[0] = False
                for node in range(1, NODES + 1):
                    kafka_sh("stop-broker", str(node), "--nodes", str(NODES))
            real_append(chain_id, envelopes, expected_seq=expected_seq, prev_hash=prev_hash)

        store.append = append_into_a_frozen_cluster  # type: ignore[method-assign]
        try:
            for signed, message in zip(commands, messages, strict=True):
                with pytest.raises(StoreUnavailable) as failed:
                    within(120, "a command on frozen brokers",
                           lambda s=signed, m=message: execute(ledger, s, {"message": m}))
                assert "Kafka" in failed.value.message and failed.value.hint
            assert not armed[0], "the freeze never happened"
        finally:
            store.append = real_append  # type: ignore[method-assign]
            restore_cluster()

        # After the thaw each failed command is either wholly in the log or absent ...
        with fresh_store(url) as fresh:
            for signed in commands:
                assert len(fresh.seqs_for_command("default", signed.command.command_id)) in (0, 1)
        # ... and retrying the same command id lands it exactly once.
        for signed, message in zip(commands, messages, strict=True):
            outcome = execute_retrying(ledger, signed, message=message)
            if not outcome.replayed:
                get_scheme("ed25519").verify(public_key, message,
                                             bytes.fromhex(outcome.result["signature"]))
        with fresh_store(url) as fresh:
            for signed, message in zip(commands, messages, strict=True):
                seqs = fresh.seqs_for_command("default", signed.command.command_id)
                assert len(seqs) == 1
                (stored,) = fresh.read("default", seqs[0], seqs[0] + 1)
                record = open_envelope(stored).event()
                assert record["message_digest"] == hashlib.sha256(message).digest()
        session.sign("bob", key_id, b"after the thaw")
        check_log(url, set())
    finally:
        session.close()
