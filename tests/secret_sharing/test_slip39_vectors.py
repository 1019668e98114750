"""SLIP-39 vectors (``slip39/vectors.json``, passphrase "TREZOR") through
:mod:`ledger.crypto.slip39`: valid sets rebuild the master secret (and its BIP-32 root key),
invalid ones are refused with a message that quotes no word of any share."""

from __future__ import annotations

import os
from typing import Any

import pytest

from ledger.crypto import hd, slip39
from ledger.errors import InvalidInput
from tests.vectors import load_json


def _cases() -> list[list[Any]]:
    return list(load_json("slip39/vectors.json"))


def test_all_45_cases_are_present() -> None:
    assert len(_cases()) == 45


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0].split(".")[0])
def test_slip39_vector(case: list[Any]) -> None:
    description, mnemonics, secret_hex, xprv = case
    if secret_hex:
        secret = slip39.combine(mnemonics, passphrase=b"TREZOR")
        assert secret.hex() == secret_hex
        assert hd.derive_node(secret, "secp256k1", "m").xprv == xprv
        return
    with pytest.raises(InvalidInput) as info:
        slip39.combine(mnemonics, passphrase=b"TREZOR")
    rendered = f"{info.value.diagnostics()} {info.value!r}"
    for mnemonic in mnemonics:
        words = mnemonic.split()
        for i in range(len(words) - 1):
            assert f"{words[i]} {words[i + 1]}" not in rendered, description
    assert info.value.__context__ is None


@pytest.mark.parametrize(("threshold", "count"), [(1, 1), (2, 3), (3, 5)])
def test_wallet_seed_round_trip(threshold: int, count: int) -> None:
    seed = os.urandom(64)
    shares = slip39.split(seed, threshold, count)
    assert len(shares) == count
    assert [slip39.member_index(s) for s in shares] == list(range(1, count + 1))
    assert slip39.combine(shares[-threshold:]) == seed
    if threshold > 1:
        with pytest.raises(InvalidInput, match="not enough shares"):
            slip39.combine(shares[: threshold - 1])


def test_split_parameters_are_checked() -> None:
    with pytest.raises(InvalidInput, match="threshold 1"):
        slip39.split(os.urandom(32), 1, 2)
    with pytest.raises(InvalidInput, match="even number"):
        slip39.split(os.urandom(17), 2, 3)
