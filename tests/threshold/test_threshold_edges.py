"""Each refusal of the threshold handlers, each finding of the threshold replay and each
malformed transcript ``frost.verify_transcript`` refuses, with its exact words."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.audit.threshold_replay import replay_problem
from ledger.crypto.threshold.bls import PartialSignature
from ledger.crypto.threshold.frost import SessionTranscript, verify_transcript
from ledger.crypto.threshold.keys import PublicKeyPackage
from ledger.crypto.threshold.messages import SigningCommitments
from ledger.crypto.threshold.rounds import ShareMessage
from ledger.crypto.threshold.suites import FROST_ED25519
from ledger.domain.threshold_group import ThresholdGroup
from ledger.errors import CommandRejected, InvalidInput, InvalidSignature
from tests.threshold.test_session_replay import _seat
from tests.threshold.test_threshold_commands import Seats, dkg, events, sign

SESSION = "edge-session"
MESSAGE = b"edge message"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Three seats with a FROST group (one session signed by {1, 2}, aggregated by 1), a BLS
    group and the round 2 messages of the FROST DKG."""
    root = tmp_path_factory.mktemp("edges")
    seats = {i: _seat(root, i) for i in (1, 2, 3)}
    frost = dkg(seats)[1]
    sign(seats, frost["group_id"], [1, 2], MESSAGE, SESSION)
    bls = dkg(seats, "bls12381-min-pk")[1]
    yield {"seats": seats, "frost": frost["group_id"], "bls": bls["group_id"]}
    for session in seats.values():
        session.close()


def refused(call: Any, kind: type[Exception] = InvalidInput) -> Any:
    with pytest.raises(kind) as caught:
        call()
    return caught.value


def commit(seats: Seats, i: int, group_id: str, session_id: str) -> dict[str, Any]:
    return seats[i].run("bob", "CommitThresholdSigning", group_id=group_id,
                        session_id=session_id).result["message"]


# --- the handlers' refusals ----------------------------------------------------------------

def test_dkg_start_refusals(world: dict[str, Any]) -> None:
    seats, group_id = world["seats"], world["frost"]
    bad = refused(lambda: seats[1].run("alice", "StartThresholdDkg", suite="frost-ed25519",
                                       threshold=2, participants=3, identifier=4))
    assert (bad.field, bad.message) == ("identifier",
                                        "identifiers run from 1 to the participants")
    other = refused(lambda: seats[1].run("alice", "StartThresholdDkg", suite="frost-ed25519",
                                         threshold=2, participants=3, identifier=1,
                                         replaces=group_id, domain="payments"),
                    CommandRejected)
    assert (other.field, other.reason_code, other.message) == (
        "replaces", "wrong-chain", f"group {group_id} belongs to domain 'default'")
    suite = refused(lambda: seats[1].run("alice", "StartThresholdDkg", suite="frost-secp256k1",
                                         threshold=2, participants=3, identifier=1,
                                         replaces=group_id))
    assert (suite.field, suite.message) == ("suite", f"group {group_id} is a frost-ed25519 key")


