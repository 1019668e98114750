"""The aggregate base class and the domain event base classes SKMS's aggregates build on.

Requirements:

1. A domain event is a frozen, keyword-only dataclass: its own fields are exactly its Avro
   record's fields (``schemas/avro/<event_type>.v1.avsc``), plus three coordinates that
   the envelope carries instead: the aggregate id, the aggregate version it brings the
   aggregate to, and ``recorded_at`` (microseconds since the epoch, from the ledger's
   clock).
2. Every decision an aggregate makes is a method that either triggers exactly the events
   recording it or raises and changes nothing; triggering applies the event at once and
   keeps it pending until the ledger collects it.
3. Rebuilding from the log applies the same events through the same ``apply`` methods, in
   version order: an event for another aggregate or out of version order is refused.
4. Time is a parameter (``at``): the ledger passes its own clock's reading, so an event's
   time is the one its envelope is recorded with and a rebuild reproduces it exactly.

Why our own base instead of the ``eventsourcing`` library's: its public API has no way to
create an aggregate with a given id and a given creation time (only a private
``_create``), its creation-event plumbing lives in a metaclass, and its events take their
time from the wall clock. What SKMS needs of it is this module.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, ClassVar, TypeVar, dataclass_transform

from ledger.errors import SkmsError

A = TypeVar("A", bound="Aggregate")

COORDINATES = frozenset({"originator_id", "originator_version", "recorded_at"})
"""Event fields carried by the envelope rather than by the event's Avro record."""


class AggregateVersionError(SkmsError):
    """An event does not belong to the aggregate, or does not come next in its versions."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EventCoordinates:
    """Where an event sits: its aggregate, the version it makes, its time (µs, UTC)."""

    originator_id: uuid.UUID
    originator_version: int
    recorded_at: int


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Event(EventCoordinates):
    """A domain event; subclasses become frozen, keyword-only dataclasses by themselves."""

    event_type: ClassVar[str]
    aggregate_class: ClassVar[type[Aggregate]]
    """The aggregate whose class body defines the event (set by :class:`Aggregate`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    def apply(self, aggregate: Any) -> None:
        """Change the aggregate's state as the event says (subclasses override)."""

    def mutate(self, aggregate: Any) -> Any:
        """Apply to ``aggregate``, checking it is the event's aggregate at the version before."""
        if aggregate is None or aggregate.id != self.originator_id:
            raise AggregateVersionError(f"{self.event_type} does not belong to this aggregate")
        if self.originator_version != aggregate.version + 1:
            raise AggregateVersionError(f"{self.event_type} brings aggregate "
                                        f"{self.originator_id} to version "
                                        f"{self.originator_version}, not "
                                        f"{aggregate.version + 1}")
        self.apply(aggregate)
        aggregate.version = self.originator_version
        return aggregate

    def fields(self) -> dict[str, Any]:
        """The event's own fields: its Avro record."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in COORDINATES}


class Created(Event):
    """The first event of an aggregate: applying it makes the aggregate."""

    def mutate(self, aggregate: Any) -> Any:
        if aggregate is not None:
            raise AggregateVersionError(f"{self.event_type} would create "
                                        f"{self.originator_id} twice")
        if self.originator_version != 1:
            raise AggregateVersionError(f"{self.event_type} must be version 1")
        made = self.aggregate_class(self.originator_id)
        self.apply(made)
        made.version = 1
        return made


class Aggregate:
    """An event-sourced aggregate: an id, a version and the events not yet collected.

    A subclass names its creation event by nesting one :class:`Created` subclass; state is
    set by the events' ``apply`` methods only, so a rebuild and a live decision agree.
    """

    def __init__(self, aggregate_id: uuid.UUID) -> None:
        self.id = aggregate_id
        self.version = 0
        self.pending_events: list[Event] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for value in vars(cls).values():
            if isinstance(value, type) and issubclass(value, Event):
                value.aggregate_class = cls

    @classmethod
    def create(cls: type[A], event_class: type[Created], *, aggregate_id: uuid.UUID, at: int,
               **fields: Any) -> A:
        """A new aggregate, made by its creation event (pending, to be recorded)."""
        event = event_class(originator_id=aggregate_id, originator_version=1, recorded_at=at,
                            **fields)
        made: A = event.mutate(None)
        made.pending_events.append(event)
        return made

    def trigger_event(self, event_class: type[Event], *, at: int, **fields: Any) -> None:
        """Record a decision: the next event, applied now and kept pending."""
        event = event_class(originator_id=self.id, originator_version=self.version + 1,
                            recorded_at=at, **fields)
        event.mutate(self)
        self.pending_events.append(event)

    def collect_events(self) -> list[Event]:
        """The pending events, oldest first; none remain pending afterwards."""
        collected, self.pending_events = self.pending_events, []
        return collected
