"""Naive, separate implementations used only to cross-check the own vectors.

Nothing here imports SKMS. Each function is written from its specification, as plainly as
possible, so that a vector that SKMS and this module both accept means two independent
readings of the same text agree:

* RFC 9162 §2.1: the Merkle tree hash (recursive MTH), inclusion paths and consistency
  proofs (PATH, SUBPROOF), and the verification algorithms of §2.1.3.2 and §2.1.4.2, with
  ``hashlib`` only;
* the SKMS event hash, ``SHA-256("SKMS-EVENT-v1" || 0x00 || body)`` (docs/architecture.md);
* the Avro binary encoding (Avro 1.11 specification, "Binary Encoding") of the flat
  ``EnvelopeBody`` record, read field by field in the order of its ``.avsc`` file;
* C2SP signed-note and tlog-checkpoint (c2sp.org/signed-note, c2sp.org/tlog-checkpoint);
* Ed25519 signature checks with pyca/cryptography (SKMS itself verifies with PyNaCl).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature as PycaInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# --- RFC 9162 §2.1 ----------------------------------------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def largest_power_of_two_below(n: int) -> int:
    """k of RFC 9162: the largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def leaf_hash(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry)


def mth(entries: list[bytes]) -> bytes:
    """MTH(D[n]): the hash of the empty string, the leaf hash, or 0x01 || left || right."""
    if not entries:
        return sha256(b"")
    if len(entries) == 1:
        return leaf_hash(entries[0])
    k = largest_power_of_two_below(len(entries))
    return sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def path(m: int, entries: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of §2.1.3.1."""
    if len(entries) == 1:
        return []
    k = largest_power_of_two_below(len(entries))
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def subproof(m: int, entries: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of §2.1.4.1."""
    n = len(entries)
    if m == n:
        return [] if complete else [mth(entries)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [*subproof(m, entries[:k], complete), mth(entries[k:])]
    return [*subproof(m - k, entries[k:], False), mth(entries[:k])]


def consistency(m: int, entries: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    return subproof(m, entries, True)


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def inclusion_holds(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes
                    ) -> bool:
    """§2.1.3.2, step by step; True only when the proof leads to ``root``."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn // 2, sn // 2
        else:
            r = node(r, p)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and r == root


def consistency_holds(first: int, second: int, proof: list[bytes], first_hash: bytes,
                      second_hash: bytes) -> bool:
    """§2.1.4.2, step by step. Sizes outside 0 < first <= second are refused, as SKMS
    documents (a proof from the empty tree proves nothing); equal sizes hold with the empty
    proof (PROOF(m, D[m]) is empty by §2.1.4.1) exactly when the two hashes are equal."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if not proof:
        return False
    if first & (first - 1) == 0:  # an exact power of 2
        proof = [first_hash, *proof]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn // 2, sn // 2
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn // 2, sn // 2
        else:
            sr = node(sr, c)
        fn, sn = fn // 2, sn // 2
    return fr == first_hash and sr == second_hash and sn == 0


# --- SKMS hashes and signatures ---------------------------------------------------------------

EVENT_DOMAIN = b"SKMS-EVENT-v1\x00"
COMMAND_DOMAIN = b"SKMS-COMMAND-v1\x00"


def event_hash(body: bytes) -> bytes:
    return sha256(EVENT_DOMAIN + body)


def ed25519_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """pyca/cryptography's verdict on an Ed25519 signature."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except PycaInvalidSignature:
        return False
    return True


# --- Avro binary encoding ---------------------------------------------------------------------


def avro_record_fields(schema_file: Path) -> list[tuple[str, str]]:
    """(name, primitive type) of each field of a flat Avro record schema, in order."""
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    fields = []
    for field in schema["fields"]:
        kind = field["type"]
        fields.append((field["name"], kind["type"] if isinstance(kind, dict) else kind))
    return fields


def read_avro_record(data: bytes, fields: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode a record of int, long, string and bytes fields; every byte must be used.

    int and long are zig-zag coded variable-length integers (7 bits a byte, low group
    first, high bit set on all but the last byte); bytes and string are a long length
    followed by that many bytes (UTF-8 for strings).
    """
    position = 0

    def varint() -> int:
        nonlocal position
        shift = value = 0
        while True:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return (value >> 1) ^ -(value & 1)

    def raw() -> bytes:
        nonlocal position
        length = varint()
        chunk = data[position:position + length]
        assert len(chunk) == length, "truncated"
        position += length
        return chunk

    record: dict[str, Any] = {}
    for name, kind in fields:
        if kind in ("int", "long"):
            record[name] = varint()
        elif kind == "bytes":
            record[name] = raw()
        elif kind == "string":
            record[name] = raw().decode("utf-8")
        else:
            raise AssertionError(f"the reference reader knows no {kind!r} field")
    assert position == len(data), "bytes left after the record"
    return record


# --- C2SP signed note and checkpoint ----------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


def parse_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text (final newline included) and signature lines.

    The text is separated from the signatures by the last empty line; every signature line
    is an em dash, a space, the key name, a space and base64(key ID (4) || signature).
    """
    assert note.endswith("\n"), "a note ends with a newline"
    assert not any(ord(ch) < 0x20 and ch != "\n" for ch in note), "control character"
    separator = note.rindex("\n\n")
    text, block = note[:separator + 1], note[separator + 2:]
    signatures = []
    for line in block[:-1].split("\n"):
        assert line.startswith("\u2014 "), "a signature line starts with an em dash"
        name, encoded = line[2:].split(" ")
        blob = base64.b64decode(encoded, validate=True)
        signatures.append(NoteSignature(name, blob[:4], blob[4:]))
    return text, signatures


def note_key_id(name: str, public_key: bytes) -> bytes:
    """The first four bytes of SHA-256(key name || 0x0A || 0x01 (Ed25519) || public key)."""
    return sha256(name.encode("utf-8") + b"\n" + b"\x01" + public_key)[:4]


def note_signed_by(note: str, name: str, public_key: bytes) -> bool:
    """True if a signature line by (name, key) verifies over the note text."""
    text, signatures = parse_note(note)
    key_id = note_key_id(name, public_key)
    return any(s.name == name and s.key_id == key_id
               and ed25519_valid(public_key, text.encode("utf-8"), s.signature)
               for s in signatures)


def parse_checkpoint(text: str) -> dict[str, Any]:
    """Origin, decimal size and base64 root hash lines, then any non-empty extension lines.

    Raises ``ValueError`` for anything but the one canonical spelling: fewer than three
    lines, an empty origin or extension line, a size that is not plain decimal, a root
    that is not canonical base64 of 32 bytes.
    """
    lines = text[:-1].split("\n")
    if not text.endswith("\n") or len(lines) < 3:
        raise ValueError("a checkpoint has origin, size and root lines")
    origin, size, root, *extensions = lines
    if not origin or not all(extensions):
        raise ValueError("empty origin or extension line")
    if not size.isascii() or not size.isdigit() or size != str(int(size)):
        raise ValueError("size not in canonical decimal")
    root_hash = base64.b64decode(root, validate=True)
    if len(root_hash) != 32 or base64.b64encode(root_hash).decode() != root:
        raise ValueError("root not canonical base64 of 32 bytes")
    return {"origin": origin, "size": int(size), "root": root_hash.hex(),
            "extensions": extensions}
