"""Handlers: blockchain transactions and messages signed with ledger keys.

Each handler, in this order:

1. checks the input against the digest the actor signed (``matching_digest``), and the
   declared ``value`` against what the transaction moves, *before* any key material is
   unsealed (a transaction moving more than its command declares is refused: the declared
   value is what an approval limit compared);
2. checks the signer: a ledger key (in the command's domain, active, for signing, this actor
   allowed, under its daily limit, of the algorithm the chain signs with) or an HD wallet
   (in the command's domain, allowing the chain's curve);
3. unseals the key's current version, or the wallet's seed and the nodes at the chain's
   path, for one call of the chain signer, zeroing them however the call ends;
4. records one ``ChainSignatureIssued`` (key) or ``WalletChainSignatureIssued`` (wallet)
   event with the signer's public facts; the signed transaction is returned only after that
   event commits.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from solders.signature import Signature

from commands.handlers.lookups import key_in_chain, matching_digest, wallet_in_chain
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.chains import declared, ethereum, solana
from ledger.chains.bitcoin.addresses import address_for_key, bitcoin_path
from ledger.chains.bitcoin.psbt import Psbt
from ledger.chains.bitcoin.sighash import SIGHASH_NAMES
from ledger.chains.bitcoin.signer import (
    DEFAULT_ALLOWED_SIGHASH,
    PsbtSignature,
    SigningKey,
    sign_psbt,
    wanted_origins,
)
from ledger.chains.facts import ChainFacts
from ledger.chains.keys import PrivateKey
from ledger.chains.policy import REFUSE, ChainPolicy, check_policy
from ledger.crypto import hd
from ledger.crypto.memory import zeroize
from ledger.decimal_text import is_decimal
from ledger.domain.key import Key
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput
from ledger.recipes.wallet_material import open_seed

SECP256K1 = "ecdsa-secp256k1"
ED25519 = "ed25519"
CURVE_OF = {SECP256K1: "secp256k1", ED25519: "ed25519"}
T = TypeVar("T")
SIGHASH_TYPES = {name: value for value, name in SIGHASH_NAMES.items()}


def _declared(decision: Decision) -> int:
    text = decision.args["value"]
    if not isinstance(text, str) or not is_decimal(text):
        raise InvalidInput("must be a decimal integer", field="value")
    return int(text)


def _sha256(data: bytes | bytearray) -> bytes:
    return hashlib.sha256(data).digest()


def _facts(facts: ChainFacts, *, input_digest: bytes, signatures: Sequence[bytes],
           value: int) -> dict[str, Any]:
    """The chain fields of ``ChainSignatureIssued`` and ``WalletChainSignatureIssued``."""
    transfers = facts.transfers
    return {"family": facts.family, "network": facts.network,
            "chain_id": None if facts.chain_id is None else str(facts.chain_id),
            "kind": facts.kind, "signer": facts.signer, "tx_hash": facts.tx_hash,
            "input_digest": input_digest,
            "digests": [bytes.fromhex(d) for d in facts.digests],
            "signature_digests": [_sha256(s) for s in signatures],
            "recipients": [t.recipient for t in transfers],
            "amounts": [str(t.value) for t in transfers],
            "asset": transfers[0].asset if transfers else None,
            "value": str(value), "fee": None if facts.fee is None else str(facts.fee)}


class Source:
    """Where a chain signature's private key comes from: a ledger key's current version, or
    keys derived from a wallet's seed. Either is unsealed only inside :meth:`use`."""

    def use(self, operation: Callable[[PrivateKey], T]) -> T:
        raise NotImplementedError

    def record(self, facts: ChainFacts, *, input_digest: bytes, signatures: Sequence[bytes],
               value: int) -> dict[str, Any]:
        """Record the event; return the result's signer fields."""
        raise NotImplementedError


class KeySource(Source):
    def __init__(self, decision: Decision, algorithm: str, chain: str) -> None:
        key = key_in_chain(decision)
        key.check_can_sign(decision.command.actor_id, decision.now)
        if key.algorithm != algorithm:
            raise InvalidInput(f"{chain} signs with {algorithm} keys; key {key.key_id} is "
                               f"{key.algorithm}", field="key_id")
        self.decision, self.key, self.version = decision, key, key.current_version
        self.public_key = bytes(key.versions[self.version]["public_key"])

    def use(self, operation: Callable[[PrivateKey], T]) -> T:
        key = self.key
        return self.decision.ledger.material.use(key.key_id, self.version,
                                                 key.versions[self.version], operation)

    def record(self, facts: ChainFacts, *, input_digest: bytes, signatures: Sequence[bytes],
               value: int) -> dict[str, Any]:
        check_chain_policy(self.key, facts)
        self.key.record_chain_signature(
            actor_id=self.decision.command.actor_id, key_version=self.version,
            at=self.decision.now, facts=_facts(facts, input_digest=input_digest,
                                               signatures=signatures, value=value))
        return {"key_id": self.key.key_id, "key_version": self.version, "wallet_id": None,
                "paths": []}


