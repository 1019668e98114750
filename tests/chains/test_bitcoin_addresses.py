"""Bitcoin addresses and scripts against BIP-84/86 vectors, for every network."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.chains.bitcoin.addresses import (
    address_for_key,
    address_from_script,
    bitcoin_path,
    output_script,
    script_from_address,
)
from ledger.crypto import hd
from ledger.errors import InvalidInput
from tests.vectors import load_json


def _seed(vector: dict[str, Any]) -> bytearray:
    return hd.seed_from_mnemonic(hd.parse_mnemonic(vector["mnemonic"]))


def _addresses(name: str) -> list[tuple[str, str]]:
    vector = load_json(name)
    return [(d["path"], d["address"]) for d in vector["derivations"] if "address" in d]


@pytest.mark.parametrize(("name", "kind"), [("bip84/bip84_test_vectors.json", "p2wpkh"),
                                            ("bip86/bip86_test_vectors.json", "p2tr")])
def test_bip84_and_bip86_addresses(name: str, kind: str) -> None:
    seed = _seed(load_json(name))
    cases = _addresses(name)
    assert len(cases) == 3
    for path, expected in cases:
        node = hd.derive_node(seed, "secp256k1", path)
        assert address_for_key(node, kind, "mainnet") == expected
        assert address_for_key(node.public_key, kind) == expected
        assert script_from_address(expected, "mainnet") == output_script(node.public_key, kind)


def test_p2pkh_and_p2sh_p2wpkh_agree_with_the_wallet_module() -> None:
    seed = bytearray(range(64))
    for purpose, kind in (("44", "p2pkh"), ("49", "p2sh-p2wpkh")):
        for coin, network_name in (("bitcoin", "mainnet"), ("bitcoin-testnet", "testnet")):
            derived = hd.derive_address(seed, purpose=purpose, coin=coin, curve="secp256k1",
                                        account=0, change=0, index=3)
            node = hd.derive_node(seed, "secp256k1", derived.path)
            assert bitcoin_path(kind, network_name, index=3) == derived.path
            assert address_for_key(node, kind, network_name) == derived.address


def test_networks_and_round_trips() -> None:
    key = hd.derive_node(bytearray(range(64)), "secp256k1", "m/0").public_key
    prefixes = {"mainnet": ("1", "3", "bc1q", "bc1p"), "testnet": ("m", "2", "tb1q", "tb1p"),
                "regtest": ("m", "2", "bcrt1q", "bcrt1p")}
    for network_name, expected in prefixes.items():
        for kind, prefix in zip(("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"), expected,
                                strict=True):
            address = address_for_key(key, kind, network_name)
            assert address.startswith(prefix) or (prefix == "m" and address[0] in "mn")
            script = script_from_address(address, network_name)
            assert address_from_script(script, network_name) == address
    mainnet = address_for_key(key, "p2wpkh", "mainnet")
    with pytest.raises(InvalidInput):
        script_from_address(mainnet, "testnet")
    with pytest.raises(InvalidInput):
        script_from_address(address_for_key(key, "p2pkh", "mainnet"), "testnet")
    with pytest.raises(InvalidInput):
        script_from_address(mainnet[:-1] + ("q" if mainnet[-1] != "q" else "p"), "mainnet")
    assert address_from_script(b"\x6a\x01\x00", "mainnet") is None


def test_refusals() -> None:
    key = hd.derive_node(bytearray(range(64)), "secp256k1", "m/0").public_key
    with pytest.raises(InvalidInput, match="compressed"):
        output_script(b"\x04" + bytes(64), "p2wpkh")
    with pytest.raises(InvalidInput) as caught:
        output_script(key, "p2wsh")
    assert caught.value.field == "type"
    with pytest.raises(InvalidInput) as caught:
        address_for_key(key, "p2wpkh", "signet")
    assert caught.value.field == "network"
    with pytest.raises(InvalidInput):
        bitcoin_path("p2wpkh", change=2)
    with pytest.raises(InvalidInput):
        bitcoin_path("p2tr", index=2**31)
