"""Threshold group keys through the ledger: three separate homes (three ledgers, three KEKs)
run the DKG and sign, exchanging only the round messages their results hold.

Interop by independent code: a FROST(Ed25519) group signature verifies as plain Ed25519
under pynacl and cryptography; FROST(secp256k1) with coincurve's ECDSA-independent point
arithmetic (RFC 9591 verification equation); threshold BLS with py_ecc's standard Verify.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import coincurve
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.signing import VerifyKey
from py_ecc.bls import G2ProofOfPossession

from commands.session import Session
from ledger.audit import Auditor
from ledger.audit.threshold_replay import replay_problem
from ledger.domain.threshold_group import ThresholdGroup
from ledger.envelope import open_envelope
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput
from projections.query import open_sandbox
from projections.reports import run_report
from projections.runner import ProjectionRunner
from tests.ledger.conftest import new_session
from tests.threshold.helpers import hash_to_scalar_secp256k1

Seats = dict[int, Session]


def _seat(root: Path, index: int) -> Session:
    session = new_session(root / f"home{index}")
    session.initialize(name=f"seat{index}", checkpoint_every_events=50)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    return session


@pytest.fixture
def seats(tmp_path: Path) -> Iterator[Seats]:
    made = {i: _seat(tmp_path, i) for i in (1, 2, 3)}
    yield made
    for session in made.values():
        session.close()


def events(session: Session, kind: str) -> list[dict[str, Any]]:
    store, _ = session.store()
    return [e.event() for e in (open_envelope(s) for s in store.read("default"))
            if e.event_type == kind]


def dkg(seats: Seats, suite: str = "frost-ed25519", *, threshold: int = 2,
        replaces: dict[int, str] | None = None) -> dict[int, dict[str, Any]]:
    """A full DKG among the seats; returns each seat's FinishThresholdDkg result."""
    first = seats[1].run("alice", "StartThresholdDkg", suite=suite, threshold=threshold,
                         participants=len(seats), identifier=1,
                         replaces=(replaces or {}).get(1)).result
    group_id = first["group_id"]
    round1 = {1: first["message"]}
    for i in sorted(seats)[1:]:
        round1[i] = seats[i].run("alice", "StartThresholdDkg", suite=suite,
                                 threshold=threshold, participants=len(seats), identifier=i,
                                 group_id=group_id,
                                 replaces=(replaces or {}).get(i)).result["message"]
    round2 = {i: seats[i].run("alice", "RunThresholdDkgRound", group_id=group_id,
                              round1_messages=[m for j, m in round1.items() if j != i]).result
              for i in seats}
    assert len({r["transcript_digest"] for r in round2.values()}) == 1
    everything = [m for r in round2.values() for m in r["messages"]]
    return {i: seats[i].run("alice", "FinishThresholdDkg", group_id=group_id,
                            round2_messages=everything).result for i in seats}


def sign(seats: Seats, group_id: str, signers: list[int], message: bytes,
         session_id: str | None = None) -> dict[str, Any]:
    session_id = session_id or str(uuid.uuid4())
    commitments = [seats[i].run("bob", "CommitThresholdSigning", group_id=group_id,
                                session_id=session_id).result["message"] for i in signers]
    shares = [seats[i].run("bob", "SignThresholdShare", group_id=group_id,
                           session_id=session_id, commitments=commitments,
                           message=message).result["message"] for i in signers]
    return seats[signers[0]].run("bob", "AggregateThresholdSignature", group_id=group_id,
                                 session_id=session_id, commitments=commitments,
                                 shares=shares, message=message).result