def test_dkg_round_and_finish_refusals(world: dict[str, Any]) -> None:
    seats = world["seats"]
    first = seats[1].run("alice", "StartThresholdDkg", suite="frost-ed25519", threshold=2,
                         participants=3, identifier=1).result
    group_id, own = first["group_id"], first["message"]
    others = [seats[i].run("alice", "StartThresholdDkg", suite="frost-ed25519", threshold=2,
                           participants=3, identifier=i, group_id=group_id).result["message"]
              for i in (2, 3)]
    forged = copy.deepcopy(own)
    forged["transport_public_key"] = others[0]["transport_public_key"]
    bad = refused(lambda: seats[1].run("alice", "RunThresholdDkgRound", group_id=group_id,
                                       round1_messages=[forged, *others]))
    assert (bad.field, bad.message) == ("round1_messages[0]", "a round 1 message in this "
                                        "participant's name that it did not send")
    # its own message, unchanged, is accepted and left out
    round2 = {1: seats[1].run("alice", "RunThresholdDkgRound", group_id=group_id,
                              round1_messages=[own, *others]).result}
    round2[2] = seats[2].run("alice", "RunThresholdDkgRound", group_id=group_id,
                             round1_messages=[own, others[1]]).result
    to_1 = next(m for m in round2[2]["messages"] if m["header"]["recipient"] == 1)
    stranger = copy.deepcopy(to_1)
    stranger["header"]["session_id"] = "00" * 16
    bad = refused(lambda: seats[1].run("alice", "FinishThresholdDkg", group_id=group_id,
                                       round2_messages=[stranger]))
    assert (bad.field, bad.message) == ("round2_messages[0]", "a share of another group")
    unknown = copy.deepcopy(to_1)
    unknown["header"]["sender"] = 7
    bad = refused(lambda: seats[1].run("alice", "FinishThresholdDkg", group_id=group_id,
                                       round2_messages=[unknown]))
    assert (bad.field, bad.message) == ("round2_messages", "a share from 7, who is not a peer")
    broken = copy.deepcopy(to_1)
    broken["ciphertext"] = bytes([bytes.fromhex(broken["ciphertext"])[0] ^ 1]).hex() + \
        broken["ciphertext"][2:]
    cheat = refused(lambda: seats[1].run("alice", "FinishThresholdDkg", group_id=group_id,
                                         round2_messages=[broken]), CommandRejected)
    assert (cheat.reason_code, cheat.message) == (
        "cheating-participant",
        "participant 2 cheated: its share does not open under its transport key")


def test_commit_and_share_refusals(world: dict[str, Any]) -> None:
    seats, group_id = world["seats"], world["frost"]
    bls = refused(lambda: commit(seats, 1, world["bls"], "s"))
    assert (bls.field, bls.message) == ("group_id",
                                        "bls12381-min-pk signs without round 1 commitments")
    twice = refused(lambda: commit(seats, 1, group_id, SESSION), CommandRejected)
    assert (twice.reason_code, twice.field) == ("exists", "session_id")
    session = str(uuid.uuid4())
    mine, theirs = commit(seats, 1, group_id, session), commit(seats, 2, group_id, session)
    elsewhere = commit(seats, 3, group_id, str(uuid.uuid4()))

    def share(i: int, commitments: list[dict[str, Any]], sid: str = session) -> Any:
        return seats[i].run("bob", "SignThresholdShare", group_id=group_id, session_id=sid,
                            commitments=commitments, message=MESSAGE)

    bad = refused(lambda: share(1, [mine, elsewhere]))
    assert (bad.field, bad.message) == ("commitments[1]",
                                        f"a commitment of session {elsewhere['session_id']}")
    bad = refused(lambda: share(1, [mine, mine]))
    assert bad.field == "commitments" and "without duplicates" in bad.message
    seat3 = commit(seats, 3, group_id, session)
    bad = refused(lambda: share(3, [mine, theirs]))
    assert (bad.field, bad.message) == ("commitments",
                                        "this participant is not in the signing set")
    substituted = copy.deepcopy(seat3)
    substituted["commitments"] = elsewhere["commitments"]
    bad = refused(lambda: share(3, [mine, substituted]))
    assert (bad.field, bad.message) == ("commitments", "the commitments carry another "
                                        "commitment in this participant's name")


