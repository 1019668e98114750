"""Whole-ledger disaster recovery through the CLI: ``skms backup create --all
--whole-ledger``, the home deleted, ``skms backup restore-home`` from the bundle, M
custodians' shares and a copy of the log, into a new home under a new passphrase.

Nothing of the old home is kept but the log copy (which holds no usable secret): the
ledger key and identities come back from the bundle. Signatures made before the disaster
are checked by ``cryptography`` with the public keys the log recorded, the rebuilt home by
``skms audit verify``; M-1 shares are refused with nothing written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from commands.cli.main import cli
from commands.session import Session
from ledger.envelope import open_envelope
from ledger.errors import CryptoError, InvalidCiphertext
from ledger.home import Home
from tests.custody.test_backup import keygen, open_share
from tests.ledger.conftest import PASSPHRASE, new_session

NEW_PASSPHRASE = "the restored home's own passphrase"


def skms(home: Path, *args: str, passphrase: str = PASSPHRASE) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), "--json", *args],
                              env={"SKMS_PASSPHRASE": passphrase})


@pytest.fixture
def lost(tmp_path: Path) -> dict[str, Any]:
    """A home with keys, a rotated version, a wallet and a whole-ledger backup; then the
    home is deleted and only a copy of its log survives."""
    home = tmp_path / "home"
    session = new_session(home)
    session.initialize(name="dr", checkpoint_every_events=20)
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    session.add_actor("admin", "bob", ["signer"], ["*"])
    ed = str(session.run("alice", "CreateKey", domain="default",
                         algorithm="ed25519").result["key_id"])
    p256 = str(session.run("alice", "CreateKey", domain="payments",
                           algorithm="ecdsa-p256").result["key_id"])
    session.key_command("alice", "RotateKey", p256)
    wallet = str(session.create_wallet("alice").result["wallet_id"])
    xpub = session.export_xpub("alice", wallet).result["xpub"]
    signatures = {k: bytes.fromhex(session.sign("bob", k, b"before").result["signature"])
                  for k in (ed, p256)}
    public_keys = {k: session.ledger().key(k).versions for k in (ed, p256)}
    session.close()
    publics = [keygen(tmp_path, "ann"), keygen(tmp_path, "ben", "--kem", "x25519"),
               keygen(tmp_path, "cy")]
    custodians = tmp_path / "custodians.json"
    custodians.write_text(json.dumps([public for public, _ in publics]))
    bundle = tmp_path / "bundle.json"
    made = skms(home, "backup", "create", "--all", "--whole-ledger", "--custodians",
                str(custodians), "--threshold", "2", "--output", str(bundle))
    assert made.exit_code == 0, made.output
    created = json.loads(made.stdout)
    log_copy = tmp_path / "log-copy.db"
    shutil.copy(home / "ledger.db", log_copy)
    shutil.rmtree(home)  # the disaster: config, identities and key-ring are gone
    shares = [tmp_path / f"share-{i}.json" for i in range(3)]
    for (_, private), share in zip(publics, shares, strict=True):
        open_share(bundle, private, share)
    return {"ed": ed, "p256": p256, "wallet": wallet, "xpub": xpub,
            "signatures": signatures, "public_keys": public_keys, "created": created,
            "bundle": bundle, "log": f"sqlite:///{log_copy}", "shares": shares}


def test_the_bundle_records_the_ledger_key_and_identities(lost: dict[str, Any]) -> None:
    created = lost["created"]
    assert created["includes_ledger_key"] is True
    assert created["identities"] == ["admin", "alice", "bob"]
    assert (created["key_count"], created["version_count"], created["wallet_count"]) == \
        (2, 3, 1)
    manifest = json.loads(lost["bundle"].read_text())["manifest"]
    assert sorted(line["kind"] for line in manifest) == [
        "identity", "identity", "identity", "key-version", "key-version", "key-version",
        "ledger-key", "wallet-seed"]


def test_m_minus_one_shares_are_refused_and_nothing_is_written(lost: dict[str, Any],
                                                              tmp_path: Path) -> None:
    new_home = tmp_path / "new-home"
    refused = skms(new_home, "backup", "restore-home", str(lost["bundle"]),
                   str(lost["shares"][0]), "--from", lost["log"], passphrase=NEW_PASSPHRASE)
    assert refused.exit_code != 0
    assert "1 valid share(s) presented, 2 needed" in refused.output
    assert "Traceback" not in refused.output
    assert not new_home.exists()


def test_a_lost_home_is_rebuilt_and_every_key_signs_again(lost: dict[str, Any],
                                                          tmp_path: Path) -> None:
    new_home = tmp_path / "new-home"
    pinned = json.loads(lost["bundle"].read_text())["ledger_public_key"]  # a trusted copy
    ran = skms(new_home, "backup", "restore-home", str(lost["bundle"]),
               str(lost["shares"][2]), str(lost["shares"][0]), "--from", lost["log"],
               "--ledger-key", pinned, passphrase=NEW_PASSPHRASE)
    assert ran.exit_code == 0, ran.output
    done = json.loads(ran.stdout)
    assert done["status"] == "done" and done["identities"] == ["admin", "alice", "bob"]
    restore = done["restore"]
    assert restore["share_indexes"] == [1, 3] and restore["skipped_refs"] == []
    assert len(restore["restored_refs"]) == 4  # three key versions and the wallet's seed
    assert restore["home_secrets"] == ["ledger-key", "identity:admin", "identity:alice",
                                       "identity:bob"]
    audited = skms(new_home, "audit", "verify", passphrase=NEW_PASSPHRASE)
    assert audited.exit_code == 0, audited.output
    # the new home's KEK is its own: the old passphrase opens nothing in it
    with pytest.raises((CryptoError, InvalidCiphertext)):
        Home(new_home).ledger_key(Home(new_home).open_kek(bytearray(PASSPHRASE.encode())))
    fresh = Session(Home(new_home), passphrase=bytearray(NEW_PASSPHRASE.encode()))
    try:
        check_keys_sign_and_old_signatures_verify(fresh, lost)
        # the wallet's seed opens again (an xpub is derived from it, not stored)
        assert fresh.export_xpub("alice", lost["wallet"]).result["xpub"] == lost["xpub"]
        store, _ = fresh.store()
        (event,) = [open_envelope(e).event() for e in store.read("system")
                    if e.event_type == "BackupRestored"]
        assert event["home_secrets"] == restore["home_secrets"]
        assert event["restored_refs"] == restore["restored_refs"]
    finally:
        fresh.close()


def check_keys_sign_and_old_signatures_verify(fresh: Session, lost: dict[str, Any]) -> None:
    ledger = fresh.ledger()
    for key_id in (lost["ed"], lost["p256"]):
        key = ledger.key(key_id)
        assert key.versions == lost["public_keys"][key_id]
        new = bytes.fromhex(fresh.sign("bob", key_id, b"after").result["signature"])
        current = key.versions[key.current_version]["public_key"]
        old = lost["signatures"][key_id]
        if key.algorithm == "ed25519":
            public = ed25519.Ed25519PublicKey.from_public_bytes(current)
            public.verify(old, b"before")
            public.verify(new, b"after")
        else:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), current)
            point.verify(old, b"before", ec.ECDSA(hashes.SHA256()))
            point.verify(new, b"after", ec.ECDSA(hashes.SHA256()))


def test_a_backup_without_the_ledger_key_cannot_rebuild_a_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    session = new_session(home)
    session.initialize(name="partial")
    session.add_actor("admin", "alice", ["key-manager"], ["*"])
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    session.close()
    public, private = keygen(tmp_path, "ann")
    custodians = tmp_path / "custodians.json"
    custodians.write_text(json.dumps([public]))
    bundle = tmp_path / "bundle.json"
    assert skms(home, "backup", "create", "--key", key_id, "--custodians", str(custodians),
                "--threshold", "1", "--output", str(bundle)).exit_code == 0
    share = tmp_path / "share.json"
    open_share(bundle, private, share)
    new_home = tmp_path / "new-home"
    refused = skms(new_home, "backup", "restore-home", str(bundle), str(share), "--from",
                   f"sqlite:///{home / 'ledger.db'}", passphrase=NEW_PASSPHRASE)
    assert refused.exit_code != 0 and "holds no ledger key" in refused.output
    assert not new_home.exists()


def test_the_restore_runs_as_an_identity_the_bundle_holds(lost: dict[str, Any],
                                                          tmp_path: Path) -> None:
    new_home = tmp_path / "new-home"
    refused = skms(new_home, "--as", "mallory", "backup", "restore-home",
                   str(lost["bundle"]), *map(str, lost["shares"][:2]), "--from", lost["log"],
                   passphrase=NEW_PASSPHRASE)
    assert refused.exit_code != 0
    assert "no identity named 'mallory'" in refused.output
    assert not new_home.exists()


def test_the_session_that_made_the_ledger_backs_up_its_identities(tmp_path: Path) -> None:
    session = new_session(tmp_path / "home")
    try:
        session.initialize(name="fresh")
        session.add_actor("admin", "alice", ["key-manager"], ["*"])
        public, _ = keygen(tmp_path, "ann")
        made = session.run("admin", "CreateBackup", all_keys=True, whole_ledger=True,
                           custodians=[public], threshold=1).result
    finally:
        session.close()
    assert made["includes_ledger_key"] is True
    assert made["identities"] == ["admin", "alice"]


def test_a_pin_to_another_ledger_or_a_refused_restore_leaves_nothing(
        lost: dict[str, Any], tmp_path: Path) -> None:
    new_home = tmp_path / "new-home"
    shares = [str(share) for share in lost["shares"][:2]]
    other = skms(new_home, "backup", "restore-home", str(lost["bundle"]), *shares, "--from",
                 lost["log"], "--ledger-key", "11" * 32, passphrase=NEW_PASSPHRASE)
    assert other.exit_code != 0 and "another ledger than the pinned key" in other.output
    assert not new_home.exists()
    # alice's identity is in the bundle, but RestoreBackup is an admin's: refused after the
    # home was written and the log replayed, so the home is removed again
    refused = skms(new_home, "--as", "alice", "backup", "restore-home", str(lost["bundle"]),
                   *shares, "--from", lost["log"], passphrase=NEW_PASSPHRASE)
    assert refused.exit_code != 0 and "lacks the role for RestoreBackup" in refused.output
    assert not new_home.exists()
