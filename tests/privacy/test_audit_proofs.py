"""The auditor re-verifies recorded privacy proofs: a ledger that recorded an approval or a
possession proof it should have refused (its checks patched out here, as a buggy or lying
ledger would) is caught by ``Auditor.verify`` at the event, with the check ``proof``."""

from __future__ import annotations

import hashlib
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.handlers import privacy as handlers
from commands.session import Session
from ledger.audit import Auditor
from ledger.crypto.privacy import pok, ring
from ledger.domain.approval_group import ApprovalGroup, approval_scope, approval_statement
from ledger.errors import VerificationError
from tests.ledger.conftest import new_session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    current = new_session(tmp_path / "home")
    current.initialize(name="audit-proofs", checkpoint_every_events=64)
    for name, role in (("alice", "key-manager"), ("bob", "signer"), ("carol", "auditor"),
                       ("dave", "approver")):
        current.add_actor("admin", name, [role], ["*"])
    yield current
    current.close()


def actor(session: Session, name: str) -> str:
    return str(session.home.identity(name).actor_id)


def signed(session: Session, member: str, group_id: str, proposal: str, message: bytes) -> str:
    group = session.ledger().group(group_id)
    key = session.home.identity_key(member, session.kek())
    try:
        return ring.sign(group.ring, group.members.index(actor(session, member)), key,
                         approval_statement(group_id, proposal,
                                            hashlib.sha256(message).digest()),
                         scope=approval_scope(group_id, proposal)).to_bytes().hex()
    finally:
        key[:] = bytes(len(key))


def group_of(session: Session) -> str:
    return str(session.run("alice", "CreateApprovalGroup", members=[
        actor(session, "bob"), actor(session, "dave")], quorum=2).result["group_id"])


def lying(module: types.ModuleType, **replaced: Any) -> types.SimpleNamespace:
    """The module as the handlers see it, with some functions replaced (the auditor keeps
    the real module)."""
    return types.SimpleNamespace(**{**vars(module), **replaced})


def audit_finding(session: Session) -> VerificationError:
    with pytest.raises(VerificationError) as found:
        Auditor(session.store()[0]).verify()
    return found.value


def test_honest_approvals_and_proofs_pass_the_audit(session: Session) -> None:
    group_id = group_of(session)
    for member in ("bob", "dave"):
        session.run("carol", "RingApprove", group_id=group_id, proposal="p", message=b"m",
                    signature=signed(session, member, group_id, "p", b"m"))
    Auditor(session.store()[0]).verify()


def test_a_recorded_signature_for_another_statement_is_found(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    group_id = group_of(session)
    wrong = signed(session, "bob", group_id, "other proposal", b"m")

    def unchecked(keys: Any, message: bytes, signature: bytes, *, scope: bytes) -> Any:
        return ring.RingSignature.from_bytes(signature)

    monkeypatch.setattr(handlers, "ring", lying(ring, verify=unchecked))
    session.run("carol", "RingApprove", group_id=group_id, proposal="p", message=b"m",
                signature=wrong)
    finding = audit_finding(session)
    assert finding.check == "proof" and "does not verify" in finding.message


def test_a_double_approval_the_ledger_counted_is_found(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    group_id = group_of(session)

    def count_anything(self: ApprovalGroup, **fields: Any) -> None:
        at = fields.pop("at")
        self.trigger_event(ApprovalGroup.ApprovalRecorded, at=at, group_id=self.group_id,
                           ring_digest=self.ring_digest, approvals=1, approved=False,
                           **fields)

    monkeypatch.setattr(ApprovalGroup, "record_approval", count_anything)
    for _ in range(2):
        session.run("carol", "RingApprove", group_id=group_id, proposal="p", message=b"m",
                    signature=signed(session, "bob", group_id, "p", b"m"))
    finding = audit_finding(session)
    assert finding.check == "proof" and "counted twice" in finding.message


def test_a_recorded_possession_proof_that_does_not_verify_is_found(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    bob = actor(session, "bob")
    issued = session.run("carol", "IssuePossessionChallenge", actor_id=bob,
                         purpose="login").result
    forged = pok.prove("ed25519", bytearray(32), user_id=bob, challenge=pok.PoKChallenge(
        issued["service"], "login", bytes.fromhex(issued["nonce"])))
    monkeypatch.setattr(handlers, "pok", lying(pok, verify=lambda *args, **kwargs: None))
    session.run("carol", "ProvePossession", actor_id=bob, challenge_id=issued["challenge_id"],
                proof=forged.to_bytes().hex())
    finding = audit_finding(session)
    assert finding.check == "proof" and finding.chain == "system"
