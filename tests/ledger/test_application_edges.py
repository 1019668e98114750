"""The ledger's own guards around a decision, on a real SQLite ledger: a handler that
changed an aggregate and then refused leaves no trace in memory, one that changed nothing
writes nothing, and a ledger opened without its secrets says which one it lacks."""

from __future__ import annotations

from typing import Any

import pytest

from commands.builders import build
from commands.session import Session
from ledger.application import Decision, Ledger, Pending, checked
from ledger.catalogue import CATALOGUE
from ledger.command import Command, SignedCommand
from ledger.crypto.memory import zeroize
from ledger.domain.key import KeyState
from ledger.errors import ConfigurationError, IllegalTransition, InvalidInput, StoreError
from ledger.stores.base import EventStore
from tests.ledger.conftest import create_key


def signed_as(session: Session, actor: str, command_type: str, **params: Any) -> SignedCommand:
    """The command ``session.run`` would send, signed by ``actor`` but not executed."""
    built = build(CATALOGUE.command(command_type), params, session.resolver())
    identity = session.identity(actor)
    command = Command(command_type, identity.actor_id, built.chain_id, dict(built.args),
                      session.ledger().clock())
    key = session.home.identity_key(actor, session.kek())
    try:
        return command.sign(key)
    finally:
        zeroize(key)


def heads(store: EventStore) -> dict[str, int]:
    return {chain: head.seq for chain in store.chains()
            if (head := store.head(chain)) is not None}


def test_a_handler_that_changed_a_key_then_refused_leaves_it_unchanged(
        session: Session) -> None:
    key_id = create_key(session)  # created active
    ledger = session.ledger()
    signed = signed_as(session, "alice", "SuspendKey", key_id=key_id, reason="drill")

    def suspend_then_refuse(decision: Decision) -> None:
        key = decision.ledger.key(key_id)
        key.suspend("drill", at=decision.now)
        decision.touch(key)
        assert key.state is KeyState.SUSPENDED
        raise IllegalTransition("changed its mind", reason_code="drill-refused")

    with pytest.raises(IllegalTransition, match="changed its mind") as caught:
        ledger.submit(signed, suspend_then_refuse)
    assert caught.value.seq is not None  # the refusal itself is recorded
    key = ledger.key(key_id)
    assert key.state is KeyState.ACTIVE  # reloaded: the half-made suspension is gone
    assert key.pending_events == []
    assert session.run("alice", "SuspendKey", key_id=key_id, reason="for real").seqs


def test_a_command_that_changed_nothing_writes_nothing(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    before = heads(ledger.store)
    signed = signed_as(session, "alice", "SuspendKey", key_id=key_id, reason="none")
    with pytest.raises(InvalidInput, match="the command changed nothing") as caught:
        ledger.submit(signed, lambda decision: {"nothing": True})
    assert caught.value.field == "command.type"
    assert heads(ledger.store) == before
    assert ledger.key(key_id).state is KeyState.ACTIVE
    session.run("alice", "SuspendKey", key_id=key_id, reason="x")  # it reloads and goes on
    assert ledger.key(key_id).state is KeyState.SUSPENDED


def test_an_unknown_command_type_is_refused_by_its_catalogue_check(session: Session) -> None:
    signed = signed_as(session, "alice", "ActivateKey", key_id=create_key(session))
    command = signed.command
    forged = Command("NoSuchCommand", command.actor_id, command.chain_id, dict(command.args),
                     command.issued_at)
    key = session.home.identity_key("alice", session.kek())
    try:
        unknown = forged.sign(key)
    finally:
        zeroize(key)
    with pytest.raises(InvalidInput, match="unknown command type 'NoSuchCommand'") as caught:
        checked(unknown, {})
    assert caught.value.field == "command.type"


def test_a_ledger_opened_without_secrets_names_what_it_lacks(session: Session) -> None:
    key_id = create_key(session)
    store, keyring = session.store()
    reader = Ledger(store, keyring)
    reader.load()
    assert reader.initialized
    assert reader.key(key_id).state is KeyState.ACTIVE
    with pytest.raises(ConfigurationError, match="no key-encryption key is loaded") as c:
        _ = reader.material
    assert "SKMS_PASSPHRASE" in c.value.hint
    with pytest.raises(ConfigurationError, match="the ledger signing key is not loaded"):
        reader.system_command("Checkpoint", "system", {})
    with pytest.raises(ConfigurationError, match="the ledger signing key is not loaded"):
        reader.ledger_signature(b"message")
    assert reader.held_identities() == []
    assert reader.maybe_checkpoint("system") is None
    assert reader.flush_refusal_summaries(everything=True) == 0
    before = heads(store)
    refusal = IllegalTransition("denied", reason_code="denied")
    signed = signed_as(session, "alice", "ActivateKey", key_id=key_id)
    assert reader.record_refusal(signed, refusal) is refusal
    assert refusal.seq is None  # nothing could sign the CommandRejected fact
    assert heads(store) == before


def test_a_pending_command_with_neither_outcome_nor_refusal_is_a_store_error(
        session: Session) -> None:
    signed = signed_as(session, "alice", "ActivateKey", key_id=create_key(session))
    pending: Pending[None] = Pending(session.ledger(), signed, lambda decision: None, {},
                                     None, None, [])
    with pytest.raises(StoreError, match="a refused command has no outcome"):
        pending.complete()
