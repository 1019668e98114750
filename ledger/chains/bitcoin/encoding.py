"""Bitcoin wire encoding: compact sizes, transactions, the standard output scripts.

Why our own few lines rather than a library: the Python Bitcoin libraries either lack the
taproot PSBT fields we need beside this (embit 0.8.0 drops ``PSBT_IN_TAP_KEY_SIG``;
python-bitcoinlib, bitcoin-utils, buidl and python-bitcointx have none) or are LGPL. The
transaction format is small and fixed by the protocol, and every byte here is checked by the
BIP-143, BIP-174 and BIP-341 vectors and by an independent implementation (BDK, through
``bdkpython``) in the tests.

Strictness: compact sizes must be minimal, every length must fit the data, and a parse must
consume its input exactly; anything else raises :class:`InvalidInput` naming the field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ledger.errors import InvalidInput

__all__ = [
    "OP_CHECKMULTISIG",
    "OP_CHECKSIG",
    "OutPoint",
    "Reader",
    "ScriptKind",
    "Transaction",
    "TxIn",
    "TxOut",
    "classify_script",
    "compact_size",
    "hash160",
    "hash256",
    "multisig_script",
    "p2pkh_script",
    "p2sh_script",
    "p2tr_script",
    "p2wpkh_script",
    "p2wsh_script",
    "parse_multisig",
    "push_data",
    "read_pushes",
    "sha256",
]

OP_0 = 0x00
OP_PUSHDATA1 = 0x4C
OP_PUSHDATA2 = 0x4D
OP_PUSHDATA4 = 0x4E
OP_1 = 0x51
OP_16 = 0x60
OP_DUP = 0x76
OP_EQUAL = 0x87
OP_EQUALVERIFY = 0x88
OP_HASH160 = 0xA9
OP_CHECKSIG = 0xAC
OP_CHECKMULTISIG = 0xAE

MAX_SATOSHIS = 21_000_000 * 100_000_000


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def hash160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()


def compact_size(value: int) -> bytes:
    if value < 0xFD:
        return bytes([value])
    if value <= 0xFFFF:
        return b"\xfd" + value.to_bytes(2, "little")
    if value <= 0xFFFF_FFFF:
        return b"\xfe" + value.to_bytes(4, "little")
    return b"\xff" + value.to_bytes(8, "little")


class Reader:
    """A cursor over bytes that refuses to read past the end; ``what`` names the field."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.position = 0
        self.what = what

    @property
    def remaining(self) -> int:
        return len(self.data) - self.position

    def read(self, size: int, field: str = "") -> bytes:
        if size < 0 or self.remaining < size:
            raise InvalidInput(f"ends early: {size} bytes of {field or 'data'} announced, "
                               f"{self.remaining} left", field=self.what)
        chunk = self.data[self.position:self.position + size]
        self.position += size
        return chunk

    def uint(self, size: int, field: str = "") -> int:
        return int.from_bytes(self.read(size, field), "little")

    def compact_size(self, field: str = "") -> int:
        first = self.uint(1, field)
        if first < 0xFD:
            return first
        size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
        value = self.uint(size, field)
        if value < (0xFD if size == 2 else 1 << (4 * size)):
            raise InvalidInput(f"non-minimal compact size for {field or 'a length'}",
                               field=self.what)
        return value

    def var_bytes(self, field: str = "") -> bytes:
        return self.read(self.compact_size(field), field)

    def finish(self) -> None:
        if self.remaining:
            raise InvalidInput(f"{self.remaining} unexpected trailing byte(s)", field=self.what)


@dataclass(frozen=True, slots=True)
class OutPoint:
    txid: bytes
    """32 bytes in internal (serialized) order; the displayed txid is its reverse."""
    vout: int

    def serialize(self) -> bytes:
        return self.txid + self.vout.to_bytes(4, "little")


@dataclass(frozen=True, slots=True)
class TxIn:
    prevout: OutPoint
    script_sig: bytes
    sequence: int


