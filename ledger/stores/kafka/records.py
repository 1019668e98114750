"""The record encoding (format 1): the ledger's seq in key and header, JSON value."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ledger.errors import (
    StoreError,
)
from ledger.stores.base import (
    StoredCheckpoint,
    StoredEnvelope,
)
from ledger.stores.kafka.settings import FORMAT


def _header(record: Any, name: str) -> bytes | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value)
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def encode_envelope(env: StoredEnvelope) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of an envelope record."""
    value = json.dumps({
        "format": FORMAT, "chain_id": env.chain_id, "seq": env.seq,
        "event_hash": _b64(env.event_hash), "body": _b64(env.body),
        "event_type": env.event_type, "aggregate_id": env.aggregate_id,
        "aggregate_version": env.aggregate_version, "command_id": env.command_id,
    }, separators=(",", ":"), sort_keys=True).encode("utf-8")
    seq = str(env.seq).encode("ascii")
    return seq, value, [("skms-seq", seq), ("skms-kind", b"envelope"),
                        ("skms-format", str(FORMAT).encode("ascii"))]


def decode_envelope(record: Any, chain_id: str) -> StoredEnvelope:
    where = f"chain {chain_id!r}: record at offset {record.offset} of {record.topic}"
    try:
        data = json.loads(bytes(record.value).decode("utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        env = StoredEnvelope(
            chain_id=str(data["chain_id"]), seq=int(data["seq"]),
            event_hash=_unb64(data["event_hash"]), body=_unb64(data["body"]),
            event_type=str(data["event_type"]), aggregate_id=str(data["aggregate_id"]),
            aggregate_version=int(data["aggregate_version"]), command_id=str(data["command_id"]))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise StoreError(f"{where} is not a format-{FORMAT} envelope: {exc}") from None
    header_seq = _header(record, "skms-seq")
    if header_seq is not None and header_seq != str(env.seq).encode("ascii"):
        raise StoreError(f"{where}: header seq {header_seq!r} disagrees with body seq {env.seq}")
    if env.chain_id != chain_id:
        raise StoreError(f"{where} belongs to chain {env.chain_id!r}")
    return env


def encode_checkpoint(cp: StoredCheckpoint) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    value = json.dumps({"format": FORMAT, "chain_id": cp.chain_id, "size": cp.size,
                        "note": cp.note}, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return (str(cp.size).encode("ascii"), value,
            [("skms-kind", b"checkpoint"), ("skms-format", str(FORMAT).encode("ascii"))])


def decode_checkpoint(record: Any, chain_id: str) -> StoredCheckpoint:
    try:
        data = json.loads(bytes(record.value).decode("utf-8"))
        cp = StoredCheckpoint(chain_id=str(data["chain_id"]), size=int(data["size"]),
                              note=str(data["note"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"chain {chain_id!r}: checkpoint record at offset {record.offset} "
                         f"is unreadable: {exc}") from None
    if cp.chain_id != chain_id:
        raise StoreError(f"chain {chain_id!r}: checkpoint record at offset {record.offset} "
                         f"belongs to chain {cp.chain_id!r}")
    return cp
