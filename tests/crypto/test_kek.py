"""Passphrase KEK provider: KDF floors, key-check value, wrap/unwrap, close."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.crypto.kek import (
    KDF_PBKDF2,
    KDF_SCRYPT,
    PBKDF2_MIN_ITERATIONS,
    KEKProvider,
    PassphraseKEK,
)
from ledger.errors import CryptoError, InvalidInput

PASSPHRASE = b"correct horse battery staple"


@pytest.fixture(scope="module")
def scrypt_kek() -> tuple[PassphraseKEK, dict[str, object]]:
    return PassphraseKEK.create(bytearray(PASSPHRASE))


def test_create_and_reopen_with_scrypt(scrypt_kek: tuple[PassphraseKEK, dict[str, object]]) -> None:
    provider, params = scrypt_kek
    assert params["kdf"] == KDF_SCRYPT
    assert (params["n"], params["r"], params["p"]) == (2**15, 8, 1)
    assert len(bytes.fromhex(str(params["salt"]))) == 16
    assert provider.describe() == params
    assert provider.kek_id == params["kek_id"]
    data_key = bytearray(range(32))
    wrapped = provider.wrap(data_key, b"aad")
    with PassphraseKEK.from_params(PASSPHRASE, params) as reopened:
        assert isinstance(reopened, KEKProvider)
        assert reopened.kek_id == provider.kek_id
        assert reopened.unwrap(wrapped, b"aad") == data_key


def test_salt_makes_each_kek_distinct(scrypt_kek: tuple[PassphraseKEK, dict[str, object]]) -> None:
    _, params = scrypt_kek
    other, other_params = PassphraseKEK.create(PASSPHRASE)
    assert other_params["salt"] != params["salt"]
    assert other_params["check"] != params["check"]
    assert other.kek_id != params["kek_id"]


def test_wrong_passphrase_is_reported_clearly(
    scrypt_kek: tuple[PassphraseKEK, dict[str, object]],
) -> None:
    _, params = scrypt_kek
    with pytest.raises(CryptoError) as info:
        PassphraseKEK.from_params(b"correct horse battery stapler", params)
    assert info.value.message == "wrong passphrase"


def test_tampered_check_value_reads_as_wrong_passphrase(
    scrypt_kek: tuple[PassphraseKEK, dict[str, object]],
) -> None:
    _, params = scrypt_kek
    tampered = dict(params, check="00" * 32)
    with pytest.raises(CryptoError, match="wrong passphrase"):
        PassphraseKEK.from_params(PASSPHRASE, tampered)


def test_unwrap_with_wrong_aad_or_tampered_blob(
    scrypt_kek: tuple[PassphraseKEK, dict[str, object]],
) -> None:
    provider, _ = scrypt_kek
    wrapped = provider.wrap(bytearray(32), b"key:1")
    with pytest.raises(CryptoError, match="authentication failed"):
        provider.unwrap(wrapped, b"key:2")
    with pytest.raises(CryptoError, match="authentication failed"):
        provider.unwrap(wrapped[:-1] + bytes([wrapped[-1] ^ 1]), b"key:1")


def test_pbkdf2_round_trip_and_floor() -> None:
    provider, params = PassphraseKEK.create(PASSPHRASE, kdf=KDF_PBKDF2)
    assert params["kdf"] == KDF_PBKDF2
    assert params["iterations"] == PBKDF2_MIN_ITERATIONS
    wrapped = provider.wrap(bytearray(b"k" * 32), b"")
    reopened = PassphraseKEK.from_params(PASSPHRASE, params)
    assert reopened.unwrap(wrapped, b"") == bytearray(b"k" * 32)
    with pytest.raises(InvalidInput) as info:
        PassphraseKEK.create(PASSPHRASE, kdf=KDF_PBKDF2, iterations=PBKDF2_MIN_ITERATIONS - 1)
    assert info.value.field == "iterations"
    # A stored parameter set downgraded below the floor is refused before any derivation.
    with pytest.raises(InvalidInput) as info:
        PassphraseKEK.from_params(PASSPHRASE, dict(params, iterations=1000))
    assert info.value.field == "kek_params.iterations"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"n": 2**14}, "kek_params.n"),
        ({"n": 2**15 + 1}, "kek_params.n"),
        ({"n": 2**21}, "kek_params.n"),
        ({"r": 4}, "kek_params.r"),
        ({"p": 0}, "kek_params.p"),
        ({"n": "32768"}, "kek_params.n"),
        ({"kdf": "md5"}, "kek_params.kdf"),
        ({"version": 2}, "kek_params.version"),
        ({"salt": "zz"}, "kek_params.salt"),
        ({"salt": "00" * 8}, "kek_params.salt"),
        ({"check": None}, "kek_params.check"),
        ({"kek_id": ""}, "kek_params.kek_id"),
    ],
)
def test_malformed_or_weakened_params_are_refused(
    scrypt_kek: tuple[PassphraseKEK, dict[str, object]], change: dict[str, Any], field: str
) -> None:
    _, params = scrypt_kek
    with pytest.raises(InvalidInput) as info:
        PassphraseKEK.from_params(PASSPHRASE, {**params, **change})
    assert info.value.field == field


def test_create_refuses_weak_scrypt_and_empty_passphrase() -> None:
    with pytest.raises(InvalidInput) as info:
        PassphraseKEK.create(PASSPHRASE, scrypt_n=2**10)
    assert info.value.field == "scrypt_n"
    with pytest.raises(InvalidInput) as info:
        PassphraseKEK.create(b"")
    assert info.value.field == "passphrase"
    with pytest.raises(InvalidInput):
        PassphraseKEK.create(PASSPHRASE, kdf="argon2")


def test_close_wipes_the_kek_and_disables_the_provider() -> None:
    provider, _ = PassphraseKEK.create(PASSPHRASE)
    wrapped = provider.wrap(bytearray(32), b"")
    kek_buffer = provider._kek
    assert any(kek_buffer)
    with provider:
        pass  # leaving the block closes
    assert kek_buffer == bytearray(32)
    with pytest.raises(CryptoError, match="closed"):
        provider.wrap(bytearray(32), b"")
    with pytest.raises(CryptoError, match="closed"):
        provider.unwrap(wrapped, b"")
    assert "closed" in repr(provider)
