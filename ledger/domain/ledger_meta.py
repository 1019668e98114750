"""The Ledger aggregate: the genesis facts of one ledger (identity key, checkpoint policy),
and the KEK rotations it went through (at most one in progress at a time)."""

from __future__ import annotations

from typing import Any

from ledger.domain.aggregate import Aggregate, Created, Event
from ledger.domain.registry import register_event
from ledger.errors import IllegalTransition


class LedgerMeta(Aggregate):
    """Created once, by the first event of the system chain."""

    ledger_name: str
    ledger_public_key: bytes
    origin: str
    fips_mode: bool
    checkpoint_every_events: int
    checkpoint_every_seconds: int
    kek_provider: str
    kek_rotation: dict[str, Any] | None

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
            aggregate.kek_rotation = None

    class KekRotationStarted(Event):
        event_type = "KekRotationStarted"
        rotation_id: str
        old_kek_id: str
        new_kek_id: str
        new_kek_provider: str
        data_keys: int

        def apply(self, aggregate: Any) -> None:
            aggregate.kek_rotation = {"rotation_id": self.rotation_id,
                                      "old_kek_id": self.old_kek_id,
                                      "new_kek_id": self.new_kek_id,
                                      "new_kek_provider": self.new_kek_provider}

    class KekRotationCompleted(Event):
        event_type = "KekRotationCompleted"
        rotation_id: str
        new_kek_id: str
        rewrapped: int
        already_new: int
        skipped: int
        home_secrets: int
        digest: bytes

        def apply(self, aggregate: Any) -> None:
            running = aggregate.kek_rotation
            if running is None or running["rotation_id"] != self.rotation_id:
                raise IllegalTransition(f"KEK rotation {self.rotation_id} was not started",
                                        reason_code="illegal-transition")
            aggregate.kek_provider = running["new_kek_provider"]
            aggregate.kek_rotation = None

    def start_kek_rotation(self, *, rotation_id: str, old_kek_id: str, new_kek_id: str,
                           new_kek_provider: str, data_keys: int, at: int) -> bool:
        """Record the start; ``False`` (nothing recorded) when this rotation is resumed.

        Refused while another rotation is in progress: its rewrap may be running
        elsewhere, and two KEKs moving the same key-ring would strand data keys.
        """
        running = self.kek_rotation
        if running is not None:
            if running["rotation_id"] == rotation_id:
                return False
            raise IllegalTransition(
                f"KEK rotation {running['rotation_id']} (to {running['new_kek_id']}) is in "
                "progress", hint="finish it (skms kek rotate resumes it) before another",
                reason_code="kek-rotation-in-progress")
        self.trigger_event(LedgerMeta.KekRotationStarted, at=at, rotation_id=rotation_id,
                           old_kek_id=old_kek_id, new_kek_id=new_kek_id,
                           new_kek_provider=new_kek_provider, data_keys=data_keys)
        return True

    def complete_kek_rotation(self, *, rotation_id: str, new_kek_id: str, rewrapped: int,
                              already_new: int, skipped: int, home_secrets: int,
                              digest: bytes, at: int) -> None:
        running = self.kek_rotation
        if running is None or running["rotation_id"] != rotation_id:
            raise IllegalTransition(f"no KEK rotation {rotation_id} is in progress",
                                    reason_code="illegal-transition")
        if running["new_kek_id"] != new_kek_id:
            raise IllegalTransition(f"KEK rotation {rotation_id} moves to "
                                    f"{running['new_kek_id']}, not {new_kek_id}",
                                    reason_code="illegal-transition")
        self.trigger_event(LedgerMeta.KekRotationCompleted, at=at, rotation_id=rotation_id,
                           new_kek_id=new_kek_id, rewrapped=rewrapped, already_new=already_new,
                           skipped=skipped, home_secrets=home_secrets, digest=digest)


for _event in (LedgerMeta.Initialized, LedgerMeta.KekRotationStarted,
               LedgerMeta.KekRotationCompleted):
    register_event(_event)
