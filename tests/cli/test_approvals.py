"""The approval CLI as issue 15 spells it: policy set/show, a held command exiting 0 with
``{"status": "pending", "approval_id": ...}``, list/show, approve (the completing approval
prints the executed command's result) and reject."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_keys_and_audit import run, run_json


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-approvals") / "home"
    run(folder, "init", "--name", "approvals", "--checkpoint-every", "50")
    run(folder, "actor", "add", "km", "--role", "key-manager")
    for name in ("ann", "ben"):
        run(folder, "actor", "add", name, "--role", "approver")
    return folder


def revoked_key(home: Path) -> str:
    key_id = str(run_json(home, "--as", "km", "key", "create", "--algorithm", "ed25519",
                          "--destruction-wait-days", "0")["key_id"])
    run(home, "--as", "km", "key", "revoke", key_id)
    return key_id


def test_a_quorum_from_policy_to_execution_on_the_cli(home: Path) -> None:
    set_rule = run(home, "approval", "policy", "set", "--command", "DestroyKey",
                   "--approvals", "2", "--domain", "default")
    assert "DestroyKey: 2 approver(s)" in set_rule
    shown = run_json(home, "approval", "policy", "show")
    assert sorted((r["command"], r["approvals"], r["scope"]) for r in shown) == [
        ("DestroyKey", 2, "domain"), ("ExportKey", 1, "ledger"), ("ReleaseEscrow", 1, "ledger")]
    key_id = revoked_key(home)
    held = json.loads(run(home, "--as", "km", "key", "destroy", key_id))
    assert held["status"] == "pending" and held["approval_id"]
    approval_id = held["approval_id"]
    pending = run_json(home, "approval", "list", "--pending")
    assert [a["approval_id"] for a in pending] == [approval_id]
    one = run_json(home, "approval", "show", approval_id)
    assert one["command_type"] == "DestroyKey" and one["command_args"]["key_id"] == key_id
    assert one["required"] == 2 and one["status"] == "pending"
    first = run(home, "--as", "ann", "approval", "approve", approval_id)
    assert "1 of 2" in first
    executed = json.loads(run(home, "--as", "ben", "approval", "approve", approval_id))
    assert executed["key_id"] == key_id and executed["state"] == "destroyed"
    assert run_json(home, "approval", "list", "--pending") == []
    assert "verified" in run(home, "audit", "verify").lower()


def test_a_rejection_on_the_cli(home: Path) -> None:
    key_id = revoked_key(home)
    held = run_json(home, "--as", "km", "key", "destroy", key_id)
    assert held["status"] == "pending"
    rejected = run_json(home, "--as", "ann", "approval", "reject", held["approval_id"],
                        "--reason", "not today")
    assert rejected["status"] == "rejected"
    assert run_json(home, "approval", "show", held["approval_id"])["reason"] == "not today"
    refused = run(home, "--as", "ben", "approval", "approve", held["approval_id"], code=2)
    assert "rejected" in refused



@pytest.fixture
def registration_gated(tmp_path: Path) -> Path:
    """A home where registering an actor needs one approver."""
    folder = tmp_path / "home"
    run(folder, "init", "--name", "gated-registration")
    for name in ("ann", "ben"):
        run(folder, "actor", "add", name, "--role", "approver")
    run(folder, "approval", "policy", "set", "--command", "RegisterActor", "--approvals", "1")
    return folder

def test_an_actor_registered_by_the_approval_that_completes_its_quorum_can_act(
        registration_gated: Path) -> None:
    """The registration is held, so no actor id exists when ``actor add`` returns; the
    approval that completes the quorum executes it later (another identity, another
    process). The new identity must be usable afterwards, bound to the actor the log
    registered with its public key."""
    home = registration_gated
    held = json.loads(run(home, "actor", "add", "gil", "--role", "signer"))
    assert held["status"] == "pending"
    refused = run(home, "--as", "gil", "key", "create", "--algorithm", "ed25519", code=2)
    assert f"waiting for approvers (approval {held['approval_id']})" in refused
    again = run(home, "actor", "add", "gil", "--role", "signer", code=2)
    assert held["approval_id"] in again  # the held key is not replaced
    executed = json.loads(run(home, "--as", "ann", "approval", "approve",
                              held["approval_id"]))
    assert executed["name"] == "gil" and executed["actor_id"]
    who = run_json(home, "--as", "gil", "whoami")
    assert who["actor_id"] == executed["actor_id"] and who["roles"] == ["signer"]
    identity = json.loads((home / "identities" / "gil.json").read_text())
    assert identity["actor_id"] == executed["actor_id"]
    assert "verified" in run(home, "audit", "verify").lower()


def test_a_rejected_registration_frees_the_name_for_a_new_identity(
        registration_gated: Path) -> None:
    home = registration_gated
    held = json.loads(run(home, "actor", "add", "hal", "--role", "signer"))
    old_key = json.loads((home / "identities" / "hal.json").read_text())["public_key"]
    run(home, "--as", "ann", "approval", "reject", held["approval_id"], "--reason", "typo")
    again = json.loads(run(home, "actor", "add", "hal", "--role", "signer"))
    assert again["status"] == "pending" and again["approval_id"] != held["approval_id"]
    new_key = json.loads((home / "identities" / "hal.json").read_text())["public_key"]
    assert new_key != old_key
    executed = json.loads(run(home, "--as", "ben", "approval", "approve",
                              again["approval_id"]))
    assert run_json(home, "--as", "hal", "whoami")["actor_id"] == executed["actor_id"]
    assert "verified" in run(home, "audit", "verify").lower()
