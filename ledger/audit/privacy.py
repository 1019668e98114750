"""The auditor's re-check of recorded privacy proofs, from public values only.

Why: the ledger verified each anonymous approval and each proof of possession before
recording it, but an auditor trusts nothing the ledger decided. The events carry what is
needed to decide again:

1. ``RingApprovalRecorded``: the signature verifies over the group's ring (as the fold holds
   it), for the statement and linking scope of its group, proposal and message digest; its
   key image is the one recorded; the ring digest is the group's; and the image was not
   already counted for that proposal (a double approval the ledger should have refused).
2. ``PossessionProven``: the proof verifies with the actor's identity key for the challenge
   the actor had open (issued, not answered, not expired at the event's time).

Each check returns a finding (a message) or ``None``; it runs before the event is folded,
on the state the event was decided on.
"""

from __future__ import annotations

import hmac
from typing import Any

from ledger.crypto.privacy import pok, ring
from ledger.domain.approval_group import approval_scope, approval_statement
from ledger.errors import InvalidInput, InvalidSignature
from ledger.state import LedgerState

__all__ = ["PROOF_EVENTS", "check_proof"]


def _ring_approval(fold: LedgerState, record: dict[str, Any]) -> str | None:
    group = fold.groups.get(record["group_id"])
    if group is None:
        return "ring approval of an unknown group"
    if not hmac.compare_digest(bytes(record["ring_digest"]), bytes(group.ring_digest)):
        return "ring approval names another ring than its group's"
    proposal, digest = record["proposal"], bytes(record["message_digest"])
    try:
        checked = ring.verify(group.ring, approval_statement(group.group_id, proposal, digest),
                              bytes(record["signature"]),
                              scope=approval_scope(group.group_id, proposal))
    except (InvalidSignature, InvalidInput) as problem:
        return f"recorded ring signature does not verify: {problem.message}"
    if not hmac.compare_digest(checked.key_image, bytes(record["key_image"])):
        return "recorded key image is not the signature's"
    counted = group.proposals.get(proposal, {}).get("images", [])
    if any(hmac.compare_digest(image, checked.key_image) for image in counted):
        return "key image counted twice for one proposal (a double approval)"
    return None


def _possession(fold: LedgerState, record: dict[str, Any], recorded_at: int) -> str | None:
    actor = fold.actors.get(record["actor_id"])
    if actor is None:
        return "possession proof of an unknown actor"
    challenge = actor.challenges.get(record["challenge_id"])
    if challenge is None or recorded_at >= challenge["expires_at"]:
        return "possession proof answers no open challenge"
    try:
        pok.verify(record["suite"], bytes(actor.public_key), bytes(record["proof"]),
                   user_id=actor.actor_id,
                   challenge=pok.PoKChallenge(challenge["service"], challenge["purpose"],
                                              challenge["nonce"]))
    except (InvalidSignature, InvalidInput) as problem:
        return f"recorded possession proof does not verify: {problem.message}"
    return None


PROOF_EVENTS = frozenset({"RingApprovalRecorded", "PossessionProven"})


def check_proof(fold: LedgerState, event_type: str, record: dict[str, Any],
                recorded_at: int) -> str | None:
    """A finding about a recorded proof, or ``None`` (other event types: always ``None``)."""
    if event_type == "RingApprovalRecorded":
        return _ring_approval(fold, record)
    if event_type == "PossessionProven":
        return _possession(fold, record, recorded_at)
    return None
