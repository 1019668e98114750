"""PSBT version 0 (BIP-174) with the taproot fields of BIP-371: strict parse, exact serialise.

Requirements:

1. Every field BIP-174 and BIP-371 define for version 0 is decoded into a typed value and
   checked: key lengths, public keys on the curve, x-only keys, signature encodings,
   derivation paths, preimages matching their hash, control blocks, the taproot tree.
2. Global rules: the magic, exactly one unsigned transaction in non-witness form with empty
   scriptSigs, one input map per input and one output map per output, no duplicate keys,
   nothing after the last map, a non-witness UTXO that is the transaction it claims to be.
   Fields that BIP-370 reserves for version 2 are refused in a version 0 PSBT.
3. Every refusal raises :class:`InvalidInput` whose ``field`` names the map and the field
   (``psbt.inputs[0].PSBT_IN_PARTIAL_SIG``) and whose message says what is wrong, never the
   whole value.
4. Unknown and proprietary fields are kept and written back; serialising a parsed PSBT gives
   back the same bytes when its fields were in the canonical order (type, then key), the
   order Bitcoin Core and BDK write.

Why our own codec: see :mod:`ledger.chains.bitcoin.encoding`. The maps are mutable
dataclasses on purpose: the PSBT roles (signer, finalizer) fill them in place on their own
copy; :meth:`Psbt.copy` gives one.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coincurve import PublicKey, PublicKeyXOnly
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ledger.chains.bitcoin.encoding import (
    Reader,
    Transaction,
    TxOut,
    compact_size,
    hash160,
    hash256,
    parse_witness,
    serialize_witness,
    sha256,
)
from ledger.chains.bitcoin.sighash import ECDSA_SIGHASH_TYPES
from ledger.decimal_text import is_decimal
from ledger.errors import InvalidInput

__all__ = [
    "MAGIC",
    "KeyOrigin",
    "Psbt",
    "PsbtInput",
    "PsbtOutput",
    "TapKeyOrigin",
    "TapLeaf",
    "describe",
]

MAGIC = b"psbt\xff"

# Global types.
G_UNSIGNED_TX, G_XPUB, G_VERSION, G_PROPRIETARY = 0x00, 0x01, 0xFB, 0xFC
G_V2_ONLY = {0x02: "PSBT_GLOBAL_TX_VERSION", 0x03: "PSBT_GLOBAL_FALLBACK_LOCKTIME",
             0x04: "PSBT_GLOBAL_INPUT_COUNT", 0x05: "PSBT_GLOBAL_OUTPUT_COUNT",
             0x06: "PSBT_GLOBAL_TX_MODIFIABLE"}
# Input types.
I_NON_WITNESS_UTXO, I_WITNESS_UTXO, I_PARTIAL_SIG, I_SIGHASH_TYPE = 0x00, 0x01, 0x02, 0x03
I_REDEEM_SCRIPT, I_WITNESS_SCRIPT, I_BIP32_DERIVATION = 0x04, 0x05, 0x06
I_FINAL_SCRIPTSIG, I_FINAL_SCRIPTWITNESS = 0x07, 0x08
I_RIPEMD160, I_SHA256, I_HASH160, I_HASH256 = 0x0A, 0x0B, 0x0C, 0x0D
I_TAP_KEY_SIG, I_TAP_SCRIPT_SIG, I_TAP_LEAF_SCRIPT = 0x13, 0x14, 0x15
I_TAP_BIP32_DERIVATION, I_TAP_INTERNAL_KEY, I_TAP_MERKLE_ROOT = 0x16, 0x17, 0x18
I_V2_ONLY = {0x0E: "PSBT_IN_PREVIOUS_TXID", 0x0F: "PSBT_IN_OUTPUT_INDEX",
             0x10: "PSBT_IN_SEQUENCE", 0x11: "PSBT_IN_REQUIRED_TIME_LOCKTIME",
             0x12: "PSBT_IN_REQUIRED_HEIGHT_LOCKTIME"}
# Output types.
O_REDEEM_SCRIPT, O_WITNESS_SCRIPT, O_BIP32_DERIVATION = 0x00, 0x01, 0x02
O_TAP_INTERNAL_KEY, O_TAP_TREE, O_TAP_BIP32_DERIVATION = 0x05, 0x06, 0x07
O_V2_ONLY = {0x03: "PSBT_OUT_AMOUNT", 0x04: "PSBT_OUT_SCRIPT"}
PROPRIETARY = 0xFC

_NAMES = {
    "global": {G_UNSIGNED_TX: "PSBT_GLOBAL_UNSIGNED_TX", G_XPUB: "PSBT_GLOBAL_XPUB",
               G_VERSION: "PSBT_GLOBAL_VERSION", G_PROPRIETARY: "PSBT_GLOBAL_PROPRIETARY"},
    "input": {I_NON_WITNESS_UTXO: "PSBT_IN_NON_WITNESS_UTXO",
              I_WITNESS_UTXO: "PSBT_IN_WITNESS_UTXO", I_PARTIAL_SIG: "PSBT_IN_PARTIAL_SIG",
              I_SIGHASH_TYPE: "PSBT_IN_SIGHASH_TYPE", I_REDEEM_SCRIPT: "PSBT_IN_REDEEM_SCRIPT",
              I_WITNESS_SCRIPT: "PSBT_IN_WITNESS_SCRIPT",
              I_BIP32_DERIVATION: "PSBT_IN_BIP32_DERIVATION",
              I_FINAL_SCRIPTSIG: "PSBT_IN_FINAL_SCRIPTSIG",
              I_FINAL_SCRIPTWITNESS: "PSBT_IN_FINAL_SCRIPTWITNESS",
              I_RIPEMD160: "PSBT_IN_RIPEMD160", I_SHA256: "PSBT_IN_SHA256",
              I_HASH160: "PSBT_IN_HASH160", I_HASH256: "PSBT_IN_HASH256",
              I_TAP_KEY_SIG: "PSBT_IN_TAP_KEY_SIG", I_TAP_SCRIPT_SIG: "PSBT_IN_TAP_SCRIPT_SIG",
              I_TAP_LEAF_SCRIPT: "PSBT_IN_TAP_LEAF_SCRIPT",
              I_TAP_BIP32_DERIVATION: "PSBT_IN_TAP_BIP32_DERIVATION",
              I_TAP_INTERNAL_KEY: "PSBT_IN_TAP_INTERNAL_KEY",
              I_TAP_MERKLE_ROOT: "PSBT_IN_TAP_MERKLE_ROOT", PROPRIETARY: "PSBT_IN_PROPRIETARY"},
    "output": {O_REDEEM_SCRIPT: "PSBT_OUT_REDEEM_SCRIPT",
               O_WITNESS_SCRIPT: "PSBT_OUT_WITNESS_SCRIPT",
               O_BIP32_DERIVATION: "PSBT_OUT_BIP32_DERIVATION",
               O_TAP_INTERNAL_KEY: "PSBT_OUT_TAP_INTERNAL_KEY", O_TAP_TREE: "PSBT_OUT_TAP_TREE",
               O_TAP_BIP32_DERIVATION: "PSBT_OUT_TAP_BIP32_DERIVATION",
               PROPRIETARY: "PSBT_OUT_PROPRIETARY"},
}
_PREIMAGE_HASHES: dict[int, tuple[int, Callable[[bytes], bytes]]] = {
    I_RIPEMD160: (20, lambda data: hashlib.new("ripemd160", data).digest()),
    I_SHA256: (32, sha256),
    I_HASH160: (20, hash160),
    I_HASH256: (32, hash256),
}
_TAPROOT_LEAF_MASK = 0xFE
_MAX_TAPROOT_DEPTH = 128


# --- values ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class KeyOrigin:
    """BIP-32 key origin: the master key fingerprint and the derivation path from it."""

    fingerprint: bytes
    path: tuple[int, ...]

    def serialize(self) -> bytes:
        return self.fingerprint + b"".join(i.to_bytes(4, "little") for i in self.path)

    @classmethod
    def parse(cls, data: bytes, where: str) -> KeyOrigin:
        if len(data) < 4 or len(data) % 4:
            raise InvalidInput("a key origin is a 4-byte fingerprint and 4 bytes per path "
                               "step", field=where)
        return cls(data[:4], tuple(int.from_bytes(data[i:i + 4], "little")
                                   for i in range(4, len(data), 4)))

    @property
    def path_text(self) -> str:
        steps = [f"{i & 0x7FFF_FFFF}'" if i & 0x8000_0000 else str(i) for i in self.path]
        return "/".join(["m", *steps])

    @classmethod
    def from_text(cls, fingerprint: bytes, path: str) -> KeyOrigin:
        """``KeyOrigin(fp, "m/84'/0'/0'/0/1")``; ``h`` and ``'`` both mark hardened steps."""
        parts = path.strip().split("/")
        if len(fingerprint) != 4 or not parts or parts[0] != "m":
            raise InvalidInput("needs a 4-byte fingerprint and a path starting with m",
                               field="origin")
        steps = []
        for part in parts[1:]:
            hardened = part.endswith(("'", "h"))
            number = part[:-1] if hardened else part
            if not is_decimal(number) or int(number) >= 0x8000_0000:
                raise InvalidInput(f"bad path step {part!r}", field="origin")
            steps.append(int(number) | (0x8000_0000 if hardened else 0))
        return cls(bytes(fingerprint), tuple(steps))


