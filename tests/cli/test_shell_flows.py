"""The shell's multi-step flows under real pseudo-terminals (pexpect), judged by what the
ledger holds afterwards: ``flow approve`` decides held requests (the quorum executes the
command, a rejection records its reason), ``flow dkg`` and ``flow sign`` walk three
ledgers, each in its own shell, through a FROST(Ed25519) DKG and a 2-of-3 signing session
whose signature verifies with pynacl (RFC 8032, independent of SKMS's threshold code)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pexpect
import pytest
from nacl.signing import VerifyKey

from commands.cli.main import cli
from commands.cli.shell import CommandCompleter
from commands.cli.state import CliState
from tests.cli.test_shell import ANSI, PASS, PROMPT, completions, invoke, spawn

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def as_json(home: Path, *args: str) -> Any:
    return json.loads(invoke(home, *args, "--json"))


def reply(child: pexpect.spawn, prompt: str, answer: str) -> str:
    """Wait for a prompt whose text contains ``prompt``, answer it; what came before it."""
    child.expect_exact(prompt)
    before = ANSI.sub("", child.before or "")
    child.sendline(answer)
    return before


def leave(child: pexpect.spawn) -> None:
    child.expect_exact(PROMPT)
    child.sendline(":quit")
    child.expect(pexpect.EOF, timeout=60)


# --- approvals ------------------------------------------------------------------------------

@pytest.fixture
def gated(tmp_path: Path) -> Path:
    """DestroyKey needs two approvers; ann and ben approve."""
    home = tmp_path / "home"
    invoke(home, "init", "--name", "flows")
    invoke(home, "actor", "add", "km", "--role", "key-manager")
    for name in ("ann", "ben"):
        invoke(home, "actor", "add", name, "--role", "approver")
    invoke(home, "approval", "policy", "set", "--command", "DestroyKey", "--approvals", "2",
           "--domain", "default")
    return home


def held_destruction(home: Path) -> tuple[str, str]:
    """A revoked key whose destruction waits for approvers: (key id, approval id)."""
    key_id = as_json(home, "--as", "km", "key", "create", "--algorithm", "ed25519",
                     "--destruction-wait-days", "0")["key_id"]
    invoke(home, "--as", "km", "key", "revoke", key_id)
    held = json.loads(invoke(home, "--as", "km", "key", "destroy", key_id))
    assert held["status"] == "pending"
    return key_id, held["approval_id"]


def test_flow_approve_decides_requests_and_the_quorum_executes_the_command(
        gated: Path) -> None:
    kept_key, kept = held_destruction(gated)
    refused_key, refused = held_destruction(gated)
    state = CliState(gated, None, None, "ann", False, False)
    state.entered_passphrase = bytearray(PASS.encode())
    completer = CommandCompleter(cli, lambda: state.session().read_only_ledger(),
                                 lambda: [i.name for i in state.home.identities()])
    offered = completions(completer, "approval approve ")
    assert set(offered) == {kept, refused} and set(offered.values()) == {"DestroyKey pending"}
    state.close()

    child = spawn(gated, actor="ann")
    child.expect_exact(PROMPT)
    child.sendline("flow approve")
    listed = reply(child, "request to decide", kept[:8])  # an id prefix names the row
    assert kept in listed and refused in listed and "0/2" in listed and "(2 rows)" in listed
    shown = reply(child, "approve, reject or skip", "approve")
    assert f"key_id={kept_key}" in shown  # the whole request was shown before deciding
    after_first = reply(child, "request to decide", refused[:8])
    assert "1 of 2 for DestroyKey" in after_first and "1/2" in after_first
    reply(child, "approve, reject or skip", "reject")
    reply(child, "reason", "not today")
    rest = reply(child, "request to decide", "")
    assert "rejected" in rest and refused not in rest.split("rejected")[-1]
    child.expect_exact(PROMPT)
    child.sendline(":as ben")
    child.expect_exact("signing as ben")
    child.expect_exact(PROMPT)
    child.sendline("flow approve")
    listed = reply(child, "request to decide", "1")
    assert kept in listed and "(1 row)" in listed
    reply(child, "approve, reject or skip", "approve")
    child.expect_exact("no approval request is waiting")
    executed = ANSI.sub("", child.before or "")
    assert '"state": "destroyed"' in executed
    leave(child)

    assert as_json(gated, "key", "show", kept_key)["state"] == "destroyed"
    assert as_json(gated, "approval", "show", kept)["status"] == "executed"
    rejected = as_json(gated, "approval", "show", refused)
    assert rejected["status"] == "rejected" and rejected["reason"] == "not today"
    assert as_json(gated, "key", "show", refused_key)["state"] == "deactivated"
    assert "verified" in invoke(gated, "audit", "verify").lower()


# --- threshold ------------------------------------------------------------------------------

@pytest.fixture
def seats(tmp_path: Path) -> dict[int, Path]:
    made = {}
    for i in (1, 2, 3):
        home = tmp_path / f"seat{i}" / "home"
        invoke(home, "init", "--name", f"seat{i}")
        invoke(home, "actor", "add", "km", "--role", "key-manager")
        made[i] = home
    return made


def start_dkg(child: pexpect.spawn, me: int, group_id: str, usb: Path) -> str:
    """Answer ``flow dkg``'s questions up to its first wait; the group id it printed."""
    child.expect_exact(PROMPT)
    child.sendline("flow dkg")
    reply(child, "suite", "")  # the default, frost-ed25519
    reply(child, "threshold t", "2")
    reply(child, "participants n", "3")
    reply(child, "this ledger's identifier", str(me))
    reply(child, "group id to join", group_id)
    reply(child, "label", "treasury")
    reply(child, "key domain", "")
    reply(child, "exchange folder", str(usb))
    first_other = 2 if me == 1 else 1
    child.expect_exact(f"participant {first_other}'s round 1 file")
    started = ANSI.sub("", child.before or "")
    found = re.search(rf"group ({UUID}): round 1 written to ", started)
    assert found, started
    return found.group(1)


