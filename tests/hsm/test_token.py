"""Tokens, sessions, PIN files and key attributes (ledger.hsm.token) on SoftHSM2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledger.errors import ConfigurationError, CryptoError, InvalidInput
from ledger.hsm.token import (
    NON_EXTRACTABLE,
    KeyAttributes,
    TokenInfo,
    open_token,
    read_pin_file,
    reload_module,
)
from tests.hsm.conftest import SoftHSM, SoftToken

# --- the script's token -----------------------------------------------------------------------


def test_script_makes_a_private_token(token: SoftToken, tmp_path: Path) -> None:
    assert token.conf.is_relative_to(tmp_path)
    config = token.conf.read_text()
    assert f"directories.tokendir = {token.conf.parent / 'tokens'}" in config
    for path in (token.pin_file, token.so_pin_file, token.conf):
        assert path.stat().st_mode & 0o777 == 0o600
    assert os.environ["SOFTHSM2_CONF"] == str(token.conf)
    pin = token.pin()
    assert len(pin) == 32 and pin != bytearray(read_pin_file(token.so_pin_file))
    with open_token(token.module, token.label, pin) as session:
        assert session.info.label == "skms-test"
        assert session.info.manufacturer == "SoftHSM project"
        assert session.info.serial


def test_second_token_beside_the_first(softhsm: SoftHSM) -> None:
    first = softhsm.add_token("first")
    second = softhsm.add_token("second")
    assert first.conf == second.conf
    with open_token(first.module, "first", first.pin()) as one, \
            open_token(second.module, "second", second.pin()) as two:
        assert one.info.serial != two.info.serial


# --- PIN files --------------------------------------------------------------------------------


def _pin_file(tmp_path: Path, content: bytes, mode: int = 0o600) -> Path:
    path = tmp_path / "pin"
    path.write_bytes(content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(("content", "expected"), [
    (b"1234", b"1234"), (b"1234\n", b"1234"), (b"1234\r\n", b"1234"), (b"12 34\n", b"12 34"),
    ("pïn".encode(), "pïn".encode()), (b"x" * 256, b"x" * 256), (b"x" * 256 + b"\n", b"x" * 256),
])
def test_pin_file_contents(tmp_path: Path, content: bytes, expected: bytes) -> None:
    pin = read_pin_file(_pin_file(tmp_path, content))
    assert isinstance(pin, bytearray) and pin == expected


@pytest.mark.parametrize(("content", "mode", "reason"), [
    (b"1234", 0o644, "group or others"),
    (b"1234", 0o640, "group or others"),
    (b"1234", 0o602, "group or others"),
    (b"", 0o600, "empty"),
    (b"\n", 0o600, "empty"),
    (b"x" * 257, 0o600, "longer"),
    (b"x" * 4096, 0o600, "longer"),
    (b"\xff\xfe", 0o600, "UTF-8"),
])
def test_bad_pin_files_are_refused(tmp_path: Path, content: bytes, mode: int,
                                   reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as caught:
        read_pin_file(_pin_file(tmp_path, content, mode))
    assert caught.value.field == "pin_file"


def test_pin_file_missing_directory_or_symlink(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot open"):
        read_pin_file(tmp_path / "absent")
    with pytest.raises(InvalidInput, match="not a regular file"):
        read_pin_file(tmp_path)
    target = _pin_file(tmp_path, b"1234")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(InvalidInput, match="cannot open"):
        read_pin_file(link)


# --- opening tokens ---------------------------------------------------------------------------


def test_wrong_pin_is_refused_without_echoing_it(token: SoftToken) -> None:
    wrong = bytearray(b"not-the-pin-0000")
    with pytest.raises(CryptoError, match="wrong PIN") as caught:
        open_token(token.module, token.label, wrong)
    assert "not-the-pin" not in caught.value.diagnostics()


def test_unknown_label_module_and_serial(token: SoftToken, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no token labelled"):
        open_token(token.module, "absent", token.pin())
    with pytest.raises(InvalidInput, match="absolute") as caught:
        open_token("libsofthsm2.so", token.label, token.pin())
    assert caught.value.field == "pkcs11_module"
    with pytest.raises(InvalidInput, match="no PKCS#11 module"):
        open_token(str(tmp_path / "missing.so"), token.label, token.pin())
    not_a_module = tmp_path / "fake.so"
    not_a_module.write_bytes(b"not an ELF file")
    with pytest.raises(ConfigurationError, match="cannot load"):
        open_token(str(not_a_module), token.label, token.pin())
    with pytest.raises(ConfigurationError, match="not the recorded"):
        open_token(token.module, token.label, token.pin(), token_serial="0000000000000000")
    with pytest.raises(InvalidInput, match="token label"):
        open_token(token.module, "x" * 33, token.pin())
    with pytest.raises(InvalidInput, match="PIN"):
        open_token(token.module, token.label, b"1234")  # type: ignore[arg-type]


def test_one_login_shared_and_every_opener_proves_the_pin(token: SoftToken) -> None:
    first = open_token(token.module, token.label, token.pin())
    second = open_token(token.module, token.label, token.pin())
    with pytest.raises(CryptoError, match="wrong PIN"):
        open_token(token.module, token.label, bytearray(b"wrong-pin"))
    first.release()
    first.release()  # idempotent: the count is not decremented twice
    # The shared session is still logged in for the second holder.
    assert second.call("listing objects", lambda session: list(session.get_objects())) == []
    with pytest.raises(ConfigurationError, match="while its tokens are open"):
        reload_module(token.module)
    second.release()
    with pytest.raises(CryptoError, match="released"):
        second.call("anything", lambda session: None)
    reload_module(token.module)  # nothing open any more
    with open_token(token.module, token.label, token.pin()) as again:
        assert again.info.label == token.label


# --- records ----------------------------------------------------------------------------------


def test_token_info_round_trip_and_strictness() -> None:
    info = TokenInfo("label", "0011aabb", "vendor", "model")
    assert TokenInfo.from_dict(info.to_dict()) == info
    for broken in ({**info.to_dict(), "extra": "x"}, {"label": "l"},
                   {**info.to_dict(), "serial": ""}, {**info.to_dict(), "model": 3}):
        with pytest.raises(InvalidInput):
            TokenInfo.from_dict(broken)


def test_key_attributes_round_trip_and_violations() -> None:
    good = KeyAttributes(extractable=False, sensitive=True, never_extractable=True,
                         always_sensitive=True, local=True, private=True, token=True,
                         modifiable=False)
    assert KeyAttributes.from_dict(good.to_dict()) == good
    assert good.violations() == []
    good.require_non_extractable("key")
    recorded = good.to_dict()
    for name, wanted in NON_EXTRACTABLE.items():
        flipped = KeyAttributes.from_dict({**recorded, name: not wanted})
        assert flipped.violations() == [name]
        with pytest.raises(CryptoError, match=name):
            flipped.require_non_extractable("key")
    session_object = KeyAttributes.from_dict({**recorded, "CKA_TOKEN": False})
    assert session_object.violations() == ["CKA_TOKEN"]
    for broken in ({**recorded, "CKA_LOCAL": 1}, {**recorded, "CKA_X": True},
                   {k: v for k, v in recorded.items() if k != "CKA_LOCAL"}):
        with pytest.raises(InvalidInput):
            KeyAttributes.from_dict(broken)
