"""Signature hashes: legacy, BIP-143 (segwit v0) and BIP-341 (taproot key path).

Each function is the algorithm as its BIP writes it, over :class:`Transaction` objects, and
returns the 32-byte digest that is signed (ECDSA signs it as is; BIP-340 signs it as the
message). The vectors decide: BIP-143's worked examples, BIP-341's ``keyPathSpending``
(intermediate hashes, ``sigMsg`` and ``sigHash`` for every hash type), and the BIP-174
signer vector, whose RFC 6979 signatures only come out byte for byte if the legacy and
segwit v0 hashes are right.

Scope: the script code is taken as given, already cut after the last executed
``OP_CODESEPARATOR`` as BIP-143 shows (the signer only signs scripts that have none); it
must parse as a script. Taproot covers the key path without annex, which is every BIP-86
spend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.chains.bitcoin.encoding import (
    Transaction,
    TxOut,
    compact_size,
    hash256,
    read_pushes,
    sha256,
)
from ledger.chains.bitcoin.taproot import tagged_hash
from ledger.errors import InvalidInput

__all__ = [
    "ECDSA_SIGHASH_TYPES",
    "SIGHASH_ALL",
    "SIGHASH_ANYONECANPAY",
    "SIGHASH_DEFAULT",
    "SIGHASH_NAMES",
    "SIGHASH_NONE",
    "SIGHASH_SINGLE",
    "TAPROOT_SIGHASH_TYPES",
    "TaprootHashes",
    "legacy_sighash",
    "segwit_v0_sighash",
    "taproot_hashes",
    "taproot_sighash",
    "taproot_sigmsg",
]

SIGHASH_DEFAULT = 0x00
SIGHASH_ALL = 0x01
SIGHASH_NONE = 0x02
SIGHASH_SINGLE = 0x03
SIGHASH_ANYONECANPAY = 0x80

ECDSA_SIGHASH_TYPES = frozenset({0x01, 0x02, 0x03, 0x81, 0x82, 0x83})
TAPROOT_SIGHASH_TYPES = frozenset({0x00}) | ECDSA_SIGHASH_TYPES
SIGHASH_NAMES = {0x00: "DEFAULT", 0x01: "ALL", 0x02: "NONE", 0x03: "SINGLE",
                 0x81: "ALL|ANYONECANPAY", 0x82: "NONE|ANYONECANPAY",
                 0x83: "SINGLE|ANYONECANPAY"}

_ONE = (1).to_bytes(32, "little")


def _check_index(tx: Transaction, index: int) -> None:
    if not 0 <= index < len(tx.inputs):
        raise InvalidInput(f"input {index} does not exist", field="input_index")


def _check_script_code(script_code: bytes) -> None:
    if read_pushes(script_code) is None:
        raise InvalidInput("the script code is malformed (a push runs past its end)",
                           field="script_code")


def legacy_sighash(tx: Transaction, index: int, script_code: bytes, hash_type: int) -> bytes:
    """The original ``SignatureHash`` (pre-segwit), including the SIGHASH_SINGLE quirk."""
    _check_index(tx, index)
    if hash_type not in ECDSA_SIGHASH_TYPES:
        raise InvalidInput(f"sighash type {hash_type:#x} is not defined", field="sighash_type")
    _check_script_code(script_code)
    base = hash_type & 0x1F
    anyone_can_pay = bool(hash_type & SIGHASH_ANYONECANPAY)
    if base == SIGHASH_SINGLE and index >= len(tx.outputs):
        return _ONE  # what consensus signs here: the value 1, a known quirk
    chosen = [index] if anyone_can_pay else range(len(tx.inputs))
    parts = [tx.version.to_bytes(4, "little"), compact_size(len(chosen))]
    for position in chosen:
        tx_in = tx.inputs[position]
        script = script_code if position == index else b""
        sequence = tx_in.sequence
        if position != index and base in (SIGHASH_NONE, SIGHASH_SINGLE):
            sequence = 0
        parts += [tx_in.prevout.serialize(), compact_size(len(script)), script,
                  sequence.to_bytes(4, "little")]
    if base == SIGHASH_NONE:
        outputs: list[TxOut] = []
    elif base == SIGHASH_SINGLE:
        outputs = [TxOut(0xFFFF_FFFF_FFFF_FFFF, b"")] * index + [tx.outputs[index]]
    else:
        outputs = list(tx.outputs)
    parts.append(compact_size(len(outputs)))
    parts += [out.serialize() for out in outputs]
    parts += [tx.locktime.to_bytes(4, "little"), hash_type.to_bytes(4, "little")]
    return hash256(b"".join(parts))


def segwit_v0_sighash(tx: Transaction, index: int, script_code: bytes, amount: int,
                      hash_type: int) -> bytes:
    """BIP-143. ``script_code`` without its length prefix (P2WPKH: the P2PKH script)."""
    _check_index(tx, index)
    if hash_type not in ECDSA_SIGHASH_TYPES:
        raise InvalidInput(f"sighash type {hash_type:#x} is not defined", field="sighash_type")
    _check_script_code(script_code)
    base = hash_type & 0x1F
    anyone_can_pay = bool(hash_type & SIGHASH_ANYONECANPAY)
    zero = bytes(32)
    hash_prevouts = zero if anyone_can_pay else hash256(
        b"".join(i.prevout.serialize() for i in tx.inputs))
    hash_sequence = zero if anyone_can_pay or base in (SIGHASH_NONE, SIGHASH_SINGLE) \
        else hash256(b"".join(i.sequence.to_bytes(4, "little") for i in tx.inputs))
    if base not in (SIGHASH_NONE, SIGHASH_SINGLE):
        hash_outputs = hash256(b"".join(o.serialize() for o in tx.outputs))
    elif base == SIGHASH_SINGLE and index < len(tx.outputs):
        hash_outputs = hash256(tx.outputs[index].serialize())
    else:
        hash_outputs = zero
    tx_in = tx.inputs[index]
    preimage = b"".join([
        tx.version.to_bytes(4, "little"), hash_prevouts, hash_sequence,
        tx_in.prevout.serialize(), compact_size(len(script_code)), script_code,
        amount.to_bytes(8, "little"), tx_in.sequence.to_bytes(4, "little"), hash_outputs,
        tx.locktime.to_bytes(4, "little"), hash_type.to_bytes(4, "little"),
    ])
    return hash256(preimage)


@dataclass(frozen=True, slots=True)
class TaprootHashes:
    """The per-transaction SHA-256 hashes of BIP-341 (single SHA-256, not double)."""

    prevouts: bytes
    amounts: bytes
    script_pubkeys: bytes
    sequences: bytes
    outputs: bytes


def taproot_hashes(tx: Transaction, spent: Sequence[TxOut]) -> TaprootHashes:
    if len(spent) != len(tx.inputs):
        raise InvalidInput("taproot signing needs the spent output of every input",
                           field="spent_outputs")
    return TaprootHashes(
        prevouts=sha256(b"".join(i.prevout.serialize() for i in tx.inputs)),
        amounts=sha256(b"".join(o.value.to_bytes(8, "little") for o in spent)),
        script_pubkeys=sha256(b"".join(compact_size(len(o.script_pubkey)) + o.script_pubkey
                                       for o in spent)),
        sequences=sha256(b"".join(i.sequence.to_bytes(4, "little") for i in tx.inputs)),
        outputs=sha256(b"".join(o.serialize() for o in tx.outputs)),
    )


def taproot_sigmsg(tx: Transaction, index: int, spent: Sequence[TxOut], hash_type: int,
                   hashes: TaprootHashes | None = None) -> bytes:
    """``SigMsg(hash_type, 0)`` of BIP-341 for a key-path spend without annex."""
    _check_index(tx, index)
    if hash_type not in TAPROOT_SIGHASH_TYPES:
        raise InvalidInput(f"sighash type {hash_type:#x} is not defined for taproot",
                           field="sighash_type")
    common = hashes or taproot_hashes(tx, spent)
    base = hash_type & 0x03
    anyone_can_pay = bool(hash_type & SIGHASH_ANYONECANPAY)
    if base == SIGHASH_SINGLE and index >= len(tx.outputs):
        raise InvalidInput(f"SIGHASH_SINGLE on input {index} has no matching output",
                           field="sighash_type")
    parts = [bytes([hash_type]), tx.version.to_bytes(4, "little"),
             tx.locktime.to_bytes(4, "little")]
    if not anyone_can_pay:
        parts += [common.prevouts, common.amounts, common.script_pubkeys, common.sequences]
    if base not in (SIGHASH_NONE, SIGHASH_SINGLE):
        parts.append(common.outputs)
    parts.append(b"\x00")  # spend_type: key path (ext_flag 0), no annex
    if anyone_can_pay:
        tx_in, coin = tx.inputs[index], spent[index]
        parts += [tx_in.prevout.serialize(), coin.value.to_bytes(8, "little"),
                  compact_size(len(coin.script_pubkey)), coin.script_pubkey,
                  tx_in.sequence.to_bytes(4, "little")]
    else:
        parts.append(index.to_bytes(4, "little"))
    if base == SIGHASH_SINGLE:
        parts.append(sha256(tx.outputs[index].serialize()))
    return b"".join(parts)


def taproot_sighash(tx: Transaction, index: int, spent: Sequence[TxOut], hash_type: int,
                    hashes: TaprootHashes | None = None) -> bytes:
    """``hash_TapSighash(0x00 || SigMsg)``: the message a key-path signature signs."""
    return tagged_hash("TapSighash", b"\x00" + taproot_sigmsg(tx, index, spent, hash_type,
                                                               hashes))
