"""The ledger home's refusals and resumable steps, on real files in a temporary folder: an
absent or unreadable config, creation and restore arguments, broken sealed fields, KEK
rotation steps run twice or out of order, and identity files that do not fit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.kek import KDF_PBKDF2, PassphraseKEK
from ledger.errors import ConfigurationError, CryptoError, InvalidInput, NotFound
from ledger.home import Home, default_home

PASSPHRASE = b"home edges passphrase, not secret"


def new_home(tmp_path: Path, store_url: str | None = None) -> tuple[Home, Any]:
    home = Home(tmp_path / "home", store_url)
    kek, seed, _ = home.create(bytearray(PASSPHRASE))
    seed[:] = bytes(len(seed))
    return home, kek


def edit_config(home: Home, **changes: Any) -> None:
    config = json.loads(home.config_path.read_text())
    config.update(changes)
    home.config_path.write_text(json.dumps(config))


# ------------------------------------------------------------------------- the config


def test_default_home_follows_skms_home(monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    monkeypatch.setenv("SKMS_HOME", str(tmp_path / "elsewhere"))
    assert default_home() == tmp_path / "elsewhere"
    monkeypatch.setenv("SKMS_HOME", "")
    assert default_home() == Path.home() / ".skms"


def test_a_missing_home_names_its_path_and_how_to_make_one(tmp_path: Path) -> None:
    home = Home(tmp_path / "none")
    assert home.store_url() == Home.DEFAULT_STORE
    with pytest.raises(ConfigurationError) as caught:
        home.config()
    assert caught.value.message == f"no ledger home at {tmp_path / 'none'}"
    assert "skms init" in caught.value.hint


@pytest.mark.parametrize("content, expected", [
    ("{truncated", "cannot read "),
    ('{"format": 2}', "is not an SKMS 1 config"),
    ("[1]", "is not an SKMS 1 config"),
])
def test_an_unreadable_or_foreign_config_is_refused(tmp_path: Path, content: str,
                                                    expected: str) -> None:
    home = Home(tmp_path)
    home.config_path.write_text(content)
    with pytest.raises(ConfigurationError) as caught:
        home.config()
    assert expected in caught.value.message
    assert str(home.config_path) in caught.value.message


def test_the_store_url_comes_from_the_override_then_the_config(tmp_path: Path) -> None:
    home, _ = new_home(tmp_path, "sqlite:///elsewhere.db")
    assert home.store_url() == "sqlite:///elsewhere.db"
    assert Home(home.path).store_url() == "sqlite:///elsewhere.db"  # written to the config
    edit_config(home, store="")
    assert Home(home.path).store_url() == Home.DEFAULT_STORE
    assert Home(home.path, "memory://").store_url() == "memory://"


# ------------------------------------------------------------------------- creation


def test_create_refuses_bad_arguments_before_writing_anything(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    with pytest.raises(ConfigurationError, match="FIPS mode derives the KEK with PBKDF2") as c:
        home.create(bytearray(PASSPHRASE), fips=True)
    assert c.value.field == "kdf"
    with pytest.raises(InvalidInput, match="the KEK is passphrase or pkcs11") as i:
        home.create(bytearray(PASSPHRASE), kek_provider="vault")
    assert i.value.field == "kek"
    with pytest.raises(InvalidInput, match="a pkcs11 KEK needs --pkcs11-module") as i:
        home.create(None, kek_provider="pkcs11")
    assert i.value.field == "pkcs11-module"
    with pytest.raises(ConfigurationError, match="initializing needs a passphrase") as c:
        home.create(None)
    assert "SKMS_PASSPHRASE" in c.value.hint
    assert not home.exists()
    assert not home.path.exists()


def test_create_and_restore_refuse_an_existing_home(tmp_path: Path) -> None:
    home, _ = new_home(tmp_path)
    before = home.config_path.read_bytes()
    with pytest.raises(ConfigurationError, match="a ledger home already exists at "):
        home.create(bytearray(PASSPHRASE))
    with pytest.raises(ConfigurationError, match="a ledger home already exists at ") as c:
        home.restore(bytearray(PASSPHRASE), ledger_id="x", ledger_key=bytearray(32))
    assert c.value.hint == "restore into a new --home"
    assert home.config_path.read_bytes() == before


def test_restore_in_fips_mode_takes_pbkdf2_only(tmp_path: Path) -> None:
    home = Home(tmp_path / "restored")
    with pytest.raises(ConfigurationError, match="not scrypt") as caught:
        home.restore(bytearray(PASSPHRASE), ledger_id="x", ledger_key=bytearray(32), fips=True)
    assert caught.value.field == "kdf"
    assert not home.exists()


def test_a_passphrase_home_describes_and_reopens_its_kek(tmp_path: Path) -> None:
    home, kek = new_home(tmp_path)
    assert home.kek_provider() == "passphrase"
    assert home.needs_passphrase() is True
    assert home.kek_description() == "passphrase-scrypt"
    assert home.pkcs11_config() is None
    assert home.key_store() is None
    with pytest.raises(ConfigurationError, match="needs the ledger passphrase"):
        home.open_kek(None)
    reopened = home.open_kek(bytearray(PASSPHRASE))
    assert home.ledger_key(reopened) == home.ledger_key(kek)


def test_a_token_kek_without_a_named_token_is_refused(tmp_path: Path) -> None:
    home, _ = new_home(tmp_path)
    config = json.loads(home.config_path.read_text())
    edit_config(home, kek={**config["kek"], "provider": "pkcs11"})
    assert home.kek_provider() == "pkcs11"
    assert home.needs_passphrase() is False
    with pytest.raises(ConfigurationError, match="names no token") as caught:
        home.open_kek(None)
    assert caught.value.field == "pkcs11"


# ------------------------------------------------------------------------- sealed fields


@pytest.mark.parametrize("value, message", [
    (None, "missing or not text"),
    (5, "missing or not text"),
    ("not*base64", "not valid base64"),
])
def test_a_broken_sealed_ledger_key_names_its_field(tmp_path: Path, value: object,
                                                    message: str) -> None:
    home, kek = new_home(tmp_path)
    config = json.loads(home.config_path.read_text())
    edit_config(home, ledger_key={**config["ledger_key"], "sealed_material": value})
    with pytest.raises(ConfigurationError) as caught:
        home.ledger_key(kek)
    assert (caught.value.message, caught.value.field) == (message, "ledger_key")


# ------------------------------------------------------------------------- KEK rotation


def test_rotation_steps_out_of_order_are_refused(tmp_path: Path) -> None:
    home, _ = new_home(tmp_path)
    assert home.pending_kek() is None
    with pytest.raises(ConfigurationError, match="no KEK rotation is pending in this home"):
        home.open_pending_kek(bytearray(PASSPHRASE))
    with pytest.raises(ConfigurationError, match="no KEK rotation is pending in this home"):
        home.finish_kek_change()
    assert home.pending_kek() is None


def test_a_resumed_rewrap_leaves_what_already_moved(tmp_path: Path) -> None:
    home, old = new_home(tmp_path)
    home.new_identity("dave", old)
    home.new_identity("erin", old)
    new, params = PassphraseKEK.create(b"the next passphrase", KDF_PBKDF2)
    home.begin_kek_change(params)
    assert home.pending_kek() == params
    assert home.open_pending_kek(bytearray(b"the next passphrase")) is not None
    ledger_key = home.ledger_key(old)
    assert home.rewrap_secrets(old, new) == 3
    moved = {path.name: path.read_bytes() for path in home.path.rglob("*.json")}
    assert home.rewrap_secrets(old, new) == 3  # resumed: everything is under new already
    assert {path.name: path.read_bytes() for path in home.path.rglob("*.json")} == moved
    home.finish_kek_change()
    assert home.pending_kek() is None
    assert home.kek_description() == "passphrase-pbkdf2-hmac-sha256"
    assert home.ledger_key(new) == ledger_key
    assert len(home.identity_key("erin", new)) == 32
    with pytest.raises(CryptoError):
        home.identity_key("erin", old)


def test_a_rotation_by_another_process_cannot_reopen_a_passphrase(tmp_path: Path) -> None:
    home, _ = new_home(tmp_path)
    with pytest.raises(ConfigurationError) as caught:
        home._reopen_kek({"kdf": "scrypt"})
    assert caught.value.message.startswith(
        "this home's KEK was rotated (now passphrase-scrypt) after this process opened it")
    assert caught.value.field == "kek"


# ------------------------------------------------------------------------- identities


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "sp ace"])
def test_an_identity_name_unfit_for_a_file_is_refused(tmp_path: Path, name: str) -> None:
    home, kek = new_home(tmp_path)
    with pytest.raises(InvalidInput, match="use letters, digits") as caught:
        home.put_identity(name, "", bytearray(32), kek)
    assert caught.value.field == "name"


def test_an_identity_file_holding_another_name_blocks_a_new_one(tmp_path: Path) -> None:
    home, kek = new_home(tmp_path)
    home.new_identity("frank", kek)
    path = home.path / "identities" / "frank.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "name": "someone"}))
    with pytest.raises(InvalidInput, match="an identity named 'frank' already exists here") as c:
        home.new_identity("frank", kek)
    assert c.value.field == "name"


def test_forget_keeps_a_registered_identity_and_ignores_an_absent_one(tmp_path: Path) -> None:
    home, kek = new_home(tmp_path)
    home.new_identity("gina", kek)
    home.new_identity("hugo", kek)
    home.bind_identity("gina", "actor-gina")
    home.forget_identity("gina")
    home.forget_identity("nobody")
    home.forget_identity("hugo")
    assert [(i.name, i.actor_id) for i in home.identities()] == [("gina", "actor-gina")]
    with pytest.raises(NotFound, match="this home holds no identity named 'hugo'") as caught:
        home.identity("hugo")
    assert caught.value.field == "as"


def test_held_identities_skip_unregistered_ones_and_fail_whole(tmp_path: Path) -> None:
    home, kek = new_home(tmp_path)
    for name in ("ivan", "jane", "kate"):
        home.new_identity(name, kek)
    home.bind_identity("ivan", "actor-ivan")
    home.bind_identity("kate", "actor-kate")
    held = home.held_identities(kek)
    assert [entry.identity.name for entry in held] == ["ivan", "kate"]
    assert repr(held[0]) == "HeldIdentity(ivan)"
    assert held[1].private_key == home.identity_key("kate", kek)
    path = home.path / "identities" / "kate.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "wrapped_data_key": None}))
    with pytest.raises(ConfigurationError) as caught:
        home.held_identities(kek)
    assert (caught.value.message, caught.value.field) == ("missing or not text", "identity")
