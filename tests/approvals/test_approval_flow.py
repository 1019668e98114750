"""M-of-N approvals through the ledger (Session -> gate -> handlers -> events -> SQLite), each
path re-checked by the offline auditor afterwards."""

from __future__ import annotations

import hashlib

import pytest

from commands.scheduler import run_due
from commands.session import Session
from ledger.approvals.gate import REQUEST_DOMAIN, intent_digest
from ledger.command import SCHEDULER_ACTOR, parse_command
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput, Unauthorized
from tests.approvals.conftest import actor_id, audit, create_key, envelopes

SECOND = 1_000_000


def revoked_key(session: Session, domain: str = "default") -> str:
    key_id = create_key(session, domain, destruction_wait_days=0)
    session.run("alice", "RevokeKey", key_id=key_id)
    return key_id


def two_to_destroy(session: Session, **scope: str) -> None:
    session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=2, **scope)


def test_a_gated_command_is_held_with_its_signed_command_digest_policy_and_expiry(
        session: Session) -> None:
    two_to_destroy(session, domain="default")
    key_id = revoked_key(session)
    held = session.run("alice", "DestroyKey", key_id=key_id)
    assert held.status == "pending" and held.result["status"] == "pending"
    assert session.ledger().key(key_id).state.value == "deactivated"  # nothing ran
    (request,) = [e for e in envelopes(session) if e.event_type == "ApprovalRequested"]
    record = request.event()
    assert record["approval_id"] == held.approval_id
    assert bytes(record["command"]) == request.command  # the requester's exact bytes
    assert bytes(record["command_signature"]) == request.actor_signature
    assert bytes(record["request_digest"]) == hashlib.sha256(
        REQUEST_DOMAIN + request.command).digest()
    assert record["required"] == 2
    assert record["rules"] == ["domain default: DestroyKey needs 2"]
    assert record["expires_at"] == request.recorded_at + 86_400 * SECOND
    assert record["requester_id"] == actor_id(session, "alice")
    assert held.result["request_digest"] == bytes(record["request_digest"]).hex()
    audit(session)


def test_m_distinct_approvers_execute_it_and_its_events_reference_every_approval(
        session: Session) -> None:
    two_to_destroy(session, domain="default")
    key_id = revoked_key(session)
    held = session.run("alice", "DestroyKey", key_id=key_id)
    first = session.run("ann", "ApproveRequest", approval_id=held.approval_id)
    assert first.result["status"] == "pending" and first.result["result"] is None
    assert session.ledger().key(key_id).state.value == "deactivated"
    last = session.run("ben", "ApproveRequest", approval_id=held.approval_id)
    assert last.result["status"] == "executed"
    assert last.result["result"]["state"] == "destroyed"  # the executed command's result
    assert session.ledger().key(key_id).state.value == "destroyed"
    log = {e.seq: e for e in envelopes(session)}
    executed = next(e for e in log.values() if e.event_type == "ApprovalExecuted").event()
    grants = [e for e in log.values() if e.event_type == "ApprovalGranted"]
    assert executed["approval_seqs"] == [e.seq for e in grants]
    assert executed["approvers"] == [actor_id(session, "ann"), actor_id(session, "ben")]
    assert executed["approval_command_ids"] == [e.command_id for e in grants]
    destroyed = next(e for e in log.values() if e.event_type == "KeyDestroyed")
    assert destroyed.command_id == held.command_id  # the requester's signed command
    assert destroyed.actor_id == actor_id(session, "alice")
    assert destroyed.causation_id == last.command_id  # caused by the completing approval
    assert destroyed.seq in last.seqs
    audit(session)


def test_the_requester_never_counts_and_each_approver_counts_once(session: Session) -> None:
    session.add_actor("admin", "zed", ["key-manager", "approver"], ["*"])
    two_to_destroy(session, domain="default")
    key_id = create_key(session, destruction_wait_days=0)
    session.run("zed", "RevokeKey", key_id=key_id)
    held = session.run("zed", "DestroyKey", key_id=key_id)
    with pytest.raises(CommandRejected, match="requester") as own:
        session.run("zed", "ApproveRequest", approval_id=held.approval_id)
    assert own.value.reason_code == "approval-self" and own.value.seq is not None
    session.run("ann", "ApproveRequest", approval_id=held.approval_id)
    with pytest.raises(CommandRejected, match="already approved") as twice:
        session.run("ann", "ApproveRequest", approval_id=held.approval_id)
    assert twice.value.seq is not None  # recorded
    assert session.ledger().state.approval(str(held.approval_id)).approvers == [
        actor_id(session, "ann")]
    audit(session)


