"""A passphrase home naming its HSM afterwards (``Home.name_hsm``), on SoftHSM2 tokens:
once recorded, the same token again is a no-op and another token is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.errors import InvalidInput
from ledger.home import Home
from ledger.hsm.config import Pkcs11Config
from tests.hsm.conftest import SoftHSM, SoftToken


def config_of(token: SoftToken) -> Pkcs11Config:
    return Pkcs11Config(token.module, token.label, str(token.pin_file))


def test_a_home_names_one_hsm_and_refuses_another(tmp_path: Path, softhsm: SoftHSM,
                                                  token: SoftToken) -> None:
    home = Home(tmp_path / "home")
    _, seed, _ = home.create(bytearray(b"hsm home passphrase, not secret"))
    seed[:] = bytes(len(seed))
    assert home.pkcs11_config() is None

    home.name_hsm(config_of(token))
    named = home.pkcs11_config()
    assert named is not None
    assert (named.module, named.token_label) == (token.module, token.label)
    assert named.token_serial
    assert home.key_store() is not None
    assert home.kek_provider() == "passphrase"  # the KEK stays where it was

    before = home.config_path.read_bytes()
    home.name_hsm(config_of(token))  # the same token again: nothing changes
    assert home.config_path.read_bytes() == before

    other = softhsm.add_token("skms-other")
    with pytest.raises(InvalidInput, match="already names another PKCS#11 token") as caught:
        home.name_hsm(config_of(other))
    assert caught.value.field == "pkcs11-module"
    assert json.loads(home.config_path.read_text())["pkcs11"]["token_label"] == token.label
