"""Fixtures for the HSM tests: throw-away SoftHSM2 tokens under each test's tmp dir.

``softhsm`` makes a token with ``tools/softhsm/softhsm.sh token`` (its own SOFTHSM2_CONF,
token directory and 0600 PIN files), points this process at it and re-initialises the
module so it sees the new token. ``softhsm.add_token(label)`` makes another beside it.

Without SoftHSM2 the tests are skipped with one line (install it with
``tools/softhsm/softhsm.sh install``; ``make test`` does), or fail when ``CI=true``.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.hsm.token import read_pin_file, reload_module
from tests.vectors import REPO_ROOT, in_ci

SCRIPT = REPO_ROOT / "tools" / "softhsm" / "softhsm.sh"
MISSING = "SoftHSM2 is not installed; install it with: tools/softhsm/softhsm.sh install"


def _module_or_skip() -> str:
    found = subprocess.run(["bash", str(SCRIPT), "module"], capture_output=True, text=True,
                           check=False)
    if found.returncode != 0:
        if in_ci():
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    return found.stdout.strip()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report every "SoftHSM2 missing" skip at one place, so the summary has one line."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and report.longrepr[2].endswith(
            MISSING):
        report.longrepr = (__file__, _module_or_skip.__code__.co_firstlineno, MISSING)
    return report


@dataclass(frozen=True)
class SoftToken:
    """One throw-away token: what a test needs to open it."""

    module: str
    label: str
    pin_file: Path
    so_pin_file: Path
    conf: Path

    def pin(self) -> bytearray:
        return read_pin_file(self.pin_file)


class SoftHSM:
    """The tokens of one test, all in one SOFTHSM2_CONF under its tmp dir."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.directory = directory
        self._monkeypatch = monkeypatch
        self.module = _module_or_skip()

    def add_token(self, label: str) -> SoftToken:
        made = subprocess.run(["bash", str(SCRIPT), "token", str(self.directory), label],
                              capture_output=True, text=True, check=False)
        if made.returncode != 0:
            pytest.fail(f"softhsm.sh token failed: {made.stderr.strip()}", pytrace=False)
        env: dict[str, str] = {}
        for line in made.stdout.splitlines():
            words = shlex.split(line)
            assert len(words) == 2 and words[0] == "export", line
            name, _, value = words[1].partition("=")
            env[name] = value
        self._monkeypatch.setenv("SOFTHSM2_CONF", env["SOFTHSM2_CONF"])
        reload_module(env["SKMS_PKCS11_MODULE"])  # C_Initialize again: re-read the config
        return SoftToken(env["SKMS_PKCS11_MODULE"], env["SKMS_PKCS11_TOKEN_LABEL"],
                         Path(env["SKMS_PKCS11_PIN_FILE"]), Path(env["SKMS_PKCS11_SO_PIN_FILE"]),
                         Path(env["SOFTHSM2_CONF"]))


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoftHSM]:
    yield SoftHSM(tmp_path / "softhsm", monkeypatch)


@pytest.fixture
def token(softhsm: SoftHSM) -> SoftToken:
    """A fresh token labelled ``skms-test``."""
    return softhsm.add_token("skms-test")