def test_only_approvers_of_the_requests_domain_may_decide(session: Session) -> None:
    two_to_destroy(session, domain="default")
    held = session.run("alice", "DestroyKey", key_id=revoked_key(session))
    with pytest.raises(Unauthorized, match="may not act in key domain"):
        session.run("dora", "ApproveRequest", approval_id=held.approval_id)
    with pytest.raises(Unauthorized, match="lacks the role"):
        session.run("bob", "ApproveRequest", approval_id=held.approval_id)
    assert session.ledger().state.approval(str(held.approval_id)).approvers == []


def test_an_approval_naming_another_digest_is_refused(session: Session) -> None:
    two_to_destroy(session, domain="default")
    held = session.run("alice", "DestroyKey", key_id=revoked_key(session))
    with pytest.raises(CommandRejected, match="request digest differs") as wrong:
        session.run("ann", "ApproveRequest", approval_id=held.approval_id,
                    request_digest="00" * 32)
    assert wrong.value.field == "request_digest"


def test_a_rejection_closes_the_request_for_good(session: Session) -> None:
    two_to_destroy(session, domain="default")
    key_id = revoked_key(session)
    held = session.run("alice", "DestroyKey", key_id=key_id)
    rejected = session.run("ann", "RejectRequest", approval_id=held.approval_id,
                           reason="not during the freeze")
    assert rejected.result["status"] == "rejected"
    approval = session.ledger().state.approval(str(held.approval_id))
    assert approval.reason == "not during the freeze" and approval.closed_at is not None
    with pytest.raises(IllegalTransition, match="rejected"):
        session.run("ben", "ApproveRequest", approval_id=held.approval_id)
    assert session.ledger().key(key_id).state.value == "deactivated"
    audit(session)


def test_an_expired_request_takes_no_approval_and_is_closed_by_the_scheduler(
        session: Session) -> None:
    session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=1,
                domain="default", ttl_seconds=60)
    key_id = revoked_key(session)
    held = session.run("alice", "DestroyKey", key_id=key_id)
    ledger = session.ledger()
    real = ledger.clock
    ledger.clock = lambda: real() + 61 * SECOND
    try:
        with pytest.raises(IllegalTransition, match="expired"):
            session.run("ann", "ApproveRequest", approval_id=held.approval_id)
        assert run_due(ledger).expired_approvals == [held.approval_id]
        assert run_due(ledger).expired_approvals == []  # idempotent
    finally:
        ledger.clock = real
    expiry = next(e for e in envelopes(session) if e.event_type == "ApprovalExpired")
    assert expiry.actor_id == SCHEDULER_ACTOR
    assert ledger.state.approval(str(held.approval_id)).status.value == "expired"
    assert ledger.key(key_id).state.value == "deactivated"
    audit(session)


def test_the_strictest_rule_applies_ledger_domain_and_key(session: Session) -> None:
    key_id = revoked_key(session)
    other = revoked_key(session)
    session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=1)
    # raising the quorum needs the quorum in force before it (1 approver now)
    raising = session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=2,
                          domain="default")
    assert raising.status == "pending"
    session.run("ann", "ApproveRequest", approval_id=raising.approval_id)
    key_rule = session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=3,
                           key_id=key_id)
    assert key_rule.status == "pending"  # the domain's 2 are in force for this key too
    session.run("ann", "ApproveRequest", approval_id=key_rule.approval_id)
    session.run("ben", "ApproveRequest", approval_id=key_rule.approval_id)
    assert session.run("alice", "DestroyKey", key_id=key_id).result["required"] == 3
    assert session.run("alice", "DestroyKey", key_id=other).result["required"] == 2
    audit(session)