def test_bls_refusals(world: dict[str, Any]) -> None:
    seats, group_id, frost_id = world["seats"], world["bls"], world["frost"]

    def partial(i: int, sid: str, commitments: list[Any] | None = None) -> Any:
        return seats[i].run("bob", "SignThresholdShare", group_id=group_id, session_id=sid,
                            commitments=commitments or [], message=MESSAGE).result["message"]

    some = commit(seats, 1, frost_id, str(uuid.uuid4()))
    bad = refused(lambda: partial(1, "b1", [some]))
    assert (bad.field, bad.message) == ("commitments", "BLS signing takes no commitments")
    first = partial(1, "b1")
    again = refused(lambda: partial(1, "b1"), CommandRejected)
    assert (again.reason_code, again.message) == (
        "exists", "this participant already signed in session b1")

    def aggregate(shares: list[Any], gid: str = group_id, sid: str = "b1",
                  commitments: list[Any] | None = None) -> Any:
        return seats[2].run("bob", "AggregateThresholdSignature", group_id=gid,
                            session_id=sid, commitments=commitments or [], shares=shares,
                            message=MESSAGE)

    bad = refused(lambda: aggregate([first], sid="b2"))
    assert (bad.field, bad.message) == ("shares[0]", "a share of session b1")
    few = refused(lambda: aggregate([first]), CommandRejected)
    assert (few.reason_code, few.message) == (
        "below-threshold", "1 partial signature(s), the group needs 2")
    frost_share = copy.deepcopy(json.loads(events(seats[1], "ThresholdShareIssued")[0][
        "signature_share"]))
    frost_share.update(group_id=group_id, session_id="b1")
    bad = refused(lambda: aggregate([first, frost_share]))
    assert (bad.field, bad.message) == ("shares", "BLS groups combine BLS partial signatures")
    bls_share = dict(first, group_id=frost_id, session_id=SESSION)
    commitments = [json.loads(e["commitments"]) for e in events(
        seats[1], "ThresholdNoncesCommitted") if e["session_id"] == SESSION]
    commitments.append(next(json.loads(e["commitments"]) for e in events(
        seats[2], "ThresholdNoncesCommitted") if e["session_id"] == SESSION))
    bad = refused(lambda: aggregate([bls_share, bls_share], frost_id, SESSION, commitments))
    assert (bad.field, bad.message) == ("shares", "FROST groups combine FROST signature shares")


# --- the replay's findings -----------------------------------------------------------------

def _group(world: dict[str, Any], **fields: Any) -> ThresholdGroup:
    group = copy.deepcopy(world["seats"][1].ledger().threshold_group(world["frost"]))
    for name, value in fields.items():
        setattr(group, name, value)
    return group


def _record(world: dict[str, Any], event_type: str) -> dict[str, Any]:
    (record,) = [e for e in events(world["seats"][1], event_type)
                 if e.get("session_id") == SESSION]
    return record


def test_the_replay_names_each_dkg_finding(world: dict[str, Any]) -> None:
    honest = _group(world)
    peers = json.loads(honest.peer_packages)
    assert replay_problem("ThresholdDkgShared", {}, _group(
        world, peer_packages=json.dumps(peers[:1]))) == (
        "the round 1 messages come from [1, 2], not 1..3")
    moved = copy.deepcopy(peers)
    moved[0]["group_id"] = str(uuid.uuid4())  # its package names the group: parsing refuses
    assert replay_problem("ThresholdDkgShared", {}, _group(
        world, peer_packages=json.dumps(moved))) == (
        "a recorded round message does not parse: the package belongs to another group")
    assert replay_problem("ThresholdDkgShared", {}, _group(world, suite="frost-secp256k1")) == (
        "participant 1's round 1 message is of another group")
    assert replay_problem("ThresholdDkgShared", {}, _group(world, threshold=3)) == (
        "participant 1 committed to the wrong degree")
    assert replay_problem("ThresholdKeyCreated", {}, _group(world, threshold=3)) == (
        "the public key package is of another suite or threshold")
    assert replay_problem("ThresholdKeyCreated", {}, _group(world, participants=4)) == (
        "the public key package names other participants")
    other = world["seats"][1].ledger().threshold_group(world["bls"])
    package = json.loads(honest.public_key_package)
    group = FROST_ED25519.group
    x = group.scalar_base_mult(group.scalars.from_int(5))
    pk = bytes.fromhex(package["group_public_key"])
    package["verifying_shares"] = [group.serialize_element(group.add(pk, group.scalar_mult(
        group.scalars.from_int(i), x))).hex() for i in (1, 2, 3)]
    assert replay_problem("ThresholdKeyCreated", {}, _group(
        world, public_key_package=json.dumps(package))) == (
        "the verifying share of 1 does not follow from the commitments")
    assert other.suite == "bls12381-min-pk"
    assert replay_problem("SomethingElse", {}, honest) is None


