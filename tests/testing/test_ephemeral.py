"""The throw-away server for client developers: ``skms serve --ephemeral`` and the classes
behind it, exercised as a client in another process would use them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import VerifyKey

from commands.sdk.client import Client
from commands.testing.ephemeral import EphemeralServer
from ledger.errors import InvalidInput
from tests.vectors import REPO_ROOT

SKMS = [sys.executable, "-m", "commands.cli.main"]


def read_bootstrap(process: subprocess.Popen[str], timeout: float = 300.0) -> dict[str, Any]:
    """The JSON object ``--json`` prints first (pretty-printed: read up to its closing brace;
    a watchdog kills a server that never prints one, so the read cannot hang)."""
    assert process.stdout is not None
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        text = ""
        for line in process.stdout:
            text += line
            if line.startswith("}"):
                return dict(json.loads(text))
    finally:
        watchdog.cancel()
    raise AssertionError(f"no bootstrap: {process.stderr.read() if process.stderr else ''}")


def test_cli_ephemeral_server_serves_its_test_actors_and_deletes_everything_at_exit() -> None:
    process = subprocess.Popen([*SKMS, "serve", "--ephemeral", "--fixture", "demo",
                                "--rest-port", "0", "--grpc-port", "0", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "SKMS_PASSPHRASE": ""})
    try:
        bootstrap = read_bootstrap(process)
        ca = Path(bootstrap["ca"])
        assert ca.read_text() == bootstrap["ca_pem"]
        assert bootstrap["reproducible"] is False
        signer = bootstrap["actors"]["signer"]
        assert bootstrap["actors"]["domain-signer"]["domains"] == ["payments"]
        key_id = bootstrap["loaded"]["keys"]["payments-ed25519"]
        with Client(bootstrap["rest"], signer["actor_id"], bytes.fromhex(signer["private_key"]),
                    ca=ca) as client:
            signature = bytes.fromhex(client.sign(key_id, b"pay 10 to bob").result["signature"])
            public = client.public_key(key_id, format="hex")
        # Verified by libsodium directly, not by SKMS.
        VerifyKey(bytes.fromhex(public["public_key"])).verify(b"pay 10 to bob", signature)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert not ca.parent.parent.exists(), "the ephemeral home outlived the server"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("option", ["--seed", "--fixture"])
def test_reproducible_keys_and_fixtures_are_refused_outside_ephemeral(
        tmp_path: Path, option: str) -> None:
    result = subprocess.run([*SKMS, "--home", str(tmp_path / "home"), "serve", option, "x"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert option.lstrip("-") in result.stderr and "--ephemeral" in result.stderr
    assert "Traceback" not in result.stderr


def first_key_material(seed: str | None) -> tuple[bytes, str]:
    """The admin's identity key and the first Ed25519 key's public key of one run."""
    with EphemeralServer(seed=seed) as server:
        assert server.bootstrap is not None
        admin_public = server.bootstrap.actors["admin"].public_key
        with server.client("key-manager") as manager:
            key_id = str(manager.create_key("ed25519").result["key_id"])
            public = str(manager.public_key(key_id, format="hex")["public_key"])
    return admin_public, public


def test_a_seed_reproduces_every_key_and_only_a_seed_does() -> None:
    first = first_key_material("client tests")
    assert first_key_material("client tests") == first
    other = first_key_material("other tests")
    assert other[0] != first[0] and other[1] != first[1]
    unseeded = first_key_material(None)
    assert unseeded[0] not in (first[0], other[0])
    assert first_key_material(None)[0] != unseeded[0]


def test_unknown_fixture_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as refused:
        EphemeralServer(fixture="nope").start()
    assert refused.value.field == "fixture" and "demo" in str(refused.value)


PLUGIN_USER = '''
import json, os
from nacl.signing import VerifyKey

def test_client_code_against_skms(skms_server, skms_ephemeral):
    with skms_ephemeral.client("key-manager") as manager:
        key_id = manager.create_key("ed25519").result["key_id"]
    with skms_ephemeral.client("signer") as signer:
        signature = bytes.fromhex(signer.sign(key_id, b"m").result["signature"])
    public = skms_server.public_key(key_id, format="hex")["public_key"]
    VerifyKey(bytes.fromhex(public)).verify(b"m", signature)
    assert skms_server.whoami()["name"] == "admin"
    with open(os.environ["SKMS_PLUGIN_REPORT"], "w") as out:
        json.dump({"home": str(skms_ephemeral.home), "public": public}, out)
'''


DOC = REPO_ROOT / "docs" / "clients.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_the_python_example_of_the_docs_runs() -> None:
    example = BLOCK.findall(DOC.read_text())[0]
    exec(compile(example, f"{DOC}:python-block-0", "exec"), {})


def run_plugin_user(tmp_path: Path, *options: str, with_doc_example: bool = False
                    ) -> dict[str, Any]:
    """Run a client project's tests (ours, and the docs' example) with the plugin."""
    (tmp_path / "test_user.py").write_text(PLUGIN_USER)
    if with_doc_example:
        (tmp_path / "test_doc_example.py").write_text(BLOCK.findall(DOC.read_text())[1])
    report = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-p", "no:xdist", *options, str(tmp_path)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path,
                            env={**os.environ, "SKMS_PLUGIN_REPORT": str(report)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"{2 if with_doc_example else 1} passed" in result.stdout
    return dict(json.loads(report.read_text()))


def test_the_installed_pytest_plugin_gives_client_tests_a_server(tmp_path: Path) -> None:
    seeded = run_plugin_user(tmp_path, "--skms-seed", "plugin", with_doc_example=True)
    assert not Path(seeded["home"]).exists(), "the plugin left the ephemeral home behind"
    again = run_plugin_user(tmp_path, "--skms-seed", "plugin", with_doc_example=True)
    assert again["public"] == seeded["public"], "same seed, same calls: the same key"
