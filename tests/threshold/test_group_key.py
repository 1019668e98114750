"""The group key is a ledger key (issue 17): kind frost-ed25519 / frost-secp256k1 /
bls12381-min-pk, the group public key, no material, the participants and threshold in its
``KeyHeldByThresholdGroup`` event; reads, the keys projection and the inventory report show
it; signing it by key id is a recorded refusal that says to use ``threshold sign``.

Signatures are checked by independent code: PyNaCl and pyca/cryptography for Ed25519,
coincurve's point arithmetic for FROST(secp256k1), py_ecc for BLS.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from nacl.signing import VerifyKey
from py_ecc.bls import G2ProofOfPossession

from commands.reads import ReadContext, answer
from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto.algorithms import all_profiles, profile, public_key_pem
from ledger.crypto.threshold.group_keys import group_key_kind, verify_group_signature
from ledger.domain.threshold_group import group_key_id
from ledger.errors import (
    CommandRejected,
    IllegalTransition,
    InvalidInput,
    InvalidSignature,
    UnsupportedAlgorithm,
)
from projections.query import open_sandbox
from projections.reports import run_report
from projections.runner import ProjectionRunner
from tests.custody.test_backup import backed_up
from tests.threshold.helpers import frost_secp256k1_verifies
from tests.threshold.test_threshold_commands import Seats, _seat, dkg, events, sign
from tests.threshold.test_threshold_commands import seats as seats
from tests.threshold.test_threshold_deal import DEALER, accept_all, deal


def read(session: Session, name: str, **params: Any) -> Any:
    return answer(name, ReadContext(session.ledger(), session.store()[0]), params)


def rejections(session: Session) -> list[dict[str, Any]]:
    return events(session, "CommandRejected")


def test_a_finished_dkg_records_the_group_key_as_a_ledger_key(seats: Seats) -> None:
    keys = dkg(seats)
    group_id = keys[1]["group_id"]
    key_id = group_key_id(group_id)
    assert {k["key_id"] for k in keys.values()} == {key_id}  # the same id on every seat
    for i, session in seats.items():
        row = read(session, "GetKey", key_id=key_id)
        assert (row["algorithm"], row["state"], row["public_key"], row["versions"]) == (
            "frost-ed25519", "active", keys[1]["group_public_key"], [1])
        assert row["backend"] == "threshold"
        assert row["location"] == {"group_id": group_id, "suite": "frost-ed25519",
                                   "threshold": 2, "participants": 3, "identifier": i}
        assert row["policy"]["rotation_period_days"] == 0
        assert key_id in [k["key_id"] for k in read(session, "ListKeys")]
        assert read(session, "GetThresholdGroup", group_id=group_id)["key_id"] == key_id
        (held,) = events(session, "KeyHeldByThresholdGroup")
        assert held == {"key_id": key_id, "version": 1, "group_id": group_id,
                        "suite": "frost-ed25519", "threshold": 2, "participants": 3,
                        "identifier": i, "actor_id": held["actor_id"]}
        (generated,) = [e for e in events(session, "KeyGenerated") if e["key_id"] == key_id]
        assert (generated["sealed_material"], generated["data_key_ref"]) == (b"", "")
        Auditor(session.store()[0]).verify()
    # a seat that is not active yet has no key
    started = seats[1].run("alice", "StartThresholdDkg", suite="frost-ed25519", threshold=2,
                           participants=3, identifier=1).result
    assert read(seats[1], "GetThresholdGroup", group_id=started["group_id"])["key_id"] is None


def test_its_public_key_and_signatures_check_like_any_key(seats: Seats) -> None:
    keys = dkg(seats)
    group_id, key_id = keys[1]["group_id"], keys[1]["key_id"]
    pem = read(seats[2], "GetPublicKey", key_id=key_id)["public_key"]
    public = load_pem_public_key(pem.encode())
    assert isinstance(public, Ed25519PublicKey)
    message = b"wire 5 BTC to cold storage"
    signature = bytes.fromhex(sign(seats, group_id, [1, 3], message)["signature"])
    public.verify(signature, message)  # cryptography
    VerifyKey(bytes.fromhex(keys[1]["group_public_key"])).verify(message, signature)  # nacl
    verdict = read(seats[2], "Verify", key_id=key_id, message=message,
                   signature=signature.hex())
    assert verdict == {"valid": True, "key_id": key_id, "version": 1, "state": "active"}
    assert read(seats[2], "Verify", key_id=key_id, message=b"other",
                signature=signature.hex())["valid"] is False


def test_signing_by_key_id_is_refused_and_says_to_use_threshold_sign(seats: Seats) -> None:
    keys = dkg(seats)
    group_id, key_id = keys[1]["group_id"], keys[1]["key_id"]
    for attempt in (lambda: seats[1].sign("bob", key_id, b"m"),
                    lambda: seats[1].sign_batch("bob", key_id, [b"a", b"b"])):
        with pytest.raises(CommandRejected) as refused:
            attempt()
        assert (refused.value.field, refused.value.reason_code) == ("key_id", "threshold-key")
        assert refused.value.message == (
            f"key {key_id} is a frost-ed25519 threshold group key (2-of-3, group "
            f"{group_id}): no ledger holds its secret, so it signs only in a threshold "
            "session")
        assert f"skms threshold sign commit|share|aggregate {group_id}" in refused.value.hint
        assert refused.value.seq is not None  # recorded
    assert [r["reason_code"] for r in rejections(seats[1])][-2:] == ["threshold-key"] * 2
    with pytest.raises(IllegalTransition) as rotation:
        seats[1].key_command("alice", "RotateKey", key_id)
    assert rotation.value.reason_code == "threshold-key"
    assert f"--replaces {group_id}" in rotation.value.hint
    # the material layer refuses too, whatever operation reaches it
    key = seats[1].ledger().key(key_id)
    with pytest.raises(CommandRejected, match="threshold group key"):
        seats[1].ledger().material.use(key_id, 1, key.versions[1], bytes)


def test_the_key_state_governs_the_seat(seats: Seats) -> None:
    keys = dkg(seats)
    group_id, key_id = keys[1]["group_id"], keys[1]["key_id"]
    seats[1].key_command("alice", "SuspendKey", key_id, {"reason": "investigation"})
    with pytest.raises(IllegalTransition) as held:
        seats[1].run("bob", "CommitThresholdSigning", group_id=group_id, session_id="s1")
    assert held.value.message == (f"the group key {key_id} of group {group_id} is "
                                  "suspended: this seat signs only while it is active")
    signature = sign(seats, group_id, [2, 3], b"the others still sign")["signature"]
    VerifyKey(bytes.fromhex(keys[1]["group_public_key"])).verify(
        b"the others still sign", bytes.fromhex(signature))
    seats[1].key_command("alice", "ReactivateKey", key_id, {"reason": "cleared"})
    sign(seats, group_id, [1, 2], b"back")
    # the key's allowed signers are the seat's too
    actor = seats[1].ledger().actor("alice").actor_id
    seats[1].key_command("alice", "ChangeKeyPolicy", key_id,
                         {"allowed_signers": [actor]})
    with pytest.raises(CommandRejected, match="not an allowed signer of group key") as no:
        seats[1].run("bob", "CommitThresholdSigning", group_id=group_id, session_id="s2")
    assert no.value.reason_code == "policy"


def test_a_new_dkg_deactivates_the_replaced_group_key(seats: Seats) -> None:
    old = dkg(seats)
    message = b"signed before the rotation"
    signature = sign(seats, old[1]["group_id"], [1, 2], message)["signature"]
    new = dkg(seats, replaces={i: old[1]["group_id"] for i in seats})
    for session in seats.values():
        assert read(session, "GetKey", key_id=old[1]["key_id"])["state"] == "deactivated"
        assert read(session, "GetKey", key_id=new[1]["key_id"])["state"] == "active"
        # a deactivated key still verifies what it signed
        assert read(session, "Verify", key_id=old[1]["key_id"], message=message,
                    signature=signature)["valid"] is True
        Auditor(session.store()[0]).verify()


def test_frost_secp256k1_and_bls_group_keys(seats: Seats) -> None:
    secp = dkg(seats, "frost-secp256k1")
    key = read(seats[1], "GetKey", key_id=secp[1]["key_id"])
    assert key["algorithm"] == "frost-secp256k1" and len(bytes.fromhex(key["public_key"])) == 33
    message = b"secp group"
    signature = bytes.fromhex(sign(seats, secp[1]["group_id"], [2, 3], message)["signature"])
    assert frost_secp256k1_verifies(bytes.fromhex(key["public_key"]), message, signature)
    assert read(seats[1], "Verify", key_id=key["key_id"], message=message,
                signature=signature.hex())["valid"] is True
    pem = read(seats[1], "GetPublicKey", key_id=key["key_id"])["public_key"]
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    bls = dkg(seats, "bls12381-min-pk")
    key_id = bls[1]["key_id"]
    shares = [seats[i].run("bob", "SignThresholdShare", group_id=bls[1]["group_id"],
                           session_id="b", commitments=[], message=b"bls").result["message"]
              for i in (1, 2)]
    signature = bytes.fromhex(seats[3].run(
        "bob", "AggregateThresholdSignature", group_id=bls[1]["group_id"], session_id="b",
        commitments=[], shares=shares, message=b"bls").result["signature"])
    assert G2ProofOfPossession.Verify(bytes.fromhex(bls[1]["group_public_key"]), b"bls",
                                      signature)
    assert read(seats[3], "Verify", key_id=key_id, message=b"bls",
                signature=signature.hex())["valid"] is True
    with pytest.raises(UnsupportedAlgorithm, match="no standard SubjectPublicKeyInfo"):
        read(seats[3], "GetPublicKey", key_id=key_id)
    assert read(seats[3], "GetPublicKey", key_id=key_id, format="hex")["public_key"] == \
        bls[1]["group_public_key"]


def test_the_keys_projection_and_inventory_show_it(seats: Seats, tmp_path: Path) -> None:
    keys = dkg(seats)
    database = tmp_path / "p.duckdb"
    with ProjectionRunner(seats[2].store()[0], database) as runner:
        runner.update()
    con = open_sandbox(database)
    try:
        (row,) = con.execute("SELECT algorithm, state, fips_approved, rotation_period_days "
                             "FROM keys WHERE key_id = ?", [keys[1]["key_id"]]).fetchall()
        assert row == ("frost-ed25519", "active", False, 0)
        timeline = [r[0] for r in con.execute(
            "SELECT event_type FROM key_events WHERE key_id = ? ORDER BY seq",
            [keys[1]["key_id"]]).fetchall()]
        assert timeline == ["KeyGenerated", "KeyHeldByThresholdGroup", "KeyActivated"]
        (seat,) = con.execute("SELECT suite, threshold, participants, identifier FROM "
                              "threshold_events WHERE event_type = 'KeyHeldByThresholdGroup'"
                              ).fetchall()
        assert seat == ("frost-ed25519", 2, 3, 2)
        inventory = run_report(con, "inventory")
        rows = [dict(zip(inventory.columns, r, strict=True)) for r in inventory.rows]
        assert [(r["algorithm"], r["state"], r["keys"], r["fips_approved"]) for r in rows] == [
            ("frost-ed25519", "active", 1, False)]
        assert run_report(con, "overdue-rotation").rows == []
    finally:
        con.close()


def test_a_dealt_group_key_is_a_ledger_key_too(tmp_path: Path) -> None:
    homes = {i: _seat(tmp_path, i) for i in (1, 2, 3, DEALER)}
    try:
        group_id, dealt = deal(homes)
        accept_all(homes, group_id, dealt["message"])
        key_id = group_key_id(group_id)
        for i in (1, 2, 3):
            row = read(homes[i], "GetKey", key_id=key_id)
            assert (row["public_key"], row["location"]["identifier"]) == (
                dealt["group_public_key"], i)
            assert read(homes[i], "GetThresholdGroup", group_id=group_id)["key_id"] == key_id
            Auditor(homes[i].store()[0]).verify()
        assert key_id not in homes[DEALER].ledger().keys  # the dealer holds no seat
    finally:
        for home in homes.values():
            home.close()


def test_a_backup_of_the_seat_covers_its_group_key(seats: Seats, tmp_path: Path) -> None:
    keys = dkg(seats)
    key_id = keys[1]["key_id"]
    (missing,) = read(seats[1], "ListKeysWithoutBackup")
    assert (missing["key_id"], missing["missing_versions"]) == (key_id, [1])
    with pytest.raises(InvalidInput, match="is a threshold group key") as named:
        backed_up(seats[1], tmp_path / "named", key_ids=[key_id])
    assert named.value.field == "key_ids"
    made, _, _ = backed_up(seats[1], tmp_path, all_keys=True)
    assert (made["key_count"], made["threshold_group_count"]) == (0, 1)
    assert read(seats[1], "ListKeysWithoutBackup") == []


def test_group_key_kinds_resolve_but_are_not_creatable() -> None:
    assert not [p for p in all_profiles() if p.purpose == "threshold-signature"]
    made = profile("frost-ed25519")
    assert (made.purpose, made.private_key_size, made.fips_approved) == (
        "threshold-signature", 0, False)
    with pytest.raises(UnsupportedAlgorithm, match="not a threshold group key kind"):
        group_key_kind("ed25519")
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    assert "PUBLIC KEY" in public_key_pem("frost-ed25519", public)
    with pytest.raises(InvalidSignature):
        verify_group_signature("frost-secp256k1", bytes(33), b"m", bytes(65))
    with pytest.raises(InvalidInput):
        public_key_pem("frost-secp256k1", bytes(33))
    assert hashlib.sha256(uuid.UUID(group_key_id("g")).bytes).digest()  # a valid UUID
