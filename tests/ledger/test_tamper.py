"""Property tests: every kind of tampering with a stored chain is caught at the right seq."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.audit import Auditor
from ledger.errors import VerificationError
from ledger.stores.base import ChainHead, StoredCheckpoint, StoredEnvelope
from ledger.stores.memory import MemoryEventStore
from tests.ledger.conftest import create_key, new_session

CHAIN = "default"


class ListStore(MemoryEventStore):
    """A store that returns whatever lists it is given: lets tests forge any log."""

    def __init__(self, chains: dict[str, list[StoredEnvelope]],
                 checkpoints: dict[str, list[StoredCheckpoint]]) -> None:
        super().__init__()
        self.lists = chains
        self.cps = checkpoints

    def chains(self) -> list[str]:
        return sorted(c for c, events in self.lists.items() if events)

    def head(self, chain_id: str) -> ChainHead | None:
        events = self.lists.get(chain_id)
        return ChainHead(chain_id, events[-1].seq, events[-1].event_hash) if events else None

    def read(self, chain_id: str, from_seq: int = 0,
             to_seq: int | None = None) -> Iterator[StoredEnvelope]:
        yield from self.lists.get(chain_id, [])

    def checkpoints(self, chain_id: str) -> list[StoredCheckpoint]:
        return list(self.cps.get(chain_id, []))


@pytest.fixture(scope="module")
def ledger_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:  # type: ignore[type-arg]
    home: Path = tmp_path_factory.mktemp("tamper") / "home"
    session = new_session(home)
    session.initialize(name="tamper", checkpoint_every_events=1000)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    session.add_actor("admin", "carol", ["auditor"], ["*"])
    for algorithm in ("ed25519", "ecdsa-p256"):
        key_id = create_key(session, algorithm)
        for n in range(6):
            session.sign("bob", key_id, f"m{n}".encode())
    session.key_command("alice", "RotateKey", key_id)
    session.act("carol", "RequestCheckpoint", CHAIN, {})
    session.sign("bob", key_id, b"after the checkpoint")
    store, _ = session.store()
    chains = {c: list(store.read(c)) for c in store.chains()}
    checkpoints = {c: store.checkpoints(c) for c in store.chains()}
    session.close()
    return chains, checkpoints


def audit(chains: dict, checkpoints: dict, trusted: list[str] = ()) -> VerificationError:  # type: ignore[type-arg, assignment]
    with pytest.raises(VerificationError) as caught:
        Auditor(ListStore(chains, checkpoints), trusted_checkpoints=trusted).verify()
    return caught.value


def test_untouched_copy_verifies(ledger_copy: tuple[dict, dict]) -> None:  # type: ignore[type-arg]
    chains, checkpoints = ledger_copy
    report = Auditor(ListStore(chains, checkpoints)).verify()
    assert report.events == sum(len(v) for v in chains.values())


settings_ = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings_
@given(data=st.data(), field=st.sampled_from(["body", "event_hash", "event_type",
                                             "aggregate_id", "command_id"]))
def test_any_single_byte_change_is_caught_at_its_seq(ledger_copy, data, field) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    chain = data.draw(st.sampled_from(sorted(chains)))
    events = list(chains[chain])
    index = data.draw(st.integers(0, len(events) - 1))
    original = events[index]
    value = getattr(original, field)
    raw = bytearray(value if isinstance(value, bytes) else value.encode())
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    changed = bytes(raw) if isinstance(value, bytes) else raw.decode("latin-1")
    events[index] = dataclasses.replace(original, **{field: changed})
    error = audit({**chains, chain: events}, checkpoints)
    assert (error.chain, error.seq) == (chain, index)


@settings_
@given(data=st.data())
def test_deletion_is_caught(ledger_copy, data) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    chain = data.draw(st.sampled_from(sorted(chains)))
    events = list(chains[chain])
    index = data.draw(st.integers(0, len(events) - 2))
    del events[index]
    error = audit({**chains, chain: events}, checkpoints)
    assert (error.chain, error.seq) == (chain, index)


@settings_
@given(data=st.data())
def test_duplicate_is_caught(ledger_copy, data) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    chain = data.draw(st.sampled_from(sorted(chains)))
    events = list(chains[chain])
    index = data.draw(st.integers(0, len(events) - 1))
    events.insert(index + 1, events[index])
    error = audit({**chains, chain: events}, checkpoints)
    assert (error.chain, error.seq) == (chain, index + 1)


@settings_
@given(data=st.data())
def test_reorder_is_caught(ledger_copy, data) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    chain = data.draw(st.sampled_from(sorted(chains)))
    events = list(chains[chain])
    index = data.draw(st.integers(0, len(events) - 2))
    events[index], events[index + 1] = events[index + 1], events[index]
    error = audit({**chains, chain: events}, checkpoints)
    assert (error.chain, error.seq) == (chain, index)


@settings_
@given(data=st.data())
def test_truncation_below_a_trusted_checkpoint_is_caught(ledger_copy, data) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    trusted = checkpoints[CHAIN][-1]
    keep = data.draw(st.integers(1, trusted.size - 1))
    cut = {**chains, CHAIN: chains[CHAIN][:keep]}
    # The attacker also drops the stored checkpoints that would betray the cut.
    error = audit(cut, {**checkpoints, CHAIN: []}, [trusted.note])
    assert (error.chain, error.seq, error.check) == (CHAIN, keep, "trusted-checkpoint") or (
        error.chain == CHAIN and error.seq == keep)


def test_truncation_without_trust_is_caught_by_stored_checkpoints(ledger_copy) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    size = checkpoints[CHAIN][-1].size
    error = audit({**chains, CHAIN: chains[CHAIN][: size - 3]}, checkpoints)
    assert (error.chain, error.seq) == (CHAIN, size - 3)


def test_rewritten_history_is_caught_by_a_trusted_checkpoint(ledger_copy, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A whole new ledger (new keys, new hashes) cannot pass as the one we trusted."""
    _, checkpoints = ledger_copy
    trusted = checkpoints[CHAIN][-1].note
    other = new_session(tmp_path / "other")
    other.initialize(name="forgery")
    store, _ = other.store()
    forged = {c: list(store.read(c)) for c in store.chains()}
    with pytest.raises(VerificationError) as caught:
        Auditor(ListStore(forged, {}), trusted_checkpoints=[trusted]).verify()
    assert caught.value.check == "trusted-checkpoint"
    other.close()


