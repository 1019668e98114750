"""A trusted dealer (RFC 9591 appendix C) through the ledger: a fourth home splits a ledger
key or a fresh secret 2-of-3 for three seats, which accept their shares and sign with the
ordinary FROST (or threshold BLS) commands.

Interop by independent code: the group signature of a dealt Ed25519 key verifies as plain
Ed25519 (pynacl and cryptography) under the split key's own public key; secp256k1 with the
RFC 9591 verification equation on coincurve; a dealt BLS group's signature with standard BLS
Verify (py_ecc and blspy). A share that does not match the dealer's
commitments is refused naming the dealer, and the auditor re-checks the commitments.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import coincurve
import pytest
from blspy import G1Element, G2Element, PopSchemeMPL
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.signing import VerifyKey
from py_ecc.bls import G2ProofOfPossession

from commands.session import Session
from ledger.audit import Auditor
from ledger.audit.threshold_replay import replay_problem
from ledger.domain.threshold_group import ThresholdGroup
from ledger.envelope import open_envelope
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput
from ledger.recipes.threshold_material import open_state
from tests.threshold.helpers import frost_secp256k1_verifies
from tests.threshold.test_threshold_commands import Seats, _seat, events, sign

DEALER = 9


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[Seats]:
    """Seats 1..3 and the dealer's home (``DEALER``), each its own ledger and KEK."""
    made = {i: _seat(tmp_path, i) for i in (1, 2, 3, DEALER)}
    yield made
    for session in made.values():
        session.close()


def seats_of(homes: Seats) -> Seats:
    return {i: s for i, s in homes.items() if i != DEALER}


def start_seats(homes: Seats, suite: str) -> tuple[str, list[dict[str, Any]]]:
    """Every seat's StartThresholdDkg: the group id and the round 1 messages."""
    first = homes[1].run("alice", "StartThresholdDkg", suite=suite, threshold=2,
                         participants=3, identifier=1).result
    group_id = first["group_id"]
    messages = [first["message"]] + [
        homes[i].run("alice", "StartThresholdDkg", suite=suite, threshold=2, participants=3,
                     identifier=i, group_id=group_id).result["message"] for i in (2, 3)]
    return group_id, messages


def deal(homes: Seats, suite: str = "frost-ed25519", key_id: str | None = None
         ) -> tuple[str, dict[str, Any]]:
    group_id, messages = start_seats(homes, suite)
    dealt = homes[DEALER].run("alice", "DealThresholdKey", suite=suite, threshold=2,
                              participants=3, group_id=group_id,
                              participant_messages=messages, key_id=key_id).result
    return group_id, dealt


def accept_all(homes: Seats, group_id: str, message: dict[str, Any]) -> None:
    for i in (1, 2, 3):
        row = homes[i].run("alice", "AcceptThresholdDeal", group_id=group_id,
                           deal=message).result
        assert row["identifier"] == i and row["group_public_key"]


def test_a_dealt_fresh_group_signs_as_plain_ed25519(homes: Seats) -> None:
    group_id, dealt = deal(homes)
    accept_all(homes, group_id, dealt["message"])
    public_key = bytes.fromhex(dealt["group_public_key"])
    for signers in ([1, 3], [2, 3]):
        message = f"dealt {signers}".encode()
        signature = bytes.fromhex(sign(seats_of(homes), group_id, signers, message)
                                  ["signature"])
        VerifyKey(public_key).verify(message, signature)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    for session in homes.values():
        Auditor(session.store()[0]).verify()
    dealer = homes[DEALER].ledger().threshold_group(group_id)
    assert (dealer.stage, dealer.identifier) == ("dealt", 0)
    with pytest.raises(IllegalTransition):
        homes[DEALER].run("bob", "CommitThresholdSigning", group_id=group_id,
                          session_id="s")
    recorded = events(homes[DEALER], "ThresholdKeyDealt")[0]
    assert json.loads(recorded["deal"])["commitments"][0] == dealt["group_public_key"]


