"""Helpers for the ledger-level Kafka tests: a ledger home on a Kafka prefix, pre-signed
commands retried under their own command id, reading the log back, and the cluster controls
of ``tools/kafka/kafka.sh`` for the fault tests.

Why pre-signed commands: the ledger makes a retried command id idempotent only when the very
same signed bytes come back, so a test that retries after a store failure must keep the
``SignedCommand`` it sent first instead of asking the session for a fresh one.

Why every wait here has a count and a deadline: a fault test that hangs teaches nothing and
blocks ``make test``; each loop gives up with a message naming what it was waiting for.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from commands.handlers import execute
from commands.session import Session, now_micros
from ledger.application import Ledger, Outcome
from ledger.command import Command, SignedCommand, parse_command
from ledger.crypto.memory import zeroize
from ledger.envelope import open_envelope
from ledger.errors import ConcurrencyError, StoreUnavailable
from ledger.stores.kafka import KafkaEventStore
from tests.kafka.conftest import require_broker
from tests.ledger.conftest import new_session
from tests.vectors import REPO_ROOT, in_ci

KAFKA_SH = REPO_ROOT / "tools" / "kafka" / "kafka.sh"
NODES = 3
SYSTEM_EVENTS = ("CheckpointPublished", "CommandRejected")
"""Events the ledger writes on its own behalf: never part of an actor's command."""


def store_url(bootstrap: str, prefix: str, *, timeout_ms: int = 20_000,
              transaction_timeout_ms: int | None = None) -> str:
    url = f"kafka://{bootstrap}?prefix={prefix}&timeout_ms={timeout_ms}"
    if transaction_timeout_ms is not None:
        url += f"&transaction_timeout_ms={transaction_timeout_ms}"
    return url


def init_ledger(home: Path, url: str, *, checkpoint_every_events: int = 8) -> None:
    """A ledger with alice (key-manager), bob (signer) and carol (auditor) on ``url``."""
    session = new_session(home, url)
    try:
        session.initialize(name="kafka", checkpoint_every_events=checkpoint_every_events)
        session.add_actor("admin", "alice", ["key-manager"], ["*"])
        session.add_actor("admin", "bob", ["signer"], ["*"])
        session.add_actor("admin", "carol", ["auditor"], ["*"])
    finally:
        session.close()


# --------------------------------------------------------------------------- commands


def presign(session: Session, actor: str, command_type: str, chain_id: str,
            args: Mapping[str, Any]) -> SignedCommand:
    """A command signed by ``actor`` now, to be executed (and retried) later."""
    identity = session.home.identity(actor)
    secret = session.home.identity_key(actor, session.kek())
    try:
        return Command(command_type, identity.actor_id, chain_id, dict(args),
                       now_micros()).sign(secret)
    finally:
        zeroize(secret)


def presign_sign(session: Session, actor: str, key_id: str, message: bytes) -> SignedCommand:
    import hashlib

    domain = session.ledger().key(key_id).domain
    return presign(session, actor, "Sign", domain, {
        "key_id": key_id, "message_digest": hashlib.sha256(message).hexdigest()})


def execute_retrying(ledger: Ledger, signed: SignedCommand, *, message: bytes | None = None,
                     attempts: int = 12, within_s: float = 90.0,
                     errors: list[Exception] | None = None) -> Outcome[Any]:
    """Execute ``signed``; on ``StoreUnavailable``/``ConcurrencyError`` retry the SAME command.

    Those two are what a writer meets while the cluster fails over: the first says nothing
    was acknowledged, the second that the ledger's view was behind (an in-doubt commit that
    landed after all). The same command id makes the retry safe: the ledger reloads and
    either finds the command's events (``replayed``) or applies it once. Every other error is
    raised at once. ``errors`` collects the errors met on the way.
    """
    deadline = time.monotonic() + within_s
    for attempt in range(1, attempts + 1):
        try:
            return execute(ledger, signed, None if message is None else {"message": message})
        except (StoreUnavailable, ConcurrencyError) as exc:
            if errors is not None:
                errors.append(exc)
            if attempt == attempts or time.monotonic() > deadline:
                raise AssertionError(
                    f"command {signed.command.command_id} still failing after {attempt} "
                    f"attempts: {type(exc).__name__}: {exc.message}") from exc
            time.sleep(min(0.2 * attempt, 1.0))
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- reading back


@contextmanager
def fresh_store(url: str) -> Iterator[KafkaEventStore]:
    """A new store instance: what a restarted process (or an auditor) sees."""
    store = KafkaEventStore.from_url(url)
    try:
        yield store
    finally:
        store.close()


def command_events(store: KafkaEventStore, chain_id: str) -> dict[str, list[tuple[int, str]]]:
    """(seq, event type) of every actor command's events, by command id."""
    found: dict[str, list[tuple[int, str]]] = {}
    for stored in store.read(chain_id):
        envelope = open_envelope(stored)
        if envelope.event_type in SYSTEM_EVENTS:
            continue
        command = parse_command(envelope.command)
        found.setdefault(command.command_id, []).append((stored.seq, envelope.event_type))
    return found