@dataclass(frozen=True, slots=True)
class TxOut:
    value: int
    script_pubkey: bytes

    def serialize(self) -> bytes:
        return self.value.to_bytes(8, "little") + compact_size(len(self.script_pubkey)) \
            + self.script_pubkey

    @classmethod
    def parse(cls, reader: Reader) -> TxOut:
        value = reader.uint(8, "output value")
        if value > MAX_SATOSHIS:
            raise InvalidInput("output value exceeds 21 million BTC", field=reader.what)
        return cls(value, reader.var_bytes("output script"))

    @classmethod
    def from_bytes(cls, data: bytes, what: str) -> TxOut:
        reader = Reader(data, what)
        out = cls.parse(reader)
        reader.finish()
        return out


@dataclass(frozen=True, slots=True)
class Transaction:
    version: int
    inputs: tuple[TxIn, ...]
    outputs: tuple[TxOut, ...]
    locktime: int
    witnesses: tuple[tuple[bytes, ...], ...] = field(default=())
    """One stack per input, or empty when the transaction has no witness data."""

    @property
    def has_witness(self) -> bool:
        return any(self.witnesses)

    def serialize(self, *, include_witness: bool = True) -> bytes:
        witness = include_witness and self.has_witness
        parts = [self.version.to_bytes(4, "little")]
        if witness:
            parts.append(b"\x00\x01")
        parts.append(compact_size(len(self.inputs)))
        for tx_in in self.inputs:
            parts += [tx_in.prevout.serialize(), compact_size(len(tx_in.script_sig)),
                      tx_in.script_sig, tx_in.sequence.to_bytes(4, "little")]
        parts.append(compact_size(len(self.outputs)))
        parts += [out.serialize() for out in self.outputs]
        if witness:
            for stack in self.witnesses:
                parts.append(serialize_witness(stack))
        parts.append(self.locktime.to_bytes(4, "little"))
        return b"".join(parts)

    def txid(self) -> bytes:
        """Internal-order txid (hash of the non-witness serialization)."""
        return hash256(self.serialize(include_witness=False))

    def txid_hex(self) -> str:
        return self.txid()[::-1].hex()

    @classmethod
    def parse(cls, data: bytes, what: str = "transaction", *,
              allow_witness: bool = True) -> Transaction:
        reader = Reader(bytes(data), what)
        version = reader.uint(4, "version")
        witness = False
        if allow_witness and reader.remaining >= 2 and reader.data[4] == 0 \
                and reader.data[5] != 0:
            flag = reader.data[5]
            if flag != 1:
                raise InvalidInput(f"unknown witness flag {flag}", field=what)
            reader.read(2)
            witness = True
        inputs = []
        for _ in range(reader.compact_size("input count")):
            txid = reader.read(32, "previous txid")
            vout = reader.uint(4, "previous output index")
            script_sig = reader.var_bytes("scriptSig")
            inputs.append(TxIn(OutPoint(txid, vout), script_sig, reader.uint(4, "sequence")))
        outputs = tuple(TxOut.parse(reader) for _ in range(reader.compact_size("output count")))
        witnesses: tuple[tuple[bytes, ...], ...] = ()
        if witness:
            witnesses = tuple(parse_witness(reader) for _ in inputs)
            if not any(witnesses):
                raise InvalidInput("witness flag set but every witness is empty", field=what)
        locktime = reader.uint(4, "locktime")
        reader.finish()
        return cls(version, tuple(inputs), outputs, locktime, witnesses)


def serialize_witness(stack: tuple[bytes, ...]) -> bytes:
    return compact_size(len(stack)) + b"".join(compact_size(len(item)) + item
                                              for item in stack)


def parse_witness(reader: Reader) -> tuple[bytes, ...]:
    return tuple(reader.var_bytes("witness item")
                 for _ in range(reader.compact_size("witness item count")))


# --- scripts --------------------------------------------------------------------------------

def push_data(data: bytes) -> bytes:
    """Minimal push of ``data`` (BIP-62 rule 3 for the sizes we produce)."""
    size = len(data)
    if size < OP_PUSHDATA1:
        return bytes([size]) + data
    if size <= 0xFF:
        return bytes([OP_PUSHDATA1, size]) + data
    if size <= 0xFFFF:
        return bytes([OP_PUSHDATA2]) + size.to_bytes(2, "little") + data
    return bytes([OP_PUSHDATA4]) + size.to_bytes(4, "little") + data