@dataclass(frozen=True, slots=True)
class TapKeyOrigin:
    """BIP-371 ``PSBT_*_TAP_BIP32_DERIVATION`` value: leaf hashes the key is used in + origin.

    No leaf hashes means the key is used for the key path (it is the internal key).
    """

    leaf_hashes: tuple[bytes, ...]
    origin: KeyOrigin

    def serialize(self) -> bytes:
        return compact_size(len(self.leaf_hashes)) + b"".join(self.leaf_hashes) \
            + self.origin.serialize()

    @classmethod
    def parse(cls, data: bytes, where: str) -> TapKeyOrigin:
        reader = Reader(data, where)
        count = reader.compact_size("leaf hash count")
        hashes = tuple(reader.read(32, "leaf hash") for _ in range(count))
        return cls(hashes, KeyOrigin.parse(reader.read(reader.remaining), where))


@dataclass(frozen=True, slots=True)
class TapLeaf:
    """One leaf of a ``PSBT_OUT_TAP_TREE``: depth, leaf version, script."""

    depth: int
    leaf_version: int
    script: bytes


def _check_public_key(data: bytes, where: str) -> bytes:
    if len(data) not in (33, 65):
        raise InvalidInput(f"public key has {len(data)} bytes; expected 33 (compressed) or "
                           "65 (uncompressed)", field=where)
    if (len(data) == 33 and data[0] not in (2, 3)) or (len(data) == 65 and data[0] != 4):
        raise InvalidInput("public key has a wrong SEC1 prefix", field=where)
    try:
        PublicKey(data)
    except ValueError:
        raise InvalidInput("public key is not a point on secp256k1", field=where) from None
    return data


