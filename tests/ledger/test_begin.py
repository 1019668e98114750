"""``Ledger.begin``: decide now, commit on ``Pending.complete``; never wait long for the lock."""

from __future__ import annotations

import hashlib

import pytest

from commands.handlers import begin, execute
from commands.session import Session
from ledger.application import now_micros
from ledger.audit import Auditor
from ledger.command import Command, SignedCommand
from ledger.crypto.memory import zeroize
from ledger.errors import CommandRejected, InvalidInput, StoreUnavailable
from tests.ledger.conftest import create_key, failing_appends, lock_held_elsewhere


def signed_sign(session: Session, actor: str, key_id: str, message: bytes) -> SignedCommand:
    identity = session.home.identity(actor)
    command = Command("Sign", identity.actor_id, "default",
                      {"key_id": key_id, "message_digest": hashlib.sha256(message).hexdigest()},
                      now_micros())
    key = session.home.identity_key(actor, session.kek())
    try:
        return command.sign(key)
    finally:
        zeroize(key)


def stored_types(session: Session) -> list[str]:
    store, _ = session.store()
    return [e.event_type for e in store.read("default")]


def test_begin_decides_and_complete_commits(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    before = len(stored_types(session))
    signed = signed_sign(session, "bob", key_id, b"decided now")
    pending = begin(ledger, signed, {"message": b"decided now"})
    assert pending is not None and pending.ticket is not None
    # Decided (the seq is taken, the signature made) but not yet in the store.
    assert pending.outcome is not None and len(pending.outcome.result["signature"]) == 128
    assert len(stored_types(session)) == before
    outcome = pending.complete()
    assert outcome.seqs == [before] and stored_types(session)[before] == "SignatureIssued"
    # A retry of the same command through begin returns the first outcome, commits nothing.
    again = begin(ledger, signed, {"message": b"decided now"})
    assert again is not None and again.ticket is None
    assert again.complete().replayed and len(stored_types(session)) == before + 1
    Auditor(session.store()[0]).verify()


def test_a_refusal_is_recorded_before_complete_raises_it(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    signed = signed_sign(session, "carol", key_id, b"an auditor may not sign")
    pending = begin(ledger, signed, {"message": b"an auditor may not sign"})
    assert pending is not None and pending.refusal is not None
    with pytest.raises(CommandRejected) as refused:
        pending.complete()
    assert refused.value.reason_code == "missing-role"
    store, _ = session.store()
    recorded = list(store.read("default"))[refused.value.seq]
    assert recorded.event_type == "CommandRejected"


def test_begin_gives_up_when_the_decision_lock_stays_taken(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    signed = signed_sign(session, "bob", key_id, b"busy")
    with lock_held_elsewhere(ledger._lock):
        assert begin(ledger, signed, {"message": b"busy"}) is None
        assert begin(ledger, signed, {"message": b"busy"},
                            lock_wait_s=0.05) is None
    pending = begin(ledger, signed, {"message": b"busy"})
    assert pending is not None and pending.complete().seqs


def test_begin_leaves_a_reload_to_the_blocking_path(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    ledger._mark_stale()
    signed = signed_sign(session, "bob", key_id, b"stale")
    assert begin(ledger, signed, {"message": b"stale"}) is None
    assert execute(ledger, signed, {"message": b"stale"}).seqs


def test_a_failed_commit_fails_complete_and_the_ledger_recovers(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    store = ledger.store
    signed = signed_sign(session, "bob", key_id, b"never durable")
    pending = begin(ledger, signed, {"message": b"never durable"})
    assert pending is not None
    with failing_appends(store), pytest.raises(StoreUnavailable):
        pending.complete()
    session.sign("bob", key_id, b"after recovery")
    assert ledger.key(key_id).signature_count == 1
    Auditor(store).verify()


def test_a_sign_without_its_message_names_what_is_missing(session: Session) -> None:
    key_id = create_key(session)
    signed = signed_sign(session, "bob", key_id, b"x")
    with pytest.raises(InvalidInput) as missing:
        execute(session.ledger(), signed, {})
    assert missing.value.field == "message"