def check_chain_policy(key: Key, facts: ChainFacts) -> None:
    """The key's networks and recipients, checked on the facts the signer computed; a refusal
    is recorded, and the signature made for it is dropped (it never leaves the ledger)."""
    rules = key.chain_policy
    networks, recipients = rules["allowed_networks"], rules["allowed_recipients"]
    decision = check_policy(ChainPolicy(frozenset(networks) if networks else None,
                                        frozenset(recipients) if recipients else None), facts)
    if decision.outcome == REFUSE:
        raise CommandRejected("; ".join(decision.reasons), field="key_id",
                              reason_code="chain-policy")


def allowed_sighash(key: Key) -> frozenset[int]:
    """The sighash types the key's chain policy lets its PSBT inputs ask for (by name in the
    policy); none named: the signer's default, DEFAULT and ALL."""
    names = key.chain_policy["allowed_sighash"]
    if not names:
        return DEFAULT_ALLOWED_SIGHASH
    return frozenset(SIGHASH_TYPES[name] for name in names)


class WalletSource(Source):
    """The wallet's key at one path (EVM, Solana), or at the PSBT's key origins (Bitcoin)."""

    def __init__(self, decision: Decision, curve: str, paths: Sequence[str]) -> None:
        wallet = wallet_in_chain(decision)
        if curve not in wallet.curves:
            raise IllegalTransition(f"wallet {wallet.wallet_id} does not allow curve {curve} "
                                    f"(allowed: {', '.join(wallet.curves)})", field="wallet_id",
                                    reason_code="curve")
        self.decision, self.wallet, self.curve = decision, wallet, curve
        self.paths = list(paths)
        self.public_keys: list[bytes] = []

    def use(self, operation: Callable[[PrivateKey], T]) -> T:
        return self.use_all(lambda nodes: operation(nodes[0]))

    def use_all(self, operation: Callable[[list[hd.Node]], T]) -> T:
        nodes: list[hd.Node] = []
        with open_seed(self.decision.ledger.material, self.wallet) as seed:
            try:
                nodes = [hd.derive_node(seed, self.curve, path) for path in self.paths]
                self.public_keys = [_raw_public(node) for node in nodes]
                return operation(nodes)
            finally:
                for node in nodes:
                    zeroize(node.private_key)

    def record(self, facts: ChainFacts, *, input_digest: bytes, signatures: Sequence[bytes],
               value: int) -> dict[str, Any]:
        self.wallet.record_chain_signature(
            actor_id=self.decision.command.actor_id, paths=self.paths,
            public_keys=self.public_keys, at=self.decision.now,
            facts=_facts(facts, input_digest=input_digest, signatures=signatures,
                         value=value))
        return {"key_id": None, "key_version": None, "wallet_id": self.wallet.wallet_id,
                "paths": self.paths}


def _raw_public(node: hd.Node) -> bytes:
    """SLIP-10 writes Ed25519 public keys as ``0x00 || key``; chains use the 32 bytes."""
    return node.public_key[1:] if node.curve == "ed25519" else node.public_key


def _evm_source(decision: Decision) -> Source:
    if "wallet_id" in decision.args:
        return WalletSource(decision, "secp256k1",
                            [ethereum.ethereum_path(decision.args["index"])])
    return KeySource(decision, SECP256K1, "Ethereum")


def _solana_source(decision: Decision) -> Source:
    if "wallet_id" in decision.args:
        return WalletSource(decision, "ed25519", [solana.solana_path(decision.args["index"])])
    return KeySource(decision, ED25519, "Solana")


# --- Ethereum and EVM chains ---------------------------------------------------------------

@handles("WalletSignEvmTransaction")
@handles("SignEvmTransaction")
def sign_evm_transaction(decision: Decision) -> dict[str, Any]:
    raw_tx = decision.inputs["tx"]
    digest = matching_digest(decision, "tx_digest", raw_tx)
    tx = declared.json_document(raw_tx, "tx")
    value = ethereum.transaction_value(tx)
    if value != _declared(decision):
        raise InvalidInput(f"the transaction moves {value} wei, not the declared value",
                           field="value")
    source = _evm_source(decision)
    network = decision.args.get("network")
    signed = source.use(lambda secret: ethereum.sign_transaction(secret, tx, chain=network))
    who = source.record(signed.facts, input_digest=digest, signatures=[signed.raw],
                        value=value)
    chain_id = signed.facts.chain_id
    assert chain_id is not None
    return {**who, "raw": "0x" + signed.raw.hex(), "hash": "0x" + signed.tx_hash.hex(),
            "from": signed.sender, "type": signed.tx_type, "chain_id": chain_id,
            "network": signed.facts.network, "value": str(value)}