def test_frost_ed25519_dkg_and_signing_across_three_ledgers(seats: Seats) -> None:
    keys = dkg(seats)
    public = {k["group_public_key"] for k in keys.values()}
    assert len(public) == 1
    group_id = keys[1]["group_id"]
    public_key = bytes.fromhex(public.pop())
    for signers in ([1, 3], [2, 3], [1, 2, 3]):
        message = f"pay 10 to {signers}".encode()
        result = sign(seats, group_id, signers, message)
        signature = bytes.fromhex(result["signature"])
        assert result["signers"] == signers
        VerifyKey(public_key).verify(message, signature)  # pynacl (libsodium)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    for session in seats.values():
        Auditor(session.store()[0]).verify()
    # public values only: no event carries a signing share or nonce in clear
    created = events(seats[1], "ThresholdKeyCreated")[0]
    assert bytes.fromhex(keys[1]["group_public_key"]) == created["group_public_key"]


def test_every_event_is_public_and_sealed_state_is_shredded(seats: Seats) -> None:
    keys = dkg(seats)
    group_id = keys[1]["group_id"]
    sign(seats, group_id, [1, 2], b"m")
    ledger = seats[1].ledger()
    refs = set(ledger.keyring.refs())
    assert f"threshold/{group_id}/share" in refs
    assert not any(r.startswith(f"threshold/{group_id}/dkg") for r in refs)
    assert not any(r.startswith(f"threshold/{group_id}/nonces/") for r in refs)
    store, _ = seats[1].store()
    for stored in store.read("default"):
        record = open_envelope(stored).event()
        text = json.dumps(record, default=lambda b: b.hex())
        assert '"secret": true' not in text and "signing_share" not in text


def test_a_refused_session_with_one_participant(seats: Seats) -> None:
    group_id = dkg(seats)[1]["group_id"]
    session_id = str(uuid.uuid4())
    commitment = seats[1].run("bob", "CommitThresholdSigning", group_id=group_id,
                              session_id=session_id).result["message"]
    with pytest.raises(CommandRejected) as refused:
        seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=session_id,
                     commitments=[commitment], message=b"alone")
    assert refused.value.reason_code == "below-threshold"
    assert refused.value.seq is not None  # recorded


def test_a_cheating_signer_is_named(seats: Seats) -> None:
    group_id = dkg(seats)[1]["group_id"]
    session_id, message = str(uuid.uuid4()), b"tx"
    commitments = [seats[i].run("bob", "CommitThresholdSigning", group_id=group_id,
                                session_id=session_id).result["message"] for i in (2, 3)]
    shares = [seats[i].run("bob", "SignThresholdShare", group_id=group_id,
                           session_id=session_id, commitments=commitments,
                           message=message).result["message"] for i in (2, 3)]
    forged = json.loads(json.dumps(shares[1]))
    value = bytearray(bytes.fromhex(forged["share"]["share"]))
    value[-1] ^= 1
    forged["share"]["share"] = bytes(value).hex()
    with pytest.raises(CommandRejected) as refused:
        seats[1].run("bob", "AggregateThresholdSignature", group_id=group_id,
                     session_id=session_id, commitments=commitments,
                     shares=[shares[0], forged], message=message)
    assert refused.value.reason_code == "invalid-signature-share"
    assert "participant(s) 3 " in refused.value.message


def test_a_cheating_dkg_participant_is_named(seats: Seats) -> None:
    first = seats[1].run("alice", "StartThresholdDkg", suite="frost-ed25519", threshold=2,
                         participants=3, identifier=1).result
    group_id = first["group_id"]
    messages = {1: first["message"]}
    for i in (2, 3):
        messages[i] = seats[i].run("alice", "StartThresholdDkg", suite="frost-ed25519",
                                   threshold=2, participants=3, identifier=i,
                                   group_id=group_id).result["message"]
    bad = json.loads(json.dumps(messages[3]))
    response = bytearray(bytes.fromhex(bad["package"]["proof_response"]))
    response[0] ^= 1
    bad["package"]["proof_response"] = bytes(response).hex()
    with pytest.raises(CommandRejected) as refused:
        seats[1].run("alice", "RunThresholdDkgRound", group_id=group_id,
                     round1_messages=[messages[2], bad])
    assert refused.value.reason_code == "cheating-participant"
    assert "participant 3" in refused.value.message


