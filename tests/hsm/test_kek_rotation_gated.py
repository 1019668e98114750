"""KEK rotation as a gated command, and beside a running ``skms serve``: the quorum a policy
puts on ``AuthorizeKekRotation`` holds the rotation until approvers decide it; a real server
on loopback is fenced while data keys move (nothing sealed under the old KEK, a moved key
refused retryably, never wrongly) and afterwards either follows the new KEK (a token KEK:
SoftHSM2) or refuses clearly until restarted with the new passphrase."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.handlers import execute
from commands.sdk.client import Client
from commands.sdk.results import ApiError
from commands.service.config import ServiceConfig
from commands.service.observability import logging_to
from commands.service.server import Server
from commands.session import Session
from ledger.errors import IllegalTransition
from ledger.home import Home
from ledger.recipes import kek_change
from tests.hsm.conftest import SoftToken
from tests.hsm.test_hsm_ledger import as_json, hsm_home, invoke, logged
from tests.hsm.test_kek_rotate_cli import NEW, OLD, Crash, passphrase_home, rotate, signs


def identities(home_path: Path, passphrase: str | None) -> dict[str, tuple[str, bytes]]:
    home = Home(home_path)
    kek = home.open_kek(bytearray(passphrase.encode()) if passphrase else None)
    try:
        return {i.name: (i.actor_id, bytes(home.identity_key(i.name, kek)))
                for i in home.identities()}
    finally:
        kek.close()


@pytest.fixture(autouse=True)
def _server_logs_to_a_file(tmp_path: Path) -> Iterator[None]:
    """The in-process server's request logs go to a file of the test's own: by default
    they would go to whatever ``sys.stdout`` is when each is written, and that is the CLI
    runner's capture while a rotation runs beside the server, whose JSON output a late
    request line would then precede."""
    with (tmp_path / "server-log.jsonl").open("a") as stream, logging_to(stream):
        yield


def serve(home_path: Path, passphrase: str | None) -> Server:
    server = Server(ServiceConfig(home=home_path, rest_port=0, grpc_port=0, tls=False,
                                  client_auth="none"),
                    bytearray(passphrase.encode()) if passphrase else bytearray())
    server.start()
    return server


def refused(call: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def test_a_rotation_waits_for_its_quorum_and_each_rotation_needs_its_own(
        tmp_path: Path) -> None:
    home = passphrase_home(tmp_path)
    for name in ("ann", "ben"):
        invoke(home, "actor", "add", name, "--role", "approver", passphrase=OLD)
    invoke(home, "approval", "policy", "set", "--command", "AuthorizeKekRotation",
           "--approvals", "2", passphrase=OLD)
    held = as_json(rotate(home, "--to", "passphrase", "--reason", "yearly", passphrase=OLD,
                          new=NEW))
    assert held["status"] == "pending" and held["required"] == 2
    assert "kek_next" not in json.loads((home / "config.json").read_text())  # nothing moved
    assert logged(home, "KekRotationStarted") == []
    invoke(home, "--as", "ann", "approval", "approve", held["approval_id"], passphrase=OLD)
    invoke(home, "--as", "ben", "approval", "approve", held["approval_id"], passphrase=OLD)
    (authorized,) = logged(home, "KekRotationAuthorized")
    assert authorized["to"] == "passphrase" and authorized["reason"] == "yearly"
    done = as_json(rotate(home, "--to", "passphrase", passphrase=OLD, new=NEW))
    assert done["home_secrets"] == 6 and len(logged(home, "KekRotationCompleted")) == 1
    again = as_json(rotate(home, "--to", "passphrase", passphrase=NEW, new=OLD))
    assert again["status"] == "pending"  # the first authorization was used up
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout


def test_a_start_without_an_authorization_is_refused_and_recorded(tmp_path: Path) -> None:
    home = passphrase_home(tmp_path)
    session = Session(Home(home), passphrase=bytearray(OLD.encode()))
    try:
        ledger = session.ledger()
        with pytest.raises(IllegalTransition, match="no unused KEK rotation authorization"):
            execute(ledger, ledger.system_command("RecordKekRotation", "system", {
                "phase": "started", "rotation_id": "00" * 16, "old_kek_id": "a",
                "new_kek_id": "b", "new_kek_provider": "passphrase-scrypt"}))
    finally:
        session.close()
    assert logged(home, "KekRotationStarted") == []
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout


def test_a_running_server_is_fenced_by_a_crashed_rotation_and_refuses_the_old_passphrase(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = passphrase_home(tmp_path)
    keys = identities(home, OLD)
    server = serve(home, OLD)
    try:
        url = f"http://127.0.0.1:{server.rest_port}"
        with Client(url, *keys["km"]) as manager:
            made = [manager.create_key("ed25519").result["key_id"] for _ in range(3)]
        real = kek_change.KeyRingTarget.replace
        calls: list[str] = []

        def crash_on_the_second(self: Any, ref: str, expected: bytes, new: bytes) -> bool:
            calls.append(ref)
            if len(calls) == 2:
                raise Crash
            return real(self, ref, expected, new)

        monkeypatch.setattr(kek_change.KeyRingTarget, "replace", crash_on_the_second)
        with pytest.raises(Crash):
            rotate(home, "--to", "passphrase", "--checkpoint-every", "1", passphrase=OLD,
                   new=NEW)
        monkeypatch.setattr(kek_change.KeyRingTarget, "replace", real)
        moved = sorted(made)[0]  # refs move in order; the first one is under the new KEK
        with Client(url, *keys["km"]) as manager:
            blocked = refused(lambda: manager.create_key("ed25519"))
        assert blocked.status == 409 and "KEK rotation is in progress" in str(blocked)
        with Client(url, *keys["app"]) as signer:
            assert signer.sign(sorted(made)[-1], b"not moved yet").result["signature"]
            stale = refused(lambda: signer.sign(moved, b"moved"))
            assert stale.status == 409 and "rotation is in progress" in str(stale)
        as_json(rotate(home, passphrase=OLD, new=NEW))  # resumed and completed
        with Client(url, *keys["app"]) as signer:
            after = refused(lambda: signer.sign(moved, b"after"))
        assert "KEK was rotated" in str(after)
        assert "restart it with the new passphrase" in json.dumps(after.problem)
    finally:
        server.stop()
    server = serve(home, NEW)
    try:
        with Client(f"http://127.0.0.1:{server.rest_port}", *keys["km"]) as manager:
            made.append(manager.create_key("ed25519").result["key_id"])
    finally:
        server.stop()
    for key_id in made:  # every key the server made opens under the new KEK only
        signs(home, key_id, tmp_path, NEW)
    assert len(logged(home, "KekRotationStarted")) == 1
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout


def test_a_running_server_follows_a_rotation_to_a_new_token_key(
        tmp_path: Path, token: SoftToken) -> None:
    home = hsm_home(tmp_path, token)
    keys = identities(home, None)
    server = serve(home, None)
    try:
        url = f"http://127.0.0.1:{server.rest_port}"
        with Client(url, *keys["km"]) as manager:
            before = manager.create_key("ed25519").result["key_id"]
        old_kek = json.loads((home / "config.json").read_text())["kek"]
        result = as_json(rotate(home, "--to", "pkcs11", passphrase=None))
        assert result["rewrapped"] >= 1
        assert json.loads((home / "config.json").read_text())["kek"] != old_kek
        with Client(url, *keys["km"]) as manager:  # the same process, the new token key
            after = manager.create_key("ed25519").result["key_id"]
        with Client(url, *keys["app"]) as signer:
            for key_id in (before, after):
                assert signer.sign(key_id, b"after the rotation").result["signature"]
    finally:
        server.stop()
    for key_id in (before, after):  # a fresh process opens both under the new KEK
        signs(home, key_id, tmp_path, None)
    assert "OK:" in invoke(home, "audit", "verify", "--quiet").stdout