def _evm_signature(source: Source, signed: ethereum.EvmMessageSignature,
                   digest: bytes) -> dict[str, Any]:
    who = source.record(signed.facts, input_digest=digest, signatures=[signed.signature],
                        value=0)
    return {**who, "signature": "0x" + signed.signature.hex(),
            "hash": "0x" + signed.message_hash.hex(), "signer": signed.signer}


@handles("WalletSignEvmMessage")
@handles("SignEvmMessage")
def sign_evm_message(decision: Decision) -> dict[str, Any]:
    message = bytes(decision.inputs["message"])
    digest = matching_digest(decision, "message_digest", message)
    source = _evm_source(decision)
    signed = source.use(lambda secret: ethereum.sign_personal_message(secret, message))
    return _evm_signature(source, signed, digest)


@handles("WalletSignEvmTypedData")
@handles("SignEvmTypedData")
def sign_evm_typed_data(decision: Decision) -> dict[str, Any]:
    raw = decision.inputs["typed_data"]
    digest = matching_digest(decision, "typed_data_digest", raw)
    typed = declared.json_document(raw, "typed_data")
    source = _evm_source(decision)
    signed = source.use(lambda secret: ethereum.sign_typed_data(secret, typed))
    return _evm_signature(source, signed, digest)


# --- Bitcoin --------------------------------------------------------------------------------

def _check_outgoing(psbt: Psbt, public_keys: Sequence[bytes], claimed: int) -> int:
    outgoing = declared.psbt_outgoing_value(psbt, public_keys)
    if outgoing > claimed:
        raise InvalidInput(f"the PSBT pays {outgoing} sat to others, more than the declared "
                           f"{claimed} (an output marked as the wallet's own does not pay "
                           "this key)", field="value")
    return outgoing


def _psbt_result(source: Source, signed: PsbtSignature, digest: bytes,
                 outgoing: int) -> dict[str, Any]:
    signatures = []
    for item in signed.signed_inputs:
        entry = signed.psbt.inputs[item.index]
        found = entry.partial_sigs.get(bytes.fromhex(item.public_key)) or entry.tap_key_sig
        assert found is not None
        signatures.append(found)
    who = source.record(signed.facts, input_digest=digest, signatures=signatures,
                        value=outgoing)
    fee = signed.facts.fee
    return {**who, "psbt": signed.psbt.to_base64(),
            "signed_inputs": [s.to_dict() for s in signed.signed_inputs],
            "txid": signed.facts.tx_hash, "value": str(outgoing),
            "fee": None if fee is None else str(fee)}


def _psbt_input(decision: Decision) -> tuple[Psbt, bytes, int]:
    raw = decision.inputs["psbt"]
    digest = matching_digest(decision, "psbt_digest", raw)
    psbt = declared.read_psbt(raw)
    claimed = _declared(decision)
    if declared.psbt_declared_value(raw) != claimed:
        raise InvalidInput("the declared value is not the PSBT's unmarked outputs",
                           field="value")
    return psbt, digest, claimed


@handles("SignPsbt")
def sign_psbt_(decision: Decision) -> dict[str, Any]:
    psbt, digest, claimed = _psbt_input(decision)
    source = KeySource(decision, SECP256K1, "Bitcoin")
    outgoing = _check_outgoing(psbt, [source.public_key], claimed)
    network = decision.args["network"]
    allowed = allowed_sighash(source.key)
    signed = source.use(lambda secret: sign_psbt(
        psbt, SigningKey.from_private(secret), network_name=network, allowed_sighash=allowed))
    return _psbt_result(source, signed, digest, outgoing)


@handles("WalletSignPsbt")
def wallet_sign_psbt(decision: Decision) -> dict[str, Any]:
    """The wallet derives exactly the key origins the PSBT names under its master
    fingerprint (BIP-32 and taproot derivation fields) and signs with all of them."""
    psbt, digest, claimed = _psbt_input(decision)
    wallet = wallet_in_chain(decision)
    origins = wanted_origins(psbt, wallet.master_fingerprint)
    if not origins:
        raise InvalidInput(f"no input names a key of wallet {wallet.wallet_id} (master "
                           f"fingerprint {wallet.master_fingerprint.hex()})", field="psbt")
    source = WalletSource(decision, "secp256k1", [o.path_text for o in origins])
    network = decision.args["network"]

    def sign_all(nodes: list[hd.Node]) -> tuple[PsbtSignature, int]:
        keys = [SigningKey.from_node(n, wallet.master_fingerprint) for n in nodes]
        outgoing = _check_outgoing(psbt, [k.public_key for k in keys], claimed)
        return sign_psbt(psbt, keys, network_name=network), outgoing

    signed, outgoing = source.use_all(sign_all)
    return _psbt_result(source, signed, digest, outgoing)


