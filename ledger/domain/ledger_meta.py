"""The Ledger aggregate: the genesis facts of one ledger (identity key, checkpoint policy),
and the KEK rotations it went through (at most one in progress at a time).

A rotation is decided by a signed, gateable command (``AuthorizeKekRotation``:
``KekRotationAuthorized``) and run beside the home by ``skms kek rotate``, which the ledger
records with its own key. Each start uses up the oldest unused authorization of its kind,
in the fold itself, so a log whose start had none does not fold: neither the ledger nor
the auditor accepts it."""

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
    kek_authorizations: list[dict[str, Any]]

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
            aggregate.kek_authorizations = []

    class KekRotationAuthorized(Event):
        event_type = "KekRotationAuthorized"
        authorization_id: str
        to: str
        reason: str
        requested_by: str

        def apply(self, aggregate: Any) -> None:
            aggregate.kek_authorizations.append({
                "authorization_id": self.authorization_id, "to": self.to,
                "reason": self.reason, "requested_by": self.requested_by,
                "at": self.recorded_at})

    class KekRotationStarted(Event):
        event_type = "KekRotationStarted"
        rotation_id: str
        old_kek_id: str
        new_kek_id: str
        new_kek_provider: str
        data_keys: int

        def apply(self, aggregate: Any) -> None:
            used = authorization_for(aggregate.kek_authorizations, self.new_kek_provider)
            if used is None:
                raise IllegalTransition(
                    f"KEK rotation {self.rotation_id} started without an unused "
                    f"AuthorizeKekRotation for a {kek_kind(self.new_kek_provider)} KEK",
                    reason_code="kek-rotation-not-authorized")
            aggregate.kek_authorizations.remove(used)
            aggregate.kek_rotation = {"rotation_id": self.rotation_id,
                                      "old_kek_id": self.old_kek_id,
                                      "new_kek_id": self.new_kek_id,
                                      "new_kek_provider": self.new_kek_provider,
                                      "authorization_id": used["authorization_id"]}

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

    def authorize_kek_rotation(self, *, authorization_id: str, to: str, reason: str,
                               requested_by: str, at: int) -> None:
        self.trigger_event(LedgerMeta.KekRotationAuthorized, at=at,
                           authorization_id=authorization_id, to=to, reason=reason,
                           requested_by=requested_by)

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
        if authorization_for(self.kek_authorizations, new_kek_provider) is None:
            raise IllegalTransition(
                f"no unused KEK rotation authorization for a {kek_kind(new_kek_provider)} "
                "KEK", reason_code="kek-rotation-not-authorized",
                hint="an admin runs AuthorizeKekRotation (skms kek rotate does), with the "
                     "approvals a policy requires")
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


def kek_kind(provider: str) -> str:
    """``passphrase`` or ``pkcs11``: the kind of a provider description (``passphrase-
    scrypt``, ``pkcs11-aes-kwp:LABEL/SERIAL``)."""
    return provider.split("-", 1)[0]


def authorization_for(unused: list[dict[str, Any]], provider: str) -> dict[str, Any] | None:
    """The oldest unused authorization a rotation to ``provider`` may use."""
    return next((a for a in unused if a["to"] == kek_kind(provider)), None)


for _event in (LedgerMeta.Initialized, LedgerMeta.KekRotationAuthorized,
               LedgerMeta.KekRotationStarted, LedgerMeta.KekRotationCompleted):
    register_event(_event)