def test_a_reused_nonce_is_refused(seats: Seats) -> None:
    group_id = dkg(seats)[1]["group_id"]
    session_id = str(uuid.uuid4())
    commitments = [seats[i].run("bob", "CommitThresholdSigning", group_id=group_id,
                                session_id=session_id).result["message"] for i in (1, 2)]
    seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=session_id,
                 commitments=commitments, message=b"first")
    with pytest.raises(CommandRejected, match="nonce reuse") as refused:
        seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id=session_id,
                     commitments=commitments, message=b"second")
    assert refused.value.reason_code == "nonce-reuse" and refused.value.seq is not None


def test_rotation_by_a_new_dkg_retires_the_old_group(seats: Seats) -> None:
    old = dkg(seats)[1]["group_id"]
    new = dkg(seats, replaces={i: old for i in seats})
    for i, session in seats.items():
        assert new[i]["replaces"] == old
        retired = events(session, "ThresholdGroupRetired")
        assert [r["replaced_by"] for r in retired] == [new[1]["group_id"]]
        assert f"threshold/{old}/share" not in set(session.ledger().keyring.refs())
    with pytest.raises(IllegalTransition):
        seats[1].run("bob", "CommitThresholdSigning", group_id=old, session_id="s")
    result = sign(seats, new[1]["group_id"], [1, 2], b"after rotation")
    VerifyKey(bytes.fromhex(result["group_public_key"])).verify(
        b"after rotation", bytes.fromhex(result["signature"]))


def test_frost_secp256k1_signature_verifies_with_coincurve(seats: Seats) -> None:
    keys = dkg(seats, "frost-secp256k1")
    result = sign(seats, keys[1]["group_id"], [1, 3], b"secp")
    signature = bytes.fromhex(result["signature"])
    public = coincurve.PublicKey(bytes.fromhex(result["group_public_key"]))
    commitment, z = coincurve.PublicKey(signature[:33]), signature[33:]
    tag = b"FROST-secp256k1-SHA256-v1chal"
    challenge = hash_to_scalar_secp256k1(signature[:33] + public.format() + b"secp", tag)
    left = coincurve.PrivateKey(z).public_key
    right = coincurve.PublicKey.combine_keys([commitment, public.multiply(challenge)])
    assert left.format() == right.format()


def test_threshold_bls_verifies_with_py_ecc(seats: Seats) -> None:
    keys = dkg(seats, "bls12381-min-pk")
    group_id, message, session_id = keys[1]["group_id"], b"bls message", "bls-1"
    shares = [seats[i].run("bob", "SignThresholdShare", group_id=group_id,
                           session_id=session_id, commitments=[],
                           message=message).result["message"] for i in (1, 3)]
    result = seats[2].run("bob", "AggregateThresholdSignature", group_id=group_id,
                          session_id=session_id, commitments=[], shares=shares,
                          message=message).result
    assert G2ProofOfPossession.Verify(bytes.fromhex(result["group_public_key"]), message,
                                      bytes.fromhex(result["signature"]))


def test_bad_input_names_the_field(seats: Seats) -> None:
    with pytest.raises(InvalidInput) as bad:
        seats[1].run("alice", "StartThresholdDkg", suite="frost-ed25519", threshold=3,
                     participants=2, identifier=1)
    assert bad.value.field == "threshold"
    first = seats[1].run("alice", "StartThresholdDkg", suite="frost-ed25519", threshold=2,
                         participants=3, identifier=1).result
    with pytest.raises(InvalidInput) as bad:
        seats[1].run("alice", "RunThresholdDkgRound", group_id=first["group_id"],
                     round1_messages=[{"type": "threshold-dkg-round1"}])
    assert bad.value.field == "round1_messages[0]"
    with pytest.raises(CommandRejected) as refused:
        seats[1].run("alice", "StartThresholdDkg", suite="frost-ed25519", threshold=2,
                     participants=3, identifier=2, group_id=first["group_id"])
    assert refused.value.reason_code == "exists"