def command_types(store: KafkaEventStore, chain_id: str) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for stored in store.read(chain_id):
        envelope = open_envelope(stored)
        if envelope.event_type not in SYSTEM_EVENTS:
            kinds[envelope.command_id] = parse_command(envelope.command).command_type
    return kinds


def assert_whole_commands(store: KafkaEventStore, chain_id: str,
                          events_per_command: Mapping[str, int]) -> Counter[str]:
    """Every command's events are there exactly once, consecutive: none partial, none twice."""
    kinds = command_types(store, chain_id)
    per_type: Counter[str] = Counter()
    for command_id, events in command_events(store, chain_id).items():
        expected = events_per_command[kinds[command_id]]
        seqs = [seq for seq, _ in events]
        assert len(seqs) == expected, (
            f"command {command_id} ({kinds[command_id]}) has {len(seqs)} events, expected "
            f"{expected}: partial or duplicated")
        assert seqs == list(range(seqs[0], seqs[0] + expected)), (
            f"command {command_id} is split over seqs {seqs}")
        per_type[kinds[command_id]] += 1
    return per_type


def assert_gapless(store: KafkaEventStore) -> dict[str, int]:
    """Seqs 0..n-1 once each in every chain, event hashes unique: the log has no fork."""
    sizes: dict[str, int] = {}
    for chain_id in store.chains():
        stored = list(store.read(chain_id))
        assert [e.seq for e in stored] == list(range(len(stored))), chain_id
        assert len({e.event_hash for e in stored}) == len(stored), chain_id
        sizes[chain_id] = len(stored)
    return sizes


# --------------------------------------------------------------------------- the cluster


def require_three_brokers() -> str:
    """The bootstrap of the 3-node cluster; skip (or fail when ``CI=true``) without it.

    The fault tests stop and kill brokers through ``tools/kafka/kafka.sh``, so they need the
    cluster that script runs, not just any broker.
    """
    bootstrap = require_broker()
    hosts = [h for h in bootstrap.split(",") if h.strip()]
    problem = None
    if len(hosts) < NODES:
        problem = (f"SKMS_KAFKA_BOOTSTRAP={bootstrap} names {len(hosts)} broker(s); the fault "
                   f"tests need the {NODES}-node cluster of tools/kafka/kafka.sh up --nodes 3")
    elif kafka_sh("status", "--nodes", str(NODES), check=False).returncode != 0:
        problem = "tools/kafka/kafka.sh status --nodes 3 reports no running 3-node cluster"
    if problem is not None:
        if in_ci():
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    return bootstrap


def kafka_sh(*args: str, check: bool = True,
             timeout_s: float = 150) -> subprocess.CompletedProcess[str]:
    """Run ``tools/kafka/kafka.sh`` (bounded); ``check`` fails the test on a non-zero exit.

    ``timeout_s`` exceeds the script's own readiness bound (``SKMS_KAFKA_READY_TIMEOUT``,
    120 s) so that ``wait`` reports its own, more useful, error first.
    """
    result = subprocess.run(["bash", str(KAFKA_SH), *args], capture_output=True, text=True,
                            timeout=timeout_s, cwd=REPO_ROOT)
    if check and result.returncode != 0:
        raise AssertionError(f"kafka.sh {' '.join(args)} failed ({result.returncode}): "
                             f"{result.stderr[-2000:]}")
    return result


def restore_cluster() -> None:
    """Every node running and not frozen, then ready: later tests find a healthy cluster."""
    for node in range(1, NODES + 1):
        kafka_sh("cont-broker", str(node), "--nodes", str(NODES), check=False)
    for node in range(1, NODES + 1):
        kafka_sh("start-broker", str(node), "--nodes", str(NODES), check=False)
    kafka_sh("wait", "--nodes", str(NODES))


def partition_leader(url: str, topic: str) -> int:
    """The node id leading ``topic``'s partition 0 (node N of kafka.sh has id N)."""
    from kafka import KafkaAdminClient

    bootstrap = url.removeprefix("kafka://").split("?", 1)[0]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="skms-tests",
                             request_timeout_ms=20_000)
    try:
        (described,) = admin.describe_topics([topic])
        return int(described["partitions"][0]["leader_id"])
    finally:
        admin.close()


def within(seconds: float, what: str, call: Callable[[], Any]) -> Any:
    """Run ``call`` in a thread and fail if it has not returned after ``seconds``.

    A liveness guard, not a timing assertion: a store that blocks forever when the brokers
    hang is the bug the freeze test looks for, and it must fail, not hang the suite.
    """
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"bounded: {what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise AssertionError(f"{what} did not return within {seconds:.0f} s: it hangs")
    if "error" in box:
        raise box["error"]
    return box.get("value")
