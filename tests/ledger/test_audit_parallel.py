"""The auditor in worker processes names the same first fault as the auditor in one process.

Real worker processes (spawned, as ``skms audit verify --jobs`` starts them), tiny chunks so
that every fault lands at some chunk's edge or inside one, and every kind of tampering the
single-process tests use, on a ledger whose actors change while its key domains are written
(so identities at each authority seq matter).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.audit import Auditor
from ledger.envelope import Envelope, open_envelope, seal_envelope
from ledger.errors import SkmsError, VerificationError
from ledger.parallel import worker_pool
from ledger.stores.base import StoredEnvelope
from tests.ledger.conftest import create_key, new_session
from tests.ledger.test_tamper import ListStore

Chains = dict[str, list[StoredEnvelope]]


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    executor = worker_pool(2)
    yield executor
    executor.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def ledger_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Chains, dict[str, Any]]:
    session = new_session(tmp_path_factory.mktemp("parallel") / "home")
    session.initialize(name="parallel", checkpoint_every_events=8)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    session.add_actor("admin", "carol", ["auditor"], ["*"])
    keys = [create_key(session, "ed25519"), create_key(session, "ecdsa-p256", "payments")]
    for n in range(12):
        for key_id in keys:
            session.sign("bob", key_id, f"m{n}".encode())
    # An actor who joins, signs, and is revoked: the domains' authority seqs move on.
    session.add_actor("admin", "dave", ["signer"], ["default"])
    for n in range(5):
        session.sign("dave", keys[0], f"d{n}".encode())
    session.act("admin", "RevokeActor", "system",
                {"actor_id": session.ledger().actor("dave").actor_id})
    session.key_command("alice", "RotateKey", keys[0])
    session.act("carol", "RequestCheckpoint", "default", {})
    for n in range(6):
        session.sign("bob", keys[0], f"after{n}".encode())
    store, _ = session.store()
    chains = {c: list(store.read(c)) for c in store.chains()}
    checkpoints = {c: store.checkpoints(c) for c in store.chains()}
    session.close()
    return chains, checkpoints


def outcome(chains: Chains, checkpoints: dict[str, Any], **options: Any) -> Any:
    """The report, or the fault as (type, chain, seq, check, message)."""
    try:
        return Auditor(ListStore(chains, checkpoints), **options).verify().as_dict()
    except VerificationError as exc:
        return (type(exc).__name__, exc.chain, exc.seq, exc.check, exc.message)


def test_the_fixture_has_long_domain_chains_and_a_revoked_actor(ledger_copy) -> None:  # type: ignore[no-untyped-def]
    chains, _ = ledger_copy
    assert len(chains["default"]) >= 25 and len(chains["payments"]) >= 12
    assert any(e.event_type == "ActorRevoked" for e in chains["system"])


@pytest.mark.parametrize("chunk", [1, 3, 8, 1000])
def test_untouched_ledger_gives_the_same_report(ledger_copy, pool, chunk) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    alone = outcome(chains, checkpoints)
    assert isinstance(alone, dict) and alone["ok"]
    assert outcome(chains, checkpoints, executor=pool, chunk_events=chunk) == alone


def forge(data: st.DataObject, chains: Chains, envelope: Envelope) -> StoredEnvelope:
    """Change one to three signed fields of ``envelope`` and seal it again (hash and index
    columns recomputed), so that the checks after the hash decide, in their order."""
    donor = open_envelope(data.draw(st.sampled_from([e for c in chains.values() for e in c])))
    changes: dict[str, Any] = {}
    for name in data.draw(st.lists(st.sampled_from(
            ["authority_seq", "actor_signature", "command", "payload", "actor_id",
             "event_type", "aggregate_version", "prev_hash", "recorded_at"]),
            min_size=1, max_size=3, unique=True)):
        value = getattr(envelope, name)
        if name == "authority_seq":
            changes[name] = data.draw(st.sampled_from([-1, 0, value - 1, value + 1, 10**6]))
        elif name == "aggregate_version":
            changes[name] = value + data.draw(st.sampled_from([-1, 1]))
        elif name == "recorded_at":
            changes[name] = value + 1
        elif isinstance(value, bytes) and value and data.draw(st.booleans()):
            raw = bytearray(value)
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1
            changes[name] = bytes(raw)
        else:
            changes[name] = getattr(donor, name)
    return seal_envelope(dataclasses.replace(envelope, **changes))


def tamper(data: st.DataObject, chains: Chains) -> Chains:
    chain = data.draw(st.sampled_from(sorted(chains)))
    events = list(chains[chain])
    index = data.draw(st.integers(0, len(events) - 1))
    kind = data.draw(st.sampled_from(["flip", "delete", "duplicate", "reorder", "transplant",
                                      "forge"]))
    if kind == "forge":  # a forger who re-seals: several faults in one envelope, valid hash
        events[index] = forge(data, chains, open_envelope(events[index]))
    elif kind == "flip":
        field = data.draw(st.sampled_from(["body", "event_hash", "event_type", "aggregate_id",
                                           "command_id"]))
        value = getattr(events[index], field)
        raw = bytearray(value if isinstance(value, bytes) else value.encode())
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
        changed = bytes(raw) if isinstance(value, bytes) else raw.decode("latin-1")
        events[index] = dataclasses.replace(events[index], **{field: changed})
    elif kind == "delete":
        del events[index]
    elif kind == "duplicate":
        events.insert(index + 1, events[index])
    elif kind == "reorder" and index + 1 < len(events):
        events[index], events[index + 1] = events[index + 1], events[index]
    else:  # an envelope of another chain, relabelled to pass the seq and index checks
        donor = data.draw(st.sampled_from(sorted(c for c in chains if c != chain)))
        other = data.draw(st.sampled_from(chains[donor]))
        events[index] = dataclasses.replace(other, chain_id=chain, seq=events[index].seq)
    return {**chains, chain: events}


@settings(max_examples=200, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_tampering_is_named_the_same_in_workers(ledger_copy, pool, data) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    forged = tamper(data, chains)
    alone = outcome(forged, checkpoints)
    chunk = data.draw(st.integers(1, 9))
    assert outcome(forged, checkpoints, executor=pool, chunk_events=chunk) == alone


def test_jobs_start_and_stop_their_own_workers(ledger_copy) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    auditor = Auditor(ListStore(chains, checkpoints), jobs=2, chunk_events=4,
                      parallel_from_events=10)
    report = auditor.verify()
    assert report.as_dict() == outcome(chains, checkpoints)
    assert auditor._own_executor is None  # shut down once the audit ended


def test_short_chains_stay_in_this_process(ledger_copy, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy

    def no_pool(jobs: int) -> None:
        raise AssertionError("a pool was started for chains below the threshold")

    monkeypatch.setattr("ledger.audit.auditor.worker_pool", no_pool)
    Auditor(ListStore(chains, checkpoints), jobs=4, parallel_from_events=10_000).verify()


def test_a_worker_that_dies_fails_the_audit_clearly(ledger_copy) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    executor = worker_pool(1)
    try:
        executor.submit(os._exit, 9).exception(timeout=60)  # the worker process dies
        with pytest.raises(SkmsError) as caught:
            Auditor(ListStore(chains, checkpoints), executor=executor).verify()
        assert not isinstance(caught.value, VerificationError)
        assert "worker process stopped" in caught.value.message
        assert "--jobs 1" in caught.value.hint
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("option", [{"jobs": 0}, {"chunk_events": 0}])
def test_nonsense_options_are_refused(option: dict[str, int], tmp_path: Path) -> None:
    with pytest.raises(SkmsError) as caught:
        Auditor(ListStore({}, {}), **option)
    assert caught.value.field in option
