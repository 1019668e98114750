"""The auditor re-verifies the cryptography of every FROST signing session it replays.

From the public values the v2 signing events record (the commitments signed over,
``H4(msg)``, the challenge, the shares, the signature) and the group's public key package,
the auditor recomputes the binding factors and the group commitment, checks each signature
share against its signer's verifying share (RFC 9591 section 5.4) and the signature
against the group key. A store that alters one recorded value and re-links the chain (no
checkpoint after it, so the hash chain alone cannot tell) is caught at that event's seq
under the ``threshold`` check, with the participant named.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from nacl.signing import VerifyKey

from commands.cli.main import cli
from commands.session import Session
from ledger.audit import Auditor
from ledger.audit.threshold_replay import replay_problem
from ledger.crypto.threshold.suites import FROST_ED25519
from ledger.envelope import Envelope, open_envelope
from ledger.errors import VerificationError
from ledger.events.codec import encode_payload
from ledger.stores.base import StoredEnvelope
from tests.adversarial.lying_stores import ForgedStore, reseal_from
from tests.ledger.conftest import PASSPHRASE, new_session
from tests.threshold.test_threshold_commands import Seats, dkg, sign

CHAIN = "default"


def _seat(root: Path, index: int) -> Session:
    session = new_session(root / f"home{index}")
    session.initialize(name=f"seat{index}", checkpoint_every_events=10_000)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    return session


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seats, dict[str, Any]]]:
    """Three seats after a 2-of-3 DKG and one session signed by {1, 2}, aggregated by 1."""
    root = tmp_path_factory.mktemp("replay")
    seats = {i: _seat(root, i) for i in (1, 2, 3)}
    keys = dkg(seats)
    result = sign(seats, keys[1]["group_id"], [1, 2], b"release the escrow", "session-1")
    VerifyKey(bytes.fromhex(result["group_public_key"])).verify(
        b"release the escrow", bytes.fromhex(result["signature"]))
    yield seats, keys[1]
    for session in seats.values():
        session.close()


def chain_of(session: Session) -> list[StoredEnvelope]:
    return list(session.store()[0].read(CHAIN))


def at(envelopes: list[StoredEnvelope], event_type: str) -> int:
    return next(e.seq for e in envelopes if e.event_type == event_type)


def changed(edit: Callable[[dict[str, Any]], None]) -> Callable[[Envelope], Envelope]:
    """The envelope with its record edited and re-encoded (what a lying store can do)."""
    def change(envelope: Envelope) -> Envelope:
        record = envelope.event()
        edit(record)
        version, payload = encode_payload(envelope.event_type, record)
        return dataclasses.replace(envelope, schema_version=version, payload=payload)
    return change


def flip(hex_text: str, index: int = 0) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[index] ^= 0x01
    return bytes(raw).hex()


def audit_fault(session: Session, event_type: str,
                edit: Callable[[dict[str, Any]], None]) -> tuple[VerificationError, int]:
    store = session.store()[0]
    envelopes = chain_of(session)
    seq = at(envelopes, event_type)
    assert not [e for e in envelopes[seq:] if e.event_type == "CheckpointPublished"]
    forged = reseal_from(envelopes, seq, changed(edit))
    chains = {c: list(store.read(c)) for c in store.chains()}
    checkpoints = {c: store.checkpoints(c) for c in store.chains()}
    with pytest.raises(VerificationError) as caught:
        Auditor(ForgedStore({**chains, CHAIN: forged}, checkpoints)).verify()
    return caught.value, seq


def assert_threshold_fault(found: tuple[VerificationError, int], reason: str) -> None:
    error, seq = found
    assert (error.chain, error.seq, error.check) == (CHAIN, seq, "threshold"), error.message
    assert error.message == reason


SHARE_OF_1 = ("the signature share of participant 1 does not verify against its "
              "verifying share (RFC 9591 verify_signature_share)")


def test_the_honest_logs_verify_and_record_the_transcript(
        signed: tuple[Seats, dict[str, Any]]) -> None:
    seats, _ = signed
    for session in seats.values():
        Auditor(session.store()[0]).verify()
    envelopes = chain_of(seats[1])
    issued = envelopes[at(envelopes, "ThresholdShareIssued")]
    aggregated = envelopes[at(envelopes, "ThresholdSignatureAggregated")]
    for stored in (issued, aggregated):
        envelope = open_envelope(stored)
        record = envelope.event()
        assert envelope.schema_version == 2
        assert record["message_hash"] == FROST_ED25519.h4(b"release the escrow")
        assert len(record["challenge"]) == 32
        assert [c["identifier"] for c in json.loads(record["signing_package"])] == [1, 2]
        assert '"secret"' not in json.dumps(record, default=lambda b: b.hex())


def test_an_altered_share_in_the_seats_own_event_is_named(
        signed: tuple[Seats, dict[str, Any]]) -> None:
    seats, _ = signed

    def edit(record: dict[str, Any]) -> None:
        document = json.loads(record["signature_share"])
        document["share"]["share"] = flip(document["share"]["share"])
        record["signature_share"] = json.dumps(document)

    assert_threshold_fault(audit_fault(seats[1], "ThresholdShareIssued", edit), SHARE_OF_1)


def test_an_altered_share_of_another_signer_in_the_aggregation_is_named(
        signed: tuple[Seats, dict[str, Any]]) -> None:
    seats, _ = signed

    def edit(record: dict[str, Any]) -> None:
        shares = json.loads(record["signature_shares"])
        shares[1]["share"]["share"] = flip(shares[1]["share"]["share"])
        record["signature_shares"] = json.dumps(shares)

    assert_threshold_fault(audit_fault(seats[1], "ThresholdSignatureAggregated", edit),
                           SHARE_OF_1.replace("participant 1", "participant 2"))


@pytest.mark.parametrize(("field", "reason"), [
    ("challenge", "the signature share of participants 1, 2 does not verify against its "
                  "verifying share (RFC 9591 verify_signature_share)"),
    ("message_hash", "the signature share of participants 1, 2 does not verify against its "
                     "verifying share (RFC 9591 verify_signature_share)"),
])
def test_an_altered_transcript_fails_every_share(signed: tuple[Seats, dict[str, Any]],
                                                 field: str, reason: str) -> None:
    seats, _ = signed

    def edit(record: dict[str, Any]) -> None:
        record[field] = bytes.fromhex(flip(record[field].hex()))

    assert_threshold_fault(audit_fault(seats[1], "ThresholdSignatureAggregated", edit),
                           reason)


@pytest.mark.parametrize(("index", "reason"), [
    (40, "the group signature does not verify: the signature's z is not the sum of the "
         "recorded shares"),
    (0, "the group signature does not verify: the signature's R is not the group "
        "commitment of the recorded commitments"),
])
def test_an_altered_signature_is_caught(signed: tuple[Seats, dict[str, Any]], index: int,
                                        reason: str) -> None:
    seats, _ = signed

    def edit(record: dict[str, Any]) -> None:
        record["signature"] = bytes.fromhex(flip(record["signature"].hex(), index))

    assert_threshold_fault(audit_fault(seats[1], "ThresholdSignatureAggregated", edit),
                           reason)


def test_a_share_over_other_commitments_than_committed_is_caught(
        signed: tuple[Seats, dict[str, Any]]) -> None:
    seats, _ = signed
    other = FROST_ED25519.group.serialize_element(
        FROST_ED25519.group.scalar_base_mult(FROST_ED25519.group.scalars.from_int(7))).hex()

    def edit(record: dict[str, Any]) -> None:
        commitments = json.loads(record["signing_package"])
        commitments[0]["hiding"] = other
        record["signing_package"] = json.dumps(commitments)

    assert_threshold_fault(audit_fault(seats[1], "ThresholdShareIssued", edit),
                           "the share of participant 1 answers commitments other than the "
                           "ones it committed in the session")


def test_audit_verify_names_the_altered_share(signed: tuple[Seats, dict[str, Any]],
                                              tmp_path: Path) -> None:
    """The CLI's ``audit verify`` on a home whose store file had one share rewritten."""
    seats, _ = signed
    session = seats[2]
    envelopes = chain_of(session)
    seq = at(envelopes, "ThresholdShareIssued")

    def edit(record: dict[str, Any]) -> None:
        document = json.loads(record["signature_share"])
        document["share"]["share"] = flip(document["share"]["share"])
        record["signature_share"] = json.dumps(document)

    forged = reseal_from(envelopes, seq, changed(edit))
    database = Path(session.store()[0].url.removeprefix("sqlite:///"))
    copy = tmp_path / "home"
    shutil.copytree(session.home.path, copy)
    copied = copy / database.relative_to(session.home.path)
    with sqlite3.connect(copied) as con:
        for envelope in forged[seq:]:
            con.execute("UPDATE events SET body = ?, event_hash = ? WHERE chain_id = ? AND "
                        "seq = ?", (envelope.body, envelope.event_hash, CHAIN, envelope.seq))
    audited = CliRunner().invoke(cli, ["--home", str(copy), "--json", "audit", "verify"],
                                 env={"SKMS_PASSPHRASE": PASSPHRASE})
    assert audited.exit_code == 1, audited.output
    answer = json.loads(audited.output[audited.output.index("{"):])  # after the progress
    assert answer["message"] == SHARE_OF_1.replace("participant 1", "participant 2")
    assert (answer.get("chain"), answer.get("seq"), answer.get("check")) == (
        CHAIN, seq, "threshold"), answer


def test_a_v1_session_gets_the_signing_set_checks_only(
        signed: tuple[Seats, dict[str, Any]]) -> None:
    seats, key = signed
    group = seats[1].ledger().threshold_group(key["group_id"])
    record = {"signers": [1, 2], "session_id": "session-1", "challenge": b"",
              "signature": b"x"}
    assert replay_problem("ThresholdSignatureAggregated", record, group) is None
