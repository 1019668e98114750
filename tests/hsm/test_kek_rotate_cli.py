"""``skms kek rotate``: passphrase -> new passphrase, passphrase -> HSM, HSM -> new HSM key;
recorded, resumable after a crash, refused while another rotation is in progress."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.recipes import kek_change
from tests.hsm.conftest import SoftToken
from tests.hsm.test_hsm_ledger import as_json, hsm_options, invoke, logged

OLD = "old passphrase for rotation"
NEW = "new passphrase after rotation"


def passphrase_home(tmp_path: Path, *extra: str) -> Path:
    home = tmp_path / "home"
    invoke(home, "init", *extra, passphrase=OLD)
    invoke(home, "actor", "add", "km", "--role", "key-manager", passphrase=OLD)
    invoke(home, "actor", "add", "app", "--role", "signer", passphrase=OLD)
    return home


def make_keys(home: Path, passphrase: str | None, count: int = 3) -> list[str]:
    return [as_json(invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519",
                           "--json", passphrase=passphrase))["key_id"] for _ in range(count)]


def signs(home: Path, key_id: str, tmp_path: Path, passphrase: str | None) -> None:
    message = tmp_path / "m"
    message.write_bytes(b"after the rotation")
    signature = bytes.fromhex(as_json(invoke(
        home, "--as", "app", "sign", key_id, "--input", str(message), "--json",
        passphrase=passphrase))["signature"])
    public = bytes.fromhex(as_json(invoke(home, "key", "show", key_id, "--json"))["public_key"])
    Ed25519PublicKey.from_public_bytes(public).verify(signature, b"after the rotation")


def rotate(home: Path, *args: str, passphrase: str | None, code: int = 0,
           new: str | None = None) -> Result:
    return invoke(home, "kek", "rotate", *args, "--json", passphrase=passphrase, code=code,
                  env={"SKMS_NEW_PASSPHRASE": new})


def test_passphrase_to_a_new_passphrase(tmp_path: Path) -> None:
    home = passphrase_home(tmp_path)
    keys = make_keys(home, OLD)
    old_kek = json.loads((home / "config.json").read_text())["kek"]["kek_id"]
    result = as_json(rotate(home, "--to", "passphrase", passphrase=OLD, new=NEW))
    assert result["rewrapped"] == 3 and result["already_new"] == 0
    assert result["home_secrets"] == 4  # the ledger key and three identities
    assert result["old_kek_id"] == old_kek != result["new_kek_id"]
    config = json.loads((home / "config.json").read_text())
    assert config["kek"]["kek_id"] == result["new_kek_id"] and "kek_next" not in config
    refused = invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519", code=2,
                     passphrase=OLD)
    assert "wrong passphrase" in refused.stderr
    for key_id in keys:
        signs(home, key_id, tmp_path, NEW)
    started, = logged(home, "KekRotationStarted")
    completed, = logged(home, "KekRotationCompleted")
    assert started["rotation_id"] == completed["rotation_id"] == result["rotation_id"]
    assert started["data_keys"] == 3 and completed["rewrapped"] == 3
    assert completed["digest"].hex() == result["digest"]
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout


def test_passphrase_to_the_hsm_then_to_a_new_hsm_key(tmp_path: Path, token: SoftToken) -> None:
    home = passphrase_home(tmp_path)
    keys = make_keys(home, OLD, 2)
    to_hsm = as_json(rotate(home, "--to", "pkcs11", *hsm_options(token), passphrase=OLD))
    assert to_hsm["new_kek_provider"].startswith("pkcs11-aes-kwp:skms-test/")
    config = json.loads((home / "config.json").read_text())
    assert config["kek"]["provider"] == "pkcs11" and config["pkcs11"]["token_label"] == "skms-test"
    signs(home, keys[0], tmp_path, None)  # no passphrase any more: the token's PIN file
    again = as_json(rotate(home, "--to", "pkcs11", passphrase=None))
    assert again["old_kek_id"] == to_hsm["new_kek_id"] != again["new_kek_id"]
    assert again["rewrapped"] == 2
    signs(home, keys[1], tmp_path, None)
    assert len(logged(home, "KekRotationCompleted")) == 2
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout
    # The genesis still says where the ledger started; the projection says where it is now.
    assert logged(home, "LedgerInitialized")[0]["kek_provider"] == "passphrase-scrypt"


def test_hsm_to_a_passphrase(tmp_path: Path, token: SoftToken) -> None:
    home = tmp_path / "home"
    invoke(home, "init", "--kek", "pkcs11", *hsm_options(token))
    invoke(home, "actor", "add", "km", "--role", "key-manager")
    invoke(home, "actor", "add", "app", "--role", "signer")
    key_id = make_keys(home, None, 1)[0]
    rotate(home, "--to", "passphrase", passphrase=None, new=NEW)
    refused = invoke(home, "--as", "km", "key", "create", "--algorithm", "ed25519", code=2)
    assert "needs the ledger passphrase" in refused.stderr
    signs(home, key_id, tmp_path, NEW)


class Crash(BaseException):
    """Stands for the process dying mid-rotation (not an error the CLI would report)."""


def test_a_crashed_rotation_resumes_and_records_one_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = passphrase_home(tmp_path)
    keys = make_keys(home, OLD, 4)
    real = kek_change.KeyRingTarget.replace
    calls: list[str] = []

    def crash_on_the_third(self: Any, ref: str, expected: bytes, new: bytes) -> bool:
        calls.append(ref)
        if len(calls) == 3:
            raise Crash
        return real(self, ref, expected, new)

    monkeypatch.setattr(kek_change.KeyRingTarget, "replace", crash_on_the_third)
    with pytest.raises(Crash):
        rotate(home, "--to", "passphrase", "--checkpoint-every", "1", passphrase=OLD, new=NEW)
    config = json.loads((home / "config.json").read_text())
    assert "kek_next" in config  # the new KEK is saved before any key moves
    progress = json.loads((home / "kek-rotation.json").read_text())
    assert progress["state"] == "running" and progress["rewrapped"] == 2
    assert len(logged(home, "KekRotationStarted")) == 1
    assert logged(home, "KekRotationCompleted") == []
    monkeypatch.setattr(kek_change.KeyRingTarget, "replace", real)
    # Another rotation cannot start meanwhile (the home resumes the pending one instead).
    resumed = as_json(rotate(home, passphrase=OLD, new=NEW))
    assert resumed["rotation_id"] == progress["rotation_id"]
    assert resumed["rewrapped"] == 4 and resumed["already_new"] == 0
    assert len(logged(home, "KekRotationStarted")) == 1
    assert len(logged(home, "KekRotationCompleted")) == 1
    for key_id in keys:
        signs(home, key_id, tmp_path, NEW)
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout


def test_a_rotation_running_elsewhere_refuses_another(tmp_path: Path) -> None:
    home = passphrase_home(tmp_path)
    make_keys(home, OLD, 1)
    lock = os.open(home / "kek-rotation.json.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        refused = rotate(home, "--to", "passphrase", passphrase=OLD, new=NEW, code=3)
        assert "in progress elsewhere" in refused.output
    finally:
        os.close(lock)
    assert logged(home, "KekRotationStarted") == []


def test_a_rotation_in_progress_in_the_log_blocks_a_new_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another machine's rotation (in the log, not in this home) refuses ours before any
    key moves."""
    home = passphrase_home(tmp_path)
    make_keys(home, OLD, 2)

    def crash(self: Any, ref: str, expected: bytes, new: bytes) -> bool:
        raise Crash

    monkeypatch.setattr(kek_change.KeyRingTarget, "replace", crash)
    with pytest.raises(Crash):
        rotate(home, "--to", "passphrase", passphrase=OLD, new=NEW)
    monkeypatch.undo()
    # This home forgets its pending rotation (as another machine's home would not know it).
    config = json.loads((home / "config.json").read_text())
    del config["kek_next"]
    (home / "config.json").write_text(json.dumps(config))
    (home / "kek-rotation.json").unlink()
    refused = rotate(home, "--to", "passphrase", passphrase=OLD, new=NEW, code=2)
    assert "is in progress" in refused.output
    assert len(logged(home, "KekRotationStarted")) == 1
    rejected = logged(home, "CommandRejected")
    assert rejected and "in progress" in rejected[-1]["reason"]


def test_rotation_needs_a_target_and_a_passphrase(tmp_path: Path) -> None:
    home = passphrase_home(tmp_path)
    assert as_json(rotate(home, passphrase=OLD, code=2))["field"] == "to"
    assert "new passphrase" in rotate(home, "--to", "passphrase", passphrase=OLD,
                                      code=2).output
    assert "no PKCS#11 token" in rotate(home, "--to", "pkcs11", passphrase=OLD, code=2).output
