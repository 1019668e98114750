"""Chain inputs for command tests: transactions, typed data and PSBTs a key can sign.

Made with the chains' own libraries where they have a builder (solders for Solana), and
with the test PSBT creator of :mod:`tests.chains.helpers` for Bitcoin.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.abi import function_signature_to_4byte_selector
from solders.hash import Hash
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction, VersionedTransaction

from ledger.chains.bitcoin.addresses import output_script
from ledger.chains.bitcoin.encoding import TxOut, multisig_script, p2wsh_script, sha256
from ledger.chains.bitcoin.psbt import KeyOrigin, Psbt
from ledger.crypto import hd
from tests.chains.helpers import FINGERPRINT, Spend, create_psbt
from tests.vectors import load_json

RECIPIENT = "0x3535353535353535353535353535353535353535"
BLOCKHASH = Hash.from_string("4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM")
SOL_RECIPIENT = Pubkey.from_string("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM")
# A P2WPKH output no test key controls (the recipient of PSBT payments).
BTC_RECIPIENT = output_script(bytes.fromhex(
    "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"), "p2wpkh")


def eip1559(value: int = 10**17, chain_id: int = 11155111, **extra: Any) -> dict[str, Any]:
    return {"nonce": 3, "gas": 21000, "maxFeePerGas": 3 * 10**9,
            "maxPriorityFeePerGas": 10**9, "to": RECIPIENT, "value": value,
            "chainId": chain_id, **extra}


TOKEN = "0x6B175474E89094C44Da98b954EedeAC495271d0F"  # a token contract (DAI on mainnet)
ERC20_SIGNATURES = {"transfer": "transfer(address,uint256)",
                    "transferFrom": "transferFrom(address,address,uint256)",
                    "approve": "approve(address,uint256)"}


def erc20_data(function: str, *args: Any) -> str:
    """Calldata of an ERC-20 call, ABI-encoded by eth-abi: the 4-byte selector of the
    function's signature, then its arguments."""
    signature = ERC20_SIGNATURES[function]
    types = signature.split("(", 1)[1].rstrip(")").split(",")
    return "0x" + (function_signature_to_4byte_selector(signature)
                   + abi_encode(types, list(args))).hex()


def erc20_call(function: str, *args: Any, token: str = TOKEN, **extra: Any) -> dict[str, Any]:
    """An EIP-1559 transaction calling ``function`` on ``token``, moving no ether."""
    return eip1559(value=0, **{"to": token, "gas": 65_000,
                               "data": erc20_data(function, *args), **extra})


def legacy(value: int = 10**18, chain_id: int = 1) -> dict[str, Any]:
    """EIP-155's example transaction fields."""
    return {"nonce": 9, "gasPrice": 20 * 10**9, "gas": 21000, "to": RECIPIENT,
            "value": value, "data": "0x", "chainId": chain_id}


def as_json(document: Any) -> bytes:
    return json.dumps(document).encode()


def mail_typed_data() -> dict[str, Any]:
    """EIP-712's Mail example, from the shared vectors."""
    typed = load_json("eip712/eip712_mail_example.json")["typed_data"]
    assert isinstance(typed, dict)
    return typed


def solana_transfer(payer: bytes, lamports: int = 5_000, *, v0: bool = False) -> bytes:
    """A System transfer from ``payer`` (32-byte public key), unsigned, as base64 text."""
    source = Pubkey.from_bytes(payer)
    instruction = transfer(TransferParams(from_pubkey=source, to_pubkey=SOL_RECIPIENT,
                                          lamports=lamports))
    if v0:
        message = MessageV0.try_compile(source, [instruction], [], BLOCKHASH)
        wire = bytes(VersionedTransaction.populate(message, [
            Signature.default()] * message.header.num_required_signatures))
    else:
        wire = bytes(Transaction.new_unsigned(Message.new_with_blockhash(
            [instruction], source, BLOCKHASH)))
    return base64.b64encode(wire)


def single_key_psbt(public_key: bytes, kinds: tuple[str, ...] = ("p2wpkh", "p2tr"), *,
                    pay: int = 60_000, change: int = 30_000, amount: int = 50_000,
                    origin: str | None = None, fingerprint: bytes = FINGERPRINT) -> Psbt:
    """Inputs of ``kinds`` paying ``public_key``; ``pay`` to a stranger, ``change`` back to
    the key's P2WPKH (marked as the wallet's own with a BIP-32 origin)."""
    origins = [KeyOrigin.from_text(fingerprint, origin)] if origin else []
    spends = [Spend(kind, [public_key], amount, origins=origins, witness_utxo=kind != "p2pkh",
                    non_witness_utxo=kind == "p2pkh") for kind in kinds]
    psbt = create_psbt(spends, [TxOut(pay, BTC_RECIPIENT),
                                TxOut(change, output_script(public_key, "p2wpkh"))])
    psbt.outputs[1].bip32_derivations[public_key] = KeyOrigin.from_text(
        FINGERPRINT, "m/84'/1'/0'/1/0")
    return psbt


def multisig_psbt(public_keys: list[bytes], threshold: int = 2, *, pay: int = 70_000,
                  change: int = 20_000) -> Psbt:
    """One m-of-n P2WSH input; change back to the same multisig (its script shown)."""
    script = multisig_script(threshold, sorted(public_keys))
    psbt = create_psbt([Spend("p2wsh-multisig", public_keys, 100_000, threshold=threshold)],
                       [TxOut(pay, BTC_RECIPIENT), TxOut(change, p2wsh_script(sha256(script)))])
    psbt.outputs[1].witness_script = script
    for key in public_keys:
        psbt.outputs[1].bip32_derivations[key] = KeyOrigin.from_text(FINGERPRINT,
                                                                     "m/48'/1'/0'/2'/1/0")
    return psbt


def wallet_public_key(mnemonic: str, curve: str, path: str) -> bytes:
    """A wallet's public key at ``path``, derived here from its mnemonic (as a watch-only
    coordinator would from an xpub): compressed SEC1, or the 32 Ed25519 bytes."""
    seed = hd.seed_from_mnemonic(hd.parse_mnemonic(mnemonic))
    node = hd.derive_node(seed, curve, path)
    return node.public_key[1:] if curve == "ed25519" else node.public_key
