"""Ethereum and Solana signer edges, the chain facts' own checks, and the declared-value
readers: each refusal names its field and reason; each accepted odd form (decimal-text
integers, raw-bytes calldata, a typed-data domain without a chain, v0 lookup-table
recipients) signs what eth-account or solders then verifies."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.null_signer import NullSigner
from solders.pubkey import Pubkey
from solders.system_program import AssignParams, TransferParams, assign, transfer
from solders.transaction import Transaction, VersionedTransaction

from ledger.chains import declared, ethereum, solana
from ledger.chains.facts import ChainFacts, TokenCall, Transfer
from ledger.errors import InvalidInput
from tests.vectors import load_json

KEY = bytearray.fromhex("4646464646464646464646464646464646464646464646464646464646464646")
TO = "0x3535353535353535353535353535353535353535"
SEED = bytearray(range(32))
ME = Keypair.from_seed(bytes(SEED))
BLOCKHASH = Hash.new_unique()


def refusal(call: Any, *args: Any, **kwargs: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value


# --- Ethereum -------------------------------------------------------------------------------

def test_decimal_text_and_byte_calldata_sign_what_eth_account_signs() -> None:
    tx = {"nonce": "12", "gasPrice": "1000000000", "gas": "60000", "to": TO, "value": "7",
          "data": b"\x01\x02", "chainId": "11155111"}
    signed = ethereum.sign_transaction(KEY, tx)
    reference = Account.sign_transaction(
        {"nonce": 12, "gasPrice": 10**9, "gas": 60000, "to": TO, "value": 7, "data": b"\x01\x02",
         "chainId": 11155111}, bytes(KEY))
    assert signed.raw == bytes(reference.raw_transaction)
    assert Account.recover_transaction(signed.raw) == signed.sender
    assert signed.facts.transfers[0].value == 7


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"accessList": "none"}, "tx.accessList", "must be a list of {address, storageKeys}"),
    ({"accessList": [{"address": TO, "storageKeys": "0x"}]}, "tx.accessList[0].storageKeys",
     "must be a list"),
    ({"accessList": [{"address": TO, "storageKeys": ["0x01"]}]},
     "tx.accessList[0].storageKeys[0]", "must be a 32-byte hex storage key"),
    ({"gas": "lots"}, "tx.gas", "must be an integer or 0x-hex string"),
])
def test_bad_transaction_fields(extra: dict[str, Any], field: str, message: str) -> None:
    tx = {"nonce": 0, "gasPrice": 1, "gas": 21000, "to": TO, "chainId": 1, **extra}
    problem = refusal(ethereum.sign_transaction, KEY, tx)
    assert (problem.field, problem.message) == (field, message)


def test_a_transaction_must_be_an_object() -> None:
    for call in (lambda: ethereum.sign_transaction(KEY, [1]),  # type: ignore[arg-type]
                 lambda: ethereum.transaction_value("0x10")):
        problem = refusal(call)
        assert (problem.field, problem.message) == (
            "tx", "must be a JSON object of transaction fields")
    assert ethereum.transaction_value({"value": "0x10"}) == 16
    assert ethereum.transaction_value({}) == 0


def test_paths_and_public_keys_are_checked() -> None:
    assert ethereum.ethereum_path(3) == "m/44'/60'/0'/0/3"
    for bad in (-1, 2**31, True):
        problem = refusal(ethereum.ethereum_path, bad)
        assert (problem.field, problem.message) == (
            "index", "must be a whole number from 0 to 2^31-1")
    problem = refusal(ethereum.address_from_public_key, b"\x02" * 32)
    assert (problem.field, problem.message) == (
        "public_key", "a secp256k1 public key has 33 or 65 bytes")
    problem = refusal(ethereum.address_from_public_key, b"\x02" + b"\xff" * 32)
    assert (problem.field, problem.message) == ("public_key", "not a point on secp256k1")
    problem = refusal(ethereum.address_from_private_key, bytearray(31))
    assert (problem.field, problem.message) == ("private_key", "a private key has 32 bytes")


def test_personal_messages_must_be_bytes_and_report_what_they_signed() -> None:
    problem = refusal(ethereum.sign_personal_message, KEY, "hello")
    assert (problem.field, problem.message) == ("message", "the message must be bytes")
    signed = ethereum.sign_personal_message(KEY, b"hello")
    shown = signed.to_dict()
    assert shown == {"signature": "0x" + signed.signature.hex(),
                     "hash": "0x" + signed.message_hash.hex(), "signer": signed.signer,
                     "facts": signed.facts.to_dict()}
    assert shown["facts"]["kind"] == "personal_message"


def test_typed_data_without_a_chain_is_for_any_network() -> None:
    typed = load_json("eip712/eip712_mail_example.json")["typed_data"]
    domain = {k: v for k, v in typed["domain"].items() if k != "chainId"}
    types = dict(typed["types"], EIP712Domain=[
        f for f in typed["types"]["EIP712Domain"] if f["name"] != "chainId"])
    chainless = dict(typed, domain=domain, types=types)
    signed = ethereum.sign_typed_data(KEY, chainless)
    assert (signed.facts.network, signed.facts.chain_id) == ("any", None)
    recovered = Account.recover_message(encode_typed_data(full_message=chainless),
                                        signature=signed.signature)
    assert recovered == signed.signer


# --- Solana ---------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_v0_lookup_recipients_and_non_transfer_instructions() -> None:
    """A recipient loaded from a lookup table is named by its index; a System instruction
    that moves no lamports (Assign) and another program's instruction add no transfer."""
    friend = Keypair.from_seed(bytes([9]) * 32).pubkey()
    table = AddressLookupTableAccount(Keypair.from_seed(bytes([8]) * 32).pubkey(), [friend])
    memo = Instruction(Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"),
                       b"hi", [AccountMeta(ME.pubkey(), is_signer=True, is_writable=False)])
    instructions = [transfer(TransferParams(from_pubkey=ME.pubkey(), to_pubkey=friend,
                                            lamports=42)),
                    assign(AssignParams(pubkey=ME.pubkey(), owner=friend)), memo]
    message = MessageV0.try_compile(ME.pubkey(), instructions, [table], BLOCKHASH)
    assert friend not in message.account_keys  # it travels through the table
    unsigned = _b64(bytes(VersionedTransaction(message, [NullSigner(ME.pubkey())])))
    lookup_index = len(message.account_keys)  # the first loaded address
    assert [(t.recipient, t.value) for t in solana.transaction_transfers(unsigned)] == \
        [(f"lookup:{lookup_index}", 42)]
    signed = solana.sign_transaction(SEED, unsigned)
    assert VersionedTransaction.from_bytes(signed.transaction).verify_with_results() == [True]
    assert signed.to_dict() == {"transaction": _b64(signed.transaction),
                                "signature": signed.signature,
                                "facts": signed.facts.to_dict()}


