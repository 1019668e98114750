"""Command admission: signatures, replays, idempotent retries, clock skew."""

from __future__ import annotations

import dataclasses

import pytest

from commands.handlers import execute
from commands.session import Session, now_micros
from ledger.audit import Auditor
from ledger.command import Command
from ledger.crypto.memory import zeroize
from ledger.errors import ReplayedCommand, Unauthorized
from tests.ledger.conftest import create_key


def signed_by(session: Session, name: str, command: Command):  # type: ignore[no-untyped-def]
    key = session.home.identity_key(name, session.kek())
    try:
        return command.sign(key)
    finally:
        zeroize(key)


def key_command(session: Session, actor: str, command_type: str, key_id: str,
                **kw: object) -> Command:
    actor_id = session.ledger().actor(actor).actor_id
    return Command(command_type, actor_id, "default", {"key_id": key_id}, now_micros(), **kw)  # type: ignore[arg-type]


def test_retried_command_yields_its_events_once(session: Session) -> None:
    key_id = create_key(session)
    signed = signed_by(session, "alice", key_command(session, "alice", "SuspendKey", key_id))
    first = execute(session.ledger(), signed)
    again = execute(session.ledger(), signed)
    assert again.replayed and again.seqs == first.seqs
    store, _ = session.store()
    assert store.seqs_for_command("default", signed.command.command_id) == first.seqs


def test_reused_command_id_with_other_content_is_refused(session: Session) -> None:
    key_id = create_key(session)
    command = key_command(session, "alice", "SuspendKey", key_id)
    execute(session.ledger(), signed_by(session, "alice", command))
    other = dataclasses.replace(command, args={"key_id": key_id, "reason": "different"})
    with pytest.raises(ReplayedCommand):
        execute(session.ledger(), signed_by(session, "alice", other))


def test_reused_nonce_is_refused_and_recorded(session: Session) -> None:
    key_id = create_key(session)
    command = key_command(session, "alice", "SuspendKey", key_id)
    execute(session.ledger(), signed_by(session, "alice", command))
    replay = dataclasses.replace(command, command_id="another-id", args={"key_id": key_id,
                                                                         "reason": "r"})
    with pytest.raises(ReplayedCommand) as refused:
        execute(session.ledger(), signed_by(session, "alice", replay))
    assert refused.value.reason_code == "replay" and refused.value.seq is not None


@pytest.mark.parametrize("skew_s", [-3600, 3600])
def test_stale_or_future_commands_are_refused(session: Session, skew_s: int) -> None:
    key_id = create_key(session)
    command = dataclasses.replace(key_command(session, "alice", "SuspendKey", key_id),
                                  issued_at=now_micros() + skew_s * 1_000_000)
    with pytest.raises(ReplayedCommand) as refused:
        execute(session.ledger(), signed_by(session, "alice", command))
    assert refused.value.field == "issued_at"


def test_forged_signature_is_refused_and_recorded(session: Session) -> None:
    key_id = create_key(session)
    command = key_command(session, "alice", "SuspendKey", key_id)
    forged = signed_by(session, "bob", command)  # bob signs a command naming alice
    with pytest.raises(Unauthorized) as refused:
        execute(session.ledger(), forged)
    assert refused.value.reason_code == "bad-signature"
    assert session.ledger().key(key_id).state.value == "active"
    Auditor(session.store()[0]).verify()


def test_unknown_actor_is_refused(session: Session) -> None:
    command = Command("CreateKey", "no-such-actor", "default", {"algorithm": "ed25519"},
                      now_micros())
    with pytest.raises(Unauthorized) as refused:
        execute(session.ledger(), signed_by(session, "alice", command))
    assert refused.value.reason_code == "unknown-actor"


def test_signature_covers_the_message(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    actor_id = ledger.actor("bob").actor_id
    command = Command("Sign", actor_id, "default",
                      {"key_id": key_id, "message_digest": "00" * 32}, now_micros())
    from ledger.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        execute(ledger, signed_by(session, "bob", command), {"message": b"something else"})
    assert refused.value.field == "message_digest"


def test_a_revocation_by_another_process_is_seen_before_admission(session: Session) -> None:
    """Two writers on one store: the second must not keep trusting a revoked actor."""
    from tests.ledger.conftest import new_session

    key_id = create_key(session)
    other = new_session(session.home.path)
    try:
        other.sign("bob", key_id, b"accepted while bob is valid")
        bob = session.ledger().actor("bob")
        session.act("admin", "RevokeActor", "system", {"actor_id": bob.actor_id})
        with pytest.raises(Unauthorized) as refused:
            other.sign("bob", key_id, b"after revocation elsewhere")
        assert refused.value.reason_code == "revoked-actor"
    finally:
        other.close()


def test_a_failed_reload_keeps_the_previous_state(session: Session) -> None:
    from ledger.errors import StoreUnavailable

    key_id = create_key(session)
    ledger = session.ledger()
    store = ledger.store
    original = store.read

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise StoreUnavailable("outage")

    store.read = failing  # type: ignore[method-assign]
    try:
        with pytest.raises(StoreUnavailable):
            ledger.load()
        assert ledger.key(key_id).state.value == "active"  # lookups still work
    finally:
        store.read = original  # type: ignore[method-assign]
    session.sign("bob", key_id, b"after the outage")  # the next command reloads and succeeds
