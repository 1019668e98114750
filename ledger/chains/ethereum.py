"""Ethereum and EVM chains: EIP-55 addresses, transactions, personal_sign and EIP-712.

Requirements:

1. Addresses: the last 20 bytes of Keccak-256 of the uncompressed public key, EIP-55 mixed
   case (eth-utils).
2. Transactions in the JSON shape eth-account takes (camelCase fields, ints or ``0x`` hex):
   legacy with EIP-155 replay protection (``chainId`` required: we never sign a transaction
   that is valid on every chain), EIP-2930 (type 1) and EIP-1559 (type 2). Without a ``type``
   the type is chosen from the fields as eth-account does: ``maxFeePerGas`` or
   ``maxPriorityFeePerGas`` make it 1559, an ``accessList`` with ``gasPrice`` 2930, otherwise
   legacy. Blob (type 3) and set-code (type 4, EIP-7702 delegation) transactions are refused:
   the first needs a sidecar the ledger does not hold, the second hands the account's code
   to a contract and deserves its own policy.
3. Token calls: a transaction to a contract whose data calls ERC-20 ``transfer(address,
   uint256)``, ``transferFrom(address,address,uint256)`` or ``approve(address,uint256)`` has
   that call decoded (eth-abi, strict: zero padding, nothing after the arguments), so a
   recipient policy sees who gets the tokens or may spend them, not only the contract. Data
   with one of those selectors that does not decode exactly is refused naming ``tx.data``:
   a contract might read it differently from us.
4. Messages: EIP-191 ``personal_sign`` and EIP-712 typed data in the ``eth_signTypedData_v4``
   shape (``types``, ``primaryType``, ``domain``, ``message``) -> 65-byte ``r || s || v``
   (``v`` = 27 + recovery id) and the hash signed.

Why the split of work: eth-account (and, through it, eth-rlp/pyrlp) builds the bytes and the
hashes, because transaction encodings have many corner cases and it is the reference Python
implementation. The private key never enters it: we sign the hash with coincurve
(:func:`ledger.crypto.ecdsa_secp256k1.sign_digest_recoverable`, RFC 6979, low ``s``, recovery id)
and then let eth-account assemble the signed transaction from the unsigned fields plus
``(v, r, s)``, exactly as its own ``sign_transaction`` does after signing. Legacy transactions
are RLP-encoded with pyrlp directly, because eth-account's legacy encoder lives only in a
private module.

The EIP-191 hash is ``keccak256(0x19 || version || header || body)`` of eth-account's public
:class:`SignableMessage`; we compute it from those three fields rather than reach into a private
helper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import coincurve
import rlp
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_account.messages import SignableMessage, encode_defunct, encode_typed_data
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import is_checksum_address, to_checksum_address
from eth_utils.crypto import keccak

from ledger.chains.facts import ChainFacts, TokenCall, Transfer
from ledger.chains.keys import PrivateKey, private_key_buffer
from ledger.chains.registry import EvmChain, evm_chain
from ledger.crypto.ecdsa_secp256k1 import SECP256K1_ORDER, sign_digest_recoverable
from ledger.decimal_text import is_decimal
from ledger.errors import InvalidInput, UnsupportedAlgorithm

__all__ = [
    "CONTRACT_CREATION",
    "ETHEREUM_PATH",
    "EvmMessageSignature",
    "SignedEvmTransaction",
    "address_from_private_key",
    "address_from_public_key",
    "check_address",
    "ethereum_path",
    "sign_personal_message",
    "sign_transaction",
    "sign_typed_data",
    "token_calls",
    "transaction_value",
]

ETHEREUM_PATH = "m/44'/60'/0'/0/{index}"
"""BIP-44 path of account ``index`` (the layout MetaMask and Ledger Live use)."""

_UINT256 = 2**256
_UINT64 = 2**64
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HEX = re.compile(r"^0x([0-9a-fA-F]{2})*$")
_INT_FIELDS = ("nonce", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value",
               "chainId")
_FIELDS_BY_TYPE = {
    0: {"nonce", "gas", "gasPrice", "to", "value", "data", "chainId"},
    1: {"nonce", "gas", "gasPrice", "to", "value", "data", "chainId", "accessList"},
    2: {"nonce", "gas", "maxFeePerGas", "maxPriorityFeePerGas", "to", "value", "data",
        "chainId", "accessList"},
}
_REQUIRED_BY_TYPE = {
    0: {"nonce", "gas", "gasPrice", "chainId"},
    1: {"nonce", "gas", "gasPrice", "chainId"},
    2: {"nonce", "gas", "maxFeePerGas", "maxPriorityFeePerGas", "chainId"},
}


def ethereum_path(index: int) -> str:
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 2**31:
        raise InvalidInput("must be a whole number from 0 to 2^31-1", field="index")
    return ETHEREUM_PATH.format(index=index)


# --- addresses ------------------------------------------------------------------------------

def address_from_public_key(public_key: bytes) -> str:
    """EIP-55 address of a SEC1 (compressed or uncompressed) secp256k1 public key."""
    if not isinstance(public_key, bytes | bytearray) or len(public_key) not in (33, 65):
        raise InvalidInput("a secp256k1 public key has 33 or 65 bytes", field="public_key")
    try:
        point = coincurve.PublicKey(bytes(public_key))
    except ValueError:
        raise InvalidInput("not a point on secp256k1", field="public_key") from None
    digest = keccak(point.format(compressed=False)[1:])
    return str(to_checksum_address(digest[-20:]))


def address_from_private_key(key: PrivateKey) -> str:
    secret = private_key_buffer(key, "secp256k1")
    _check_scalar(secret)
    return address_from_public_key(coincurve.PrivateKey(bytes(secret)).public_key.format())


def check_address(value: Any, field: str) -> str:
    """A 20-byte hex address; mixed case must carry a valid EIP-55 checksum."""
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise InvalidInput("must be a 0x-prefixed 20-byte hex address", field=field)
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise InvalidInput("the EIP-55 checksum (letter case) is wrong: a typo?", field=field)
    return str(to_checksum_address(value))


def _check_scalar(secret: bytearray) -> None:
    if not 0 < int.from_bytes(secret, "big") < SECP256K1_ORDER:
        raise InvalidInput("secp256k1 private key is out of range [1, n-1]", field="private_key")


# --- results --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SignedEvmTransaction:
    """A signed transaction, ready for ``eth_sendRawTransaction``, and its public facts."""

    raw: bytes
    tx_hash: bytes
    sender: str
    tx_type: int
    signing_hash: bytes
    facts: ChainFacts

    def to_dict(self) -> dict[str, Any]:
        return {"raw": "0x" + self.raw.hex(), "hash": "0x" + self.tx_hash.hex(),
                "from": self.sender, "type": self.tx_type, "facts": self.facts.to_dict()}


@dataclass(frozen=True, slots=True)
class EvmMessageSignature:
    """``signature`` is 65 bytes ``r || s || v`` with ``v`` in {27, 28}."""

    signature: bytes
    message_hash: bytes
    signer: str
    facts: ChainFacts

    def to_dict(self) -> dict[str, Any]:
        return {"signature": "0x" + self.signature.hex(), "hash": "0x" + self.message_hash.hex(),
                "signer": self.signer, "facts": self.facts.to_dict()}


# --- transactions ---------------------------------------------------------------------------

def _int_field(value: Any, name: str, bound: int) -> int:
    if isinstance(value, bool):
        raise InvalidInput("must be an integer", field=f"tx.{name}")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"0x[0-9a-fA-F]+", text):
            value = int(text, 16)
        elif is_decimal(text):
            value = int(text)
        else:
            raise InvalidInput("must be an integer or 0x-hex string", field=f"tx.{name}")
    if not isinstance(value, int) or not 0 <= value < bound:
        raise InvalidInput(f"must be an integer from 0 to {bound - 1}", field=f"tx.{name}")
    return value


def _bytes_field(value: Any, name: str) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if not isinstance(value, str) or not _HEX.match(value):
        raise InvalidInput("must be 0x-prefixed hex with whole bytes", field=f"tx.{name}")
    return bytes.fromhex(value[2:])


def _access_list(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple):
        raise InvalidInput("must be a list of {address, storageKeys}", field="tx.accessList")
    entries = []
    for position, entry in enumerate(value):
        where = f"tx.accessList[{position}]"
        if not isinstance(entry, dict) or set(entry) != {"address", "storageKeys"}:
            raise InvalidInput("must have exactly address and storageKeys", field=where)
        keys = entry["storageKeys"]
        if not isinstance(keys, list | tuple):
            raise InvalidInput("must be a list", field=f"{where}.storageKeys")
        for k_position, key in enumerate(keys):
            if not isinstance(key, str) or not re.fullmatch(r"0x[0-9a-fA-F]{64}", key):
                raise InvalidInput("must be a 32-byte hex storage key",
                                   field=f"{where}.storageKeys[{k_position}]")
        entries.append({"address": check_address(entry["address"], f"{where}.address"),
                        "storageKeys": [k.lower() for k in keys]})
    return entries


def _transaction_type(tx: dict[str, Any]) -> int:
    if "type" in tx and tx["type"] is not None:
        kind = _int_field(tx["type"], "type", 256)
        if kind in (3, 4):
            raise UnsupportedAlgorithm(
                f"transaction type {kind} is not signed by the ledger (blob and set-code "
                "transactions need their own policy)", field="tx.type")
        if kind not in _FIELDS_BY_TYPE:
            raise InvalidInput(f"unknown transaction type {kind}", field="tx.type")
        return kind
    if "maxFeePerGas" in tx or "maxPriorityFeePerGas" in tx:
        return 2
    if "accessList" in tx:
        return 1
    return 0


def _normalize_transaction(tx: Any, chain: EvmChain | None) -> tuple[int, dict[str, Any]]:
    """Strictly checked fields, ``chainId`` settled against ``chain``; the type chosen."""
    if not isinstance(tx, dict):
        raise InvalidInput("must be a JSON object of transaction fields", field="tx")
    fields = {k: v for k, v in tx.items() if k not in ("type", "from")}
    kind = _transaction_type(tx)
    if "gasPrice" in fields and kind == 2:
        raise InvalidInput("an EIP-1559 transaction has maxFeePerGas, not gasPrice",
                           field="tx.gasPrice")
    unknown = set(fields) - _FIELDS_BY_TYPE[kind]
    if unknown:
        raise InvalidInput(f"unexpected field(s) for a type-{kind} transaction: "
                           f"{', '.join(sorted(unknown))}", field="tx")
    if chain is not None:
        if "chainId" in fields and _int_field(fields["chainId"], "chainId", _UINT64) \
                != chain.chain_id:
            raise InvalidInput(f"chainId does not match the chain {chain.name} "
                               f"({chain.chain_id})", field="tx.chainId")
        fields["chainId"] = chain.chain_id
    missing = _REQUIRED_BY_TYPE[kind] - set(fields)
    if missing:
        hint = " (we never sign a transaction that replays on every chain)" \
            if "chainId" in missing else ""
        raise InvalidInput(f"missing field(s): {', '.join(sorted(missing))}{hint}", field="tx")
    out: dict[str, Any] = {}
    for name in _INT_FIELDS:
        if name in fields:
            out[name] = _int_field(fields[name], name, _UINT64 if name in ("nonce", "chainId")
                                   else _UINT256)
    if out["chainId"] == 0:
        raise InvalidInput("chainId 0 is not a chain", field="tx.chainId")
    if kind == 2 and out["maxPriorityFeePerGas"] > out["maxFeePerGas"]:
        raise InvalidInput("maxPriorityFeePerGas exceeds maxFeePerGas",
                           field="tx.maxPriorityFeePerGas")
    to = fields.get("to")
    out["to"] = None if to in (None, "", "0x") else check_address(to, "tx.to")
    out.setdefault("value", 0)
    out["data"] = _bytes_field(fields.get("data", "0x"), "data")
    if kind in (1, 2):
        out["accessList"] = _access_list(fields.get("accessList", []))
    return kind, out


CONTRACT_CREATION = "contract-creation"
"""The recipient a deployment (no ``to``) is recorded and policed under: a key limited to
some recipients signs one only if its policy lists this name, and its value counts."""


def transaction_value(tx: Any) -> int:
    """The native value a transaction moves (wei; 0 when it names none), checked as the
    signer checks it: what a client declares and an approval policy compares."""
    if not isinstance(tx, dict):
        raise InvalidInput("must be a JSON object of transaction fields", field="tx")
    return _int_field(tx.get("value", 0), "value", _UINT256)


@dataclass(frozen=True, slots=True)
class _TokenFunction:
    """An ERC-20 function a token call may name: its ABI argument types and names, in order,
    and which argument receives (or may spend) the tokens."""

    name: str
    types: tuple[str, ...]
    arguments: tuple[str, ...]
    recipient: str

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.types)})"

    @property
    def shape(self) -> str:
        return ", ".join(f"{t} {a}" for t, a in zip(self.types, self.arguments, strict=True))


_TOKEN_FUNCTIONS = {
    bytes(function_signature_to_4byte_selector(f.signature)): f for f in (
        _TokenFunction("transfer", ("address", "uint256"), ("to", "amount"), "to"),
        _TokenFunction("transferFrom", ("address", "address", "uint256"),
                       ("from", "to", "amount"), "to"),
        _TokenFunction("approve", ("address", "uint256"), ("spender", "amount"), "spender"),
    )}


def token_calls(to: str | None, data: bytes) -> tuple[TokenCall, ...]:
    """The ERC-20 call ``data`` makes on contract ``to``, if its selector is one of
    ``transfer``, ``transferFrom`` or ``approve``; ``()`` for any other call (a policy then
    sees only the contract) and for a deployment (its data is init code, not a call).

    Why strict: a token contract compiled by an older Solidity masks an address's high bytes
    and ignores trailing data, so calldata that decodes loosely could pay someone other than
    the policy checked. Padding must be zero (eth-abi) and the data exactly the canonical
    encoding of what it decodes to (eth-abi re-encodes it), or the transaction is refused.
    """
    function = None if to is None else _TOKEN_FUNCTIONS.get(bytes(data[:4]))
    if to is None or function is None:
        return ()
    try:
        values = abi_decode(list(function.types), bytes(data[4:]), strict=True)
    except DecodingError as error:
        raise InvalidInput(f"calls ERC-20 {function.signature} but its arguments do not "
                           f"decode as ({function.shape}): {error}", field="tx.data") from None
    extra = len(data) - 4 - len(abi_encode(list(function.types), values))
    if extra:
        raise InvalidInput(f"calls ERC-20 {function.signature} with {extra} byte(s) after "
                           f"its arguments ({function.shape}); a token contract would ignore them, "
                           "so they are refused", field="tx.data")
    named = dict(zip(function.arguments, values, strict=True))
    owner = named.get("from")
    return (TokenCall(function=function.name, token=to,
                      recipient=str(to_checksum_address(named[function.recipient])),
                      amount=int(named["amount"]),
                      owner=None if owner is None else str(to_checksum_address(owner))),)


def _legacy_signing_payload(fields: dict[str, Any]) -> list[Any]:
    to = bytes.fromhex(fields["to"][2:]) if fields["to"] else b""
    return [fields["nonce"], fields["gasPrice"], fields["gas"], to, fields["value"],
            fields["data"]]


def _typed(kind: int, fields: dict[str, Any], **signature: int) -> TypedTransaction:
    payload = dict(fields, type=kind, **signature)
    if payload["to"] is None:
        payload.pop("to")
    try:
        return TypedTransaction.from_dict(payload)
    except Exception as error:  # eth-account validation: name the reason, not the value
        raise InvalidInput(f"eth-account refused the transaction: {type(error).__name__}",
                           field="tx") from None


def sign_transaction(key: PrivateKey, tx: dict[str, Any], *,
                     chain: str | int | None = None) -> SignedEvmTransaction:
    """Sign a legacy (EIP-155), EIP-2930 or EIP-1559 transaction.

    ``chain`` (registry slug or id) is optional when ``tx`` has a ``chainId`` of a known
    chain; when both are given they must agree. Unknown chain ids are refused: a policy can
    only restrict chains it can name.
    """
    registry_chain = evm_chain(chain) if chain is not None else None
    kind, fields = _normalize_transaction(tx, registry_chain)
    registry_chain = registry_chain or evm_chain(fields["chainId"])
    calls = token_calls(fields["to"], fields["data"])  # malformed: refused before signing
    secret = private_key_buffer(key, "secp256k1")
    _check_scalar(secret)
    sender = address_from_private_key(secret)
    if "from" in tx and check_address(tx["from"], "tx.from") != sender:
        raise InvalidInput("'from' is not this key's address", field="tx.from")
    if kind == 0:
        unsigned = rlp.encode([*_legacy_signing_payload(fields), fields["chainId"], 0, 0])
        signing_hash = keccak(unsigned)
        signature, recovery_id = sign_digest_recoverable(secret, signing_hash)
        v = recovery_id + 35 + 2 * fields["chainId"]
        raw = rlp.encode([*_legacy_signing_payload(fields), v,
                          int.from_bytes(signature[:32], "big"),
                          int.from_bytes(signature[32:], "big")])
    else:
        signing_hash = bytes(_typed(kind, fields).hash())
        signature, recovery_id = sign_digest_recoverable(secret, signing_hash)
        raw = bytes(_typed(kind, fields, v=recovery_id,
                           r=int.from_bytes(signature[:32], "big"),
                           s=int.from_bytes(signature[32:], "big")).encode())
    tx_hash = keccak(raw)
    transfers = (Transfer(fields["to"] or CONTRACT_CREATION, fields["value"],
                          registry_chain.currency_symbol),)
    facts = ChainFacts(family="evm", network=registry_chain.name,
                       chain_id=registry_chain.chain_id, kind="transaction", signer=sender,
                       tx_hash="0x" + tx_hash.hex(), digests=(signing_hash.hex(),),
                       transfers=transfers, token_calls=calls)
    return SignedEvmTransaction(raw=raw, tx_hash=tx_hash, sender=sender, tx_type=kind,
                                signing_hash=signing_hash, facts=facts)


# --- messages -------------------------------------------------------------------------------

def _eip191_hash(message: SignableMessage) -> bytes:
    return bytes(keccak(b"\x19" + message.version + message.header + message.body))


def _sign_message_hash(secret: bytearray, digest: bytes) -> bytes:
    signature, recovery_id = sign_digest_recoverable(secret, digest)
    return signature + bytes([27 + recovery_id])


def sign_personal_message(key: PrivateKey, message: bytes) -> EvmMessageSignature:
    """EIP-191 version ``E`` (``personal_sign``) over raw bytes."""
    if not isinstance(message, bytes | bytearray):
        raise InvalidInput("the message must be bytes", field="message")
    secret = private_key_buffer(key, "secp256k1")
    _check_scalar(secret)
    digest = _eip191_hash(encode_defunct(primitive=bytes(message)))
    signer = address_from_private_key(secret)
    facts = ChainFacts(family="evm", network="any", chain_id=None, kind="personal_message",
                       signer=signer, tx_hash=None, digests=(digest.hex(),))
    return EvmMessageSignature(_sign_message_hash(secret, digest), digest, signer, facts)


def sign_typed_data(key: PrivateKey, typed_data: dict[str, Any]) -> EvmMessageSignature:
    """EIP-712 over the ``eth_signTypedData_v4`` JSON shape.

    The facts carry the domain's ``chainId`` when it has one, and the network name when
    that chain is in the registry, so a policy restricting chains also covers typed data
    (permits and orders are chain-bound through their domain).
    """
    if not isinstance(typed_data, dict) or not {"types", "primaryType", "domain",
                                                 "message"} <= set(typed_data):
        raise InvalidInput("must have types, primaryType, domain and message",
                           field="typed_data")
    try:
        signable = encode_typed_data(full_message=typed_data)
    except Exception as error:
        raise InvalidInput(f"not valid EIP-712 typed data ({type(error).__name__})",
                           field="typed_data") from None
    secret = private_key_buffer(key, "secp256k1")
    _check_scalar(secret)
    digest = _eip191_hash(signable)
    signer = address_from_private_key(secret)
    domain = typed_data["domain"]
    chain_id = domain.get("chainId") if isinstance(domain, dict) else None
    network = "any"
    if chain_id is not None:
        chain_id = _int_field(chain_id, "chainId", _UINT64)
        network = evm_chain(chain_id).name if _known(chain_id) else f"eip155:{chain_id}"
    facts = ChainFacts(family="evm", network=network, chain_id=chain_id, kind="typed_data",
                       signer=signer, tx_hash=None, digests=(digest.hex(),))
    return EvmMessageSignature(_sign_message_hash(secret, digest), digest, signer, facts)


def _known(chain_id: int) -> bool:
    try:
        evm_chain(chain_id)
    except InvalidInput:
        return False
    return True
