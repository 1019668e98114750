"""How vectors become JSON: bytes in lowercase hex, one stable rendering.

Why one renderer: ``--check`` compares the files byte for byte, so key order, indentation,
escaping and the final newline must never depend on how a dict happened to be built.
Records of the product (stored envelopes, stored checkpoints) are written with exactly the
fields the :class:`~ledger.stores.base.EventStore` interface shows, so a test can rebuild
them without knowing how any adapter lays them out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vectorgen.product import StoredCheckpoint, StoredEnvelope

Json = dict[str, Any]


def render(document: Mapping[str, Any]) -> str:
    """The one text form of a vector file: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def plain(value: Any) -> Any:
    """A decoded product record as JSON: bytes become hex, tuples lists, the rest unchanged."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def stored_envelope(envelope: StoredEnvelope) -> Json:
    return {
        "chain_id": envelope.chain_id,
        "seq": envelope.seq,
        "event_hash": envelope.event_hash.hex(),
        "body": envelope.body.hex(),
        "event_type": envelope.event_type,
        "aggregate_id": envelope.aggregate_id,
        "aggregate_version": envelope.aggregate_version,
        "command_id": envelope.command_id,
    }


def stored_checkpoint(checkpoint: StoredCheckpoint) -> Json:
    return {"chain_id": checkpoint.chain_id, "size": checkpoint.size, "note": checkpoint.note}