def test_an_existing_ed25519_key_is_split_and_its_signatures_verify_under_it(
        homes: Seats) -> None:
    key = homes[DEALER].run("alice", "CreateKey", algorithm="ed25519",
                            exportable=True).result
    public_key = bytes(homes[DEALER].ledger().key(key["key_id"]).versions[1]["public_key"])
    group_id, dealt = deal(homes, key_id=key["key_id"])
    assert bytes.fromhex(dealt["group_public_key"]) == public_key
    accept_all(homes, group_id, dealt["message"])
    signature = bytes.fromhex(sign(seats_of(homes), group_id, [1, 2], b"old key")
                              ["signature"])
    VerifyKey(public_key).verify(b"old key", signature)
    Ed25519PublicKey.from_public_bytes(public_key).verify(signature, b"old key")
    assert events(homes[DEALER], "ThresholdKeyDealt")[0]["key_id"] == key["key_id"]
    Auditor(homes[DEALER].store()[0]).verify()


def test_an_existing_secp256k1_key_is_split_and_verifies_with_coincurve(
        homes: Seats) -> None:
    key = homes[DEALER].run("alice", "CreateKey", algorithm="ecdsa-secp256k1",
                            exportable=True).result
    group_id, dealt = deal(homes, "frost-secp256k1", key_id=key["key_id"])
    accept_all(homes, group_id, dealt["message"])
    result = sign(seats_of(homes), group_id, [1, 3], b"secp")
    signature = bytes.fromhex(result["signature"])
    public = bytes.fromhex(result["group_public_key"])
    assert frost_secp256k1_verifies(public, b"secp", signature)
    assert not frost_secp256k1_verifies(public, b"other", signature)
    recorded = bytes(homes[DEALER].ledger().key(key["key_id"]).versions[1]["public_key"])
    assert coincurve.PublicKey(recorded).format() == public


def test_a_dealt_threshold_bls_group_verifies_with_standard_bls(homes: Seats) -> None:
    group_id, dealt = deal(homes, "bls12381-min-pk")
    accept_all(homes, group_id, dealt["message"])
    message = b"dealt bls"
    shares = [homes[i].run("bob", "SignThresholdShare", group_id=group_id,
                           session_id="bls-dealt", commitments=[],
                           message=message).result["message"] for i in (1, 3)]
    result = homes[2].run("bob", "AggregateThresholdSignature", group_id=group_id,
                          session_id="bls-dealt", commitments=[], shares=shares,
                          message=message).result
    public_key, signature = (bytes.fromhex(result["group_public_key"]),
                             bytes.fromhex(result["signature"]))
    assert public_key == bytes.fromhex(dealt["group_public_key"])
    assert G2ProofOfPossession.Verify(public_key, message, signature)  # py_ecc
    assert PopSchemeMPL.verify(G1Element.from_bytes(public_key), message,  # blspy
                               G2Element.from_bytes(signature))
    assert not G2ProofOfPossession.Verify(public_key, b"other", signature)
    for session in homes.values():
        Auditor(session.store()[0]).verify()


def test_a_bls_dealer_deals_fresh_secrets_only(homes: Seats) -> None:
    key = homes[DEALER].run("alice", "CreateKey", algorithm="ed25519",
                            exportable=True).result
    with pytest.raises(InvalidInput) as bad:
        deal(homes, "bls12381-min-pk", key_id=key["key_id"])
    assert bad.value.field == "key_id"


def test_no_share_is_in_any_event(homes: Seats) -> None:
    group_id, dealt = deal(homes)
    accept_all(homes, group_id, dealt["message"])
    for i in (1, 2, 3):
        seat = homes[i].ledger().threshold_group(group_id)
        share = open_state(homes[i].ledger().material, group_id, "share", seat.sealed_share,
                           seat.share_ref)["signing_share"]
        for session in homes.values():
            store, _ = session.store()
            for sealed in store.read("default"):
                envelope = open_envelope(sealed)
                assert share not in json.dumps(envelope.event(), default=lambda b: b.hex())
                assert bytes.fromhex(share) not in json.dumps(
                    envelope.event(), default=lambda b: b.hex()).encode()


def _rejections(session: Session) -> list[dict[str, Any]]:
    return events(session, "CommandRejected")


