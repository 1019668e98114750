"""Handlers: blockchain transactions and messages signed with ledger keys.

Each handler, in this order:

1. checks the input against the digest the actor signed (``matching_digest``), and the
   declared ``value`` against what the transaction moves, *before* any key material is
   unsealed (a transaction moving more than its command declares is refused: the declared
   value is what an approval limit compared);
2. checks the key: in the command's domain, active, for signing, this actor allowed, under
   its daily limit, and of the algorithm the chain signs with;
3. unseals the current version for one call of the chain signer
   (:meth:`ledger.recipes.key_material.KeyMaterial.use` zeroes it however the call ends);
4. records one ``ChainSignatureIssued`` event with the signer's public facts; the signed
   transaction is returned only after that event commits.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from solders.signature import Signature

from commands.handlers.lookups import key_in_chain, matching_digest
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.chains import declared, ethereum, solana
from ledger.chains.bitcoin.signer import SigningKey, sign_psbt
from ledger.chains.facts import ChainFacts
from ledger.domain.key import Key
from ledger.errors import InvalidInput

SECP256K1 = "ecdsa-secp256k1"
ED25519 = "ed25519"
T = TypeVar("T")


def _signing_key(decision: Decision, algorithm: str, chain: str) -> tuple[Key, int]:
    key = key_in_chain(decision)
    key.check_can_sign(decision.command.actor_id, decision.now)
    if key.algorithm != algorithm:
        raise InvalidInput(f"{chain} signs with {algorithm} keys; key {key.key_id} is "
                           f"{key.algorithm}", field="key_id")
    return key, key.current_version


def _with_secret(decision: Decision, key: Key, version: int,
                 operation: Callable[[bytearray], T]) -> T:
    return decision.ledger.material.use(key.key_id, version, key.versions[version], operation)


def _declared(decision: Decision) -> int:
    text = decision.args["value"]
    if not isinstance(text, str) or not text.isdigit():
        raise InvalidInput("must be a decimal integer", field="value")
    return int(text)


def _sha256(data: bytes | bytearray) -> bytes:
    return hashlib.sha256(data).digest()


def _record(decision: Decision, key: Key, version: int, facts: ChainFacts, *,
            input_digest: bytes, signatures: Sequence[bytes], value: int) -> None:
    transfers = facts.transfers
    key.record_chain_signature(
        actor_id=decision.command.actor_id, key_version=version, at=decision.now, facts={
            "family": facts.family, "network": facts.network,
            "chain_id": None if facts.chain_id is None else str(facts.chain_id),
            "kind": facts.kind, "signer": facts.signer, "tx_hash": facts.tx_hash,
            "input_digest": input_digest,
            "digests": [bytes.fromhex(d) for d in facts.digests],
            "signature_digests": [_sha256(s) for s in signatures],
            "recipients": [t.recipient for t in transfers],
            "amounts": [str(t.value) for t in transfers],
            "asset": transfers[0].asset if transfers else None,
            "value": str(value), "fee": None if facts.fee is None else str(facts.fee)})


# --- Ethereum and EVM chains ---------------------------------------------------------------

@handles("SignEvmTransaction")
def sign_evm_transaction(decision: Decision) -> dict[str, Any]:
    raw_tx = decision.inputs["tx"]
    digest = matching_digest(decision, "tx_digest", raw_tx)
    tx = declared.json_document(raw_tx, "tx")
    value = ethereum.transaction_value(tx)
    if value != _declared(decision):
        raise InvalidInput(f"the transaction moves {value} wei, not the declared value",
                           field="value")
    key, version = _signing_key(decision, SECP256K1, "Ethereum")
    network = decision.args.get("network")
    signed = _with_secret(decision, key, version,
                          lambda secret: ethereum.sign_transaction(secret, tx, chain=network))
    _record(decision, key, version, signed.facts, input_digest=digest,
            signatures=[signed.raw], value=value)
    chain_id = signed.facts.chain_id
    assert chain_id is not None
    return {"key_id": key.key_id, "key_version": version, "raw": "0x" + signed.raw.hex(),
            "hash": "0x" + signed.tx_hash.hex(), "from": signed.sender,
            "type": signed.tx_type, "chain_id": chain_id, "network": signed.facts.network,
            "value": str(value)}


def _evm_signature(decision: Decision, key: Key, version: int,
                   signed: ethereum.EvmMessageSignature, digest: bytes) -> dict[str, Any]:
    _record(decision, key, version, signed.facts, input_digest=digest,
            signatures=[signed.signature], value=0)
    return {"key_id": key.key_id, "key_version": version,
            "signature": "0x" + signed.signature.hex(),
            "hash": "0x" + signed.message_hash.hex(), "signer": signed.signer}


@handles("SignEvmMessage")
def sign_evm_message(decision: Decision) -> dict[str, Any]:
    message = bytes(decision.inputs["message"])
    digest = matching_digest(decision, "message_digest", message)
    key, version = _signing_key(decision, SECP256K1, "Ethereum")
    signed = _with_secret(decision, key, version,
                          lambda secret: ethereum.sign_personal_message(secret, message))
    return _evm_signature(decision, key, version, signed, digest)


@handles("SignEvmTypedData")
def sign_evm_typed_data(decision: Decision) -> dict[str, Any]:
    raw = decision.inputs["typed_data"]
    digest = matching_digest(decision, "typed_data_digest", raw)
    typed = declared.json_document(raw, "typed_data")
    key, version = _signing_key(decision, SECP256K1, "Ethereum")
    signed = _with_secret(decision, key, version,
                          lambda secret: ethereum.sign_typed_data(secret, typed))
    return _evm_signature(decision, key, version, signed, digest)


# --- Bitcoin --------------------------------------------------------------------------------

@handles("SignPsbt")
def sign_psbt_(decision: Decision) -> dict[str, Any]:
    raw = decision.inputs["psbt"]
    digest = matching_digest(decision, "psbt_digest", raw)
    psbt = declared.read_psbt(raw)
    claimed = _declared(decision)
    if declared.psbt_declared_value(raw) != claimed:
        raise InvalidInput("the declared value is not the PSBT's unmarked outputs",
                           field="value")
    key, version = _signing_key(decision, SECP256K1, "Bitcoin")
    public_key = bytes(key.versions[version]["public_key"])
    outgoing = declared.psbt_outgoing_value(psbt, [public_key])
    if outgoing > claimed:
        raise InvalidInput(f"the PSBT pays {outgoing} sat to others, more than the declared "
                           f"{claimed} (an output marked as the wallet's own does not pay "
                           "this key)", field="value")
    network = decision.args["network"]
    signed = _with_secret(decision, key, version, lambda secret: sign_psbt(
        psbt, SigningKey.from_private(secret), network_name=network))
    signatures = []
    for item in signed.signed_inputs:
        entry = signed.psbt.inputs[item.index]
        found = entry.partial_sigs.get(bytes.fromhex(item.public_key)) or entry.tap_key_sig
        assert found is not None
        signatures.append(found)
    _record(decision, key, version, signed.facts, input_digest=digest,
            signatures=signatures, value=outgoing)
    fee = signed.facts.fee
    return {"key_id": key.key_id, "key_version": version, "psbt": signed.psbt.to_base64(),
            "signed_inputs": [s.to_dict() for s in signed.signed_inputs],
            "txid": signed.facts.tx_hash, "value": str(outgoing),
            "fee": None if fee is None else str(fee)}


# --- Solana ---------------------------------------------------------------------------------

@handles("SignSolanaTransaction")
def sign_solana_transaction(decision: Decision) -> dict[str, Any]:
    raw = decision.inputs["tx"]
    digest = matching_digest(decision, "tx_digest", raw)
    text = declared.solana_text(raw)
    value = declared.solana_value(raw)
    if value != _declared(decision):
        raise InvalidInput(f"the transaction moves {value} lamports, not the declared value",
                           field="value")
    key, version = _signing_key(decision, ED25519, "Solana")
    cluster = decision.args["cluster"]
    signed = _with_secret(decision, key, version, lambda secret: solana.sign_transaction(
        secret, text, cluster=cluster))
    _record(decision, key, version, signed.facts, input_digest=digest,
            signatures=[bytes(Signature.from_string(signed.signature))], value=value)
    return {"key_id": key.key_id, "key_version": version,
            "transaction": base64.b64encode(signed.transaction).decode("ascii"),
            "signature": signed.signature, "value": str(value)}


@handles("SignSolanaMessage")
def sign_solana_message(decision: Decision) -> dict[str, Any]:
    message = bytes(decision.inputs["message"])
    digest = matching_digest(decision, "message_digest", message)
    key, version = _signing_key(decision, ED25519, "Solana")
    signed = _with_secret(decision, key, version,
                          lambda secret: solana.sign_offchain_message(secret, message))
    _record(decision, key, version, signed.facts, input_digest=digest,
            signatures=[bytes(Signature.from_string(signed.signature))], value=0)
    return {"key_id": key.key_id, "key_version": version, "signature": signed.signature,
            "signer": signed.facts.signer,
            "message": base64.b64encode(signed.message).decode("ascii")}
