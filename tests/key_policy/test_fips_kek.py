"""FIPS mode (issue 15, section 6): ``init --fips`` derives the passphrase KEK with
PBKDF2-HMAC-SHA256 (at least 600,000 iterations) and the home refuses scrypt from then on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.crypto.kek import PBKDF2_MIN_ITERATIONS
from ledger.errors import ConfigurationError
from tests.ledger.conftest import PASSPHRASE, new_session


def test_a_fips_home_uses_pbkdf2_and_refuses_scrypt(tmp_path: Path) -> None:
    session = new_session(tmp_path / "home")
    session.initialize(name="fips", fips_mode=True)
    session.close()
    config_path = tmp_path / "home" / "config.json"
    config = json.loads(config_path.read_text())
    assert config["fips"] is True and config["kek"]["kdf"] == "pbkdf2-hmac-sha256"
    assert config["kek"]["iterations"] >= PBKDF2_MIN_ITERATIONS >= 600_000
    reopened = new_session(tmp_path / "home")
    meta = reopened.ledger().meta
    assert meta is not None and meta.fips_mode
    reopened.close()
    config["kek"] = {**config["kek"], "kdf": "scrypt"}  # an edited home
    config_path.write_text(json.dumps(config))
    with pytest.raises(ConfigurationError, match="FIPS mode"):
        new_session(tmp_path / "home").home.open_kek(bytearray(PASSPHRASE.encode()))


def test_a_default_home_keeps_scrypt(tmp_path: Path) -> None:
    session = new_session(tmp_path / "home")
    session.initialize(name="default")
    session.close()
    config = json.loads((tmp_path / "home" / "config.json").read_text())
    assert config["kek"]["kdf"] == "scrypt" and "fips" not in config