def _check_x_only(data: bytes, where: str) -> bytes:
    if len(data) != 32:
        raise InvalidInput(f"x-only public key has {len(data)} bytes; expected 32 (not a "
                           "compressed SEC1 key)", field=where)
    try:
        PublicKeyXOnly(data)
    except ValueError:
        raise InvalidInput("x-only public key is not on secp256k1", field=where) from None
    return data


def _check_ecdsa_signature(data: bytes, where: str) -> bytes:
    if len(data) < 9 or len(data) > 73:
        raise InvalidInput("not a DER signature followed by a sighash byte", field=where)
    der, hash_type = data[:-1], data[-1]
    try:
        r, s = decode_dss_signature(der)
    except ValueError:
        raise InvalidInput("signature is not valid DER", field=where) from None
    if encode_dss_signature(r, s) != der:  # pragma: no cover - the decoder is strict DER
        raise InvalidInput("signature is not strict DER (BIP-66)", field=where)
    if hash_type not in ECDSA_SIGHASH_TYPES:
        raise InvalidInput(f"signature has an undefined sighash byte {hash_type:#04x}",
                           field=where)
    return data


def _check_schnorr_signature(data: bytes, where: str) -> bytes:
    if len(data) not in (64, 65):
        raise InvalidInput(f"taproot signature has {len(data)} bytes; expected 64 or 65",
                           field=where)
    if len(data) == 65 and data[64] not in ECDSA_SIGHASH_TYPES:
        raise InvalidInput(f"taproot signature has an invalid sighash byte {data[64]:#04x} "
                           "(0x00 is written as a 64-byte signature)", field=where)
    return data


