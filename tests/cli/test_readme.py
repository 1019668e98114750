"""The README's tour of the CLI runs as written, in a fresh home (issue 19 §6): the script
part in bash, then the three lines a script cannot run in sequence, each with the tour's
own words: the server (started on free ports, the dashboard signed in with the key file
the tour exported), the ephemeral server (its bootstrap read and its health asked with
the CA it prints), and the shell (under a pseudo-terminal)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import re
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from commands.service.sessions import sign_in_message
from tests.vectors import REPO_ROOT

FREE_PORTS = ("--rest-port", "0", "--grpc-port", "0")  # tests bind ephemeral ports
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def tour() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## A short tour of the CLI\n\n```sh\n(.*?)```", text, re.S)
    assert block, "the README has no CLI tour"
    return [line for line in block.group(1).splitlines() if line.strip()]


def command_of(line: str) -> str:
    """A tour line without its comment and without a trailing ``&``."""
    return line.split("  #")[0].strip().removesuffix("&").strip()


def backgrounded(line: str) -> bool:
    return command_of(line) != line.split("  #")[0].strip()


def only(lines: list[str], test: str) -> str:
    found = [line for line in lines if test in line]
    assert len(found) == 1, f"the tour should have one line with {test!r}: {found}"
    return found[0]


@dataclass
class Toured:
    lines: list[str]
    folder: Path
    env: dict[str, str]
    setup: str  # the tour's export line: its home and passphrase
    output: subprocess.CompletedProcess[str]

    @property
    def home(self) -> Path:
        return self.folder / "home"


@pytest.fixture(scope="module")
def toured(tmp_path_factory: pytest.TempPathFactory) -> Toured:
    folder = tmp_path_factory.mktemp("tour")
    lines = [line.replace("~/.skms", str(folder / "home")) for line in tour()]
    assert len(lines) >= 25
    shell = only(lines, " shell")
    script = "set -euo pipefail\n" + "\n".join(
        line for line in lines if not backgrounded(line) and line != shell)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(folder)}
    done = subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600)
    setup = command_of(only(lines, "export SKMS_HOME"))
    return Toured(lines, folder, env, setup, done)


def test_the_readme_tour_runs(toured: Toured) -> None:
    done = toured.output
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "invoice 42" in done.stdout  # the decrypted file
    assert (toured.folder / "backup.db").is_file()
    assert (toured.folder / "trusted.note").is_file()


def test_the_quick_start_stays_two_commands() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n\n```sh\n(.*?)```", text, re.S)
    assert block, "the README has no Quick start"
    commands = [command_of(line) for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


# --- the lines that start a process ----------------------------------------------------------

class Started:
    """A tour line's process with ``--json``, its first JSON document read from stdout."""

    def __init__(self, toured: Toured, line: str, *extra: str) -> None:
        words = command_of(line).split()
        assert words[0] == "skms", line
        command = " ".join(["exec skms --json", *words[1:], *extra])
        self.process = subprocess.Popen(["bash", "-c", f"{toured.setup}; {command}"],
                                        cwd=toured.folder, env=toured.env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=lambda: [lines.put(x) for x in self.process.stdout or ()],
                         daemon=True).start()
        text = ""
        while True:
            try:
                text += lines.get(timeout=120)
            except queue.Empty:
                self.stop()
                pytest.fail(f"{line!r} printed no JSON: {text!r}")
            try:
                self.document: dict[str, Any] = json.loads(text)
                break
            except ValueError:
                continue

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def started() -> Iterator[list[Started]]:
    running: list[Started] = []
    yield running
    for process in running:
        process.stop()


def https(url: str, ca: str, method: str, path: str, body: Any = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    match = re.fullmatch(r"https://([^:/]+):(\d+)", url)
    assert match, url
    connection = http.client.HTTPSConnection(
        match.group(1), int(match.group(2)), timeout=30,
        context=ssl.create_default_context(cafile=ca))
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None,
                           {"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read())
    finally:
        connection.close()


def test_the_tour_server_serves_the_dashboard_to_the_exported_key(
        toured: Toured, started: list[Started]) -> None:
    assert toured.output.returncode == 0
    pem = (toured.folder / "alice.pem").read_bytes()  # the tour's --export-dashboard-key
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    public = key.public_key().public_bytes_raw().hex()
    server = Started(toured, only(toured.lines, "skms serve --mtls-optional"), *FREE_PORTS)
    started.append(server)
    url, ca = server.document["rest"], server.document["ca"]
    assert server.document["dashboard"] == f"{url}/ui"
    status, headers, page = https(url, ca, "GET", "/ui")
    assert status == 200 and b"/ui/assets/app.js" in page
    assert "script-src 'self'" in headers["content-security-policy"]
    # Sign in as the page does, with the exported key (signed here by `cryptography`).
    origin = {"Origin": url}
    status, _, raw = https(url, ca, "POST", "/ui/session/challenge", {}, origin)
    assert status == 200, raw
    challenge = json.loads(raw)
    signature = key.sign(sign_in_message(challenge["challenge"], challenge["origin"], public))
    status, headers, raw = https(url, ca, "POST", "/ui/session", {
        "method": "key", "public_key": public, "challenge": challenge["challenge"],
        "signature": base64.b64encode(signature).decode()}, origin)
    assert status == 200, raw
    opened = json.loads(raw)
    assert opened["actor"]["name"] == "alice" and "key-manager" in opened["actor"]["roles"]
    session = {"Cookie": headers["set-cookie"].split(";")[0], "X-SKMS-CSRF": opened["csrf"],
               **origin}
    status, _, raw = https(url, ca, "GET", "/v1/keys", headers=session)
    assert status == 200 and b"payroll" in raw  # the tour's key, read as alice


def test_the_tour_ephemeral_server_prints_its_bootstrap(toured: Toured,
                                                        started: list[Started]) -> None:
    server = Started(toured, only(toured.lines, "skms serve --ephemeral"), *FREE_PORTS)
    started.append(server)
    bootstrap = server.document
    assert bootstrap["fixture"] == "demo" and bootstrap["loaded"]
    assert {"admin", "key-manager", "signer"} <= set(bootstrap["actors"])
    assert all(re.fullmatch(r"[0-9a-f]{64}", a["private_key"])
               for a in bootstrap["actors"].values())
    status, _, raw = https(bootstrap["rest"], bootstrap["ca"], "GET", "/healthz")
    assert status == 200, raw


def test_the_tour_shell_runs_the_same_commands(toured: Toured) -> None:
    assert toured.output.returncode == 0
    words = command_of(only(toured.lines, " shell")).split()
    assert words[0] == "skms"
    child = pexpect.spawn("bash", ["-c", f"{toured.setup}; exec {' '.join(words)}"],
                          cwd=str(toured.folder), encoding="utf-8", timeout=180,
                          dimensions=(40, 200),
                          env={**toured.env, "TERM": "dumb", "PROMPT_TOOLKIT_NO_CPR": "1"})
    try:
        child.expect_exact("skms> ")
        child.sendline("key list")
        child.expect_exact("skms> ")
        assert "payroll" in ANSI.sub("", child.before or "")
        child.sendline(":quit")
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close(force=True)
