"""The ApprovalGroup aggregate: a ring of public keys whose members approve anonymously.

Why an aggregate of its own: an anonymous approval (a linkable ring signature,
:mod:`ledger.crypto.privacy.ring`) names no member, so it cannot live on a member's
record; what the ledger must remember is the group's ring and, per proposal, the key images
already counted, so that a member who approves twice is refused without being named.

Requirements:

1. The ring is fixed at creation (members' Ed25519 identity keys, in order) and named by
   its digest; approvals are checked against exactly that ring.
2. An approval is counted once per key image per proposal: the image is the same every
   time one member signs for one proposal (the proposal is the signature's scope) and
   unrelated between proposals, so approvals of different proposals cannot be linked.
3. Only the count is learnt; ``quorum`` says when a proposal counts as approved.
4. Events carry public values only: the ring, key images, digests, the signature itself
   (public: any reader can re-verify it from the event).
5. What a member signs is :func:`approval_statement` (group, proposal, message digest) in
   the linking scope :func:`approval_scope` (group, proposal): an approval cannot be
   replayed to another group or proposal, and images of one member in two groups sharing
   a proposal name are unrelated.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ledger.domain.aggregate import Aggregate, Created, Event
from ledger.domain.registry import register_event
from ledger.errors import IllegalTransition

MAX_PROPOSALS_SHOWN = 1000
STATEMENT_DOMAIN = b"SKMS-RING-APPROVAL-v1"
SCOPE_DOMAIN = b"SKMS-RING-SCOPE-v1"


def _framed(*items: bytes) -> bytes:
    return b"".join(len(item).to_bytes(4, "big") + item for item in items)


def approval_scope(group_id: str, proposal: str) -> bytes:
    """The LSAG linking scope of one proposal of one group (32 bytes)."""
    return hashlib.sha256(_framed(SCOPE_DOMAIN, group_id.encode(), proposal.encode())).digest()


def approval_statement(group_id: str, proposal: str, message_digest: bytes) -> bytes:
    """What a member's ring signature signs: this group's proposal approves this digest."""
    return _framed(STATEMENT_DOMAIN, group_id.encode(), proposal.encode(), message_digest)


class ApprovalGroup(Aggregate):
    """A ring of members' public keys and the anonymous approvals counted per proposal."""

    domain: str
    label: str | None
    members: list[str]
    ring: list[bytes]
    ring_digest: bytes
    quorum: int
    created_at: int
    proposals: dict[str, dict[str, Any]]

    class Defined(Created):
        event_type = "ApprovalGroupCreated"
        group_id: str
        domain: str
        label: str | None
        members: list[str]
        ring: list[bytes]
        ring_digest: bytes
        quorum: int
        created_by: str

        def apply(self, aggregate: Any) -> None:
            aggregate.domain = self.domain
            aggregate.label = self.label
            aggregate.members = list(self.members)
            aggregate.ring = [bytes(k) for k in self.ring]
            aggregate.ring_digest = bytes(self.ring_digest)
            aggregate.quorum = self.quorum
            aggregate.created_at = self.recorded_at
            aggregate.proposals = {}

    class ApprovalRecorded(Event):
        event_type = "RingApprovalRecorded"
        group_id: str
        proposal: str
        ring_digest: bytes
        message_digest: bytes
        key_image: bytes
        signature: bytes
        signature_digest: bytes
        approvals: int
        approved: bool

        def apply(self, aggregate: Any) -> None:
            entry = aggregate.proposals.setdefault(
                self.proposal, {"images": [], "message_digest": bytes(self.message_digest),
                                "first_at": self.recorded_at})
            entry["images"].append(bytes(self.key_image))
            entry["last_at"] = self.recorded_at

    @property
    def group_id(self) -> str:
        return str(self.id)

    def approvals(self, proposal: str) -> int:
        entry = self.proposals.get(proposal)
        return len(entry["images"]) if entry else 0

    def record_approval(self, *, proposal: str, message_digest: bytes, key_image: bytes,
                        signature: bytes, signature_digest: bytes, at: int) -> None:
        """Count a verified ring signature once; a repeated key image is refused."""
        entry = self.proposals.get(proposal)
        if entry is not None:
            if not hmac.compare_digest(entry["message_digest"], message_digest):
                raise IllegalTransition(
                    f"proposal {proposal!r} of group {self.group_id} is approved for another "
                    "message", hint="every approval of a proposal approves the same message",
                    reason_code="message-mismatch")
            if any(hmac.compare_digest(image, key_image) for image in entry["images"]):
                raise IllegalTransition(
                    f"this member already approved proposal {proposal!r} (same key image)",
                    hint="each member's approval counts once per proposal",
                    reason_code="key-image-reused")
        count = self.approvals(proposal) + 1
        self.trigger_event(ApprovalGroup.ApprovalRecorded, at=at, group_id=self.group_id,
                           proposal=proposal, ring_digest=self.ring_digest,
                           message_digest=message_digest, key_image=key_image,
                           signature=signature, signature_digest=signature_digest,
                           approvals=count, approved=count >= self.quorum)


for _event in (ApprovalGroup.Defined, ApprovalGroup.ApprovalRecorded):
    register_event(_event)