def _check_control_block(data: bytes, where: str) -> bytes:
    if len(data) < 33 or (len(data) - 33) % 32 or (len(data) - 33) // 32 > _MAX_TAPROOT_DEPTH:
        raise InvalidInput(f"control block has {len(data)} bytes; expected 33 + 32*m "
                           f"(m <= {_MAX_TAPROOT_DEPTH})", field=where)
    _check_x_only(data[1:33], where)
    return data


def _parse_tap_tree(data: bytes, where: str) -> tuple[TapLeaf, ...]:
    reader = Reader(data, where)
    leaves = []
    while reader.remaining:
        depth = reader.uint(1, "depth")
        version = reader.uint(1, "leaf version")
        script = reader.var_bytes("leaf script")
        if depth > _MAX_TAPROOT_DEPTH:
            raise InvalidInput(f"taproot tree leaf depth {depth} exceeds 128", field=where)
        if version & ~_TAPROOT_LEAF_MASK & 0xFF:
            raise InvalidInput(f"taproot leaf version {version:#04x} has its low bit set",
                               field=where)
        leaves.append(TapLeaf(depth, version, script))
    if not leaves:
        raise InvalidInput("taproot tree has no leaves", field=where)
    _check_tree_shape(leaves, where)
    return tuple(leaves)


def _check_tree_shape(leaves: list[TapLeaf], where: str) -> None:
    """Leaves in depth-first order must fill a binary tree exactly (BIP-371)."""
    open_slots: list[int] = [0]  # depths of subtrees still to fill
    for leaf in leaves:
        if not open_slots:
            raise InvalidInput("taproot tree has leaves past a complete tree", field=where)
        slot = open_slots.pop()
        if leaf.depth < slot:
            raise InvalidInput("taproot tree leaf depths are not in depth-first order",
                               field=where)
        open_slots.extend(range(slot + 1, leaf.depth + 1))
    if open_slots:
        raise InvalidInput("taproot tree is incomplete", field=where)


def _serialize_tap_tree(leaves: tuple[TapLeaf, ...]) -> bytes:
    return b"".join(bytes([leaf.depth, leaf.leaf_version]) + compact_size(len(leaf.script))
                    + leaf.script for leaf in leaves)


# --- maps -----------------------------------------------------------------------------------

