"""The registry of domain events, and their mapping to Avro records.

Why a registry: the envelope names an event by its stable ``event_type`` (the Avro record
name, e.g. ``KeyRotated``). Rebuilding an aggregate from the log looks the class up here.
An event's dataclass fields, minus its coordinates (aggregate id, version, time), are
exactly its Avro fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from ledger.domain.aggregate import Event

EVENT_CLASSES: dict[str, type[Event]] = {}


def register_event(cls: type[Event]) -> type[Event]:
    """Record ``cls`` under its ``event_type`` (once per type)."""
    if cls.event_type in EVENT_CLASSES:
        raise RuntimeError(f"event type {cls.event_type} registered twice")
    EVENT_CLASSES[cls.event_type] = cls
    return cls


def record_to_event(event_type: str, record: dict[str, Any], *, aggregate_id: str,
                    aggregate_version: int, recorded_at: int) -> Event:
    """Rebuild a domain event object from its Avro record and envelope coordinates."""
    cls = EVENT_CLASSES[event_type]
    return cls(originator_id=uuid.UUID(aggregate_id), originator_version=aggregate_version,
               recorded_at=recorded_at, **record)
