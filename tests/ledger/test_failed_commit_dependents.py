"""A failed append dooms what was decided on top of it (ledger/group_commit.py, req. 4).

A key domain's envelope names the system-chain seq it was authorized under, and that seq
may still be queued when the envelope is decided. Found by the Kafka soak: a system append
failed while a broker was down, the sign decided under it was committed anyway, and the
log then cited a system seq that later named another event.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from nacl.signing import SigningKey

from commands.handlers import begin
from commands.session import Session
from ledger.application import now_micros
from ledger.audit import Auditor
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import Command
from ledger.crypto.memory import zeroize
from ledger.envelope import open_envelope
from ledger.errors import ConcurrencyError, StoreUnavailable
from ledger.group_commit import GroupCommitter, Ticket, linked_prev_hash
from ledger.stores.base import EventStore, StoredEnvelope
from tests.ledger.conftest import create_key
from tests.ledger.test_begin import signed_sign


@contextmanager
def failing_system_appends(store: EventStore) -> Iterator[list[str]]:
    """Appends to the system chain raise ``StoreUnavailable``; the others go through (and
    are listed, by chain, in the yielded list)."""
    original = store.append
    appended: list[str] = []

    def append(chain_id: str, envelopes: list[StoredEnvelope], **kwargs: Any) -> None:
        if chain_id == SYSTEM_CHAIN:
            raise StoreUnavailable("system chain's disk on fire")
        original(chain_id, envelopes, **kwargs)
        appended.append(chain_id)

    store.append = append  # type: ignore[method-assign]
    try:
        yield appended
    finally:
        store.append = original  # type: ignore[method-assign]


def signed_registration(session: Session, name: str) -> Any:
    admin = session.home.identity("admin")
    public_key = SigningKey.generate().verify_key.encode().hex()
    command = Command("RegisterActor", admin.actor_id, SYSTEM_CHAIN,
                      {"name": name, "public_key": public_key, "roles": ["signer"],
                       "domains": ["*"]}, now_micros())
    key = session.home.identity_key("admin", session.kek())
    try:
        return command.sign(key)
    finally:
        zeroize(key)


def test_a_sign_decided_under_a_failed_system_event_is_decided_again(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    store = ledger.store
    registering = begin(ledger, signed_registration(session, "dave"))
    assert registering is not None and registering.ticket is not None
    registration_seq = registering.ticket.envelopes[0].seq
    signing = begin(ledger, signed_sign(session, "bob", key_id, b"decided on top"),
                    {"message": b"decided on top"})
    assert signing is not None and signing.ticket is not None
    # The dependency this is about: the sign cites the registration still in the queue.
    assert open_envelope(signing.ticket.envelopes[0]).authority_seq == registration_seq
    with failing_system_appends(store) as appended:
        with pytest.raises(StoreUnavailable):
            registering.complete()
        outcome = signing.complete()  # decided again on what the store holds
    assert appended == ["default"]
    stored = list(store.read("default"))[outcome.seqs[0]]
    assert stored.event_type == "SignatureIssued"
    assert open_envelope(stored).authority_seq == registration_seq - 1
    assert store.head(SYSTEM_CHAIN).seq == registration_seq - 1  # type: ignore[union-attr]
    Auditor(store).verify()


def test_a_later_system_event_takes_the_failed_seq_and_nothing_cites_it_early(
        session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    store = ledger.store
    registering = begin(ledger, signed_registration(session, "dave"))
    signing = begin(ledger, signed_sign(session, "bob", key_id, b"m"), {"message": b"m"})
    assert registering is not None and signing is not None
    assert registering.ticket is not None
    registration_seq = registering.ticket.envelopes[0].seq
    with failing_system_appends(store):
        with pytest.raises(StoreUnavailable):
            registering.complete()
        signed = signing.complete()
    session.add_actor("admin", "erin", ["signer"], ["*"])  # takes the failed seq
    reused = list(store.read(SYSTEM_CHAIN, registration_seq, registration_seq + 1))
    assert [e.event_type for e in reused] == ["ActorRegistered"]
    session.sign("bob", key_id, b"after")
    # The audit alone cannot tell (erin's registration is a real event at that seq): the
    # sign must not cite it, since it was decided before erin existed.
    sign_envelope = open_envelope(list(store.read("default"))[signed.seqs[0]])
    assert sign_envelope.authority_seq < registration_seq
    Auditor(store).verify()


class RefusingStore:
    """Just enough of a store for the committer: every append to ``refused`` raises."""

    def __init__(self, refused: str) -> None:
        self.refused = refused
        self.appended: list[tuple[str, int]] = []

    def append(self, chain_id: str, envelopes: list[StoredEnvelope], *,
               expected_seq: int, prev_hash: bytes | None = None) -> None:
        if chain_id == self.refused:
            raise StoreUnavailable("refused")
        self.appended.append((chain_id, expected_seq))


def some_envelope(session: Session) -> StoredEnvelope:
    store, _ = session.store()
    return next(iter(store.read(SYSTEM_CHAIN)))


def test_what_is_queued_until_the_reload_is_doomed(session: Session) -> None:
    envelope = some_envelope(session)
    # (failing chain, the chains whose queued tickets it dooms, the appends that follow:
    # one per chain, the ticket queued after the reload riding with b's)
    cases = ((SYSTEM_CHAIN, {SYSTEM_CHAIN, "a", "b"}, ["b"]),
             ("a", {"a"}, [SYSTEM_CHAIN, "b"]))
    for failing, dooms, appends in cases:
        store = RefusingStore(failing)
        stale: list[bool] = []
        committer = GroupCommitter(store, partial(stale.append, True))  # type: ignore[arg-type]
        first = Ticket(failing, [envelope])
        committer.enqueue(first)
        with pytest.raises(StoreUnavailable):
            committer.wait(first)
        assert stale == [True]
        before_reload = {chain: Ticket(chain, [envelope]) for chain in (SYSTEM_CHAIN, "a", "b")}
        for ticket in before_reload.values():
            committer.enqueue(ticket)
        committer.reloaded()
        after_reload = Ticket("b", [envelope])
        committer.enqueue(after_reload)
        store.refused = ""
        for chain, ticket in before_reload.items():
            if chain in dooms:
                with pytest.raises(ConcurrencyError):
                    committer.wait(ticket)
            else:
                committer.wait(ticket)
        committer.wait(after_reload)
        assert [chain for chain, _ in store.appended] == appends


def test_the_system_chain_is_appended_first_within_a_batch(session: Session) -> None:
    envelope = some_envelope(session)
    store = RefusingStore(SYSTEM_CHAIN)
    committer = GroupCommitter(store, lambda: None)  # type: ignore[arg-type]
    key_domain = Ticket("default", [envelope])
    system = Ticket(SYSTEM_CHAIN, [envelope])
    committer.enqueue(key_domain)  # queued first, yet it may cite what follows it
    committer.enqueue(system)
    with pytest.raises(ConcurrencyError):
        committer.wait(key_domain)
    assert system.done and isinstance(system.error, StoreUnavailable)
    assert store.appended == []


def test_a_command_is_answered_when_only_its_checkpoint_fails(session: Session) -> None:
    key_id = create_key(session)
    ledger = session.ledger()
    store = ledger.store
    original = store.append

    def no_checkpoints(chain_id: str, envelopes: list[StoredEnvelope], **kwargs: Any) -> None:
        if any(e.event_type == "CheckpointPublished" for e in envelopes):
            raise StoreUnavailable("checkpoint disk on fire")
        original(chain_id, envelopes, **kwargs)

    def checkpoints() -> int:
        return [e.event_type for e in store.read("default")].count("CheckpointPublished")

    before = checkpoints()
    store.append = no_checkpoints  # type: ignore[method-assign]
    try:
        signed = [session.sign("bob", key_id, b"%d" % n) for n in range(10)]  # one is due
    finally:
        store.append = original  # type: ignore[method-assign]
    types = [e.event_type for e in store.read("default")]
    assert checkpoints() == before
    assert [types[o.seqs[0]] for o in signed] == ["SignatureIssued"] * 10
    session.sign("bob", key_id, b"and now it is published")
    assert checkpoints() == before + 1
    Auditor(store).verify()


def test_a_batch_whose_tickets_do_not_link_is_not_appended(session: Session) -> None:
    """Requirement 5: tickets of one chain must link to each other before the store is
    asked, and the batch's first link goes to the store to check against its head."""
    stored = some_envelope(session)
    other = replace(stored, event_hash=bytes(32))
    linked = [Ticket(SYSTEM_CHAIN, [stored], prev_hash=b"\x01" * 32),
              Ticket(SYSTEM_CHAIN, [other], prev_hash=stored.event_hash)]
    assert linked_prev_hash(SYSTEM_CHAIN, linked) == b"\x01" * 32
    assert linked_prev_hash(SYSTEM_CHAIN, [Ticket(SYSTEM_CHAIN, [])]) is None
    broken = [linked[0], Ticket(SYSTEM_CHAIN, [other], prev_hash=b"\x02" * 32)]
    with pytest.raises(ConcurrencyError, match="does not link"):
        linked_prev_hash(SYSTEM_CHAIN, broken)

    store = RefusingStore("nothing")
    committer = GroupCommitter(store, lambda: None)  # type: ignore[arg-type]
    for ticket in broken:
        committer.enqueue(ticket)
    with pytest.raises(ConcurrencyError):
        committer.wait(broken[1])
    assert store.appended == []