@dataclass(slots=True)
class PsbtInput:
    non_witness_utxo: Transaction | None = None
    witness_utxo: TxOut | None = None
    partial_sigs: dict[bytes, bytes] = field(default_factory=dict)
    sighash_type: int | None = None
    redeem_script: bytes | None = None
    witness_script: bytes | None = None
    bip32_derivations: dict[bytes, KeyOrigin] = field(default_factory=dict)
    final_script_sig: bytes | None = None
    final_script_witness: tuple[bytes, ...] | None = None
    preimages: dict[tuple[int, bytes], bytes] = field(default_factory=dict)
    tap_key_sig: bytes | None = None
    tap_script_sigs: dict[tuple[bytes, bytes], bytes] = field(default_factory=dict)
    tap_leaf_scripts: dict[bytes, tuple[bytes, int]] = field(default_factory=dict)
    tap_bip32_derivations: dict[bytes, TapKeyOrigin] = field(default_factory=dict)
    tap_internal_key: bytes | None = None
    tap_merkle_root: bytes | None = None
    proprietary: dict[bytes, bytes] = field(default_factory=dict)
    unknown: dict[bytes, bytes] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.final_script_sig is not None or self.final_script_witness is not None

    def records(self) -> list[tuple[int, bytes, bytes]]:
        out: list[tuple[int, bytes, bytes]] = []
        if self.non_witness_utxo is not None:
            out.append((I_NON_WITNESS_UTXO, b"", self.non_witness_utxo.serialize()))
        if self.witness_utxo is not None:
            out.append((I_WITNESS_UTXO, b"", self.witness_utxo.serialize()))
        # Bitcoin Core keys partial signatures by HASH160 of the public key (its CKeyID), so
        # that is their canonical order; see _write_map.
        out += [(I_PARTIAL_SIG, k, v) for k, v in sorted(self.partial_sigs.items(),
                                                          key=lambda item: hash160(item[0]))]
        if self.sighash_type is not None:
            out.append((I_SIGHASH_TYPE, b"", self.sighash_type.to_bytes(4, "little")))
        if self.redeem_script is not None:
            out.append((I_REDEEM_SCRIPT, b"", self.redeem_script))
        if self.witness_script is not None:
            out.append((I_WITNESS_SCRIPT, b"", self.witness_script))
        out += [(I_BIP32_DERIVATION, k, v.serialize())
                for k, v in sorted(self.bip32_derivations.items())]
        if self.final_script_sig is not None:
            out.append((I_FINAL_SCRIPTSIG, b"", self.final_script_sig))
        if self.final_script_witness is not None:
            out.append((I_FINAL_SCRIPTWITNESS, b"", serialize_witness(self.final_script_witness)))
        out += [(kind, digest, pre) for (kind, digest), pre in sorted(self.preimages.items())]
        if self.tap_key_sig is not None:
            out.append((I_TAP_KEY_SIG, b"", self.tap_key_sig))
        out += [(I_TAP_SCRIPT_SIG, k + h, v)
                for (k, h), v in sorted(self.tap_script_sigs.items())]
        out += [(I_TAP_LEAF_SCRIPT, cb, script + bytes([version]))
                for cb, (script, version) in sorted(self.tap_leaf_scripts.items())]
        out += [(I_TAP_BIP32_DERIVATION, k, v.serialize())
                for k, v in sorted(self.tap_bip32_derivations.items())]
        if self.tap_internal_key is not None:
            out.append((I_TAP_INTERNAL_KEY, b"", self.tap_internal_key))
        if self.tap_merkle_root is not None:
            out.append((I_TAP_MERKLE_ROOT, b"", self.tap_merkle_root))
        return out


@dataclass(slots=True)
class PsbtOutput:
    redeem_script: bytes | None = None
    witness_script: bytes | None = None
    bip32_derivations: dict[bytes, KeyOrigin] = field(default_factory=dict)
    tap_internal_key: bytes | None = None
    tap_tree: tuple[TapLeaf, ...] | None = None
    tap_bip32_derivations: dict[bytes, TapKeyOrigin] = field(default_factory=dict)
    proprietary: dict[bytes, bytes] = field(default_factory=dict)
    unknown: dict[bytes, bytes] = field(default_factory=dict)

    def records(self) -> list[tuple[int, bytes, bytes]]:
        out: list[tuple[int, bytes, bytes]] = []
        if self.redeem_script is not None:
            out.append((O_REDEEM_SCRIPT, b"", self.redeem_script))
        if self.witness_script is not None:
            out.append((O_WITNESS_SCRIPT, b"", self.witness_script))
        out += [(O_BIP32_DERIVATION, k, v.serialize())
                for k, v in sorted(self.bip32_derivations.items())]
        if self.tap_internal_key is not None:
            out.append((O_TAP_INTERNAL_KEY, b"", self.tap_internal_key))
        if self.tap_tree is not None:
            out.append((O_TAP_TREE, b"", _serialize_tap_tree(self.tap_tree)))
        out += [(O_TAP_BIP32_DERIVATION, k, v.serialize())
                for k, v in sorted(self.tap_bip32_derivations.items())]
        return out


