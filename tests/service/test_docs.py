"""Every example in docs/api.md runs: the python blocks against a live server (in order, in
one namespace), the sh blocks as real ``skms`` processes."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.service.conftest import PASSPHRASE, Running
from tests.vectors import REPO_ROOT

DOC = REPO_ROOT / "docs" / "api.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(DOC.read_text()) if lang == language]


def test_python_examples_run(service: Running, capsys: pytest.CaptureFixture[str]) -> None:
    found = blocks("python")
    assert len(found) >= 8
    namespace = {"url": service.url, "ca": service.ca, "home": service.home,
                 "grpc_target": service.grpc_target, "alice": service.actors["key-manager"],
                 "bob": service.actors["signer"], "carol": service.actors["auditor"],
                 "admin": service.actors["admin"]}
    for index, code in enumerate(found):
        exec(compile(code, f"{DOC}:python-block-{index}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "mtls" in printed and "missing-role" in printed


def _skms(home: Path, command: str, **options: object) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "commands.cli.main", "--home", str(home),
            *shlex.split(command)]
    env = {**os.environ, "SKMS_PASSPHRASE": PASSPHRASE}
    return subprocess.run(argv, env=env, text=True, capture_output=True, check=True,
                          cwd=REPO_ROOT, **options)  # type: ignore[call-overload]


def test_shell_examples_run(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _skms(home, "init --name docs")
    _skms(home, "actor add alice --role key-manager")
    serve_line, certificate_line = (b.strip() for b in blocks("sh"))
    command, _, target = certificate_line.partition(" > ")
    assert command.startswith("skms ") and target == "alice.pem"
    pem = _skms(home, command.removeprefix("skms ")).stdout
    (tmp_path / target).write_text(pem)
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    serve = serve_line.removeprefix("skms ").replace("8443", "0").replace("8444", "0")
    argv = [sys.executable, "-m", "commands.cli.main", "--home", str(home),
            *shlex.split(serve)]
    process = subprocess.Popen(argv, env={**os.environ, "SKMS_PASSPHRASE": PASSPHRASE},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=REPO_ROOT)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("serving REST on https://127.0.0.1:"), first
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