def test_the_replay_names_each_signing_finding(world: dict[str, Any]) -> None:
    honest = _group(world)
    issued = _record(world, "ThresholdShareIssued")
    aggregated = _record(world, "ThresholdSignatureAggregated")
    assert replay_problem("ThresholdShareIssued", issued, honest) is None
    assert replay_problem("ThresholdSignatureAggregated", aggregated, honest) is None
    shares = json.loads(aggregated["signature_shares"])
    moved = copy.deepcopy(shares)
    moved[0]["session_id"] = "another"
    assert replay_problem("ThresholdSignatureAggregated", dict(
        aggregated, signature_shares=json.dumps(moved)), honest) == (
        "participant 1's recorded share is of another group or session")
    bls_partial = world["seats"][1].run(
        "bob", "SignThresholdShare", group_id=world["bls"], session_id=str(uuid.uuid4()),
        commitments=[], message=MESSAGE).result["message"]
    assert isinstance(ShareMessage.from_dict(bls_partial).share, PartialSignature)
    bls_partial.update(group_id=world["frost"], session_id=SESSION)
    assert replay_problem("ThresholdSignatureAggregated", dict(
        aggregated, signature_shares=json.dumps([bls_partial, shares[1]])), honest) == (
        "participant 1's recorded share is not a FROST share")
    assert replay_problem("ThresholdShareIssued", issued, _group(world, sessions={})) == (
        f"the seat shared in session {SESSION} without committing first")
    assert replay_problem("ThresholdSignatureAggregated", dict(aggregated, signers=[1, 3]),
                          honest) == "the recorded commitments are not the signing set's"
    assert replay_problem("ThresholdShareIssued", dict(
        issued, signature_share=json.dumps(shares[1])), honest) == (
        "the recorded share is participant 2's, not this seat's")
    assert replay_problem("ThresholdShareIssued", dict(issued, signing_package="[1]"),
                          honest).startswith("a recorded round message does not parse")


def test_verify_transcript_refuses_malformed_transcripts(world: dict[str, Any]) -> None:
    group = _group(world)
    package = PublicKeyPackage.from_dict(json.loads(group.public_key_package))
    aggregated = _record(world, "ThresholdSignatureAggregated")
    commitments = [SigningCommitments.from_dict(c)
                   for c in json.loads(aggregated["signing_package"])]
    shares = [ShareMessage.from_dict(s).share
              for s in json.loads(aggregated["signature_shares"])]
    good = SessionTranscript(aggregated["message_hash"], aggregated["challenge"])
    signature = aggregated["signature"]
    verify_transcript(package, commitments, good, shares, signature)
    verify_transcript(package, commitments, good, shares[1:])  # one signer's share alone
    short = SessionTranscript(good.message_hash[:32], good.challenge)
    bad = refused(lambda: verify_transcript(package, commitments, short, shares))
    assert (bad.field, bad.message) == ("message_hash",
                                        "a frost-ed25519 message hash is 64 bytes")
    zero = SessionTranscript(good.message_hash, bytes(32))
    bad = refused(lambda: verify_transcript(package, commitments, zero, shares))
    assert (bad.field, bad.message) == ("challenge", "the challenge is zero")
    bad = refused(lambda: verify_transcript(package, commitments, good, shares[:1],
                                            signature))
    assert (bad.field, bad.message) == (
        "shares", "frost-ed25519 shares of signers [1] (each once) do not fit the signing "
                  "set [1, 2]")
    bad = refused(lambda: verify_transcript(package, commitments, good, shares,
                                            signature[:63]), InvalidSignature)
    assert bad.message == "a frost-ed25519 signature is 64 bytes"
