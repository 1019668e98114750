"""A refusal decided by a process that does not write the refused command's chain is
recorded by the process that does (``Ledger.refusals_elsewhere``; in a service cluster
commands/service/refusal_relay.py carries it between members, and
tests/kafka/test_kafka_cluster.py runs that through real members). Here two ledgers share
one SQLite home: the "member" writes no chain and hands its refusals to the "owner"."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass

import nacl.signing
import pytest

from commands.handlers import execute
from commands.refused_reads import record_read_refusal
from commands.service.refusal_relay import record_relayed, relayed_refusal
from commands.session import Session
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import SYSTEM_ACTOR, Command, SignedCommand
from ledger.errors import (
    CommandRejected,
    InvalidInput,
    NotChainOwner,
    SkmsError,
    Unauthorized,
)
from tests.ledger.conftest import new_session


@dataclass
class Pair:
    owner: Ledger
    member: Ledger
    handed: list[str]


@pytest.fixture
def pair(session: Session) -> Iterator[Pair]:
    member_session = new_session(session.home.path)
    try:
        owner, member = session.ledger(), member_session.ledger()
        member.writes = lambda chain_id: False
        handed: list[str] = []

        def hand(refused: SignedCommand, refusal: CommandRejected) -> int | None:
            handed.append(refused.command.command_id)
            return record_relayed(owner, relayed_refusal(member, refused, refusal)[1])

        member.refusals_elsewhere = hand
        yield Pair(owner, member, handed)
    finally:
        member_session.close()


def test_a_refused_read_is_recorded_by_the_writer(session: Session, pair: Pair) -> None:
    bob = session.identity("bob")
    read = record_read_refusal(pair.member, bob.actor_id, "Read:actors.list",
                               Unauthorized("no role", reason_code="role"), what="GET")
    assert read.seq is not None and len(pair.handed) == 1
    [stored] = pair.owner.store.read(SYSTEM_CHAIN, read.seq, read.seq + 1)
    assert stored.event_type == "CommandRejected"
    assert pair.owner.state.rejections[pair.handed[0]].seq == read.seq
    Auditor(pair.owner.store).verify()


def test_a_command_reaches_its_refusal_only_where_its_chain_is_written(
        session: Session, pair: Pair) -> None:
    """In a cluster a command goes to its chain's owner, which records its refusal: the
    member that does not write the chain refuses to decide it at all."""
    command = Command("CreateKey", session.identity("bob").actor_id, "default",
                      {"algorithm": "ed25519"}, pair.member.clock())
    signed = command.sign(session.home.identity_key("bob", session.kek()))
    with pytest.raises(NotChainOwner):
        execute(pair.member, signed, {})
    with pytest.raises(CommandRejected) as refused:
        execute(pair.owner, signed, {})
    assert refused.value.seq is not None and pair.handed == []


def test_a_relayed_refusal_is_recorded_once(session: Session, pair: Pair) -> None:
    refused = Command("Read:keys.list", session.identity("bob").actor_id, SYSTEM_CHAIN,
                      {"request": "GET"}, pair.member.clock())
    signed = SignedCommand(refused, refused.canonical(), b"")
    _, body = relayed_refusal(pair.member, signed, CommandRejected("no", reason_code="role"))
    first = record_relayed(pair.owner, body)
    assert first is not None
    assert record_relayed(pair.owner, body) == first
    matching = [e for e in pair.owner.store.read(SYSTEM_CHAIN)
                if e.event_type == "CommandRejected"]
    assert len(matching) == 1


def _body_signed_by(key: bytes, command: Command) -> bytes:
    signed = command.sign(key)
    return json.dumps({"command": signed.canonical_bytes.decode("ascii"),
                       "signature": base64.b64encode(signed.signature).decode()}).encode()


def _relay_command(pair: Pair, **changes: object) -> Command:
    refused = Command("Read:keys.list", "someone", SYSTEM_CHAIN, {"request": "GET"},
                      pair.member.clock())
    fields: dict[str, object] = {
        "command_type": "RelayRejection", "actor_id": SYSTEM_ACTOR, "chain_id": SYSTEM_CHAIN,
        "args": {"refused": base64.b64encode(refused.canonical()).decode(),
                 "reason": "made up", "reason_code": "role"},
        "issued_at": pair.member.clock()}
    fields.update(changes)
    return Command(**fields)  # type: ignore[arg-type]


def test_only_the_ledger_key_relays_a_refusal(session: Session, pair: Pair) -> None:
    stranger = bytes(nacl.signing.SigningKey.generate())
    before = pair.owner.store.head(SYSTEM_CHAIN)
    with pytest.raises(Unauthorized) as forged:
        record_relayed(pair.owner, _body_signed_by(stranger, _relay_command(pair)))
    assert forged.value.reason_code == "bad-signature"
    ledger_key = bytes(pair.member.ledger_key_copy())
    for changes, reason in (({"command_type": "CreateKey"}, "not-relayed"),
                            ({"actor_id": "mallory"}, "not-relayed"),
                            ({"issued_at": pair.member.clock() - 3_600_000_000},
                             "stale-command")):
        with pytest.raises(Unauthorized) as refused:
            record_relayed(pair.owner, _body_signed_by(ledger_key, _relay_command(pair,
                                                                                  **changes)))
        assert refused.value.reason_code == reason
    assert pair.owner.store.head(SYSTEM_CHAIN) == before  # nothing recorded


@pytest.mark.parametrize(("body", "field"), [
    (b"not json", "body"), (b'{"command": 1}', "body"),
    (b'{"command": "{}", "signature": "!!"}', "body"),
])
def test_a_malformed_relay_names_its_field(pair: Pair, body: bytes, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        record_relayed(pair.owner, body)
    assert refused.value.field == field


def test_a_relay_for_a_chain_the_receiver_does_not_write_goes_no_further(
        session: Session, pair: Pair) -> None:
    ledger_key = bytes(pair.member.ledger_key_copy())
    with pytest.raises(NotChainOwner):  # the member writes no chain: never relayed on
        record_relayed(pair.member, _body_signed_by(ledger_key, _relay_command(pair)))
    assert pair.handed == []
    mismatched = _relay_command(pair, chain_id="default")
    with pytest.raises(InvalidInput) as refused:
        record_relayed(pair.owner, _body_signed_by(ledger_key, mismatched))
    assert refused.value.field == "chain_id"


def test_an_unreachable_writer_leaves_the_refusal_answered_without_a_seq(
        session: Session, pair: Pair) -> None:
    pair.member.refusals_elsewhere = lambda refused, refusal: None
    refusal = record_read_refusal(pair.member, session.identity("bob").actor_id,
                                  "Read:actors.list", Unauthorized("no", reason_code="role"))
    assert refusal.seq is None
    assert isinstance(refusal, SkmsError)
