"""The rules a new ledger starts with: ExportKey and ReleaseEscrow wait for one approver
besides their requester (issue 15: export "needs approval by default", escrow release
"needs the approval quorum"), recorded as the first admin's policy, lowered only under the
quorum they set, and absent only when ``init`` is told so."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from commands.session import Session
from ledger.approvals.policy import DEFAULT_RULES
from ledger.errors import IllegalTransition, Unauthorized
from ledger.recipes import custody_keys
from tests.approvals.conftest import actor_id, audit, create_key, envelopes
from tests.cli.test_keys_and_audit import run, run_json
from tests.ledger.conftest import new_session


def recipient_pem() -> bytes:
    return rsa.generate_private_key(public_exponent=65537, key_size=3072).public_key(
    ).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def rules(session: Session) -> list[tuple[str, int, str]]:
    return sorted((e.event()["command_type"], e.event()["approvals"], e.event()["scope"])
                  for e in envelopes(session, "system") if e.event_type == "ApprovalPolicySet")


def test_a_new_ledger_records_the_default_rules_as_its_admins_policy(
        session: Session) -> None:
    assert rules(session) == [("ExportKey", 1, "ledger"), ("ReleaseEscrow", 1, "ledger")]
    assert [name for name, _ in DEFAULT_RULES] == ["ExportKey", "ReleaseEscrow"]
    set_by = {e.actor_id for e in envelopes(session, "system")
              if e.event_type == "ApprovalPolicySet"}
    assert set_by == {actor_id(session, "admin")}
    audit(session)


def test_an_export_waits_for_one_approver_and_then_runs_for_its_requester(
        session: Session) -> None:
    key_id = create_key(session, exportable=True)
    pem = recipient_pem()
    held = session.run("alice", "ExportKey", key_id=key_id, wrapping_public_key=pem)
    assert held.status == "pending" and "wrapped" not in held.result
    assert held.result["required"] == 1
    with pytest.raises(Unauthorized):  # approving takes the approver role
        session.run("alice", "ApproveRequest", approval_id=held.approval_id)
    decided = session.run("ann", "ApproveRequest", approval_id=held.approval_id).result
    assert decided["status"] == "approved" and decided["result"] is None  # a secret: resent
    done = session.run("alice", "ExportKey", key_id=key_id, wrapping_public_key=pem)
    assert done.status == "done" and done.result["wrapped"]
    log = [e.event_type for e in envelopes(session) if e.command_id == done.command_id]
    assert log == ["ApprovalExecuted", "KeyExported"]
    audit(session)


def test_an_export_that_cannot_run_is_refused_before_anyone_is_asked(
        session: Session) -> None:
    key_id = create_key(session)  # not exportable
    with pytest.raises(IllegalTransition, match="not exportable") as refused:
        session.run("alice", "ExportKey", key_id=key_id, wrapping_public_key=recipient_pem())
    assert refused.value.seq is not None
    assert not [e for e in envelopes(session) if e.event_type == "ApprovalRequested"]


def test_an_escrow_release_waits_and_one_with_nothing_to_release_is_refused(
        session: Session) -> None:
    public, _ = custody_keys.generate("escrow-co")
    session.run("admin", "RegisterEscrowAgent", agent_key=public)
    plain = create_key(session)
    with pytest.raises(IllegalTransition):
        session.run("admin", "ReleaseEscrow", key_id=plain, reason="court order")
    escrowed = create_key(session, escrow="escrow-co")
    held = session.run("admin", "ReleaseEscrow", key_id=escrowed, reason="court order")
    assert held.status == "pending"
    decided = session.run("ben", "ApproveRequest", approval_id=held.approval_id).result
    released = decided["result"]  # sealed to the agent, so it runs on the quorum itself
    assert decided["status"] == "executed", decided
    assert released["versions"] == [1] and released["package"]
    audit(session)


def test_lowering_a_default_needs_the_quorum_it_sets(session: Session) -> None:
    held = session.run("admin", "SetApprovalPolicy", command="ExportKey", approvals=0)
    assert held.status == "pending"
    assert rules(session).count(("ExportKey", 1, "ledger")) == 1
    session.run("cy", "ApproveRequest", approval_id=held.approval_id)
    assert ("ExportKey", 0, "ledger") in rules(session)
    key_id = create_key(session, exportable=True)
    done = session.run("alice", "ExportKey", key_id=key_id, wrapping_public_key=recipient_pem())
    assert done.status == "done"
    audit(session)


def test_a_ledger_made_without_the_defaults_has_no_rule(tmp_path: Path) -> None:
    bare = new_session(tmp_path / "home")
    try:
        result = bare.initialize(name="bare", default_approvals=False)
        assert result["approval_rules"] == []
        assert rules(bare) == []
    finally:
        bare.close()


def test_init_prints_the_rules_and_can_start_without_them(tmp_path: Path) -> None:
    printed = run(tmp_path / "a", "init", "--name", "with")
    assert "approval rule: ExportKey needs 1 approver(s), ledger-wide" in printed
    assert "approval rule: ReleaseEscrow needs 1 approver(s), ledger-wide" in printed
    assert sorted(r["command"] for r in run_json(tmp_path / "a", "approval", "policy",
                                                  "show")) == ["ExportKey", "ReleaseEscrow"]
    run(tmp_path / "b", "init", "--name", "without", "--no-default-approvals")
    assert run_json(tmp_path / "b", "approval", "policy", "show") == []
