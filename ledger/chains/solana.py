"""Solana: base58 addresses, transaction signing (legacy and v0), off-chain messages.

Requirements:

1. An address is the base58 of the 32-byte Ed25519 public key of a ledger key or of a
   SLIP-10 wallet account ``m/44'/501'/i'/0'`` (the Phantom / Solana CLI layout).
2. A transaction arrives as base64 wire bytes (what wallets and RPC ``simulateTransaction``
   use). It must parse with solders and re-serialise to the same bytes (no non-canonical
   encodings slip through). The key signs only where it is one of the message's required
   signers; the other signers' signatures are kept. Legacy messages are signed as they are;
   v0 messages are signed with their ``0x80`` version prefix
   (``solders.message.to_bytes_versioned``; ``bytes(MessageV0)`` lacks it).
3. Off-chain messages follow the Solana off-chain message signing spec, version 0
   (``"\\xffsolana offchain"``, application domain, format chosen from the content, signer
   list, length): their signatures can never be valid transaction signatures, because
   ``0xff`` cannot start a transaction message.
4. Facts: the fee payer, the transaction id (the first signature) when known, and the
   System Program transfers (recipient, lamports) the message contains.

Why pynacl for the signature and solders for the bytes: Ed25519 is the ledger's own scheme
(:mod:`ledger.crypto.ed25519`, libsodium); solders (Solana's Rust SDK types) does the wire
format. Ed25519 signs the message itself (no pre-hash), so there is no digest to confuse;
the facts record SHA-256 of the signed message for the audit trail.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solders import system_program
from solders.instruction import AccountMeta, Instruction
from solders.message import Message, MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from ledger.chains.facts import ChainFacts, Transfer
from ledger.chains.keys import PrivateKey, private_key_buffer
from ledger.crypto.ed25519 import SCHEME as ED25519
from ledger.errors import InvalidInput

__all__ = [
    "CLUSTERS",
    "OFFCHAIN_SIGNING_DOMAIN",
    "SOLANA_PATH",
    "SignedSolanaMessage",
    "SignedSolanaTransaction",
    "address_from_private_key",
    "address_from_public_key",
    "offchain_message",
    "sign_offchain_message",
    "sign_transaction",
    "solana_path",
    "transaction_transfers",
]

SOLANA_PATH = "m/44'/501'/{index}'/0'"
CLUSTERS = ("mainnet-beta", "devnet", "testnet", "localnet")
OFFCHAIN_SIGNING_DOMAIN = b"\xffsolana offchain"
_SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
_LEDGER_LIMIT = 1232  # formats 0 and 1: preamble + message within one packet
_EXTENDED_LIMIT = 0xFFFF


def solana_path(index: int) -> str:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 2**31:
        raise InvalidInput("must be a whole number from 0 to 2^31-1", field="index")
    return SOLANA_PATH.format(index=index)


def _public_key(key: PrivateKey) -> bytes:
    return ED25519.public_key(private_key_buffer(key, "ed25519"))


def address_from_public_key(public_key: bytes) -> str:
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != 32:
        raise InvalidInput("an Ed25519 public key has 32 bytes", field="public_key")
    return str(Pubkey.from_bytes(bytes(public_key)))


def address_from_private_key(key: PrivateKey) -> str:
    return address_from_public_key(_public_key(key))


def _check_cluster(cluster: str) -> str:
    if cluster not in CLUSTERS:
        raise InvalidInput(f"must be one of {', '.join(CLUSTERS)}", field="cluster")
    return cluster


@dataclass(frozen=True, slots=True)
class SignedSolanaTransaction:
    transaction: bytes
    signature: str
    facts: ChainFacts

    def to_dict(self) -> dict[str, Any]:
        return {"transaction": base64.b64encode(self.transaction).decode("ascii"),
                "signature": self.signature, "facts": self.facts.to_dict()}


@dataclass(frozen=True, slots=True)
class SignedSolanaMessage:
    message: bytes
    """The full off-chain message (preamble and body) that was signed."""
    signature: str
    facts: ChainFacts

    def to_dict(self) -> dict[str, Any]:
        return {"message": base64.b64encode(self.message).decode("ascii"),
                "signature": self.signature, "facts": self.facts.to_dict()}


def _decode_wire(tx_base64: str) -> tuple[bytes, VersionedTransaction]:
    if not isinstance(tx_base64, str):
        raise InvalidInput("must be base64 text", field="tx")
    try:
        raw = base64.b64decode(tx_base64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("not valid base64", field="tx") from None
    try:
        tx = VersionedTransaction.from_bytes(raw)
    except Exception as error:
        raise InvalidInput(f"not a Solana wire transaction ({type(error).__name__})",
                           field="tx") from None
    if bytes(tx) != raw:
        raise InvalidInput("the wire bytes are not in canonical form", field="tx")
    try:
        tx.sanitize()
    except Exception:
        raise InvalidInput("the message is inconsistent (solders sanitize failed)",
                           field="tx") from None
    return raw, tx


_LAMPORT_MOVES: dict[int, tuple[Callable[[Instruction], Any], str]] = {
    0: (system_program.decode_create_account, "to_pubkey"),
    2: (system_program.decode_transfer, "to_pubkey"),
    3: (system_program.decode_create_account_with_seed, "to_pubkey"),
    5: (system_program.decode_withdraw_nonce_account, "to_pubkey"),
    11: (system_program.decode_transfer_with_seed, "to_pubkey"),
    13: (system_program.decode_create_account_allow_prefund, "new_account"),
}
"""The System Program instructions that move lamports (by their bincode tag), decoded with
solders' own decoders, and the field naming where the lamports go. Why every one of them:
a policy or a declared value that saw only ``Transfer`` would let a CreateAccount or a
TransferWithSeed move funds unseen."""


def _account(keys: list[Pubkey], index: int) -> Pubkey:
    """The static key at ``index``, or a stand-in for an address-lookup-table entry (v0)."""
    if index < len(keys):
        return keys[index]
    return Pubkey.from_bytes(_LOOKUP_MARK + index.to_bytes(4, "big"))


_LOOKUP_MARK = b"\xff" * 28


def _recipient(pubkey: Pubkey) -> str:
    raw = bytes(pubkey)
    if raw.startswith(_LOOKUP_MARK):
        return f"lookup:{int.from_bytes(raw[28:], 'big')}"
    return str(pubkey)


def _transfers(message: Message | MessageV0) -> tuple[Transfer, ...]:
    keys = list(message.account_keys)
    found = []
    for position, instruction in enumerate(message.instructions):
        if instruction.program_id_index >= len(keys) \
                or keys[instruction.program_id_index] != _SYSTEM_PROGRAM:
            continue
        data = bytes(instruction.data)
        move = _LAMPORT_MOVES.get(int.from_bytes(data[:4], "little")) if len(data) >= 4 \
            else None
        if move is None:
            continue
        decode, to_field = move
        accounts = [AccountMeta(_account(keys, i), is_signer=False, is_writable=False)
                    for i in bytes(instruction.accounts)]
        try:
            decoded = decode(Instruction(_SYSTEM_PROGRAM, data, accounts))
        except Exception:  # solders' decoders raise ValueError or IndexError: name the place
            raise InvalidInput(f"System Program instruction {position} does not decode",
                               field=f"tx.message.instructions[{position}]") from None
        found.append(Transfer(_recipient(decoded[to_field]), int(decoded["lamports"]), "SOL"))
    return tuple(found)


def transaction_transfers(tx_base64: str) -> tuple[Transfer, ...]:
    """The lamports a wire transaction's System Program instructions move, and to whom
    (what a client declares)."""
    _, tx = _decode_wire(tx_base64)
    message = tx.message
    if not isinstance(message, Message | MessageV0):
        raise InvalidInput("only legacy and v0 messages are signed", field="tx")
    return _transfers(message)


def sign_transaction(key: PrivateKey, tx_base64: str, *,
                     cluster: str = "mainnet-beta") -> SignedSolanaTransaction:
    """Add this key's signature where it is a required signer; keep the others."""
    _check_cluster(cluster)
    _, tx = _decode_wire(tx_base64)
    message = tx.message
    if not isinstance(message, Message | MessageV0):
        raise InvalidInput("only legacy and v0 messages are signed", field="tx")
    public = _public_key(key)
    signer = Pubkey.from_bytes(public)
    required = message.header.num_required_signatures
    keys = list(message.account_keys)
    positions = [i for i in range(min(required, len(keys))) if keys[i] == signer]
    if not positions:
        raise InvalidInput(f"{signer} is not a required signer of this transaction",
                           field="tx")
    signed_bytes = to_bytes_versioned(message) if isinstance(message, MessageV0) \
        else bytes(message)
    signature = Signature.from_bytes(ED25519.sign(private_key_buffer(key, "ed25519"),
                                                  signed_bytes))
    signatures = list(tx.signatures)
    for position in positions:
        signatures[position] = signature
    signed = VersionedTransaction.populate(message, signatures)
    first = signatures[0]
    tx_id = None if first == Signature.default() else str(first)
    facts = ChainFacts(family="solana", network=cluster, chain_id=None, kind="transaction",
                       signer=str(signer), tx_hash=tx_id,
                       digests=(hashlib.sha256(signed_bytes).hexdigest(),),
                       transfers=_transfers(message))
    return SignedSolanaTransaction(bytes(signed), str(signature), facts)


