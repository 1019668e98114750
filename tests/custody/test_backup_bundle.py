"""The backup bundle recipe (ledger/recipes/backup_bundle.py): a key-ring disaster recovery
through it, threshold and tamper refusals, for both KEMs and both splitting schemes.

The commands around it (CreateBackup, VerifyBackup, RestoreBackup) are not built yet; this
proves the recipe they will call: data keys taken off one KEK, carried M-of-N, put back
under another, and the keys sign again with their recorded public keys.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from commands.session import Session
from ledger.crypto.memory import zeroize
from ledger.crypto.schemes import get_scheme
from ledger.errors import InvalidCiphertext, InvalidInput, InvalidSignature
from ledger.recipes import backup_bundle, custody_keys
from ledger.recipes.backup_bundle import Entry
from ledger.recipes.key_material import material_aad
from ledger.recipes.sealing import unwrap_data_key, wrap_data_key
from tests.ledger.conftest import new_session


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Any:
    current = new_session(tmp_path_factory.mktemp("backup") / "home")
    current.initialize(name="backup", checkpoint_every_events=50)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    yield current
    current.close()


@pytest.fixture(scope="module")
def custodians() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [custody_keys.generate("ann"), custody_keys.generate("ben", "x25519"),
            custody_keys.generate("cy")]


def entries_of(session: Session, key_ids: list[str]) -> list[Entry]:
    """Each version's data key off this home's KEK (what CreateBackup will seal)."""
    ledger = session.ledger()
    made = []
    for key_id in key_ids:
        key = ledger.key(key_id)
        for version, record in sorted(key.versions.items()):
            ref = record["data_key_ref"]
            data_key = unwrap_data_key(ledger.keyring.get(ref) or b"", ledger.material.kek,
                                       aad=material_aad(key_id, version))
            made.append(Entry({"kind": "key-version", "id": key_id, "version": version,
                               "ref": ref}, data_key))
    return made


def make(session: Session, custodians: list[tuple[dict[str, Any], dict[str, Any]]],
         key_ids: list[str], *, scheme: str = "feldman", threshold: int = 2
         ) -> backup_bundle.NewBundle:
    ledger = session.ledger()
    entries = entries_of(session, key_ids)
    try:
        return backup_bundle.create(
            entries, bundle_id="b-1", ledger_id=str(ledger.state.ledger_id),
            ledger_public_key=ledger.meta.ledger_public_key, sign=ledger.ledger_signature,
            created_at=1, created_by="admin",
            custodians=[custody_keys.parse_public(p) for p, _ in custodians],
            threshold=threshold, scheme=scheme)
    finally:
        for entry in entries:
            zeroize(entry.secret)


@pytest.mark.parametrize("scheme", ["feldman", "slip39"])
def test_a_lost_keyring_comes_back_from_two_of_three_custodians(
        session: Session, custodians: list[tuple[dict[str, Any], dict[str, Any]]],
        scheme: str) -> None:
    ledger = session.ledger()
    key_ids = [str(session.run("alice", "CreateKey", domain="default",
                               algorithm=algorithm).result["key_id"])
               for algorithm in ("ed25519", "ecdsa-p256")]
    session.key_command("alice", "RotateKey", key_ids[0])
    before = bytes.fromhex(session.sign("bob", key_ids[0], b"old").result["signature"])
    made = make(session, custodians, key_ids, scheme=scheme)
    bundle = json.loads(json.dumps(made.bundle))  # what the operator stores
    checked = backup_bundle.verify(bundle, ledger_public_key=ledger.meta.ledger_public_key)
    assert [line["id"] for line in checked.manifest] == [key_ids[0]] * 2 + [key_ids[1]]
    assert "payload" in bundle and all("share" not in c for c in bundle["custodians"])
    # disaster: the key-ring entries are gone
    refs = [line["ref"] for line in checked.manifest]
    for ref in refs:
        ledger.keyring.shred(ref)
    # two custodians open their shares offline, with their own private keys
    shares = [backup_bundle.open_share(bundle, custodians[i][1]) for i in (0, 2)]
    secrets, used = backup_bundle.open_payload(checked, shares,
                                               backup_bundle.split_record(checked))
    assert used == [1, 3]
    for secret in secrets:
        line = secret.public
        ledger.keyring.put(line["ref"], wrap_data_key(
            secret.secret, ledger.material.kek, aad=material_aad(line["id"],
                                                                 line["version"])))
        zeroize(secret.secret)
    for key_id in key_ids:  # every restored key signs again
        key = ledger.key(key_id)
        signature = bytes.fromhex(session.sign("bob", key_id, b"new").result["signature"])
        get_scheme(key.algorithm).verify(key.versions[key.current_version]["public_key"],
                                         b"new", signature)
    get_scheme("ed25519").verify(ledger.key(key_ids[0]).versions[2]["public_key"], b"old",
                                 before)


def test_below_threshold_is_refused_with_a_clear_reason(
        session: Session, custodians: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    made = make(session, custodians, [key_id])
    checked = backup_bundle.verify(made.bundle)
    one = [backup_bundle.open_share(made.bundle, custodians[1][1])]
    with pytest.raises(InvalidInput, match=r"1 valid share\(s\) presented, 2 needed") as refused:
        backup_bundle.open_payload(checked, one, backup_bundle.split_record(checked))
    assert refused.value.field == "shares"


def test_a_custodian_opens_only_their_own_share(
        session: Session, custodians: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    made = make(session, custodians, [key_id])
    stranger = custody_keys.generate("eve")[1]
    with pytest.raises(InvalidInput, match="not one of the bundle's custodians"):
        backup_bundle.open_share(made.bundle, stranger)
    moved = json.loads(json.dumps(made.bundle))
    moved["custodians"][0]["sealed_share"], moved["custodians"][2]["sealed_share"] = (
        moved["custodians"][2]["sealed_share"], moved["custodians"][0]["sealed_share"])
    with pytest.raises(InvalidSignature):  # the swap breaks the ledger's signature
        backup_bundle.open_share(moved, custodians[0][1])


def test_a_tampered_bundle_is_refused_before_anything_opens(
        session: Session, custodians: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    made = make(session, custodians, [key_id])
    for field, value in (("threshold", 1), ("manifest", []), ("payload", "00")):
        edited = {**made.bundle, field: value}
        with pytest.raises((InvalidSignature, InvalidInput)):
            backup_bundle.verify(edited)
    with pytest.raises(InvalidSignature, match="pinned"):
        backup_bundle.verify(made.bundle, ledger_public_key=bytes(32))
    with pytest.raises(InvalidInput, match="not a skms-backup-bundle/v1"):
        backup_bundle.verify({"format": "x"})
    # a share of another bundle does not open this one
    other = make(session, custodians, [key_id])
    checked = backup_bundle.verify(made.bundle)
    foreign = [backup_bundle.open_share(other.bundle, custodians[i][1]) for i in (0, 1)]
    with pytest.raises((InvalidInput, InvalidCiphertext)):
        backup_bundle.open_payload(checked, foreign, backup_bundle.split_record(checked))


def test_threshold_and_custodians_are_checked(
        session: Session, custodians: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    with pytest.raises(InvalidInput) as refused:
        make(session, custodians, [key_id], threshold=4)
    assert refused.value.field == "threshold"
    with pytest.raises(InvalidInput) as twice:
        make(session, [custodians[0], custodians[0]], [key_id])
    assert twice.value.field == "custodians"


def test_the_bundle_file_is_plain_json(tmp_path: Path, session: Session,
                                       custodians: list[tuple[dict[str, Any],
                                                              dict[str, Any]]]) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    target = tmp_path / "bundle.json"
    target.write_text(json.dumps(make(session, custodians, [key_id]).bundle))
    assert backup_bundle.verify(json.loads(target.read_text())).manifest[0]["id"] == key_id
