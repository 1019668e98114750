"""Handler: the ledger's record of a KEK rotation (``skms kek rotate``, system-signed)."""

from __future__ import annotations

from typing import Any

from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.errors import ConfigurationError, IllegalTransition


@handles("AuthorizeKekRotation")
def authorize_kek_rotation(decision: Decision) -> dict[str, Any]:
    """One rotation allowed; the quorum a policy puts on it is the gate's (this runs once
    it is met, caused by the completing approval)."""
    meta = decision.ledger.meta
    if meta is None:
        raise ConfigurationError("the ledger is not initialised")
    authorization_id = str(decision.ledger.new_id())
    meta.authorize_kek_rotation(authorization_id=authorization_id, to=decision.args["to"],
                                reason=decision.args.get("reason") or "",
                                requested_by=decision.command.actor_id, at=decision.now)
    decision.touch(meta)
    return {"authorization_id": authorization_id, "to": decision.args["to"],
            "reason": decision.args.get("reason") or "",
            "unused": len(meta.kek_authorizations)}


@handles("RecordKekRotation")
def record_kek_rotation(decision: Decision) -> dict[str, Any]:
    """Start (once per rotation id: a resumed run records nothing new) or complete."""
    meta = decision.ledger.meta
    if meta is None:
        raise ConfigurationError("the ledger is not initialised")
    args = decision.args
    if args["phase"] == "started":
        started = meta.start_kek_rotation(
            rotation_id=args["rotation_id"], old_kek_id=args["old_kek_id"],
            new_kek_id=args["new_kek_id"], new_kek_provider=args["new_kek_provider"],
            data_keys=args["data_keys"], at=decision.now)
        if not started:
            raise IllegalTransition(f"KEK rotation {args['rotation_id']} is already recorded "
                                    "as started", reason_code="illegal-transition")
        decision.touch(meta)
        return {"rotation_id": args["rotation_id"], "recorded": True}
    meta.complete_kek_rotation(
        rotation_id=args["rotation_id"], new_kek_id=args["new_kek_id"],
        rewrapped=args["rewrapped"], already_new=args["already_new"], skipped=args["skipped"],
        home_secrets=args["home_secrets"], digest=bytes.fromhex(args.get("digest") or "00" * 32),
        at=decision.now)
    decision.touch(meta)
    return {"rotation_id": args["rotation_id"], "recorded": True}
