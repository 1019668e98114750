"""Enforced key policy: minimum decryption and verification versions (issue 15, section 6).
Older versions refuse, and a refused command is recorded."""

from __future__ import annotations

import pytest

from commands.reads import verify_with_versions
from commands.session import Session
from ledger.errors import IllegalTransition, InvalidInput
from tests.approvals.conftest import audit, create_key, envelopes


def test_below_the_decrypt_floor_nothing_decrypts_and_the_refusal_is_recorded(
        session: Session) -> None:
    key_id = create_key(session, algorithm="aes-256-gcm")
    old = session.encrypt("bob", key_id, b"v1 secret", aad=b"a").result["ciphertext"]
    session.run("alice", "RotateKey", key_id=key_id)
    new = session.encrypt("bob", key_id, b"v2 secret", aad=b"a").result["ciphertext"]
    changed = session.run("alice", "ChangeKeyPolicy", key_id=key_id, min_decrypt_version=2)
    assert changed.result["policy"]["min_decrypt_version"] == 2
    with pytest.raises(IllegalTransition, match="minimum is version 2") as refused:
        session.decrypt("bob", key_id, old, aad=b"a")
    assert refused.value.reason_code == "version-retired" and refused.value.seq is not None
    (recorded,) = [e.event() for e in envelopes(session) if e.seq == refused.value.seq]
    assert recorded["reason_code"] == "version-retired"
    with pytest.raises(IllegalTransition, match="minimum is version 2"):
        session.run("bob", "ReEncrypt", key_id=key_id, ciphertext=old, aad=b"a")
    assert bytes(session.decrypt("bob", key_id, new, aad=b"a").result["plaintext"]) == \
        b"v2 secret"
    # lowered again (the material was kept), the old ciphertext opens
    session.run("alice", "ChangeKeyPolicy", key_id=key_id, min_decrypt_version=1)
    assert bytes(session.decrypt("bob", key_id, old, aad=b"a").result["plaintext"]) == \
        b"v1 secret"
    audit(session)


def test_below_the_verify_floor_signatures_and_macs_no_longer_verify(
        session: Session) -> None:
    key_id = create_key(session)
    signed = bytes.fromhex(session.sign("bob", key_id, b"m").result["signature"])
    session.run("alice", "RotateKey", key_id=key_id)
    key = session.ledger().key(key_id)
    assert verify_with_versions(key, b"m", signed, None)["valid"] is True
    session.run("alice", "ChangeKeyPolicy", key_id=key_id, min_verify_version=2)
    assert verify_with_versions(key, b"m", signed, None)["valid"] is False
    with pytest.raises(IllegalTransition, match="may no longer verify"):
        verify_with_versions(key, b"m", signed, 1)
    mac_key = create_key(session, algorithm="hmac-sha256")
    tag = bytes.fromhex(session.generate_mac("bob", mac_key, b"body").result["mac"])
    session.run("alice", "RotateKey", key_id=mac_key)
    session.run("alice", "ChangeKeyPolicy", key_id=mac_key, min_verify_version=2)
    with pytest.raises(IllegalTransition) as refused:
        session.run("bob", "VerifyMac", key_id=mac_key, message=b"body", mac=tag,
                    key_version=1)
    assert refused.value.seq is not None
    with pytest.raises(Exception, match="does not verify"):
        session.verify_mac("bob", mac_key, b"body", tag)  # v1 is no longer tried
    audit(session)


def test_floors_name_existing_versions_and_a_change(session: Session) -> None:
    key_id = create_key(session)
    with pytest.raises(IllegalTransition, match="outside") as outside:
        session.run("alice", "ChangeKeyPolicy", key_id=key_id, min_decrypt_version=2)
    assert outside.value.field == "min_decrypt_version"
    with pytest.raises(InvalidInput, match="equals the current one"):
        session.run("alice", "ChangeKeyPolicy", key_id=key_id, min_verify_version=1)
    session.run("alice", "RotateKey", key_id=key_id)
    both = session.run("alice", "ChangeKeyPolicy", key_id=key_id, rotation_period_days=7,
                       min_verify_version=2)
    assert [e.event_type for e in envelopes(session) if e.seq in both.seqs] == [
        "KeyPolicyChanged", "KeyVersionFloorsSet"]
    assert session.ledger().key(key_id).min_verify_version == 2
