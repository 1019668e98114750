"""Domain events as Avro records: schemas in ``schemas/avro``, bytes only via :mod:`.codec`.

Re-exported here so callers write ``from ledger.events import encode_payload`` and nothing
outside this package ever touches fastavro.
"""

from __future__ import annotations

from ledger.events.codec import (
    ENVELOPE,
    EventCodec,
    decode_envelope_body,
    decode_payload,
    default_codec,
    encode_envelope_body,
    encode_payload,
    event_types,
    latest_version,
    schemas_dir,
    versions,
)

__all__ = [
    "ENVELOPE",
    "EventCodec",
    "decode_envelope_body",
    "decode_payload",
    "default_codec",
    "encode_envelope_body",
    "encode_payload",
    "event_types",
    "latest_version",
    "schemas_dir",
    "versions",
]