def test_trusted_checkpoint_passes_on_the_real_chain(ledger_copy) -> None:  # type: ignore[no-untyped-def]
    chains, checkpoints = ledger_copy
    report = Auditor(ListStore(chains, checkpoints),
                     trusted_checkpoints=[checkpoints[CHAIN][0].note]).verify()
    assert report.trusted_checkpoints[0]["chain"] == CHAIN


class HeadNamesAnotherEvent(ListStore):
    """Serves the chain honestly but its head names another last event (same seq)."""

    def head(self, chain_id: str) -> ChainHead | None:
        head = super().head(chain_id)
        if head is None or chain_id != CHAIN:
            return head
        return ChainHead(chain_id, head.seq, bytes(32))


def test_a_head_naming_another_last_event_is_caught(ledger_copy) -> None:  # type: ignore[no-untyped-def]
    """Regression: the auditor compared the head's seq only, so a store could answer
    ``head()`` (what writers and proofs start from) with an event ``read()`` never shows."""
    chains, checkpoints = ledger_copy
    with pytest.raises(VerificationError) as caught:
        Auditor(HeadNamesAnotherEvent(chains, checkpoints)).verify()
    error = caught.value
    last = len(chains[CHAIN]) - 1
    assert (error.chain, error.seq, error.check) == (CHAIN, last, "seq")
    assert "head names another event" in error.message
