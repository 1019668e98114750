"""Enforced key policy: minimum decryption and verification versions (issue 15, section 6).
Older versions refuse, and a refused command is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.reads import verify_with_versions
from commands.session import Session
from ledger.envelope import open_envelope
from ledger.errors import CommandRejected, IllegalTransition, InvalidInput
from ledger.stores.url import open_store
from tests.approvals.conftest import audit, create_key, envelopes
from tests.cli.test_keys_and_audit import run, run_json


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


def keep(refusal: CommandRejected) -> CommandRejected:
    """A read's refusal, unrecorded (the front ends record it: tests below)."""
    return refusal


def test_below_the_verify_floor_signatures_and_macs_no_longer_verify(
        session: Session) -> None:
    key_id = create_key(session)
    signed = bytes.fromhex(session.sign("bob", key_id, b"m").result["signature"])
    session.run("alice", "RotateKey", key_id=key_id)
    key = session.ledger().key(key_id)
    assert verify_with_versions(key, b"m", signed, None, keep)["valid"] is True
    session.run("alice", "ChangeKeyPolicy", key_id=key_id, min_verify_version=2)
    assert verify_with_versions(key, b"m", signed, None, keep)["valid"] is False
    with pytest.raises(IllegalTransition, match="may no longer verify"):
        verify_with_versions(key, b"m", signed, 1, keep)
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


def retired_signature(home: Path) -> tuple[str, str]:
    """A key whose version 1 signature is below its verify floor (via the CLI)."""
    key_id = str(run_json(home, "--as", "km", "key", "create", "--algorithm",
                          "ed25519")["key_id"])
    message = home.parent / "message"
    message.write_bytes(b"signed under v1")
    signature = str(run_json(home, "--as", "signer", "sign", key_id, "--input",
                             str(message))["signature"])
    run(home, "--as", "km", "key", "rotate", key_id)
    run(home, "--as", "km", "key", "policy", "set", key_id, "--min-verify-version", "2")
    return key_id, signature


def rejected_reads(home: Path) -> list[dict[str, object]]:
    store, keyring = open_store(f"sqlite:///{home / 'ledger.db'}")
    try:
        return [e.event() for e in (open_envelope(s) for s in store.read("system"))
                if e.event_type == "CommandRejected"
                and str(e.event().get("command_type", "")).startswith("Read:")]
    finally:
        store.close()
        keyring.close()


def test_a_verify_below_the_floor_on_the_cli_is_refused_and_recorded(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init", "--name", "floors")
    run(home, "actor", "add", "km", "--role", "key-manager")
    run(home, "actor", "add", "signer", "--role", "signer")
    key_id, signature = retired_signature(home)
    message = str(tmp_path / "message")
    refused = run(home, "--as", "signer", "verify", key_id, "--input", message,
                  "--signature", signature, "--version", "1", code=2)
    assert "may no longer verify" in refused and "Traceback" not in refused
    (recorded,) = rejected_reads(home)
    assert recorded["reason_code"] == "version-retired"
    assert recorded["command_type"] == "Read:keys.verify"
    untried = run_json(home, "--as", "signer", "verify", key_id, "--input", message,
                       "--signature", signature, code=1)
    assert untried["valid"] is False  # without --version, retired versions are not tried
    assert "verified" in run(home, "audit", "verify").lower()