def test_a_share_that_fails_its_commitment_check_names_the_dealer(homes: Seats) -> None:
    group_id, dealt = deal(homes)
    # a dishonest dealer: the shares of this deal, the commitments of another polynomial
    _, other = deal(homes)
    forged = copy.deepcopy(dealt["message"])
    forged["commitments"] = [forged["commitments"][0], other["message"]["commitments"][1]]
    with pytest.raises(CommandRejected) as refused:
        homes[1].run("alice", "AcceptThresholdDeal", group_id=group_id, deal=forged)
    assert refused.value.reason_code == "cheating-participant"
    assert "dealer" in refused.value.message and "commitments" in refused.value.message
    # a share altered in transit does not open under the dealer's transport key
    tampered = copy.deepcopy(dealt["message"])
    blob = bytearray(bytes.fromhex(tampered["shares"][1]["ciphertext"]))
    blob[-1] ^= 1
    tampered["shares"][1]["ciphertext"] = bytes(blob).hex()
    with pytest.raises(CommandRejected, match="dealer"):
        homes[2].run("alice", "AcceptThresholdDeal", group_id=group_id, deal=tampered)
    assert [r["reason_code"] for r in _rejections(homes[1])] == ["cheating-participant"]
    assert homes[1].ledger().threshold_group(group_id).stage == "round1"
    accept_all(homes, group_id, dealt["message"])  # the honest deal still goes through


def test_bad_input_names_the_field(homes: Seats) -> None:
    group_id, messages = start_seats(homes, "frost-ed25519")
    key = homes[DEALER].run("alice", "CreateKey", algorithm="ed25519").result
    with pytest.raises(IllegalTransition, match="not exportable"):
        homes[DEALER].run("alice", "DealThresholdKey", suite="frost-ed25519", threshold=2,
                          participants=3, group_id=group_id, participant_messages=messages,
                          key_id=key["key_id"])
    other = homes[DEALER].run("alice", "CreateKey", algorithm="ecdsa-secp256k1",
                              exportable=True).result
    with pytest.raises(InvalidInput) as wrong:
        homes[DEALER].run("alice", "DealThresholdKey", suite="frost-ed25519", threshold=2,
                          participants=3, group_id=group_id, participant_messages=messages,
                          key_id=other["key_id"])
    assert wrong.value.field == "key_id"
    homes[DEALER].run("alice", "CompromiseKey", key_id=other["key_id"], reason="leak",
                      compromise_time=1_700_000_000_000_000)
    with pytest.raises(IllegalTransition, match="only an active key"):
        homes[DEALER].run("alice", "DealThresholdKey", suite="frost-secp256k1", threshold=2,
                          participants=3, group_id=group_id, participant_messages=messages,
                          key_id=other["key_id"])
    with pytest.raises(InvalidInput) as missing:
        homes[DEALER].run("alice", "DealThresholdKey", suite="frost-ed25519", threshold=2,
                          participants=3, group_id=group_id,
                          participant_messages=messages[:2])
    assert missing.value.field == "participant_messages"
    with pytest.raises(CommandRejected) as seated:  # a seat cannot deal to its own group
        homes[1].run("alice", "DealThresholdKey", suite="frost-ed25519", threshold=2,
                     participants=3, group_id=group_id, participant_messages=messages)
    assert seated.value.reason_code == "exists"
    dealt = homes[DEALER].run("alice", "DealThresholdKey", suite="frost-ed25519",
                              threshold=2, participants=3, group_id=group_id,
                              participant_messages=messages).result["message"]
    with pytest.raises(InvalidInput) as garbled:
        homes[1].run("alice", "AcceptThresholdDeal", group_id=group_id,
                     deal={**dealt, "participants": 4})
    assert garbled.value.field == "deal"


def test_the_auditor_rechecks_the_commitments(homes: Seats) -> None:
    group_id, dealt = deal(homes)
    accept_all(homes, group_id, dealt["message"])
    seat = homes[1].ledger().threshold_group(group_id)
    dealer = homes[DEALER].ledger().threshold_group(group_id)
    assert replay_problem("ThresholdDealAccepted", {}, seat) is None
    assert replay_problem("ThresholdKeyDealt", {}, dealer) is None

    def altered(group: ThresholdGroup, **fields: Any) -> ThresholdGroup:
        changed = copy.copy(group)
        for name, value in fields.items():
            setattr(changed, name, value)
        return changed

    _, other = deal(homes)
    moved = json.loads(seat.deal)
    moved["commitments"][1] = other["message"]["commitments"][1]
    assert "does not follow from the dealer's commitments" in str(replay_problem(
        "ThresholdDealAccepted", {}, altered(seat, deal=json.dumps(moved))))
    other_key = bytes.fromhex(other["group_public_key"])
    assert "constant commitment" in str(replay_problem(
        "ThresholdKeyDealt", {}, altered(dealer, group_public_key=other_key)))
    seats = json.loads(dealer.peer_packages)[:2]
    assert "not 1..3" in str(replay_problem(
        "ThresholdKeyDealt", {}, altered(dealer, peer_packages=json.dumps(seats))))
