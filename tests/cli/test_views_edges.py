"""The CLI's text views (commands.cli.views): what a user reads without --json, one real
home on SQLite driven through click's runner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from commands.cli.main import cli

PASS = "cli views passphrase"


def invoke(home: Path, *args: str, code: int = 0, actor: str | None = None) -> str:
    prefix = ["--home", str(home)] + (["--as", actor] if actor else [])
    result = CliRunner().invoke(cli, [*prefix, *args], env={"SKMS_PASSPHRASE": PASS},
                                catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    assert "Traceback" not in result.output
    return str(result.output)


def as_json(home: Path, *args: str, actor: str | None = None) -> dict:  # type: ignore[type-arg]
    prefix = ["--home", str(home)] + (["--as", actor] if actor else [])
    result = CliRunner().invoke(cli, [*prefix, *args, "--json"],
                                env={"SKMS_PASSPHRASE": PASS}, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("views") / "home"
    invoke(folder, "init", "--name", "views", "--checkpoint-every", "16", "--no-default-approvals")
    invoke(folder, "actor", "add", "km", "--role", "key-manager")
    invoke(folder, "actor", "add", "signer", "--role", "signer")
    invoke(folder, "actor", "add", "aud", "--role", "auditor")
    return folder


def key(home: Path, algorithm: str = "ed25519") -> str:
    return str(as_json(home, "key", "create", "--algorithm", algorithm, actor="km")["key_id"])


def test_empty_listings_say_so(home: Path) -> None:
    assert invoke(home, "approval", "list").strip() == "no approval requests"
    assert invoke(home, "approval", "policy", "show").strip() == "no approval policy rules"


def test_actor_views(home: Path) -> None:
    listed = invoke(home, "actor", "list")
    assert re.search(r"^km\s+\S+", listed, re.M)
    actor_id = as_json(home, "actor", "add", "temp", "--role", "signer")["actor_id"]
    shown = invoke(home, "actor", "show", actor_id)
    assert "temp" in shown and actor_id in shown
    roles = invoke(home, "actor", "roles", actor_id, "--role", "signer", "--role", "auditor")
    assert re.match(rf"{actor_id} now has roles (auditor, signer|signer, auditor) \(seq \d+",
                    roles)
    revoked = invoke(home, "actor", "revoke", actor_id, "--reason", "left")
    assert re.match(rf"revoked {actor_id} \(seq \d+", revoked)


def test_sign_datakey_mac_derive_views(home: Path, tmp_path: Path) -> None:
    signing = key(home)
    message = tmp_path / "message.txt"
    message.write_text("hello")
    signature = invoke(home, "sign", signing, "--input", str(message), actor="signer").strip()
    assert re.fullmatch(r"[0-9a-f]{128}", signature)
    aes = key(home, "aes-256-gcm")
    data_key = invoke(home, "datakey", aes, actor="signer")
    assert re.match(r"plaintext_key: [0-9a-f]{64}\nwrapped_key: [0-9a-f]+", data_key)
    mac_key = key(home, "hmac-sha256")
    tag = as_json(home, "mac", mac_key, "--input", str(message), actor="signer")["mac"]
    checked = invoke(home, "mac", mac_key, "--input", str(message), "--verify", tag, actor="signer")
    assert re.match(r"valid \(key version 1, seq \d+", checked)
    agreement = key(home, "x25519")
    derived = invoke(home, "derive", agreement, "--peer-public", "09" + "00" * 31,
                     "--info", "purpose", actor="signer").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", derived)


def test_approval_and_threat_policy_views(home: Path) -> None:
    made = invoke(home, "approval", "policy", "set", "--command", "DestroyKey",
                  "--approvals", "1")
    assert "DestroyKey" in made
    shown = invoke(home, "approval", "policy", "show")
    assert "DestroyKey" in shown
    held = as_json(home, "approval", "policy", "set", "--command", "DestroyKey",
                   "--approvals", "0")
    assert held["status"] == "pending"  # lowering a rule waits for the rule's own quorum
    listed = invoke(home, "approval", "list")
    assert re.search(rf"^{held['approval_id']}\s+pending\s+SetApprovalPolicy", listed, re.M)
    invoke(home, "actor", "add", "appr", "--role", "approver")
    removed = invoke(home, "approval", "approve", held["approval_id"], actor="appr")
    assert '"previous_approvals": 1' in removed and '"approvals": 0' in removed
    assert invoke(home, "approval", "policy", "show").strip() == "no approval policy rules"
    threat = invoke(home, "threats", "policy", "set", "--threshold", "60", "--action",
                    "suspend")
    assert threat.startswith("threat policy (ledger-wide): findings scoring 60 or more are ")


def test_kek_import_params_and_escrow_agent_views(home: Path, tmp_path: Path) -> None:
    authorized = invoke(home, "kek", "authorize", "--to", "passphrase", "--reason", "yearly")
    assert authorized.startswith("KEK rotation to a passphrase KEK authorized (")
    params = invoke(home, "key", "import-params", "--algorithm", "ed25519", actor="km")
    assert re.match(r"import token \S+ for one ed25519 key in domain default, until "
                    r"\d{4}-\d\d-\d\dT", params)
    assert "-----BEGIN PUBLIC KEY-----" in params
    made = as_json(home, "escrow", "keygen", "--name", "agent-1", "--out-dir",
                   str(tmp_path / "agent"))
    registered = invoke(home, "escrow", "register", "--public-key", made["public_key_file"])
    assert re.match(r"registered escrow agent agent-1 \(\S+, \S+, key digest [0-9a-f]{16}\.\.\.",
                    registered)


def test_chain_and_threshold_listing_views(home: Path) -> None:
    chains = invoke(home, "audit", "chains")
    assert chains.splitlines()[0].split() == ["chain", "head", "seq", "checkpoint", "head",
                                              "hash"]
    assert re.search(r"^system\s+\d+", chains, re.M)
    assert invoke(home, "threshold", "key", "list").strip() == "no threshold groups"
