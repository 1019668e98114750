"""The Ledger aggregate: the genesis facts of one ledger (identity key, checkpoint policy)."""

from __future__ import annotations

from typing import Any

from ledger.domain.aggregate import Aggregate, Created
from ledger.domain.registry import register_event


class LedgerMeta(Aggregate):
    """Created once, by the first event of the system chain."""

    ledger_name: str
    ledger_public_key: bytes
    origin: str
    fips_mode: bool
    checkpoint_every_events: int
    checkpoint_every_seconds: int
    kek_provider: str

    class Initialized(Created):
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
