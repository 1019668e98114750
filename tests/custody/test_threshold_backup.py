"""Threshold seats in backups: ``CreateBackup --all`` carries the data key of every active
seat's signing share (entry kind ``threshold-share``), ``RestoreBackup`` and ``skms backup
restore-home`` put it back.

Three separate homes run a 2-of-3 FROST(Ed25519) DKG through the ledger; seat 1 loses its
share's data key (or its whole home), is restored from the bundle, and then issues a
signature share that aggregates into a signature pynacl verifies as plain Ed25519. The
auditor verifies every restored ledger.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from nacl.signing import VerifyKey

from commands.handlers import backups
from commands.session import Session
from ledger.audit import Auditor
from ledger.envelope import open_envelope
from ledger.errors import CryptoError, MaterialDestroyed
from ledger.home import Home
from tests.custody.test_backup import backed_up, keygen, open_share
from tests.custody.test_whole_ledger_restore import NEW_PASSPHRASE, skms
from tests.ledger.conftest import new_session
from tests.threshold.test_threshold_commands import Seats, dkg, sign


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


def backup_created(session: Session) -> dict[str, Any]:
    store, _ = session.store()
    (event,) = [open_envelope(e).event() for e in store.read("system")
                if e.event_type == "BackupCreated"]
    return event


def signs_as_ed25519(seats: Seats, group: dict[str, Any], signers: list[int],
                     message: bytes) -> None:
    result = sign(seats, group["group_id"], signers, message)
    assert result["signers"] == sorted(signers)
    VerifyKey(bytes.fromhex(group["group_public_key"])).verify(
        message, bytes.fromhex(result["signature"]))  # pynacl (libsodium): plain Ed25519


def test_a_lost_share_data_key_comes_back_from_an_all_backup_and_signs(
        seats: Seats, tmp_path: Path) -> None:
    group = dkg(seats)[1]
    group_id = group["group_id"]
    seat = seats[1].ledger().threshold_group(group_id)
    ref = seat.share_ref
    made, bundle_file, privates = backed_up(seats[1], tmp_path, all_keys=True)
    assert made["threshold_group_count"] == 1
    assert (made["key_count"], made["wallet_count"]) == (0, 0)
    (line,) = json.loads(bundle_file.read_text())["manifest"]
    assert (line["kind"], line["id"], line["ref"]) == ("threshold-share", group_id, ref)
    assert backup_created(seats[1])["threshold_groups"] == [
        {"group_id": group_id, "domain": "default"}]
    log = b"".join(bytes(s.body) for s in seats[1].store()[0].read("system"))
    assert bytes.fromhex(made["bundle"]["payload"])[:32] not in log
    seats[1].ledger().keyring.shred(ref)  # the seat's share no longer opens
    with pytest.raises((MaterialDestroyed, CryptoError)):
        seats[1].run("bob", "CommitThresholdSigning", group_id=group_id,
                     session_id="while-lost")
    shares = [open_share(bundle_file, privates[i], tmp_path / f"s{i}.json") for i in (0, 2)]
    restored = seats[1].run("admin", "RestoreBackup", backup_id=made["backup_id"],
                            bundle=bundle_file.read_bytes(), shares=shares).result
    assert restored["restored_refs"] == [ref] and restored["skipped_refs"] == []
    again = seats[1].run("admin", "RestoreBackup", backup_id=made["backup_id"],
                         bundle=bundle_file.read_bytes(), shares=shares).result
    assert list(zip(again["skipped_refs"], again["skipped_reasons"], strict=True)) == [
        (ref, "present")]
    signs_as_ed25519(seats, group, [1, 3], b"after the restore")
    signs_as_ed25519(seats, group, [2, 1], b"and as the second signer")
    Auditor(seats[1].store()[0]).verify()
    audited = skms(seats[1].home.path, "audit", "verify")
    assert audited.exit_code == 0, audited.output


def test_a_lost_home_holding_a_seat_is_rebuilt_and_the_seat_signs(
        seats: Seats, tmp_path: Path) -> None:
    group = dkg(seats)[1]
    home = seats[1].home.path
    seats[1].close()
    publics = [keygen(tmp_path, "ann"), keygen(tmp_path, "ben", "--kem", "x25519"),
               keygen(tmp_path, "cy")]
    custodians = tmp_path / "custodians.json"
    custodians.write_text(json.dumps([public for public, _ in publics]))
    bundle = tmp_path / "bundle.json"
    made = skms(home, "backup", "create", "--all", "--whole-ledger", "--custodians",
                str(custodians), "--threshold", "2", "--output", str(bundle))
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["threshold_group_count"] == 1
    log_copy = tmp_path / "log-copy.db"
    shutil.copy(home / "ledger.db", log_copy)
    shutil.rmtree(home)  # the disaster: the key-ring with the seat's share is gone
    shares = [tmp_path / f"share-{i}.json" for i in range(3)]
    for (_, private), share in zip(publics, shares, strict=True):
        open_share(bundle, private, share)
    new_home = tmp_path / "new-home"
    ran = skms(new_home, "backup", "restore-home", str(bundle), str(shares[1]),
               str(shares[2]), "--from", f"sqlite:///{log_copy}", passphrase=NEW_PASSPHRASE)
    assert ran.exit_code == 0, ran.output
    restore = json.loads(ran.stdout)["restore"]
    assert restore["restored_refs"] == [f"threshold/{group['group_id']}/share"]
    assert restore["skipped_refs"] == []
    audited = skms(new_home, "audit", "verify", passphrase=NEW_PASSPHRASE)
    assert audited.exit_code == 0, audited.output
    seats[1] = Session(Home(new_home), passphrase=bytearray(NEW_PASSPHRASE.encode()))
    signs_as_ed25519(seats, group, [1, 2], b"signed by the rebuilt seat")
    Auditor(seats[1].store()[0]).verify()


def test_a_retired_or_re_shared_seat_is_never_restored(seats: Seats, tmp_path: Path
                                                        ) -> None:
    old = dkg(seats)[1]
    made, bundle_file, privates = backed_up(seats[1], tmp_path, all_keys=True)
    new = dkg(seats, replaces={i: old["group_id"] for i in seats})[1]  # retires the old one
    shares = [open_share(bundle_file, privates[i], tmp_path / f"r{i}.json") for i in (1, 2)]
    restored = seats[1].run("admin", "RestoreBackup", backup_id=made["backup_id"],
                            bundle=bundle_file.read_bytes(), shares=shares).result
    assert restored["restored_refs"] == []
    assert restored["skipped_reasons"] == ["retired"]
    assert f"threshold/{old['group_id']}/share" not in set(seats[1].ledger().keyring.refs())
    later, _, _ = backed_up(seats[1], tmp_path / "later", all_keys=True)
    assert later["threshold_group_count"] == 1  # the retired seat is no longer backed up
    assert backup_created_ids(seats[1]) == [[old["group_id"]], [new["group_id"]]]
    decision = SimpleNamespace(ledger=seats[1].ledger())
    moved = {"kind": "threshold-share", "id": new["group_id"],
             "ref": f"threshold/{new['group_id']}/share-refreshed"}
    assert backups._sealed_in_log(decision, moved) == "differs from the log"  # type: ignore[arg-type]
    unknown = {**moved, "id": "no-such-group"}
    assert backups._sealed_in_log(decision, unknown) == "not in the log"  # type: ignore[arg-type]


def backup_created_ids(session: Session) -> list[list[str]]:
    store, _ = session.store()
    return [[g["group_id"] for g in open_envelope(e).event()["threshold_groups"]]
            for e in store.read("system") if e.event_type == "BackupCreated"]