def test_solana_refusals_name_the_field() -> None:
    assert refusal(solana.sign_transaction, SEED, b"AAAA").message == "must be base64 text"
    # An instruction naming a program index past the account keys: solders' sanitize.
    bad = Message.new_with_compiled_instructions(
        1, 0, 0, [ME.pubkey()], BLOCKHASH, [])
    raw = bytearray(bytes(Transaction.new_unsigned(bad)))
    raw[-1] = 1  # one instruction ...
    raw += bytes([5, 0, 0])  # ... of program 5, no accounts, no data
    problem = refusal(solana.transaction_transfers, _b64(bytes(raw)))
    assert (problem.field, problem.message) == (
        "tx", "the message is inconsistent (solders sanitize failed)")
    for bad_index in (-1, 2**31):
        problem = refusal(solana.solana_path, bad_index)
        assert problem.field == "index"
    problem = refusal(solana.address_from_public_key, bytes(31))
    assert (problem.field, problem.message) == ("public_key", "an Ed25519 public key has 32 bytes")
    for signers in ([], [bytes(31)]):
        problem = refusal(solana.offchain_message, b"hi", signers)
        assert (problem.field, problem.message) == (
            "signers", "1 to 255 signers of 32 bytes each")


def test_an_offchain_signature_reports_its_message() -> None:
    signed = solana.sign_offchain_message(SEED, b"hello")
    assert signed.to_dict() == {"message": _b64(signed.message), "signature": signed.signature,
                                "facts": signed.facts.to_dict()}
    assert str(ME.sign_message(signed.message)) == signed.signature


# --- chain facts ----------------------------------------------------------------------------

def _facts(**change: Any) -> dict[str, Any]:
    return {"family": "evm", "network": "sepolia", "chain_id": 11155111, "kind": "transaction",
            "signer": TO, "tx_hash": None, "digests": [], "transfers": [], "fee": None,
            "token_calls": [], **change}


def test_facts_refuse_unknown_families_kinds_and_shapes() -> None:
    problem = refusal(ChainFacts.from_dict, _facts(kind="burn"))
    assert problem.field == "facts.kind" and problem.message.startswith(
        "must be one of transaction, personal_message")
    problem = refusal(ChainFacts.from_dict, _facts(family="cosmos"))
    assert (problem.field, problem.message) == ("facts.family",
                                                "must be one of evm, bitcoin, solana")
    problem = refusal(ChainFacts.from_dict, _facts(transfers=["x"]))
    assert (problem.field, problem.message) == ("transfer", "must be an object")
    call = {"function": "mint", "token": TO, "recipient": TO, "amount": "1", "owner": None}
    problem = refusal(ChainFacts.from_dict, _facts(token_calls=[call]))
    assert (problem.field, problem.message) == (
        "token_call.function", "must be one of transfer, transferFrom, approve")
    problem = refusal(TokenCall.from_dict, dict(call, function="approve", amount=1))
    assert (problem.field, problem.message) == ("token_call.amount", "must be a decimal string")


def test_facts_round_trip_with_token_calls() -> None:
    call = TokenCall("transferFrom", TO, TO, 2**200, owner=TO)
    facts = ChainFacts("evm", "sepolia", 11155111, "transaction", TO, "0xab", ("00",),
                       (Transfer(TO, 5, "ETH"),), fee=21, token_calls=(call,))
    assert ChainFacts.from_dict(json.loads(json.dumps(facts.to_dict()))) == facts
    assert facts.total_value == 5 and not call.grants_nothing


# --- declared values ------------------------------------------------------------------------

def test_declared_readers_name_the_field() -> None:
    problem = refusal(declared.json_document, "{}", "tx")
    assert (problem.field, problem.message) == ("tx", "must be bytes")
    problem = refusal(declared.json_document, b"\xff", "tx")
    assert (problem.field, problem.message) == ("tx", "must be UTF-8 text")
    problem = refusal(declared.json_document, b"{nope", "tx")
    assert (problem.field, problem.message) == ("tx", "is not valid JSON")
    problem = refusal(declared.read_psbt, "cHNidP8=")
    assert (problem.field, problem.message) == ("psbt", "must be bytes")
    assert declared.evm_value(b'{"value": "0x2a"}') == 42