@dataclass(slots=True)
class Psbt:
    tx: Transaction
    inputs: list[PsbtInput]
    outputs: list[PsbtOutput]
    xpubs: dict[bytes, KeyOrigin] = field(default_factory=dict)
    version: int | None = None
    proprietary: dict[bytes, bytes] = field(default_factory=dict)
    unknown: dict[bytes, bytes] = field(default_factory=dict)

    def copy(self) -> Psbt:
        return copy.deepcopy(self)

    def spent_output(self, index: int) -> TxOut | None:
        """The output input ``index`` spends, from its witness or non-witness UTXO."""
        entry = self.inputs[index]
        if entry.witness_utxo is not None:
            return entry.witness_utxo
        if entry.non_witness_utxo is not None:
            return entry.non_witness_utxo.outputs[self.tx.inputs[index].prevout.vout]
        return None

    # --- serialise ------------------------------------------------------------------------

    def serialize(self) -> bytes:
        parts = [MAGIC]
        global_records = [(G_UNSIGNED_TX, b"", self.tx.serialize(include_witness=False))]
        global_records += [(G_XPUB, k, v.serialize()) for k, v in sorted(self.xpubs.items())]
        if self.version is not None:
            global_records.append((G_VERSION, b"", self.version.to_bytes(4, "little")))
        parts.append(_write_map(global_records, self.proprietary, self.unknown))
        for entry in self.inputs:
            parts.append(_write_map(entry.records(), entry.proprietary, entry.unknown))
        for out in self.outputs:
            parts.append(_write_map(out.records(), out.proprietary, out.unknown))
        return b"".join(parts)

    def to_base64(self) -> str:
        return base64.b64encode(self.serialize()).decode("ascii")

    # --- parse ----------------------------------------------------------------------------

    @classmethod
    def from_base64(cls, text: str) -> Psbt:
        try:
            data = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("not valid base64", field="psbt") from None
        return cls.from_bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> Psbt:
        reader = Reader(bytes(data), "psbt")
        if reader.remaining < len(MAGIC) or reader.read(len(MAGIC)) != MAGIC:
            raise InvalidInput("does not start with the PSBT magic 'psbt\\xff' (a network "
                               "transaction is not a PSBT)", field="psbt")
        psbt = _parse_global(reader)
        for index, tx_in in enumerate(psbt.tx.inputs):
            psbt.inputs.append(_parse_input(reader, index, tx_in.prevout.txid,
                                            tx_in.prevout.vout))
        for index in range(len(psbt.tx.outputs)):
            psbt.outputs.append(_parse_output(reader, index))
        if reader.remaining:
            raise InvalidInput(f"{reader.remaining} byte(s) after the last output map",
                               field="psbt")
        return psbt


def _write_map(records: list[tuple[int, bytes, bytes]], proprietary: dict[bytes, bytes],
               unknown: dict[bytes, bytes]) -> bytes:
    parts = []
    # Stable sort by type only: within a type, records() already gives the canonical order.
    for kind, key_data, value in sorted(records, key=lambda r: r[0]):
        key = compact_size(kind) + key_data
        parts += [compact_size(len(key)), key, compact_size(len(value)), value]
    for key, value in sorted(proprietary.items()) + sorted(unknown.items()):
        parts += [compact_size(len(key)), key, compact_size(len(value)), value]
    parts.append(b"\x00")
    return b"".join(parts)


def _read_map(reader: Reader, where: str) -> list[tuple[int, bytes, bytes, bytes]]:
    """``(type, key data, full key, value)`` records up to the separator; no duplicates."""
    records: list[tuple[int, bytes, bytes, bytes]] = []
    seen: set[bytes] = set()
    while True:
        if not reader.remaining:
            raise InvalidInput(f"ends inside the {where} map (missing separator or maps)",
                               field="psbt")
        key_length = reader.compact_size("key length")
        if key_length == 0:
            return records
        key = reader.read(key_length, "key")
        value = reader.var_bytes("value")
        key_reader = Reader(key, f"psbt.{where}")
        kind = key_reader.compact_size("key type")
        key_data = key[key_reader.position:]
        if key in seen:
            raise InvalidInput(f"duplicate key (type {kind:#04x})", field=f"psbt.{where}")
        seen.add(key)
        records.append((kind, key_data, key, value))


def _name(scope: str, kind: int) -> str:
    return _NAMES[scope].get(kind, f"type {kind:#04x}")


def _no_key_data(key_data: bytes, where: str) -> None:
    if key_data:
        raise InvalidInput("this key type takes no key data (key must be 1 byte)", field=where)