def read_pushes(script: bytes) -> list[bytes | int] | None:
    """Opcodes (``int``) and pushed data (``bytes``) of a script, or ``None`` if malformed."""
    items: list[bytes | int] = []
    position = 0
    while position < len(script):
        opcode = script[position]
        position += 1
        if 0 < opcode < OP_PUSHDATA1:
            size = opcode
        elif opcode in (OP_PUSHDATA1, OP_PUSHDATA2, OP_PUSHDATA4):
            width = {OP_PUSHDATA1: 1, OP_PUSHDATA2: 2, OP_PUSHDATA4: 4}[opcode]
            if position + width > len(script):
                return None
            size = int.from_bytes(script[position:position + width], "little")
            position += width
        else:
            items.append(opcode)
            continue
        if position + size > len(script):
            return None
        items.append(script[position:position + size])
        position += size
    return items


def p2pkh_script(key_hash: bytes) -> bytes:
    return bytes([OP_DUP, OP_HASH160, 20]) + key_hash + bytes([OP_EQUALVERIFY, OP_CHECKSIG])


def p2sh_script(script_hash: bytes) -> bytes:
    return bytes([OP_HASH160, 20]) + script_hash + bytes([OP_EQUAL])


def p2wpkh_script(key_hash: bytes) -> bytes:
    return b"\x00\x14" + key_hash


def p2wsh_script(script_hash: bytes) -> bytes:
    return b"\x00\x20" + script_hash


def p2tr_script(output_key: bytes) -> bytes:
    return b"\x51\x20" + output_key


ScriptKind = str
"""One of ``p2pkh``, ``p2sh``, ``p2wpkh``, ``p2wsh``, ``p2tr`` or ``unknown``."""


def classify_script(script: bytes) -> tuple[ScriptKind, bytes]:
    """The standard output type of ``script`` and its hash or key (empty if unknown)."""
    if len(script) == 25 and script[:3] == b"\x76\xa9\x14" and script[23:] == b"\x88\xac":
        return "p2pkh", script[3:23]
    if len(script) == 23 and script[:2] == b"\xa9\x14" and script[22] == OP_EQUAL:
        return "p2sh", script[2:22]
    if len(script) == 22 and script[:2] == b"\x00\x14":
        return "p2wpkh", script[2:]
    if len(script) == 34 and script[:2] == b"\x00\x20":
        return "p2wsh", script[2:]
    if len(script) == 34 and script[:2] == b"\x51\x20":
        return "p2tr", script[2:]
    return "unknown", b""


def multisig_script(threshold: int, public_keys: list[bytes]) -> bytes:
    """``OP_m <key>... OP_n OP_CHECKMULTISIG`` in the order given (sort first for BIP-67)."""
    if not 1 <= threshold <= len(public_keys) <= 16:
        raise InvalidInput("multisig needs 1 <= m <= n <= 16", field="threshold")
    return bytes([OP_1 + threshold - 1]) + b"".join(push_data(k) for k in public_keys) \
        + bytes([OP_1 + len(public_keys) - 1, OP_CHECKMULTISIG])


def parse_multisig(script: bytes) -> tuple[int, list[bytes]] | None:
    """``(m, keys)`` of a bare ``m``-of-``n`` CHECKMULTISIG script, else ``None``."""
    items = read_pushes(script)
    if not items or len(items) < 4 or items[-1] != OP_CHECKMULTISIG:
        return None
    first, count = items[0], items[-2]
    if not isinstance(first, int) or not isinstance(count, int) \
            or not OP_1 <= first <= OP_16 or not OP_1 <= count <= OP_16:
        return None
    keys = items[1:-2]
    threshold, total = first - OP_1 + 1, count - OP_1 + 1
    if len(keys) != total or threshold > total:
        return None
    if not all(isinstance(k, bytes) and len(k) in (33, 65) for k in keys):
        return None
    return threshold, [k for k in keys if isinstance(k, bytes)]