def offchain_message(message: bytes, signers: list[bytes], *,
                     application_domain: bytes = bytes(32)) -> bytes:
    """The v0 off-chain message: domain, version 0, app domain, format, signers, body."""
    if not isinstance(message, bytes | bytearray) or not message:
        raise InvalidInput("the message must be non-empty bytes", field="message")
    if len(application_domain) != 32:
        raise InvalidInput("the application domain has 32 bytes", field="application_domain")
    if not 1 <= len(signers) <= 255 or any(len(s) != 32 for s in signers):
        raise InvalidInput("1 to 255 signers of 32 bytes each", field="signers")
    body = bytes(message)
    total = len(OFFCHAIN_SIGNING_DOMAIN) + 37 + 32 * len(signers) + len(body)
    try:
        text_ok = body.decode("utf-8") is not None
    except UnicodeDecodeError:
        text_ok = False
    if total <= _LEDGER_LIMIT and all(0x20 <= c <= 0x7E for c in body):
        message_format = 0  # restricted ASCII
    elif total <= _LEDGER_LIMIT and text_ok:
        message_format = 1  # limited UTF-8
    elif total <= _EXTENDED_LIMIT and text_ok:
        message_format = 2  # extended UTF-8
    elif not text_ok:
        raise InvalidInput("off-chain messages must be UTF-8 text", field="message")
    else:
        raise InvalidInput(f"the message is too long ({total} > {_EXTENDED_LIMIT} bytes with "
                           "its preamble)", field="message")
    return b"".join([OFFCHAIN_SIGNING_DOMAIN, b"\x00", bytes(application_domain),
                     bytes([message_format, len(signers)]), *signers,
                     len(body).to_bytes(2, "little"), body])


def sign_offchain_message(key: PrivateKey, message: bytes, *,
                          application_domain: bytes = bytes(32)) -> SignedSolanaMessage:
    """Sign ``message`` as a single-signer v0 off-chain message."""
    public = _public_key(key)
    full = offchain_message(message, [public], application_domain=application_domain)
    signature = ED25519.sign(private_key_buffer(key, "ed25519"), full)
    facts = ChainFacts(family="solana", network="any", chain_id=None, kind="offchain_message",
                       signer=address_from_public_key(public), tx_hash=None,
                       digests=(hashlib.sha256(full).hexdigest(),))
    return SignedSolanaMessage(full, str(Signature.from_bytes(signature)), facts)
