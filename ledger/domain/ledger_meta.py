"""The Ledger aggregate: the genesis facts of one ledger (identity key, checkpoint policy)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.events import HasEventType, register_event, topic_of


class LedgerMeta(Aggregate):
    """Created once, by the first event of the system chain."""

    ledger_name: str
    ledger_public_key: bytes
    origin: str
    fips_mode: bool
    checkpoint_every_events: int
    checkpoint_every_seconds: int
    kek_provider: str

    def __init__(self) -> None:
        """State is set by the creation event's ``apply`` (rebuilt the same way from the log)."""

    class Initialized(Aggregate.Created, HasEventType):
        event_type = "LedgerInitialized"
        ledger_id: str
        ledger_name: str
        ledger_public_key: bytes
        origin: str
        fips_mode: bool
        checkpoint_every_events: int
        checkpoint_every_seconds: int
        kek_provider: str

        def apply(self, aggregate: Any) -> None:
            for name in ("ledger_name", "ledger_public_key", "origin", "fips_mode",
                         "checkpoint_every_events", "checkpoint_every_seconds", "kek_provider"):
                setattr(aggregate, name, getattr(self, name))


register_event(LedgerMeta.Initialized)
LedgerMeta.Initialized.aggregate_topic = topic_of(LedgerMeta)  # type: ignore[attr-defined]
