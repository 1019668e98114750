"""Throw-away SoftHSM2 tokens for tests, made by the project's own script.

``tools/softhsm/softhsm.sh token DIR LABEL`` writes a private ``softhsm2.conf``, a token
directory and 0600 PIN files under DIR; :func:`make_token` runs it, points this process at
that config (``SOFTHSM2_CONF``) and re-initialises the module so it sees the new token.

Without SoftHSM2 a test is skipped with one line (``make test`` installs it), or fails when
``CI=true``: CI must never pass by skipping the HSM.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.hsm.token import read_pin_file, reload_module
from tests.vectors import REPO_ROOT, in_ci

SCRIPT = REPO_ROOT / "tools" / "softhsm" / "softhsm.sh"
MISSING = "SoftHSM2 is not installed; install it with: tools/softhsm/softhsm.sh install"


def module_or_skip() -> str:
    """The PKCS#11 module path; skip (or, under CI, fail) when SoftHSM2 is missing."""
    found = subprocess.run(["bash", str(SCRIPT), "module"], capture_output=True, text=True,
                           check=False)
    if found.returncode != 0:
        if in_ci():
            pytest.fail(MISSING, pytrace=False)
        pytest.skip(MISSING)
    return found.stdout.strip()


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


def make_token(directory: Path, label: str, set_env: Callable[[str, str], None]) -> SoftToken:
    """A new token labelled ``label`` in ``directory``'s SoftHSM config (made if absent);
    ``set_env`` sets ``SOFTHSM2_CONF`` (``monkeypatch.setenv`` in a test)."""
    module_or_skip()
    made = subprocess.run(["bash", str(SCRIPT), "token", str(directory), label],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.fail(f"softhsm.sh token failed: {made.stderr.strip()}", pytrace=False)
    env: dict[str, str] = {}
    for line in made.stdout.splitlines():
        words = shlex.split(line)
        assert len(words) == 2 and words[0] == "export", line
        name, _, value = words[1].partition("=")
        env[name] = value
    set_env("SOFTHSM2_CONF", env["SOFTHSM2_CONF"])
    reload_module(env["SKMS_PKCS11_MODULE"])  # C_Initialize again: re-read the config
    return SoftToken(env["SKMS_PKCS11_MODULE"], env["SKMS_PKCS11_TOKEN_LABEL"],
                     Path(env["SKMS_PKCS11_PIN_FILE"]), Path(env["SKMS_PKCS11_SO_PIN_FILE"]),
                     Path(env["SOFTHSM2_CONF"]))
