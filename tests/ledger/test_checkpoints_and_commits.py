"""Checkpoint schedule (every N events, every T seconds, on demand), group commit, fail-closed."""

from __future__ import annotations

import itertools
import threading

import pytest

from commands.reads import ReadContext, get_checkpoint
from commands.session import Session
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.errors import StoreUnavailable
from ledger.merkle.checkpoint import (
    Checkpoint,
    chain_verifier_key,
    open_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key_string,
)
from ledger.stores.base import StoredCheckpoint
from tests.ledger.conftest import create_key, failing_appends


def checkpoint_sizes(session: Session, chain: str) -> list[int]:
    store, _ = session.store()
    return [c.size for c in store.checkpoints(chain)]


def test_checkpoint_every_n_events(session: Session) -> None:
    key_id = create_key(session)  # checkpoint_every_events=8 in the fixture
    for n in range(20):
        session.sign("bob", key_id, f"{n}".encode())
    sizes = checkpoint_sizes(session, "default")
    assert len(sizes) >= 3
    gaps = [b - a for a, b in itertools.pairwise(sizes)]
    assert all(gap <= 9 for gap in gaps), gaps  # N events plus the checkpoint event itself


def test_checkpoint_after_t_seconds_while_events_arrive(session: Session) -> None:
    create_key(session)
    store, keyring = session.store()
    now = [session.ledger().clock()]
    ledger = Ledger(store, keyring, kek=session.kek(),
                    ledger_key=session.home.ledger_key(session.kek()), clock=lambda: now[0],
                    max_clock_skew_micros=10**15)
    ledger.load()
    before = checkpoint_sizes(session, "default")
    assert ledger.maybe_checkpoint("default") is None  # nothing new since the last one
    session.sign("bob", next(iter(ledger.keys)), b"one more")  # a new event, via the live ledger
    ledger.load()
    assert ledger.maybe_checkpoint("default") is None  # too soon, too few
    now[0] += 61 * 1_000_000
    published = ledger.maybe_checkpoint("default")
    assert published is not None and published.size > before[-1]


def test_checkpoint_on_demand_is_recorded_and_signed(session: Session) -> None:
    create_key(session)
    result = session.act("carol", "RequestCheckpoint", "default", {}).result
    store, _ = session.store()
    last = list(store.read("default"))[-1]
    assert last.event_type == "CheckpointPublished"
    key = session.home.ledger_public_key()
    meta = session.ledger().meta
    assert meta is not None
    checkpoint = open_checkpoint(result["note"], {meta.origin: key})
    assert checkpoint.size == result["size"] == last.seq


def test_checkpoints_are_signed_under_their_origin_line_and_the_ledger_name(
        session: Session) -> None:
    """C2SP tlog-checkpoint: the key name SHOULD be the origin line (witnesses look a log's
    key up by it); the ledger-named line keeps older verifiers working. Each name alone
    opens the note, and the result names both verifier keys."""
    create_key(session)
    result = session.act("carol", "RequestCheckpoint", "default", {}).result
    meta = session.ledger().meta
    assert meta is not None
    key = session.home.ledger_public_key()
    origin = f"{meta.origin}/default"
    note = result["note"]
    assert note.startswith(origin + "\n")
    names = [line.split(" ")[1] for line in note.split("\n\n", 1)[1].splitlines()]
    assert names == [origin, meta.origin]
    assert open_checkpoint(note, {origin: key}) == open_checkpoint(note, {meta.origin: key})
    assert parse_verifier_key(result["verifier_key"]) == (origin, key)
    assert result["verifier_key"] == chain_verifier_key(meta.origin, "default", key)
    assert result["ledger_verifier_key"] == verifier_key_string(meta.origin, key)
    store, _ = session.store()
    read = get_checkpoint(ReadContext(session.ledger(), store), "default")
    assert read["verifier_key"] == result["verifier_key"] and read["note"] == note


def test_old_notes_signed_under_the_ledger_name_only_still_audit(session: Session) -> None:
    """Stores written before the origin-named signature keep verifying: the auditor
    trusts both names, and a present line under either must verify."""
    create_key(session)
    store, _ = session.store()
    meta = session.ledger().meta
    assert meta is not None
    size = len(list(store.read("default")))
    root = Auditor(store).verify().chains[-1].root
    old_style = sign_checkpoint(Checkpoint(f"{meta.origin}/default", size, bytes.fromhex(root)),
                                meta.origin, session.home.ledger_key(session.kek()))
    store.put_checkpoint(StoredCheckpoint("default", size, old_style))
    Auditor(store).verify()


def test_concurrent_signs_share_transactions(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    store = ledger.store
    calls = [0]
    original = store.append

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return original(*args, **kwargs)

    store.append = counting  # type: ignore[method-assign]
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            for n in range(10):
                session.sign("bob", key_id, f"{number}-{n}".encode())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.append = original  # type: ignore[method-assign]
    assert not errors
    assert ledger.key(key_id).signature_count == 80
    assert calls[0] < 80 + 20, "no transaction was shared"
    Auditor(store).verify()


def test_fail_closed_no_signature_without_a_durable_event(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    store = ledger.store
    with failing_appends(store), pytest.raises(StoreUnavailable):
        session.sign("bob", key_id, b"must not be signed")
    # The failed command left nothing behind: the state reloads and the chain continues.
    count = ledger.key(key_id).signature_count if not ledger._stale else None
    session.sign("bob", key_id, b"after recovery")
    assert ledger.key(key_id).signature_count == 1, count
    Auditor(store).verify()


def test_checkpoint_timer_covers_the_tail_when_traffic_stops(session: Session) -> None:
    key_id = create_key(session)
    store, keyring = session.store()
    now = [session.ledger().clock()]
    ledger = Ledger(store, keyring, kek=session.kek(),
                    ledger_key=session.home.ledger_key(session.kek()), clock=lambda: now[0],
                    max_clock_skew_micros=10**15)
    ledger.load()
    session.sign("bob", key_id, b"the last event before silence")
    ledger.load()
    head = ledger.chain("default").next_seq
    timer = ledger.start_checkpoint_timer(interval_s=0.01)
    try:
        now[0] += 61 * 1_000_000
        for _ in range(500):
            latest = store.latest_checkpoint("default")
            if latest is not None and latest.size >= head:
                break
            threading.Event().wait(0.01)
    finally:
        timer.stop()
    latest = store.latest_checkpoint("default")
    assert latest is not None and latest.size == head
