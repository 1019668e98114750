"""Handlers: the ledger's genesis, and checkpoints an actor asks for."""

from __future__ import annotations

import uuid
from typing import Any

from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.domain.ledger_meta import LedgerMeta


@handles("InitializeLedger")
def initialize_ledger(decision: Decision) -> dict[str, Any]:
    args = decision.args
    meta = LedgerMeta.create(
        LedgerMeta.Initialized, aggregate_id=uuid.UUID(args["ledger_id"]), at=decision.now,
        ledger_id=args["ledger_id"], ledger_name=args["ledger_name"],
        ledger_public_key=bytes.fromhex(args["ledger_public_key"]), origin=args["origin"],
        fips_mode=args["fips_mode"], checkpoint_every_events=args["checkpoint_every_events"],
        checkpoint_every_seconds=args["checkpoint_every_seconds"],
        kek_provider=args["kek_provider"])
    decision.touch(meta)
    return {"ledger_id": args["ledger_id"]}


@handles("RequestCheckpoint")
def request_checkpoint(decision: Decision) -> dict[str, Any]:
    """The ledger publishes the checkpoint as this command's event (its result: size and
    note) once the decision is built."""
    decision.request_checkpoint()
    return {}