def test_projections_and_reports_show_groups_sessions_and_aborts(seats: Seats,
                                                                 tmp_path: Path) -> None:
    keys = dkg(seats)
    group_id = keys[1]["group_id"]
    sign(seats, group_id, [1, 2], b"projected")
    commitment = seats[1].run("bob", "CommitThresholdSigning", group_id=group_id,
                              session_id="lonely").result["message"]
    with pytest.raises(CommandRejected):
        seats[1].run("bob", "SignThresholdShare", group_id=group_id, session_id="lonely",
                     commitments=[commitment], message=b"x")
    database = tmp_path / "p.duckdb"
    with ProjectionRunner(seats[1].store()[0], database) as runner:
        runner.update()
    con = open_sandbox(database)
    try:
        kinds = [r[0] for r in con.execute(
            "SELECT event_type FROM threshold_events ORDER BY seq").fetchall()]
        assert kinds == ["ThresholdDkgStarted", "ThresholdDkgShared", "ThresholdKeyCreated",
                         "KeyHeldByThresholdGroup", "ThresholdNoncesCommitted",
                         "ThresholdShareIssued", "ThresholdSignatureAggregated",
                         "ThresholdNoncesCommitted"]
        details = " ".join(r[0] for r in con.execute(
            "SELECT details_json FROM threshold_events").fetchall())
        assert "sealed" not in details
        groups = run_report(con, "threshold-groups")
        (row,) = [dict(zip(groups.columns, r, strict=True)) for r in groups.rows]
        assert (row["group_id"], row["suite"], row["threshold"], row["participants"],
                row["stage"], row["sessions"], row["shares_issued"], row["signatures"]) == (
            group_id, "frost-ed25519", 2, 3, "active", 2, 1, 1)
        assert row["group_public_key_hex"] == keys[1]["group_public_key"]
        aborts = run_report(con, "threshold-aborts")
        (abort,) = [dict(zip(aborts.columns, r, strict=True)) for r in aborts.rows]
        assert (abort["reason_code"], abort["target"]) == ("below-threshold", group_id)
    finally:
        con.close()


def test_the_auditor_replays_the_key_generation(seats: Seats) -> None:
    keys = dkg(seats)
    group_id = keys[1]["group_id"]
    honest = seats[1].ledger().threshold_group(group_id)
    assert replay_problem("ThresholdDkgShared", {}, honest) is None
    assert replay_problem("ThresholdKeyCreated", {}, honest) is None

    def altered(**fields: Any) -> ThresholdGroup:
        group = copy.copy(honest)
        for name, value in fields.items():
            setattr(group, name, value)
        return group

    other_key = bytes.fromhex(dkg(seats)[1]["group_public_key"])
    assert "differs from the package" in str(replay_problem(
        "ThresholdKeyCreated", {}, altered(group_public_key=other_key)))
    package = json.loads(honest.public_key_package)
    package["group_public_key"] = other_key.hex()
    assert replay_problem("ThresholdKeyCreated", {}, altered(
        group_public_key=other_key, public_key_package=json.dumps(package))) is not None
    peers = json.loads(honest.peer_packages)
    response = bytearray(bytes.fromhex(peers[0]["package"]["proof_response"]))
    response[0] ^= 1
    peers[0]["package"]["proof_response"] = bytes(response).hex()
    assert "proof of knowledge does not verify" in str(replay_problem(
        "ThresholdDkgShared", {}, altered(peer_packages=json.dumps(peers))))
    assert "transcript digest" in str(replay_problem(
        "ThresholdDkgShared", {}, altered(transcript_digest=bytes(32))))
    assert "not within the group" in str(replay_problem(
        "ThresholdSignatureAggregated", {"signers": [1, 4], "signature": b"s"}, honest))
    assert "needs 2" in str(replay_problem(
        "ThresholdShareIssued", {"signers": [1]}, honest))
