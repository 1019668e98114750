"""Ethereum: EIP-155 and EIP-712 vectors byte for byte; eth-account recovers every sender.

Independent checks: ``Account.recover_transaction`` / ``recover_message`` (eth-account,
through eth-keys) recover the signer from each transaction and message we sign, and
eth-account's own ``sign_transaction`` / ``sign_message`` with the same key produce the same
bytes (both are RFC 6979 deterministic), which also proves our type choice matches theirs.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

from ledger.chains import ethereum
from ledger.chains.registry import evm_chain
from ledger.crypto import hd
from ledger.errors import InvalidInput, UnsupportedAlgorithm
from tests.vectors import load_json

KEY = bytearray.fromhex("4646464646464646464646464646464646464646464646464646464646464646")
TO = "0x3535353535353535353535353535353535353535"


def test_eip155_example_byte_for_byte() -> None:
    vector = load_json("eth/eip155_example.json")
    fields = vector["transaction"]
    tx = {"nonce": fields["nonce"], "gasPrice": fields["gas_price"], "gas": fields["gas_limit"],
          "to": fields["to"], "value": fields["value"], "data": fields["data"],
          "chainId": vector["chain_id"]}
    signed = ethereum.sign_transaction(bytearray.fromhex(vector["private_key"][2:]), tx)
    assert signed.signing_hash.hex() == vector["signing_hash"][2:]
    assert "0x" + signed.raw.hex() == vector["signed_tx"]
    assert signed.sender.lower() == vector["sender_address"]
    assert signed.tx_type == 0
    assert Account.recover_transaction(signed.raw) == signed.sender
    facts = signed.facts
    assert (facts.network, facts.chain_id, facts.kind) == ("ethereum", 1, "transaction")
    assert facts.tx_hash == "0x" + signed.tx_hash.hex()
    assert [(t.recipient, t.value, t.asset) for t in facts.transfers] == \
        [(TO, 10**18, "ETH")]


def test_eip712_mail_example_byte_for_byte() -> None:
    vector = load_json("eip712/eip712_mail_example.json")
    key = bytearray.fromhex(vector["signer_private_key"][2:])
    signed = ethereum.sign_typed_data(key, vector["typed_data"])
    assert "0x" + signed.message_hash.hex() == vector["signing_hash"]
    assert "0x" + signed.signature.hex() == vector["signature_65"]
    assert signed.signer.lower() == vector["signer_address"]
    assert signed.facts.chain_id == 1 and signed.facts.network == "ethereum"
    recovered = Account.recover_message(encode_typed_data(full_message=vector["typed_data"]),
                                        signature=signed.signature)
    assert recovered == signed.signer


TRANSACTIONS: list[dict[str, Any]] = [
    {"nonce": 0, "gasPrice": 10**9, "gas": 21000, "to": TO, "value": 1, "chainId": 11155111},
    {"nonce": 7, "gasPrice": "0x3b9aca00", "gas": 60000, "to": None, "value": 0,
     "data": "0x6080604052", "chainId": 137},
    {"nonce": 1, "gasPrice": 2 * 10**9, "gas": 30000, "to": TO, "value": 5, "chainId": 10,
     "accessList": [{"address": TO, "storageKeys": ["0x" + "00" * 31 + "01"]}]},
    {"nonce": 2, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9, "gas": 21000,
     "to": TO, "value": 10**17, "chainId": 8453},
    {"type": 2, "nonce": 3, "maxFeePerGas": 30, "maxPriorityFeePerGas": 30, "gas": 50000,
     "to": TO, "value": 2**200, "chainId": 42161, "accessList": [],
     "data": "0xa9059cbb" + "00" * 12 + "35" * 20 + "00" * 31 + "01"},  # transfer(TO, 1)
    {"type": "0x1", "nonce": 4, "gasPrice": 1, "gas": 21000, "to": TO, "value": 0,
     "chainId": 84532},
]


@pytest.mark.parametrize("tx", TRANSACTIONS, ids=lambda t: f"chain{t['chainId']}")
def test_transactions_match_eth_account_and_recover(tx: dict[str, Any]) -> None:
    signed = ethereum.sign_transaction(KEY, tx)
    assert Account.recover_transaction(signed.raw) == signed.sender
    reference = Account.sign_transaction(
        {k: (b"" if v is None and k == "to" else v) for k, v in tx.items() if v is not None},
        bytes(KEY))
    assert signed.raw == bytes(reference.raw_transaction)
    assert signed.tx_hash == bytes(reference.hash)
    assert signed.facts.chain_id == tx["chainId"]
    assert signed.facts.digests == (signed.signing_hash.hex(),)


def test_type_is_chosen_from_the_fields() -> None:
    kinds = [ethereum.sign_transaction(KEY, tx).tx_type for tx in TRANSACTIONS]
    assert kinds == [0, 0, 1, 2, 2, 1]


def test_chain_argument_fills_or_checks_the_chain_id() -> None:
    tx = {"nonce": 0, "gasPrice": 1, "gas": 21000, "to": TO, "value": 0}
    signed = ethereum.sign_transaction(KEY, tx, chain="base-sepolia")
    assert signed.facts.chain_id == 84532 and signed.facts.network == "base-sepolia"
    with pytest.raises(InvalidInput, match="does not match") as caught:
        ethereum.sign_transaction(KEY, dict(tx, chainId=1), chain="sepolia")
    assert caught.value.field == "tx.chainId"


@pytest.mark.parametrize(("tx", "field", "words"), [
    ({"nonce": 0, "gasPrice": 1, "gas": 21000, "to": TO}, "tx", "replays on every chain"),
    ({"nonce": 0, "gasPrice": 1, "gas": 21000, "to": TO, "chainId": 0}, "tx.chainId", "not a"),
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "to": TO, "chainId": 5}, "chain", "unknown EVM"),
    ({"type": 3, "nonce": 0, "chainId": 1}, "tx.type", "not signed by the ledger"),
    ({"type": 4, "nonce": 0, "chainId": 1}, "tx.type", "not signed by the ledger"),
    ({"type": 9, "nonce": 0, "chainId": 1}, "tx.type", "unknown transaction type"),
    ({"nonce": 0, "gasPrice": 1, "maxFeePerGas": 1, "maxPriorityFeePerGas": 1, "gas": 1,
      "chainId": 1}, "tx.gasPrice", "maxFeePerGas, not gasPrice"),
    ({"nonce": 0, "maxFeePerGas": 1, "maxPriorityFeePerGas": 2, "gas": 1, "chainId": 1},
     "tx.maxPriorityFeePerGas", "exceeds"),
    # EIP-55's own example address with the case of its last letter flipped.
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "chainId": 1,
      "to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"}, "tx.to", "checksum"),
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "chainId": 1, "to": "0x1234"}, "tx.to", "20-byte"),
    ({"nonce": -1, "gasPrice": 1, "gas": 1, "chainId": 1}, "tx.nonce", "integer from 0"),
    ({"nonce": True, "gasPrice": 1, "gas": 1, "chainId": 1}, "tx.nonce", "integer"),
    # str.isdigit() is true for "²", which int() refuses (found by the chains fuzz harness)
    ({"nonce": "\u00b2", "gasPrice": 1, "gas": 1, "chainId": 1}, "tx.nonce", "integer"),
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "chainId": "\u0663"}, "tx.chainId", "integer"),
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "chainId": 1, "data": "0x1"}, "tx.data", "whole"),
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "chainId": 1, "input": "0x"}, "tx", "unexpected"),
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "chainId": 1, "value": 2**256}, "tx.value", "from 0"),
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "chainId": 1, "from": TO}, "tx.from", "not this"),
    ({"nonce": 0, "gasPrice": 1, "gas": 1, "chainId": 1,
      "accessList": [{"address": TO}]}, "tx.accessList[0]", "exactly"),
])
def test_bad_transactions_are_refused_by_field(tx: dict[str, Any], field: str,
                                               words: str) -> None:
    with pytest.raises((InvalidInput, UnsupportedAlgorithm)) as caught:
        ethereum.sign_transaction(KEY, tx)
    assert caught.value.field == field
    assert words in caught.value.message


def test_personal_sign_matches_eth_account_and_recovers() -> None:
    for message in (b"", b"hello", bytes(range(256))):
        signed = ethereum.sign_personal_message(KEY, message)
        signable = encode_defunct(primitive=message)
        assert signed.signature == bytes(Account.sign_message(signable, bytes(KEY)).signature)
        assert Account.recover_message(signable, signature=signed.signature) == signed.signer
        assert signed.signature[64] in (27, 28)
        tampered = bytearray(signed.signature)
        tampered[10] ^= 1
        assert Account.recover_message(signable, signature=bytes(tampered)) != signed.signer


def test_typed_data_refusals() -> None:
    vector = load_json("eip712/eip712_mail_example.json")
    with pytest.raises(InvalidInput, match="must have types"):
        ethereum.sign_typed_data(KEY, {"types": {}})
    broken = dict(vector["typed_data"], primaryType="Letter")
    with pytest.raises(InvalidInput) as caught:
        ethereum.sign_typed_data(KEY, broken)
    assert caught.value.field == "typed_data"
    unknown_chain = dict(vector["typed_data"], domain=dict(vector["typed_data"]["domain"],
                                                           chainId=424242))
    assert ethereum.sign_typed_data(KEY, unknown_chain).facts.network == "eip155:424242"


def test_addresses_from_keys_and_hd_wallets() -> None:
    seed = hd.seed_from_mnemonic(hd.parse_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "abandon about"))
    node = hd.derive_node(seed, "secp256k1", ethereum.ethereum_path(0))
    # eth-account's own BIP-32 implementation derives the same first account.
    Account.enable_unaudited_hdwallet_features()
    expected = Account.from_mnemonic(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "abandon about", account_path="m/44'/60'/0'/0/0").address
    assert ethereum.address_from_private_key(node) == expected
    assert ethereum.address_from_public_key(node.public_key) == expected
    signed = ethereum.sign_transaction(node, TRANSACTIONS[0])
    assert signed.sender == expected
    assert ethereum.check_address(expected.lower(), "to") == expected
    with pytest.raises(InvalidInput):
        ethereum.address_from_private_key(bytes(32))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="secp256k1 keys, not ed25519"):
        ethereum.address_from_private_key(hd.derive_node(seed, "ed25519", "m/0'"))
    with pytest.raises(InvalidInput, match="out of range"):
        ethereum.sign_personal_message(bytearray(32), b"x")


def test_a_chain_named_by_unicode_digits_is_unknown() -> None:
    for name in ("\u00b2", "\u0661"):  # "²" (int() refuses it), Arabic-Indic one (int() reads 1)
        with pytest.raises(InvalidInput, match="unknown EVM chain") as caught:
            evm_chain(name)
        assert caught.value.field == "chain"


def test_registry_names_the_native_currency() -> None:
    assert evm_chain("polygon-amoy").currency_symbol == "POL"
    signed = ethereum.sign_transaction(KEY, dict(TRANSACTIONS[0], chainId=80002))
    assert signed.facts.transfers[0].asset == "POL"
