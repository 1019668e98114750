"""The auditor re-checks quorums from the log alone. Each forgery here is written by a ledger
whose own checks were switched off (a compromised or buggy writer): the envelopes are well
sealed and chained, so only the approval checks can catch them, and they must name the seq."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from commands.session import Session
from ledger.approvals import gate
from ledger.audit import Auditor
from ledger.domain.approval import Approval
from ledger.errors import VerificationError
from tests.approvals.conftest import audit, create_key, envelopes


def revoked_key(session: Session) -> str:
    key_id = create_key(session, destruction_wait_days=0)
    session.run("alice", "RevokeKey", key_id=key_id)
    return key_id


def failure(session: Session) -> VerificationError:
    with pytest.raises(VerificationError) as found:
        Auditor(session.store()[0]).verify()
    assert found.value.check == "approval", found.value
    return found.value


def seq_of(session: Session, event_type: str, nth: int = -1) -> int:
    return [e.seq for e in envelopes(session) if e.event_type == event_type][nth]


@pytest.fixture
def gated(session: Session) -> Iterator[Session]:
    session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=2,
                domain="default")
    yield session


def test_a_command_run_without_its_quorum_is_named(gated: Session,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "screen", lambda *a, **k: gate.Screening())
    ran = gated.run("alice", "DestroyKey", key_id=revoked_key(gated))
    assert ran.status == "done"
    found = failure(gated)
    assert found.seq == ran.seqs[0] and "missing approval" in found.message


def test_a_request_with_a_lower_quorum_than_the_policy_is_named(
        gated: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    real = gate.open_request

    def lenient(approval_id: Any, signed: Any, args: Any, need: gate.Requirement, *,
                at: int) -> Approval:
        return real(approval_id, signed, args, gate.Requirement(1, need.ttl_seconds,
                                                                need.rules), at=at)

    monkeypatch.setattr(gate, "open_request", lenient)
    gated.run("alice", "DestroyKey", key_id=revoked_key(gated))
    found = failure(gated)
    assert found.seq == seq_of(gated, "ApprovalRequested") and "required 2" in found.message


def test_the_same_approver_counted_twice_is_named(gated: Session,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    held = gated.run("alice", "DestroyKey", key_id=revoked_key(gated))
    gated.run("ann", "ApproveRequest", approval_id=held.approval_id)
    approval = gated.ledger().state.approval(str(held.approval_id))
    monkeypatch.setattr(Approval, "grant", _unchecked_grant)
    gated.run("ann", "ApproveRequest", approval_id=held.approval_id)
    assert approval.status.value == "executed"
    found = failure(gated)
    assert found.seq == seq_of(gated, "ApprovalGranted") and "twice" in found.message


def test_the_requester_approving_its_own_request_is_named(
        gated: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    gated.add_actor("admin", "zed", ["key-manager", "approver"], ["*"])
    key_id = create_key(gated, destruction_wait_days=0)
    gated.run("zed", "RevokeKey", key_id=key_id)
    held = gated.run("zed", "DestroyKey", key_id=key_id)
    monkeypatch.setattr(Approval, "grant", _unchecked_grant)
    gated.run("zed", "ApproveRequest", approval_id=held.approval_id)
    found = failure(gated)
    assert found.seq == seq_of(gated, "ApprovalGranted") and "requester" in found.message


def test_an_approval_of_another_request_replayed_here_is_named(
        gated: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    first = gated.run("alice", "DestroyKey", key_id=revoked_key(gated))
    second = gated.run("alice", "DestroyKey", key_id=revoked_key(gated))
    other_digest = gated.ledger().state.approval(str(second.approval_id)).request_digest
    monkeypatch.setattr(Approval, "check_open", lambda self, now, digest: None)
    gated.run("ann", "ApproveRequest", approval_id=first.approval_id,
              request_digest=other_digest.hex())
    found = failure(gated)
    assert found.seq == seq_of(gated, "ApprovalGranted") and "digest" in found.message


def test_an_approval_after_the_expiry_is_named(session: Session,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=1,
                domain="default", ttl_seconds=60)
    held = session.run("alice", "DestroyKey", key_id=revoked_key(session))
    monkeypatch.setattr(Approval, "expired_at", lambda self, now: False)
    ledger = session.ledger()
    real = ledger.clock
    ledger.clock = lambda: real() + 61_000_000
    try:
        session.run("ann", "ApproveRequest", approval_id=held.approval_id)
    finally:
        ledger.clock = real
    found = failure(session)
    assert found.seq == seq_of(session, "ApprovalGranted") and "expired" in found.message


def test_an_execution_with_too_few_approvals_is_named(
        gated: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    held = gated.run("alice", "DestroyKey", key_id=revoked_key(gated))
    monkeypatch.setattr(Approval, "complete", property(lambda self: True))
    gated.run("ann", "ApproveRequest", approval_id=held.approval_id)
    found = failure(gated)
    assert found.seq == seq_of(gated, "ApprovalExecuted") and "1 of 2" in found.message


def test_an_honest_log_of_every_path_verifies(gated: Session) -> None:
    executed = gated.run("alice", "DestroyKey", key_id=revoked_key(gated))
    rejected = gated.run("alice", "DestroyKey", key_id=revoked_key(gated))
    gated.run("ann", "ApproveRequest", approval_id=executed.approval_id)
    gated.run("ben", "ApproveRequest", approval_id=executed.approval_id)
    gated.run("cy", "RejectRequest", approval_id=rejected.approval_id, reason="no")
    audit(gated)


def _unchecked_grant(self: Approval, approver_id: str, approval_command_id: str,
                     request_digest: bytes, *, at: int) -> None:
    """Approval.grant without its refusals (what a compromised writer would record)."""
    self.trigger_event(Approval.Granted, at=at, approval_id=self.approval_id,
                       approver_id=approver_id, approval_command_id=approval_command_id,
                       request_digest=request_digest, approvals=len(self.approvers) + 1)
