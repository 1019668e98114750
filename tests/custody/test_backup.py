"""Backup and recovery ceremonies through the ledger: CreateBackup, the custodians' offline
CLI (custodian-keygen, verify, open-share), RestoreBackup, and a disaster recovery into a
fresh home rebuilt from a replay of the log.

Signatures made before the disaster are verified after it by ``cryptography`` with the
public keys the log recorded; the auditor verifies the rebuilt ledger.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from commands.cli.main import cli
from commands.reads import ReadContext, answer
from commands.session import Session
from ledger.audit import Auditor
from ledger.envelope import open_envelope
from ledger.errors import InvalidInput, MaterialDestroyed, NotFound, Unauthorized
from ledger.recipes import backup_bundle, custody_keys
from ledger.replay import replay
from ledger.stores.sqlite import SQLiteEventStore
from tests.ledger.conftest import PASSPHRASE, new_session


@pytest.fixture
def session(tmp_path: Path) -> Any:
    current = new_session(tmp_path / "home")
    current.initialize(name="dr", checkpoint_every_events=50)
    current.add_actor("admin", "alice", ["key-manager"], ["*"])
    current.add_actor("admin", "bob", ["signer"], ["*"])
    yield current
    current.close()


def keygen(tmp: Path, name: str, *extra: str) -> tuple[dict[str, Any], str]:
    """A custodian makes their key pair with the offline CLI."""
    made = CliRunner().invoke(cli, ["--json", "backup", "custodian-keygen", "--name", name,
                                    "--out-dir", str(tmp / "custodians"), *extra])
    assert made.exit_code == 0, made.output
    files = json.loads(made.stdout)
    return json.loads(Path(files["public_key_file"]).read_text()), files["private_key_file"]


def open_share(bundle_file: Path, private_file: str, out: Path) -> bytes:
    opened = CliRunner().invoke(cli, ["--json", "backup", "open-share", str(bundle_file),
                                      "--private-key", private_file, "--output", str(out)])
    assert opened.exit_code == 0, opened.output
    assert (out.stat().st_mode & 0o777) == 0o600
    return out.read_bytes()


def backed_up(session: Session, tmp: Path, **args: Any) -> tuple[dict[str, Any], Path,
                                                                 list[str]]:
    custodians = [keygen(tmp, "ann"), keygen(tmp, "ben", "--kem", "x25519"),
                  keygen(tmp, "cy")]
    made = session.run("admin", "CreateBackup", custodians=[p for p, _ in custodians],
                       threshold=2, **args).result
    bundle_file = tmp / "bundle.json"
    bundle_file.write_text(json.dumps(made["bundle"]))
    return made, bundle_file, [private for _, private in custodians]


def test_disaster_recovery_into_a_fresh_home_from_a_replayed_log(session: Session,
                                                                 tmp_path: Path) -> None:
    ed = str(session.run("alice", "CreateKey", domain="default",
                         algorithm="ed25519").result["key_id"])
    p256 = str(session.run("alice", "CreateKey", domain="payments",
                           algorithm="ecdsa-p256").result["key_id"])
    session.key_command("alice", "RotateKey", p256)
    aes = str(session.run("alice", "CreateKey", domain="default",
                          algorithm="aes-256-gcm").result["key_id"])
    signatures = {k: bytes.fromhex(session.sign("bob", k, b"before").result["signature"])
                  for k in (ed, p256)}
    sealed = session.encrypt("bob", aes, b"kept across the disaster").result["ciphertext"]
    made, bundle_file, privates = backed_up(session, tmp_path, all_keys=True)
    assert (made["key_count"], made["version_count"]) == (3, 4)
    public_keys = {k: session.ledger().key(k).versions for k in (ed, p256)}
    checked = CliRunner().invoke(cli, [
        "--json", "backup", "verify", str(bundle_file), "--ledger-key",
        session.ledger().meta.ledger_public_key.hex()])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["valid"] is True
    old_home = session.home.path
    session.close()
    # the disaster: the home is gone; its config and identities were kept apart, and the
    # log survives elsewhere (any copy will do: it holds no usable secret)
    new_home = tmp_path / "new-home"
    new_home.mkdir()
    shutil.copy(old_home / "config.json", new_home / "config.json")
    shutil.copytree(old_home / "identities", new_home / "identities")
    log_copy = tmp_path / "log-copy.db"
    shutil.copy(old_home / "ledger.db", log_copy)
    shutil.rmtree(old_home)
    source, target = SQLiteEventStore(log_copy), SQLiteEventStore(new_home / "ledger.db")
    try:
        replay(source, target)
    finally:
        source.close()
        target.close()
    fresh = new_session(new_home)
    try:
        with pytest.raises(MaterialDestroyed):  # no key-ring: nothing signs
            fresh.sign("bob", ed, b"after")
        shares = [open_share(bundle_file, privates[i], tmp_path / f"share-{i}.json")
                  for i in (0, 1)]
        with pytest.raises(InvalidInput, match=r"1 valid share\(s\) presented, 2 needed"):
            fresh.run("admin", "RestoreBackup", backup_id=made["backup_id"],
                      bundle=bundle_file.read_bytes(), shares=shares[:1])
        restored = fresh.run("admin", "RestoreBackup", backup_id=made["backup_id"],
                             bundle=bundle_file.read_bytes(), shares=shares).result
        assert restored["share_indexes"] == [1, 2]
        assert restored["custodians"] == ["ann", "ben"]
        assert len(restored["restored_refs"]) == 4 and restored["skipped_refs"] == []
        Auditor(fresh.store()[0]).verify()
        ledger = fresh.ledger()
        for key_id in (ed, p256):  # every restored key signs; old signatures verify
            key = ledger.key(key_id)
            assert key.versions == public_keys[key_id]
            new = bytes.fromhex(fresh.sign("bob", key_id, b"after").result["signature"])
            current = key.versions[key.current_version]["public_key"]
            if key.algorithm == "ed25519":
                public = ed25519.Ed25519PublicKey.from_public_bytes(current)
                public.verify(signatures[key_id], b"before")
                public.verify(new, b"after")
            else:
                public_ec = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                                         current)
                public_ec.verify(signatures[key_id], b"before", ec.ECDSA(hashes.SHA256()))
                public_ec.verify(new, b"after", ec.ECDSA(hashes.SHA256()))
        assert fresh.decrypt("bob", aes, sealed).result["plaintext"] == bytearray(
            b"kept across the disaster")
        store, _ = fresh.store()
        (event,) = [open_envelope(e).event() for e in store.read("system")
                    if e.event_type == "BackupRestored"]
        assert event["restored_refs"] == restored["restored_refs"]
        assert event["custodians"] == ["ann", "ben"]
    finally:
        fresh.close()


def test_the_backup_event_records_what_and_to_whom_without_secrets(
        session: Session, tmp_path: Path) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    made, _, _ = backed_up(session, tmp_path, key_ids=[key_id], scheme="slip39")
    store, _ = session.store()
    (event,) = [open_envelope(e).event() for e in store.read("system")
                if e.event_type == "BackupCreated"]
    assert event["keys"] == [{"key_id": key_id, "domain": "default", "versions": [1]}]
    assert event["custodians"] == ["ann", "ben", "cy"]
    assert event["custodian_kems"] == ["mlkem768-x25519", "x25519", "mlkem768-x25519"]
    assert (event["threshold"], event["scheme"]) == (2, made["scheme"])
    assert event["bundle_digest"].hex() == made["bundle_digest"]
    log = b"".join(bytes(s.body) for s in store.read("system"))
    assert bytes.fromhex(made["bundle"]["payload"])[:32] not in log


def test_a_restore_never_revives_a_destroyed_key_nor_overwrites(session: Session,
                                                               tmp_path: Path) -> None:
    doomed = str(session.run("alice", "CreateKey", domain="default", algorithm="ed25519",
                             destruction_wait_days=0).result["key_id"])
    kept = str(session.run("alice", "CreateKey", domain="default",
                           algorithm="ed25519").result["key_id"])
    made, bundle_file, privates = backed_up(session, tmp_path, key_ids=[doomed, kept])
    session.key_command("alice", "RevokeKey", doomed)
    session.key_command("alice", "DestroyKey", doomed)
    shares = [open_share(bundle_file, privates[i], tmp_path / f"s{i}.json") for i in (1, 2)]
    result = session.run("admin", "RestoreBackup", backup_id=made["backup_id"],
                         bundle=bundle_file.read_bytes(), shares=shares).result
    assert result["restored_refs"] == []
    assert dict(zip(result["skipped_refs"], result["skipped_reasons"], strict=True)) == {
        f"{doomed}/v1": "destroyed", f"{kept}/v1": "present"}
    assert f"{doomed}/v1" not in set(session.ledger().keyring.refs())


def test_restore_refusals(session: Session, tmp_path: Path) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    made, bundle_file, privates = backed_up(session, tmp_path, key_ids=[key_id])
    shares = [open_share(bundle_file, privates[i], tmp_path / f"r{i}.json") for i in (0, 2)]
    with pytest.raises(NotFound):
        session.run("admin", "RestoreBackup", backup_id="no-such-backup",
                    bundle=bundle_file.read_bytes(), shares=shares)
    other = session.run("admin", "CreateBackup", key_ids=[key_id], threshold=1,
                        custodians=[custody_keys.generate("dan")[0]]).result
    with pytest.raises(InvalidInput, match="not the one backup") as wrong:
        session.run("admin", "RestoreBackup", backup_id=made["backup_id"],
                    bundle=json.dumps(other["bundle"]).encode(), shares=shares)
    assert wrong.value.field == "bundle"
    with pytest.raises(Unauthorized):
        session.run("alice", "RestoreBackup", backup_id=made["backup_id"],
                    bundle=bundle_file.read_bytes(), shares=shares)
    with pytest.raises(InvalidInput, match="not both or neither"):
        session.run("admin", "CreateBackup", key_ids=[key_id], all_keys=True, threshold=1,
                    custodians=[custody_keys.generate("eve")[0]])
    assert backup_bundle.verify(json.loads(bundle_file.read_text())).digest.hex() == \
        made["bundle_digest"]


def test_the_cli_writes_the_bundle_to_a_private_file(session: Session, tmp_path: Path
                                                     ) -> None:
    key_id = str(session.run("alice", "CreateKey", domain="default",
                             algorithm="ed25519").result["key_id"])
    public, _ = keygen(tmp_path, "ann")
    custodians = tmp_path / "custodians.json"
    custodians.write_text(json.dumps([public]))
    target = tmp_path / "out" / "bundle.json"
    target.parent.mkdir()
    ran = CliRunner().invoke(cli, [
        "--home", str(session.home.path), "--json", "backup", "create", "--key", key_id,
        "--custodians", str(custodians), "--threshold", "1", "--output", str(target)],
        env={"SKMS_PASSPHRASE": PASSPHRASE})
    assert ran.exit_code == 0, ran.output
    assert (target.stat().st_mode & 0o777) == 0o600
    assert backup_bundle.verify(json.loads(target.read_text())).manifest[0]["id"] == key_id


def test_the_cli_takes_the_issues_spelling_keys_and_one_file_per_custodian(
        session: Session, tmp_path: Path) -> None:
    """``backup create --keys K... --to CUSTODIAN_PUBKEYS... --threshold M``."""
    key_ids = [str(session.run("alice", "CreateKey", domain="default",
                               algorithm="ed25519").result["key_id"]) for _ in range(2)]
    files = []
    for name in ("ann", "ben", "cy"):
        public, _ = keygen(tmp_path, name)
        files.append(tmp_path / f"{name}.public.json")
        files[-1].write_text(json.dumps(public))
    target = tmp_path / "bundle.json"
    ran = CliRunner().invoke(cli, [
        "--home", str(session.home.path), "--json", "backup", "create",
        *(arg for k in key_ids for arg in ("--keys", k)),
        *(arg for f in files for arg in ("--to", str(f))), "--threshold", "2",
        "--output", str(target)], env={"SKMS_PASSPHRASE": PASSPHRASE})
    assert ran.exit_code == 0, ran.output
    verified = backup_bundle.verify(json.loads(target.read_text()))
    assert {line["id"] for line in verified.manifest} == set(key_ids)
    made = json.loads(ran.stdout)
    assert made["threshold"] == 2 and len(made["custodians"]) == 3



def test_keys_without_a_backup_are_reported(session: Session, tmp_path: Path) -> None:
    def missing() -> dict[str, Any]:
        ctx = ReadContext(ledger=session.ledger(), store=session.store()[0])
        return {row["key_id"]: row for row in answer("ListKeysWithoutBackup", ctx, {})}

    covered = str(session.run("alice", "CreateKey", domain="default",
                              algorithm="ed25519").result["key_id"])
    never = str(session.run("alice", "CreateKey", domain="payments",
                            algorithm="ed25519").result["key_id"])
    assert set(missing()) == {covered, never}
    made, _, _ = backed_up(session, tmp_path, key_ids=[covered])
    assert set(missing()) == {never}
    assert missing()[never]["missing_versions"] == [1]
    assert missing()[never]["last_backup_id"] is None
    session.key_command("alice", "RotateKey", covered)  # v2 exists only since the backup
    row = missing()[covered]
    assert row["missing_versions"] == [2] and row["last_backup_id"] == made["backup_id"]
    ctx = ReadContext(ledger=session.ledger(), store=session.store()[0])
    assert [r["key_id"] for r in answer("ListKeysWithoutBackup", ctx,
                                        {"domain": "payments"})] == [never]
