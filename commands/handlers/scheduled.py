"""Handlers: the scheduler's key work (rotating keys whose rotation period has passed).

Signed by the ledger key as the ``scheduler`` actor, which may issue nothing but the
catalogue's scheduled commands; the auditor accepts a ``RotateDueKey`` only for a key that
was due when it was recorded (:mod:`ledger.audit.scheduled`).
"""

from __future__ import annotations

from typing import Any

from commands.handlers.keys import rotate_key
from commands.handlers.lookups import key_in_chain
from commands.handlers.registry import handles
from ledger.application import Decision
from ledger.errors import IllegalTransition


@handles("RotateDueKey")
def rotate_due_key(decision: Decision) -> dict[str, Any]:
    key = key_in_chain(decision)
    due = key.rotation_due_at()
    if due is None or decision.now < due:
        raise IllegalTransition(f"key {key.key_id} is not due for rotation",
                                reason_code="not-due")
    return rotate_key(decision)