def test_a_policy_change_needs_the_quorum_in_force_before_it(session: Session) -> None:
    two_to_destroy(session, domain="default")
    lowering = session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=0,
                           domain="default")
    assert lowering.status == "pending"
    books = session.ledger().state.policy_books
    assert books["default"].rules["domain|default|DestroyKey|"].approvals == 2
    session.run("ann", "ApproveRequest", approval_id=lowering.approval_id)
    session.run("ben", "ApproveRequest", approval_id=lowering.approval_id)
    assert books["default"].rules == {}
    assert session.run("alice", "DestroyKey", key_id=revoked_key(session)).status == "done"
    audit(session)


def test_role_grants_on_the_system_chain_are_gated_ledger_wide(session: Session) -> None:
    session.run("admin", "SetApprovalPolicy", command="ChangeActorRoles", approvals=1)
    bob = actor_id(session, "bob")
    held = session.run("admin", "ChangeActorRoles", actor_id=bob, roles=["signer", "admin"])
    assert held.status == "pending" and held.chain_id == "system"
    assert session.ledger().actor(bob).roles == ["signer"]
    done = session.run("cy", "ApproveRequest", approval_id=held.approval_id)
    assert done.result["status"] == "executed"
    assert session.ledger().actor(bob).roles == ["admin", "signer"]
    audit(session)


def test_a_command_returning_a_secret_runs_on_its_requesters_resubmission(
        session: Session) -> None:
    key_id = create_key(session, algorithm="aes-256-gcm")
    sealed = session.encrypt("bob", key_id, b"payroll", aad=b"hr").result["ciphertext"]
    session.run("admin", "SetApprovalPolicy", command="Decrypt", approvals=1,
                key_id=key_id)
    held = session.decrypt("bob", key_id, sealed, aad=b"hr")
    assert held.status == "pending" and "plaintext" not in held.result
    done = session.run("ann", "ApproveRequest", approval_id=held.approval_id)
    assert done.result["status"] == "approved" and done.result["result"] is None
    session.add_actor("admin", "bea", ["signer"], ["*"])
    other = session.decrypt("bea", key_id, sealed, aad=b"hr")  # not bob's approval
    assert other.status == "pending" and other.approval_id != held.approval_id
    opened = session.decrypt("bob", key_id, sealed, aad=b"hr")
    assert opened.status == "done" and bytes(opened.result["plaintext"]) == b"payroll"
    log = [e for e in envelopes(session) if e.command_id == opened.command_id]
    assert [e.event_type for e in log] == ["ApprovalExecuted", "DataDecrypted"]
    held_command = parse_command(
        session.ledger().state.approval(str(held.approval_id)).command)
    assert intent_digest(held_command) == intent_digest(parse_command(log[0].command))
    again = session.decrypt("bob", key_id, sealed, aad=b"hr")  # the approval was used
    assert again.status == "pending" and again.approval_id != held.approval_id
    audit(session)


def test_a_policy_names_a_gated_catalogue_command_and_a_scope_that_fits(
        session: Session) -> None:
    with pytest.raises(InvalidInput, match="not a command an approval policy may gate"):
        session.run("admin", "SetApprovalPolicy", command="Sign", approvals=1)
    with pytest.raises(InvalidInput, match="has no value argument") as limit:
        session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=1,
                    when_above="10**18")
    assert limit.value.field == "when_above"
    with pytest.raises(IllegalTransition, match="no such rule"):
        session.run("admin", "SetApprovalPolicy", command="DestroyKey", approvals=0)
    with pytest.raises(Unauthorized, match="lacks the role"):
        session.run("alice", "SetApprovalPolicy", command="DestroyKey", approvals=1)


def test_a_held_registration_binds_the_identity_when_its_quorum_executes_it(
        session: Session) -> None:
    session.run("admin", "SetApprovalPolicy", command="RegisterActor", approvals=2)
    held = session.add_actor("admin", "eve", ["signer"], ["*"])
    assert held.status == "pending" and session.home.identity("eve").actor_id == ""
    session.run("ann", "ApproveRequest", approval_id=held.approval_id)
    done = session.run("ben", "ApproveRequest", approval_id=held.approval_id)
    registered = done.result["result"]["actor_id"]
    assert session.identity("eve").actor_id == registered
    assert session.home.identity("eve").actor_id == registered  # written to the home
    key_id = create_key(session)
    signed = session.sign("eve", key_id, b"bound")
    assert signed.result["signature"] and session.ledger().actor(registered).name == "eve"
    audit(session)