def _parse_global(reader: Reader) -> Psbt:
    tx: Transaction | None = None
    xpubs: dict[bytes, KeyOrigin] = {}
    version: int | None = None
    proprietary: dict[bytes, bytes] = {}
    unknown: dict[bytes, bytes] = {}
    for kind, key_data, key, value in _read_map(reader, "global"):
        where = f"psbt.global.{_name('global', kind)}"
        if kind == G_UNSIGNED_TX:
            _no_key_data(key_data, where)
            tx = _parse_unsigned_tx(value, where)
        elif kind == G_XPUB:
            if len(key_data) != 78:
                raise InvalidInput("an extended public key has 78 bytes", field=where)
            xpubs[key_data] = KeyOrigin.parse(value, where)
        elif kind == G_VERSION:
            _no_key_data(key_data, where)
            if len(value) != 4:
                raise InvalidInput("the version is a 4-byte integer", field=where)
            version = int.from_bytes(value, "little")
            if version != 0:
                raise InvalidInput(f"PSBT version {version} is not supported (only 0)",
                                   field=where)
        elif kind in G_V2_ONLY:
            raise InvalidInput("a version 2 field in a version 0 PSBT",
                               field=f"psbt.global.{G_V2_ONLY[kind]}")
        elif kind == PROPRIETARY:
            proprietary[key] = value
        else:
            unknown[key] = value
    if tx is None:
        raise InvalidInput("has no unsigned transaction",
                           field="psbt.global.PSBT_GLOBAL_UNSIGNED_TX")
    return Psbt(tx=tx, inputs=[], outputs=[], xpubs=xpubs, version=version,
                proprietary=proprietary, unknown=unknown)


def _parse_unsigned_tx(value: bytes, where: str) -> Transaction:
    try:
        tx = Transaction.parse(value, where, allow_witness=False)
    except InvalidInput as error:
        if len(value) > 6 and value[4] == 0 and value[5] == 1:
            raise InvalidInput(f"{error.message}; it looks like the witness serialization, "
                               "which a PSBT's unsigned transaction must not use",
                               field=where) from None
        raise
    for position, tx_in in enumerate(tx.inputs):
        if tx_in.script_sig:
            raise InvalidInput(f"input {position} of the unsigned transaction has a "
                               "scriptSig; it must be empty", field=where)
    return tx


