"""Bitcoin addresses: P2PKH, P2SH-P2WPKH, P2WPKH and P2TR (BIP-86 key path).

Requirements:

1. From a compressed secp256k1 public key (a ledger key or a wallet node) to the output
   script and the address, for ``mainnet``, ``testnet`` (also signet: same encodings) and
   ``regtest``.
2. From any standard output script back to its address, and from an address to its script,
   refusing an address of another network: what the signer needs to show recipients and
   what a policy needs to compare them.
3. P2TR outputs commit to ``Q = P + H_TapTweak(x(P))*G`` with no script tree (BIP-86), so a
   key-path-only wallet cannot be made to commit to a hidden script.

Base58Check and bech32/bech32m come from ``bip_utils`` (already a dependency, used by the
HD wallet module); the scripts and the taproot tweak are ours, checked by the BIP-84, BIP-86
and BIP-341 vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import coincurve
from bip_utils import Base58Decoder, Base58Encoder, SegwitBech32Decoder, SegwitBech32Encoder

from ledger.chains.bitcoin.encoding import (
    classify_script,
    hash160,
    p2pkh_script,
    p2sh_script,
    p2tr_script,
    p2wpkh_script,
    p2wsh_script,
)
from ledger.chains.bitcoin.taproot import output_key, x_only
from ledger.chains.keys import PrivateKey, private_key_buffer
from ledger.errors import InvalidInput

__all__ = [
    "ADDRESS_TYPES",
    "NETWORKS",
    "Network",
    "address_for_key",
    "address_from_script",
    "bitcoin_path",
    "network",
    "output_script",
    "public_key_of",
    "script_from_address",
]

ADDRESS_TYPES = ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr")
_PURPOSES = {"p2pkh": 44, "p2sh-p2wpkh": 49, "p2wpkh": 84, "p2tr": 86}


@dataclass(frozen=True, slots=True)
class Network:
    name: str
    hrp: str
    p2pkh_version: int
    p2sh_version: int
    coin_type: int


NETWORKS = {
    "mainnet": Network("mainnet", "bc", 0x00, 0x05, 0),
    "testnet": Network("testnet", "tb", 0x6F, 0xC4, 1),
    "regtest": Network("regtest", "bcrt", 0x6F, 0xC4, 1),
}


def network(name: str) -> Network:
    found = NETWORKS.get(name)
    if found is None:
        raise InvalidInput(f"must be one of {', '.join(NETWORKS)}", field="network")
    return found


def _compressed(public_key: bytes) -> bytes:
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != 33 \
            or public_key[0] not in (2, 3):
        raise InvalidInput("a compressed (33-byte) secp256k1 public key is needed (segwit "
                           "forbids uncompressed keys)", field="public_key")
    try:
        coincurve.PublicKey(bytes(public_key))
    except ValueError:
        raise InvalidInput("not a point on secp256k1", field="public_key") from None
    return bytes(public_key)


def public_key_of(key: PrivateKey) -> bytes:
    """The compressed public key of a private key buffer or wallet node."""
    secret = private_key_buffer(key, "secp256k1")
    try:
        point: bytes = coincurve.PrivateKey(bytes(secret)).public_key.format(compressed=True)
    except ValueError:
        raise InvalidInput("secp256k1 private key is out of range", field="private_key") \
            from None
    return point


def output_script(public_key: bytes, kind: str) -> bytes:
    """The scriptPubKey a single key is paid to under address type ``kind``."""
    key = _compressed(public_key)
    if kind == "p2pkh":
        return p2pkh_script(hash160(key))
    if kind == "p2wpkh":
        return p2wpkh_script(hash160(key))
    if kind == "p2sh-p2wpkh":
        return p2sh_script(hash160(p2wpkh_script(hash160(key))))
    if kind == "p2tr":
        return p2tr_script(output_key(x_only(key)))
    raise InvalidInput(f"must be one of {', '.join(ADDRESS_TYPES)}", field="type")


def address_from_script(script: bytes, network_name: str) -> str | None:
    """The address of a standard output script on ``network_name``; ``None`` if it has none."""
    params = network(network_name)
    kind, program = classify_script(script)
    if kind == "p2pkh":
        return str(Base58Encoder.CheckEncode(bytes([params.p2pkh_version]) + program))
    if kind == "p2sh":
        return str(Base58Encoder.CheckEncode(bytes([params.p2sh_version]) + program))
    if kind in ("p2wpkh", "p2wsh"):
        return str(SegwitBech32Encoder.Encode(params.hrp, 0, program))
    if kind == "p2tr":
        return str(SegwitBech32Encoder.Encode(params.hrp, 1, program))
    return None


def script_from_address(address: str, network_name: str) -> bytes:
    """The scriptPubKey an address pays to; an address of another network is refused."""
    params = network(network_name)
    text = address.strip()
    if text.lower().startswith(params.hrp + "1"):
        try:
            version, program = SegwitBech32Decoder.Decode(params.hrp, text)
        except Exception:
            raise InvalidInput(f"not a valid {params.name} bech32/bech32m address",
                               field="address") from None
        program = bytes(program)
        if version == 0 and len(program) == 20:
            return p2wpkh_script(program)
        if version == 0 and len(program) == 32:
            return p2wsh_script(program)
        if version == 1 and len(program) == 32:
            return p2tr_script(program)
        raise InvalidInput(f"segwit v{version} address with a {len(program)}-byte program is "
                           "not a standard output", field="address")
    try:
        payload = bytes(Base58Decoder.CheckDecode(text))
    except Exception:
        raise InvalidInput(f"not a valid {params.name} address", field="address") from None
    if len(payload) == 21 and payload[0] == params.p2pkh_version:
        return p2pkh_script(payload[1:])
    if len(payload) == 21 and payload[0] == params.p2sh_version:
        return p2sh_script(payload[1:])
    raise InvalidInput(f"not a {params.name} address (wrong version byte)", field="address")


def address_for_key(key: PrivateKey | bytes, kind: str, network_name: str = "mainnet") -> str:
    """Address of a private key, wallet node or compressed public key (``bytes``)."""
    public = bytes(key) if isinstance(key, bytes) else public_key_of(key)
    found = address_from_script(output_script(public, kind), network_name)
    if found is None:  # pragma: no cover - every ADDRESS_TYPES script has an address
        raise InvalidInput("no address for this script", field="type")
    return found


def bitcoin_path(kind: str, network_name: str = "mainnet", *, account: int = 0,
                 change: int = 0, index: int = 0) -> str:
    """The BIP-44/49/84/86 path of an address type: ``m/84'/0'/0'/0/5``."""
    if kind not in _PURPOSES:
        raise InvalidInput(f"must be one of {', '.join(ADDRESS_TYPES)}", field="type")
    for name, value in (("account", account), ("index", index)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
            raise InvalidInput("must be a whole number from 0 to 2^31-1", field=name)
    if change not in (0, 1):
        raise InvalidInput("must be 0 (receiving) or 1 (change)", field="change")
    coin = network(network_name).coin_type
    return f"m/{_PURPOSES[kind]}'/{coin}'/{account}'/{change}/{index}"