def test_flow_dkg_and_flow_sign_across_three_ledgers(seats: dict[int, Path],
                                                     tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    shells = {i: spawn(seats[i]) for i in (1, 2, 3)}
    group_id = start_dkg(shells[1], 1, "", usb)
    for i in (2, 3):
        assert start_dkg(shells[i], i, group_id, usb) == group_id
    assert sorted(p.name for p in usb.iterdir()) == ["r1-1.json", "r1-2.json", "r1-3.json"]
    for i, child in shells.items():  # every round 1 file is there: Enter takes the defaults
        others = [j for j in (1, 2, 3) if j != i]
        child.sendline("")  # the first other participant's, already asked for
        reply(child, f"participant {others[1]}'s round 1 file", "")
        child.expect_exact(f"participant {others[0]}'s round 2 file")
    for i, child in shells.items():
        others = [j for j in (1, 2, 3) if j != i]
        child.sendline("")
        reply(child, f"participant {others[1]}'s round 2 file", "")
        child.expect_exact(PROMPT)
        finished = ANSI.sub("", child.before or "")
        assert f"participant {i}" in finished and "group public key:" in finished, finished
    group_keys = {as_json(seats[i], "threshold", "key", "show", group_id)["group_public_key"]
                  for i in (1, 2, 3)}
    assert len(group_keys) == 1
    assert {as_json(seats[i], "threshold", "key", "show", group_id)["stage"]
            for i in (1, 2, 3)} == {"active"}

    message = tmp_path / "invoice.txt"
    message.write_bytes(b"invoice 42: pay 10 to carol")
    for i in (1, 3):
        child = shells[i]
        child.sendline("flow sign")
        table = reply(child, "group (number or id)", "")  # the only seat, the default
        assert group_id in table and "2-of-3" in table and "active" in table
        reply(child, "session id", "s1")
        reply(child, "file to sign", str(message))
        reply(child, "signers' identifiers", "1,3")
        reply(child, "exchange folder", str(usb))
        child.expect_exact(f"signer {4 - i}'s commitment file")
    for i in (1, 3):
        shells[i].sendline("")
    reply(shells[3], "aggregate the signature here", "n")  # participant 1 coordinates
    shells[3].expect_exact(PROMPT)
    reply(shells[1], "aggregate the signature here", "y")
    reply(shells[1], "signer 3's share file", "")
    shells[1].expect_exact(PROMPT)
    aggregated = ANSI.sub("", shells[1].before or "")
    found = re.search(r"^([0-9a-f]{128})$", aggregated, re.MULTILINE)
    assert found and "by participants 1, 3" in aggregated, aggregated
    for child in shells.values():
        child.sendline(":quit")
        child.expect(pexpect.EOF, timeout=60)

    signature = bytes.fromhex(found.group(1))
    VerifyKey(bytes.fromhex(group_keys.pop())).verify(message.read_bytes(), signature)
    sessions = as_json(seats[1], "threshold", "sign", "list", group_id)
    assert [(s["session_id"], s["signature"]) for s in sessions] == [("s1", signature.hex())]
    for i in (1, 2, 3):
        assert "verified" in invoke(seats[i], "audit", "verify").lower()
