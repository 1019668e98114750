"""Base class and registry of domain events, and their mapping to Avro records.

Why a registry: the envelope names an event by its stable ``event_type`` (the Avro record
name, e.g. ``KeyRotated``). Rebuilding an aggregate from the log looks the class up here.
An event's dataclass fields, minus eventsourcing's bookkeeping, are exactly its Avro fields.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate, CanMutateAggregate

BOOKKEEPING = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})

EVENT_CLASSES: dict[str, type[CanMutateAggregate[uuid.UUID]]] = {}


def register_event(cls: type[Any]) -> type[Any]:
    """Class decorator: record ``cls`` under its ``event_type``."""
    event_type: str = cls.event_type
    if event_type in EVENT_CLASSES:
        raise RuntimeError(f"event type {event_type} registered twice")
    EVENT_CLASSES[event_type] = cls
    return cls


class HasEventType:
    """Mixin giving every domain event its stable Avro name."""

    event_type: ClassVar[str]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """Exact microseconds since the epoch (no float rounding: hashes depend on it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // ONE_MICROSECOND


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def event_to_record(event: CanMutateAggregate[uuid.UUID]) -> tuple[str, dict[str, Any]]:
    """The event's type name and its Avro record."""
    event_type: str = type(event).event_type  # type: ignore[attr-defined]
    record = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)  # type: ignore[arg-type]
              if f.name not in BOOKKEEPING}
    return event_type, record


def record_to_event(event_type: str, record: dict[str, Any], *, aggregate_id: str,
                    aggregate_version: int, recorded_at: int) -> CanMutateAggregate[uuid.UUID]:
    """Rebuild a domain event object from its Avro record and envelope coordinates."""
    cls = EVENT_CLASSES[event_type]
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {k: v for k, v in record.items() if k in names}
    kwargs.update(originator_id=uuid.UUID(aggregate_id), originator_version=aggregate_version,
                  timestamp=from_micros(recorded_at))
    if "originator_topic" in names:
        kwargs["originator_topic"] = cls.aggregate_topic  # type: ignore[attr-defined]
    return cls(**kwargs)


def topic_of(aggregate_class: type[Aggregate]) -> str:
    return f"{aggregate_class.__module__}:{aggregate_class.__qualname__}"