# --- Solana ---------------------------------------------------------------------------------

@handles("WalletSignSolanaTransaction")
@handles("SignSolanaTransaction")
def sign_solana_transaction(decision: Decision) -> dict[str, Any]:
    raw = decision.inputs["tx"]
    digest = matching_digest(decision, "tx_digest", raw)
    text = declared.solana_text(raw)
    value = declared.solana_value(raw)
    if value != _declared(decision):
        raise InvalidInput(f"the transaction moves {value} lamports, not the declared value",
                           field="value")
    source = _solana_source(decision)
    cluster = decision.args["cluster"]
    signed = source.use(lambda secret: solana.sign_transaction(secret, text, cluster=cluster))
    who = source.record(signed.facts, input_digest=digest,
                        signatures=[bytes(Signature.from_string(signed.signature))],
                        value=value)
    return {**who, "transaction": base64.b64encode(signed.transaction).decode("ascii"),
            "signature": signed.signature, "value": str(value)}


@handles("WalletSignSolanaMessage")
@handles("SignSolanaMessage")
def sign_solana_message(decision: Decision) -> dict[str, Any]:
    message = bytes(decision.inputs["message"])
    digest = matching_digest(decision, "message_digest", message)
    source = _solana_source(decision)
    signed = source.use(lambda secret: solana.sign_offchain_message(secret, message))
    who = source.record(signed.facts, input_digest=digest,
                        signatures=[bytes(Signature.from_string(signed.signature))], value=0)
    return {**who, "signature": signed.signature, "signer": signed.facts.signer,
            "message": base64.b64encode(signed.message).decode("ascii")}


# --- wallet addresses ------------------------------------------------------------------------

def _wallet_address(decision: Decision, curve: str, path: str, family: str, network: str,
                    kind: str, address_of: Callable[[bytes], str]) -> dict[str, Any]:
    """Derive the node at ``path`` (the seed is unsealed for this only), record the address
    it gives, and return it: the same path the wallet's signing commands use."""
    source = WalletSource(decision, curve, [path])
    source.use_all(lambda nodes: None)
    public = source.public_keys[0]
    address = address_of(public)
    source.wallet.record_chain_address(actor_id=decision.command.actor_id, family=family,
                                       network=network, type=kind, path=path,
                                       public_key=public, address=address, at=decision.now)
    return {"wallet_id": source.wallet.wallet_id, "path": path, "family": family,
            "network": network, "type": kind, "address": address, "public_key": public.hex()}


@handles("WalletEvmAddress")
def wallet_evm_address(decision: Decision) -> dict[str, Any]:
    return _wallet_address(decision, "secp256k1", ethereum.ethereum_path(decision.args["index"]),
                           "evm", "any", "eip55", ethereum.address_from_public_key)


@handles("WalletBitcoinAddress")
def wallet_bitcoin_address(decision: Decision) -> dict[str, Any]:
    args = decision.args
    kind, network = args["type"], args["network"]
    return _wallet_address(decision, "secp256k1",
                           bitcoin_path(kind, network, index=args["index"]), "bitcoin",
                           network, kind, lambda public: address_for_key(public, kind, network))


@handles("WalletSolanaAddress")
def wallet_solana_address(decision: Decision) -> dict[str, Any]:
    return _wallet_address(decision, "ed25519", solana.solana_path(decision.args["index"]),
                           "solana", "any", "base58", solana.address_from_public_key)


# --- policy ---------------------------------------------------------------------------------

@handles("SetChainPolicy")
def set_chain_policy(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    networks = sorted(set(decision.args["allowed_networks"]))
    recipients = sorted(set(decision.args["allowed_recipients"]))
    sighash = sorted(set(decision.args["allowed_sighash"]), key=SIGHASH_TYPES.__getitem__)
    key.set_chain_policy(actor_id=decision.command.actor_id, allowed_networks=networks,
                         allowed_recipients=recipients, allowed_sighash=sighash,
                         at=decision.now)
    return {"key_id": key.key_id, "allowed_networks": networks,
            "allowed_recipients": recipients, "allowed_sighash": sighash}
