"""Chain signing through the ledger (Session -> handler -> Key -> ChainSignatureIssued ->
SQLite), each signature checked by the chain's own independent code:

* Ethereum: eth-account recovers the sender of every raw transaction (its RLP / typed
  transaction decoder) and the signer of every personal_sign and EIP-712 signature;
* Bitcoin: BDK (rust-bitcoin / rust-miniscript) finalizes the PSBTs the ledger signed, which
  runs the script interpreter over every signature, and extracts the same transaction as
  the ``FinalizePsbt`` read;
* Solana: solders verifies every transaction signature and the off-chain message signature.

The auditor re-checks every chain afterwards; refusals name the field.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils.crypto import keccak
from solders import system_program
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction

from commands.builders import build
from commands.reads import ReadContext, answer
from commands.session import Session
from ledger.audit import Auditor
from ledger.catalogue import CATALOGUE
from ledger.chains.bitcoin.psbt import KeyOrigin, Psbt
from ledger.chains.bitcoin.sighash import SIGHASH_NAMES
from ledger.chains.facts import Transfer
from ledger.chains.solana import transaction_transfers
from ledger.crypto import hd
from ledger.envelope import open_envelope
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput, Unauthorized
from tests.chains import inputs
from tests.chains.helpers import FINGERPRINT, bdk_finalize
from tests.commands.conftest import create
from tests.vectors import load_json


def chain_events(session: Session) -> list[dict[str, Any]]:
    store, _ = session.store()
    return [e.event() for e in (open_envelope(s) for s in store.read("default"))
            if e.event_type == "ChainSignatureIssued"]


def audit(session: Session) -> None:
    Auditor(session.store()[0]).verify()


def read(session: Session, name: str, **params: Any) -> Any:
    ledger = session.ledger()
    return answer(name, ReadContext(ledger, session.store()[0]), params)


def public_key(session: Session, key_id: str) -> bytes:
    return bytes(session.ledger().key(key_id).versions[1]["public_key"])


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# --- Ethereum ------------------------------------------------------------------------------

@pytest.mark.parametrize("tx", [inputs.legacy(), inputs.eip1559(),
                                {**inputs.legacy(chain_id=8453),
                                 "accessList": [{"address": inputs.RECIPIENT,
                                                 "storageKeys": ["0x" + "00" * 32]}]}],
                         ids=["eip155", "eip1559", "eip2930-base"])
def test_evm_transactions_recover_to_the_keys_address(session: Session,
                                                      tx: dict[str, Any]) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    address = read(session, "EvmAddress", key_id=key_id)["address"]
    raw_tx = inputs.as_json(tx)
    result = session.run("bob", "SignEvmTransaction", key_id=key_id, tx=raw_tx).result
    raw = bytes.fromhex(result["raw"][2:])
    assert Account.recover_transaction(raw) == address == result["from"]
    assert result["hash"] == "0x" + keccak(raw).hex()
    assert result["value"] == str(tx["value"]) and result["chain_id"] == tx["chainId"]
    assert result["type"] == (2 if "maxFeePerGas" in tx else 1 if "accessList" in tx else 0)
    (event,) = chain_events(session)
    assert (event["family"], event["kind"], event["signer"]) == ("evm", "transaction", address)
    assert event["chain_id"] == str(tx["chainId"]) and event["tx_hash"] == result["hash"]
    assert event["recipients"] == [inputs.RECIPIENT] and event["amounts"] == [str(tx["value"])]
    assert event["value"] == str(tx["value"]) and event["input_digest"] == sha(raw_tx)
    assert event["signature_digests"] == [sha(raw)]
    assert event["asset"] == "ETH" and event["fee"] is None
    assert session.ledger().key(key_id).signature_count == 1
    audit(session)


def test_evm_network_names_the_chain_and_must_agree(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    tx = {k: v for k, v in inputs.eip1559().items() if k != "chainId"}
    result = session.run("bob", "SignEvmTransaction", key_id=key_id, tx=inputs.as_json(tx),
                         network="base-sepolia").result
    assert (result["chain_id"], result["network"]) == (84532, "base-sepolia")
    assert Account.recover_transaction(result["raw"]) == result["from"]
    with pytest.raises(InvalidInput) as wrong:
        session.run("bob", "SignEvmTransaction", key_id=key_id,
                    tx=inputs.as_json(inputs.eip1559(chain_id=1)), network="polygon")
    assert wrong.value.field == "tx.chainId"
    with pytest.raises(InvalidInput) as unknown:
        session.run("bob", "SignEvmTransaction", key_id=key_id,
                    tx=inputs.as_json(inputs.eip1559(chain_id=999_999)))
    assert unknown.value.field == "chain"


def _signed_with_args(session: Session, command: str, changes: dict[str, Any],
                      **params: Any) -> Any:
    built = build(CATALOGUE.command(command), params, session.resolver())
    return session.act("bob", command, built.chain_id, {**built.args, **changes},
                       inputs=built.inputs)


def test_a_transaction_moving_more_than_declared_is_refused_before_signing(
        session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    tx = inputs.as_json(inputs.eip1559(value=5 * 10**18))
    with pytest.raises(InvalidInput) as refused:
        _signed_with_args(session, "SignEvmTransaction", {"value": "1"}, key_id=key_id, tx=tx)
    assert refused.value.field == "value"
    with pytest.raises(InvalidInput) as digest:
        _signed_with_args(session, "SignEvmTransaction", {"tx_digest": sha(b"x").hex()},
                          key_id=key_id, tx=tx)
    assert digest.value.field == "tx_digest"
    assert chain_events(session) == []


def test_evm_messages_and_typed_data_recover(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    address = read(session, "EvmAddress", key_id=key_id)["address"]
    message = b"Sign in to example.org\nNonce: 8"
    signed = session.run("bob", "SignEvmMessage", key_id=key_id, message=message).result
    assert Account.recover_message(encode_defunct(primitive=message),
                                   signature=signed["signature"]) == address
    typed = inputs.mail_typed_data()
    typed_signed = session.run("bob", "SignEvmTypedData", key_id=key_id,
                               typed_data=inputs.as_json(typed)).result
    assert Account.recover_message(encode_typed_data(full_message=typed),
                                   signature=typed_signed["signature"]) == address
    vector = load_json("eip712/eip712_mail_example.json")
    assert typed_signed["hash"] == vector["signing_hash"]  # EIP-712's own hash
    personal, eip712 = chain_events(session)
    assert (personal["kind"], personal["network"], personal["chain_id"]) == (
        "personal_message", "any", None)
    assert personal["digests"] == [bytes.fromhex(signed["hash"][2:])]
    assert (eip712["kind"], eip712["network"], eip712["chain_id"]) == ("typed_data",
                                                                      "ethereum", "1")
    assert eip712["value"] == "0" and eip712["recipients"] == []
    with pytest.raises(InvalidInput) as bad:
        session.run("bob", "SignEvmTypedData", key_id=key_id, typed_data=b"[1]")
    assert bad.value.field == "typed_data"
    audit(session)


def test_chain_commands_refuse_keys_of_the_wrong_algorithm_or_state(session: Session) -> None:
    ed = create(session, "ed25519")
    with pytest.raises(InvalidInput) as wrong:
        session.run("bob", "SignEvmMessage", key_id=ed, message=b"m")
    assert wrong.value.field == "key_id"
    with pytest.raises(InvalidInput) as address:
        read(session, "EvmAddress", key_id=ed)
    assert address.value.field == "key_id"
    secp = create(session, "ecdsa-secp256k1")
    with pytest.raises(InvalidInput):
        session.run("bob", "SignSolanaMessage", key_id=secp, message=b"m")
    session.key_command("alice", "SuspendKey", secp)
    with pytest.raises(IllegalTransition):
        session.run("bob", "SignEvmMessage", key_id=secp, message=b"m")
    with pytest.raises(Exception, match=r"not allowed|role"):
        session.run("carol", "SignEvmMessage", key_id=secp, message=b"m")


# --- Bitcoin -------------------------------------------------------------------------------

def test_psbt_single_key_inputs_signed_finalized_and_verified_by_bdk(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    public = public_key(session, key_id)
    psbt = inputs.single_key_psbt(public, ("p2wpkh", "p2tr", "p2sh-p2wpkh", "p2pkh"))
    raw = psbt.serialize()
    result = session.run("bob", "SignPsbt", key_id=key_id, psbt=raw, network="testnet").result
    assert [s["index"] for s in result["signed_inputs"]] == [0, 1, 2, 3]
    assert [s["script_type"] for s in result["signed_inputs"]] == [
        "p2wpkh", "p2tr", "p2sh-p2wpkh", "p2pkh"]
    assert result["value"] == "60000" and result["fee"] == str(4 * 50_000 - 90_000)
    assert result["txid"] is None  # a P2PKH input: its scriptSig changes the txid
    finalized, bdk_tx, errors = bdk_finalize(result["psbt"])
    assert finalized, errors
    ours = read(session, "FinalizePsbt", psbt=result["psbt"].encode())
    assert ours["tx"] == bdk_tx
    (event,) = chain_events(session)
    assert (event["family"], event["network"], event["kind"]) == ("bitcoin", "testnet", "psbt")
    assert event["signer"] == public.hex() and event["value"] == "60000"
    assert event["digests"] == [bytes.fromhex(s["digest"]) for s in result["signed_inputs"]]
    assert event["input_digest"] == sha(raw) and len(event["signature_digests"]) == 4
    assert event["amounts"] == ["60000"] and event["asset"] == "BTC"
    assert event["fee"] == result["fee"]
    # base64 text is accepted as well as the binary form
    again = session.run("bob", "SignPsbt", key_id=key_id,
                        psbt=base64.b64encode(raw), network="testnet").result
    assert len(again["signed_inputs"]) == 4
    audit(session)


def test_psbt_addresses_of_every_type(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    public = public_key(session, key_id)
    found = {t: read(session, "BitcoinAddress", key_id=key_id, type=t, network="regtest")
             for t in ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr")}
    assert found["p2wpkh"]["address"].startswith("bcrt1q")
    assert found["p2tr"]["address"].startswith("bcrt1p")
    assert found["p2pkh"]["public_key"] == public.hex()
    mainnet = read(session, "BitcoinAddress", key_id=key_id)
    assert mainnet["address"].startswith("bc1q") and mainnet["type"] == "p2wpkh"


def test_psbt_multisig_each_ledger_key_adds_its_partial_signature(session: Session) -> None:
    keys = [create(session, "ecdsa-secp256k1") for _ in range(3)]
    publics = [public_key(session, k) for k in keys]
    psbt = inputs.multisig_psbt(publics, 2).to_base64().encode()
    first = session.run("bob", "SignPsbt", key_id=keys[0], psbt=psbt).result
    assert first["value"] == "70000"  # multisig change back to the same script is not sent
    assert not bdk_finalize(first["psbt"])[0]  # one of two signatures
    with pytest.raises(InvalidInput):
        read(session, "FinalizePsbt", psbt=first["psbt"].encode())
    second = session.run("bob", "SignPsbt", key_id=keys[2], psbt=first["psbt"].encode()).result
    finalized, bdk_tx, errors = bdk_finalize(second["psbt"])
    assert finalized, errors
    ours = read(session, "FinalizePsbt", psbt=second["psbt"].encode())
    assert ours["tx"] == bdk_tx and ours["txid"] == second["txid"]
    assert [e["signer"] for e in chain_events(session)] == [publics[0].hex(), publics[2].hex()]
    audit(session)


def test_psbt_refusals(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    public = public_key(session, key_id)
    # A payment output falsely marked as the wallet's own: declared 0 sent, but it pays
    # a stranger, so the command is refused before the key is unsealed.
    psbt = inputs.single_key_psbt(public, ("p2wpkh",))
    psbt.outputs[0].bip32_derivations[public] = KeyOrigin.from_text(FINGERPRINT,
                                                                    "m/84'/1'/0'/1/9")
    with pytest.raises(InvalidInput, match="more than the declared") as lying:
        session.run("bob", "SignPsbt", key_id=key_id, psbt=psbt.serialize())
    assert lying.value.field == "value"
    stranger = inputs.single_key_psbt(bytes.fromhex(
        "03" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"), ("p2wpkh",))
    stranger.outputs[1].bip32_derivations.clear()  # its change is not ours: declared sent
    with pytest.raises(InvalidInput) as nothing:
        session.run("bob", "SignPsbt", key_id=key_id, psbt=stranger.serialize())
    assert nothing.value.field == "psbt"
    no_utxo = inputs.single_key_psbt(public, ("p2wpkh",))
    no_utxo.inputs[0].witness_utxo = None
    with pytest.raises(InvalidInput, match=r"UTXO|utxo"):
        session.run("bob", "SignPsbt", key_id=key_id, psbt=no_utxo.serialize())
    with pytest.raises(InvalidInput) as garbage:
        session.run("bob", "SignPsbt", key_id=key_id, psbt=b"not a psbt")
    assert garbage.value.field == "psbt"
    anyone = inputs.single_key_psbt(public, ("p2wpkh",))
    anyone.inputs[0].sighash_type = 0x81  # ALL|ANYONECANPAY: not allowed by default
    with pytest.raises(CommandRejected, match=r"sighash type ALL\|ANYONECANPAY") as acp:
        session.run("bob", "SignPsbt", key_id=key_id, psbt=anyone.serialize())
    assert acp.value.field == "psbt.inputs[0].PSBT_IN_SIGHASH_TYPE"
    assert chain_events(session) == []


SIGHASH_CASES = [("p2wpkh", 0x01), ("p2wpkh", 0x02), ("p2wpkh", 0x03), ("p2wpkh", 0x81),
                 ("p2wpkh", 0x82), ("p2wpkh", 0x83), ("p2pkh", 0x02), ("p2sh-p2wpkh", 0x83),
                 ("p2tr", 0x00), ("p2tr", 0x01), ("p2tr", 0x02), ("p2tr", 0x03),
                 ("p2tr", 0x81), ("p2tr", 0x82), ("p2tr", 0x83)]


@pytest.mark.parametrize(("kind", "hash_type"), SIGHASH_CASES,
                         ids=[f"{k}-{t:#04x}" for k, t in SIGHASH_CASES])
def test_sighash_policy_allows_each_type_and_bdk_verifies_it(session: Session, kind: str,
                                                              hash_type: int) -> None:
    """A key whose policy names a sighash type signs inputs asking for it; BDK's finalizer
    (rust-miniscript's interpreter, independent of our sighash code) accepts the signature,
    which carries that type."""
    key_id = create(session, "ecdsa-secp256k1")
    public = public_key(session, key_id)
    name = SIGHASH_NAMES[hash_type]
    policy = session.run("alice", "SetChainPolicy", key_id=key_id,
                         allowed_sighash=[name]).result
    assert policy["allowed_sighash"] == [name]
    psbt = inputs.single_key_psbt(public, (kind,))
    psbt.inputs[0].sighash_type = hash_type
    signed = session.run("bob", "SignPsbt", key_id=key_id, psbt=psbt.serialize(),
                         network="testnet").result
    assert [s["sighash"] for s in signed["signed_inputs"]] == [name]
    entry = Psbt.from_base64(signed["psbt"]).inputs[0]
    found = entry.tap_key_sig if kind == "p2tr" else entry.partial_sigs[public]
    assert found is not None
    assert len(found) == 64 if hash_type == 0 else found[-1] == hash_type
    finalized, _, errors = bdk_finalize(signed["psbt"])
    assert finalized, errors
    tampered = bytearray(found)
    tampered[-2 if hash_type else -1] ^= 1
    if kind == "p2tr":
        entry.tap_key_sig = bytes(tampered)
    else:
        entry.partial_sigs[public] = bytes(tampered)
    assert not bdk_finalize(entry_psbt(signed["psbt"], entry))[0]  # BDK really checks it


def entry_psbt(base64_psbt: str, entry: Any) -> str:
    psbt = Psbt.from_base64(base64_psbt)
    psbt.inputs[0] = entry
    return psbt.to_base64()


def test_sighash_policy_refuses_other_types_and_records_why(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    public = public_key(session, key_id)
    session.run("alice", "SetChainPolicy", key_id=key_id,
                allowed_sighash=["SINGLE|ANYONECANPAY", "ALL"])
    psbt = inputs.single_key_psbt(public, ("p2wpkh", "p2tr"))
    psbt.inputs[0].sighash_type = 0x83  # allowed
    with pytest.raises(CommandRejected, match="input 1 asks for sighash type DEFAULT") as no:
        session.run("bob", "SignPsbt", key_id=key_id, psbt=psbt.serialize())  # p2tr: DEFAULT
    assert no.value.field == "psbt.inputs[1].PSBT_IN_SIGHASH_TYPE"
    assert "allowed: ALL, SINGLE|ANYONECANPAY" in str(no.value)
    store, _ = session.store()
    assert no.value.seq is not None
    recorded = open_envelope(next(iter(store.read("default", no.value.seq,
                                                  no.value.seq + 1)))).event()
    assert recorded["reason_code"] == "sighash-policy"
    assert chain_events(session) == []  # nothing signed, not even input 0
    psbt.inputs[1].sighash_type = 0x01
    signed = session.run("bob", "SignPsbt", key_id=key_id, psbt=psbt.serialize()).result
    assert [s["sighash"] for s in signed["signed_inputs"]] == ["SINGLE|ANYONECANPAY", "ALL"]
    assert bdk_finalize(signed["psbt"])[0]
    with pytest.raises(InvalidInput):
        session.run("alice", "SetChainPolicy", key_id=key_id, allowed_sighash=["ANY"])
    changes = [e for e in (open_envelope(s) for s in store.read("default"))
               if e.event_type == "KeyChainPolicySet"]
    assert changes[-1].event()["previous_sighash"] == [] and changes[-1].event()[
        "allowed_sighash"] == ["ALL", "SINGLE|ANYONECANPAY"]
    cleared = session.run("alice", "SetChainPolicy", key_id=key_id).result
    assert cleared["allowed_sighash"] == []
    with pytest.raises(CommandRejected,
                       match=r"input 0 asks for sighash type SINGLE\|ANYONECANPAY"):
        session.run("bob", "SignPsbt", key_id=key_id, psbt=psbt.serialize())  # back to default
    audit(session)


# --- Solana --------------------------------------------------------------------------------

@pytest.mark.parametrize("v0", [False, True], ids=["legacy", "v0"])
def test_solana_transaction_verified_by_solders(session: Session, v0: bool) -> None:
    key_id = create(session, "ed25519")
    public = public_key(session, key_id)
    address = read(session, "SolanaAddress", key_id=key_id)["address"]
    assert address == str(Pubkey.from_bytes(public))
    tx = inputs.solana_transfer(public, 7_500, v0=v0)
    result = session.run("bob", "SignSolanaTransaction", key_id=key_id, tx=tx,
                         cluster="devnet").result
    signed = VersionedTransaction.from_bytes(base64.b64decode(result["transaction"]))
    assert all(signed.verify_with_results())
    assert str(signed.signatures[0]) == result["signature"] and result["value"] == "7500"
    (event,) = chain_events(session)
    assert (event["family"], event["network"], event["signer"]) == ("solana", "devnet", address)
    assert event["tx_hash"] == result["signature"] and event["recipients"] == [
        str(inputs.SOL_RECIPIENT)]
    assert event["amounts"] == ["7500"] and event["asset"] == "SOL"
    assert event["signature_digests"] == [sha(bytes(Signature.from_string(
        result["signature"])))]
    audit(session)


def test_solana_refuses_a_transaction_the_key_does_not_sign(session: Session) -> None:
    key_id = create(session, "ed25519")
    other = inputs.solana_transfer(bytes(Pubkey.new_unique()))
    with pytest.raises(InvalidInput) as refused:
        session.run("bob", "SignSolanaTransaction", key_id=key_id, tx=other)
    assert refused.value.field == "tx"
    with pytest.raises(InvalidInput):
        session.run("bob", "SignSolanaTransaction", key_id=key_id, tx=b"%%%")


def test_solana_offchain_message_verified_by_solders(session: Session) -> None:
    key_id = create(session, "ed25519")
    public = public_key(session, key_id)
    result = session.run("bob", "SignSolanaMessage", key_id=key_id,
                         message=b"I own this wallet").result
    signed_bytes = base64.b64decode(result["message"])
    assert signed_bytes.endswith(b"I own this wallet")
    assert Signature.from_string(result["signature"]).verify(Pubkey.from_bytes(public),
                                                             signed_bytes)
    (event,) = chain_events(session)
    assert event["kind"] == "offchain_message" and event["digests"] == [sha(signed_bytes)]


# --- daily limit, and no secrets in the log --------------------------------------------------

def test_chain_signatures_count_towards_the_daily_limit(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1", max_signatures_per_day=1)
    session.run("bob", "SignEvmMessage", key_id=key_id, message=b"one")
    with pytest.raises(IllegalTransition, match="limit"):
        session.run("bob", "SignEvmMessage", key_id=key_id, message=b"two")


def test_no_private_key_reaches_the_log(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    tx = inputs.as_json(inputs.eip1559())
    session.run("bob", "SignEvmTransaction", key_id=key_id, tx=tx)
    secret = session.ledger().material.use(
        key_id, 1, session.ledger().key(key_id).versions[1], lambda s: bytes(s))
    store, _ = session.store()
    for stored in store.read("default"):
        event = json.dumps(open_envelope(stored).event(), default=lambda b: bytes(b).hex())
        assert secret.hex() not in event


# --- HD wallets ------------------------------------------------------------------------------

def _wallet(session: Session, curves: list[str] | None = None) -> tuple[str, str, bytes]:
    made = session.create_wallet("alice", word_count=12,
                                 curves=curves or ["secp256k1", "ed25519"]).result
    return made["wallet_id"], made["mnemonic"], bytes.fromhex(made["master_fingerprint"])


def wallet_events(session: Session) -> list[dict[str, Any]]:
    store, _ = session.store()
    return [e.event() for e in (open_envelope(s) for s in store.read("default"))
            if e.event_type == "WalletChainSignatureIssued"]


def test_wallet_evm_accounts_match_eth_accounts_own_hd_derivation(session: Session) -> None:
    wallet_id, mnemonic, _ = _wallet(session)
    Account.enable_unaudited_hdwallet_features()
    expected = Account.from_mnemonic(mnemonic, account_path="m/44'/60'/0'/0/2").address
    tx = inputs.as_json(inputs.eip1559())
    result = session.run("bob", "WalletSignEvmTransaction", wallet_id=wallet_id, index=2,
                         tx=tx).result
    assert Account.recover_transaction(result["raw"]) == expected == result["from"]
    assert (result["wallet_id"], result["paths"], result["key_id"]) == (
        wallet_id, ["m/44'/60'/0'/0/2"], None)
    signed = session.run("bob", "WalletSignEvmMessage", wallet_id=wallet_id,
                         message=b"hello").result
    first = Account.from_mnemonic(mnemonic, account_path="m/44'/60'/0'/0/0").address
    assert Account.recover_message(encode_defunct(primitive=b"hello"),
                                   signature=signed["signature"]) == first
    transaction, message = wallet_events(session)
    assert transaction["paths"] == ["m/44'/60'/0'/0/2"] and transaction["value"] == str(10**17)
    assert transaction["input_digest"] == sha(tx) and transaction["signer"] == expected
    assert message["kind"] == "personal_message"
    audit(session)


def test_wallet_solana_accounts_match_solders_derivation(session: Session) -> None:
    wallet_id, mnemonic, _ = _wallet(session)
    seed = bytes(hd.seed_from_mnemonic(hd.parse_mnemonic(mnemonic)))
    theirs = Keypair.from_seed_and_derivation_path(seed, "m/44'/501'/1'/0'")
    tx = inputs.solana_transfer(bytes(theirs.pubkey()), 1_000)
    result = session.run("bob", "WalletSignSolanaTransaction", wallet_id=wallet_id, index=1,
                         tx=tx).result
    signed = VersionedTransaction.from_bytes(base64.b64decode(result["transaction"]))
    assert all(signed.verify_with_results())
    assert result["paths"] == ["m/44'/501'/1'/0'"]
    message = session.run("bob", "WalletSignSolanaMessage", wallet_id=wallet_id, index=1,
                          message=b"gm").result
    assert message["signer"] == str(theirs.pubkey())
    assert Signature.from_string(message["signature"]).verify(
        theirs.pubkey(), base64.b64decode(message["message"]))
    (event, _) = wallet_events(session)
    assert event["public_keys"] == [bytes(theirs.pubkey())]


def test_wallet_psbt_signs_the_origins_it_names_and_bdk_finalizes(session: Session) -> None:
    wallet_id, mnemonic, fingerprint = _wallet(session)
    paths = ["m/84'/1'/0'/0/0", "m/86'/1'/0'/0/3"]
    publics = [inputs.wallet_public_key(mnemonic, "secp256k1", p) for p in paths]
    segwit = inputs.single_key_psbt(publics[0], ("p2wpkh",), origin=paths[0],
                                    fingerprint=fingerprint)
    result = session.run("bob", "WalletSignPsbt", wallet_id=wallet_id,
                         psbt=segwit.serialize(), network="testnet").result
    assert result["paths"] == [paths[0]] and result["value"] == "60000"
    finalized, bdk_tx, errors = bdk_finalize(result["psbt"])
    assert finalized, errors
    assert read(session, "FinalizePsbt", psbt=result["psbt"].encode())["tx"] == bdk_tx
    taproot = inputs.single_key_psbt(publics[1], ("p2tr",), origin=paths[1],
                                     fingerprint=fingerprint)
    signed = session.run("bob", "WalletSignPsbt", wallet_id=wallet_id,
                         psbt=taproot.serialize()).result
    assert signed["signed_inputs"][0]["script_type"] == "p2tr"
    assert bdk_finalize(signed["psbt"])[0]
    stranger = inputs.single_key_psbt(publics[0], ("p2wpkh",), origin=paths[0])
    with pytest.raises(InvalidInput, match="no input names a key") as refused:
        session.run("bob", "WalletSignPsbt", wallet_id=wallet_id, psbt=stranger.serialize())
    assert refused.value.field == "psbt"
    audit(session)


def test_wallet_without_the_chains_curve_is_refused(session: Session) -> None:
    wallet_id, _, _ = _wallet(session, ["secp256k1"])
    with pytest.raises(IllegalTransition, match="curve"):
        session.run("bob", "WalletSignSolanaMessage", wallet_id=wallet_id, message=b"m")
    assert wallet_events(session) == []


# --- chain policy --------------------------------------------------------------------------

def test_a_deployment_is_policed_as_a_recipient_and_counts_its_value(session: Session) -> None:
    """A transaction without ``to`` creates a contract: a key limited to some recipients
    signs one only if its policy names ``contract-creation``; the value is recorded."""
    key_id = create(session, "ecdsa-secp256k1")
    deploy = {**inputs.eip1559(value=10**18), "to": None, "data": "0x6080604052"}
    session.run("alice", "SetChainPolicy", key_id=key_id,
                allowed_recipients=[inputs.RECIPIENT.lower()])
    with pytest.raises(CommandRejected, match="recipient contract-creation is not allowed"):
        session.run("bob", "SignEvmTransaction", key_id=key_id, tx=inputs.as_json(deploy))
    session.run("alice", "SetChainPolicy", key_id=key_id,
                allowed_recipients=[inputs.RECIPIENT.lower(), "contract-creation"])
    signed = session.run("bob", "SignEvmTransaction", key_id=key_id,
                         tx=inputs.as_json(deploy)).result
    assert Account.recover_transaction(signed["raw"]) == signed["from"]
    (event,) = chain_events(session)
    assert event["recipients"] == ["contract-creation"] and event["amounts"] == [str(10**18)]
    audit(session)


@pytest.mark.parametrize("kind", ["create_account", "create_account_with_seed",
                                  "transfer_with_seed", "withdraw_nonce_account"])
def test_every_solana_instruction_moving_lamports_is_seen(session: Session, kind: str) -> None:
    """Built by solders' own instruction builders; our facts must name the lamports and
    their recipient, so that a recipients policy refuses them and the value is declared."""
    key_id = create(session, "ed25519")
    payer = Pubkey.from_bytes(public_key(session, key_id))
    target, owner = Pubkey.new_unique(), Pubkey.new_unique()
    builders = {
        "create_account": lambda: system_program.create_account({
            "from_pubkey": payer, "to_pubkey": target, "lamports": 10**12, "space": 0,
            "owner": owner}),
        "create_account_with_seed": lambda: system_program.create_account_with_seed({
            "from_pubkey": payer, "to_pubkey": target, "base": payer, "seed": "vault",
            "lamports": 10**12, "space": 0, "owner": owner}),
        "transfer_with_seed": lambda: system_program.transfer_with_seed({
            "from_pubkey": Pubkey.new_unique(), "from_base": payer, "from_seed": "vault",
            "from_owner": owner, "to_pubkey": target, "lamports": 10**12}),
        "withdraw_nonce_account": lambda: system_program.withdraw_nonce_account({
            "nonce_pubkey": Pubkey.new_unique(), "authorized_pubkey": payer,
            "to_pubkey": target, "lamports": 10**12}),
    }
    message = Message.new_with_blockhash([builders[kind]()], payer, inputs.BLOCKHASH)
    tx = base64.b64encode(bytes(Transaction.new_unsigned(message)))
    assert transaction_transfers(tx.decode()) == (Transfer(str(target), 10**12, "SOL"),)
    session.run("alice", "SetChainPolicy", key_id=key_id,
                allowed_recipients=[str(inputs.SOL_RECIPIENT)])
    with pytest.raises(CommandRejected, match=f"recipient {target} is not allowed"):
        session.run("bob", "SignSolanaTransaction", key_id=key_id, tx=tx, cluster="devnet")
    session.run("alice", "SetChainPolicy", key_id=key_id)
    signed = session.run("bob", "SignSolanaTransaction", key_id=key_id, tx=tx,
                         cluster="devnet").result
    assert signed["value"] == str(10**12)
    # the payer signs first; a new account's own signature (create_account) is not ours
    assert VersionedTransaction.from_bytes(
        base64.b64decode(signed["transaction"])).verify_with_results()[0] is True


def test_a_system_instruction_that_does_not_decode_is_refused() -> None:
    payer, target = Pubkey.new_unique(), Pubkey.new_unique()
    good = system_program.transfer({"from_pubkey": payer, "to_pubkey": target,
                                    "lamports": 5})
    truncated = Instruction(good.program_id, bytes(good.data)[:8], good.accounts)
    message = Message.new_with_blockhash([truncated], payer, inputs.BLOCKHASH)
    tx = base64.b64encode(bytes(Transaction.new_unsigned(message))).decode()
    with pytest.raises(InvalidInput, match="instruction 0 does not decode") as refused:
        transaction_transfers(tx)
    assert refused.value.field == "tx.message.instructions[0]"


def test_chain_policy_restricts_networks_and_recipients(session: Session) -> None:
    key_id = create(session, "ecdsa-secp256k1")
    set_to = session.run("alice", "SetChainPolicy", key_id=key_id,
                         allowed_networks=["sepolia", "base-sepolia"],
                         allowed_recipients=[inputs.RECIPIENT.lower()]).result
    assert set_to["allowed_networks"] == ["base-sepolia", "sepolia"]
    ok = session.run("bob", "SignEvmTransaction", key_id=key_id,
                     tx=inputs.as_json(inputs.eip1559())).result
    assert Account.recover_transaction(ok["raw"]) == ok["from"]
    with pytest.raises(CommandRejected, match="network 'ethereum' is not allowed") as network:
        session.run("bob", "SignEvmTransaction", key_id=key_id,
                    tx=inputs.as_json(inputs.legacy()))
    other = {**inputs.eip1559(), "to": "0x" + "12" * 20}
    with pytest.raises(CommandRejected, match="recipient") as recipient:
        session.run("bob", "SignEvmTransaction", key_id=key_id, tx=inputs.as_json(other))
    with pytest.raises(CommandRejected, match="network 'any'"):
        session.run("bob", "SignEvmMessage", key_id=key_id, message=b"not bound to a chain")
    store, _ = session.store()
    for refusal in (network.value, recipient.value):
        assert refusal.seq is not None
        stored = next(iter(store.read("default", refusal.seq, refusal.seq + 1)))
        assert open_envelope(stored).event()["reason_code"] == "chain-policy"
    assert len(chain_events(session)) == 1
    with pytest.raises(Unauthorized):
        session.run("bob", "SetChainPolicy", key_id=key_id, allowed_networks=[])
    cleared = session.run("alice", "SetChainPolicy", key_id=key_id).result
    assert cleared["allowed_networks"] == [] and cleared["allowed_recipients"] == []
    session.run("bob", "SignEvmMessage", key_id=key_id, message=b"any chain again")
    audit(session)


def test_a_transaction_above_the_value_limit_waits_for_its_quorum(session: Session) -> None:
    """The approval hook on the signed ``value``: a small transfer signs at once, a large
    one is held until two approvers approve, and then it runs (eth-account recovers it)."""
    for name in ("ann", "ben"):
        session.add_actor("admin", name, ["approver"], ["*"])
    key_id = create(session, "ecdsa-secp256k1")
    session.run("admin", "SetApprovalPolicy", command="SignEvmTransaction", approvals=2,
                when_above=str(10**18))
    small = session.run("bob", "SignEvmTransaction", key_id=key_id,
                        tx=inputs.as_json(inputs.eip1559(value=10**17)))
    assert small.status == "done"
    large_tx = inputs.as_json(inputs.eip1559(value=5 * 10**18))
    held = session.run("bob", "SignEvmTransaction", key_id=key_id, tx=large_tx)
    assert held.status == "pending" and len(chain_events(session)) == 1
    session.run("ann", "ApproveRequest", approval_id=held.approval_id)
    session.run("ben", "ApproveRequest", approval_id=held.approval_id)
    ran = session.run("bob", "SignEvmTransaction", key_id=key_id, tx=large_tx)
    assert ran.status == "done"
    assert Account.recover_transaction(ran.result["raw"]) == ran.result["from"]
    assert [e["amounts"] for e in chain_events(session)] == [[str(10**17)], [str(5 * 10**18)]]
    audit(session)
