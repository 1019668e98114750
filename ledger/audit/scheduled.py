"""The auditor's re-check of the scheduler's own commands.

The ``scheduler`` actor signs with the ledger key and is authorized only for the
catalogue's scheduled commands; what authorization cannot say is whether the work was due.
So: a ``RotateDueKey`` is accepted only for a key that was active with a rotation period
whose time (last rotation, or creation, plus the period) had come when the rotation was
recorded. (``ExpireApproval`` is checked with the approvals, :mod:`ledger.audit.approvals`.)
"""

from __future__ import annotations

from ledger.audit.examine import Examined
from ledger.errors import VerificationError
from ledger.state import LedgerState


def check_scheduled(fold: LedgerState, chain_id: str, item: Examined) -> None:
    """Raise (check ``scheduled``) for scheduled work that was not due."""
    if item.command_type != "RotateDueKey":
        return
    key = fold.keys.get(item.aggregate_id)
    due = key.rotation_due_at() if key is not None else None
    if due is None or item.recorded_at < due:
        raise VerificationError(f"the scheduler rotated key {item.aggregate_id}, which was "
                                "not due for rotation then", seq=item.seq, chain=chain_id,
                                check="scheduled")