def _parse_input(reader: Reader, index: int, prev_txid: bytes, prev_vout: int) -> PsbtInput:
    entry = PsbtInput()
    for kind, key_data, key, value in _read_map(reader, f"inputs[{index}]"):
        where = f"psbt.inputs[{index}].{_name('input', kind)}"
        if kind == I_NON_WITNESS_UTXO:
            _no_key_data(key_data, where)
            utxo = Transaction.parse(value, where)
            if utxo.txid() != prev_txid:
                raise InvalidInput("the transaction's txid is not the one the input spends",
                                   field=where)
            if prev_vout >= len(utxo.outputs):
                raise InvalidInput(f"the input spends output {prev_vout}, which this "
                                   "transaction does not have", field=where)
            entry.non_witness_utxo = utxo
        elif kind == I_WITNESS_UTXO:
            _no_key_data(key_data, where)
            entry.witness_utxo = TxOut.from_bytes(value, where)
        elif kind == I_PARTIAL_SIG:
            public_key = _check_public_key(key_data, where)  # the key first, then its value
            entry.partial_sigs[public_key] = _check_ecdsa_signature(value, where)
        elif kind == I_SIGHASH_TYPE:
            _no_key_data(key_data, where)
            if len(value) != 4:
                raise InvalidInput("the sighash type is a 4-byte integer", field=where)
            entry.sighash_type = int.from_bytes(value, "little")
        elif kind in (I_REDEEM_SCRIPT, I_WITNESS_SCRIPT, I_FINAL_SCRIPTSIG):
            _no_key_data(key_data, where)
            setattr(entry, {I_REDEEM_SCRIPT: "redeem_script", I_WITNESS_SCRIPT: "witness_script",
                            I_FINAL_SCRIPTSIG: "final_script_sig"}[kind], value)
        elif kind == I_BIP32_DERIVATION:
            public_key = _check_public_key(key_data, where)
            entry.bip32_derivations[public_key] = KeyOrigin.parse(value, where)
        elif kind == I_FINAL_SCRIPTWITNESS:
            _no_key_data(key_data, where)
            witness_reader = Reader(value, where)
            entry.final_script_witness = parse_witness(witness_reader)
            witness_reader.finish()
        elif kind in _PREIMAGE_HASHES:
            size, hasher = _PREIMAGE_HASHES[kind]
            if len(key_data) != size:
                raise InvalidInput(f"the key holds a {size}-byte hash", field=where)
            if hasher(value) != key_data:
                raise InvalidInput("the preimage does not hash to the key", field=where)
            entry.preimages[(kind, key_data)] = value
        elif kind == I_TAP_KEY_SIG:
            _no_key_data(key_data, where)
            entry.tap_key_sig = _check_schnorr_signature(value, where)
        elif kind == I_TAP_SCRIPT_SIG:
            if len(key_data) != 64:
                raise InvalidInput(f"key data has {len(key_data)} bytes; expected a 32-byte "
                                   "x-only key and a 32-byte leaf hash", field=where)
            _check_x_only(key_data[:32], where)
            signature = _check_schnorr_signature(value, where)
            entry.tap_script_sigs[(key_data[:32], key_data[32:])] = signature
        elif kind == I_TAP_LEAF_SCRIPT:
            _check_control_block(key_data, where)
            if not value:
                raise InvalidInput("needs a script and a leaf version byte", field=where)
            entry.tap_leaf_scripts[key_data] = (value[:-1], value[-1])
        elif kind == I_TAP_BIP32_DERIVATION:
            x_only_key = _check_x_only(key_data, where)
            entry.tap_bip32_derivations[x_only_key] = TapKeyOrigin.parse(value, where)
        elif kind == I_TAP_INTERNAL_KEY:
            _no_key_data(key_data, where)
            entry.tap_internal_key = _check_x_only(value, where)
        elif kind == I_TAP_MERKLE_ROOT:
            _no_key_data(key_data, where)
            if len(value) != 32:
                raise InvalidInput("a taproot merkle root has 32 bytes", field=where)
            entry.tap_merkle_root = value
        elif kind in I_V2_ONLY:
            raise InvalidInput("a version 2 field in a version 0 PSBT",
                               field=f"psbt.inputs[{index}].{I_V2_ONLY[kind]}")
        elif kind == PROPRIETARY:
            entry.proprietary[key] = value
        else:
            entry.unknown[key] = value
    return entry


def _parse_output(reader: Reader, index: int) -> PsbtOutput:
    out = PsbtOutput()
    for kind, key_data, key, value in _read_map(reader, f"outputs[{index}]"):
        where = f"psbt.outputs[{index}].{_name('output', kind)}"
        if kind == O_REDEEM_SCRIPT:
            _no_key_data(key_data, where)
            out.redeem_script = value
        elif kind == O_WITNESS_SCRIPT:
            _no_key_data(key_data, where)
            out.witness_script = value
        elif kind == O_BIP32_DERIVATION:
            public_key = _check_public_key(key_data, where)
            out.bip32_derivations[public_key] = KeyOrigin.parse(value, where)
        elif kind == O_TAP_INTERNAL_KEY:
            _no_key_data(key_data, where)
            out.tap_internal_key = _check_x_only(value, where)
        elif kind == O_TAP_TREE:
            _no_key_data(key_data, where)
            out.tap_tree = _parse_tap_tree(value, where)
        elif kind == O_TAP_BIP32_DERIVATION:
            x_only_key = _check_x_only(key_data, where)
            out.tap_bip32_derivations[x_only_key] = TapKeyOrigin.parse(value, where)
        elif kind in O_V2_ONLY:
            raise InvalidInput("a version 2 field in a version 0 PSBT",
                               field=f"psbt.outputs[{index}].{O_V2_ONLY[kind]}")
        elif kind == PROPRIETARY:
            out.proprietary[key] = value
        else:
            out.unknown[key] = value
    return out


def describe(psbt: Psbt) -> dict[str, Any]:
    """A JSON-friendly summary (counts, txid, which inputs are final) for logs and reports."""
    return {"unsigned_txid": psbt.tx.txid_hex(), "inputs": len(psbt.inputs),
            "outputs": len(psbt.outputs), "final_inputs": [i for i, entry in
                                                            enumerate(psbt.inputs)
                                                            if entry.is_final]}
