"""Fixtures for the zero-knowledge tests: the Rust extension, libsodium, Node and the circuits.

What a missing prerequisite does: in CI (``CI=true``) it fails the test, since `make setup`
builds the extension, installs the Node tools and runs the ceremony; elsewhere the test skips
with one line saying which `make` target provides it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.crypto.zk import native
from tests.vectors import REPO_ROOT, in_ci

ZK_TOOLS = REPO_ROOT / "tools" / "zk"
NODE_MODULES = ZK_TOOLS / "node_modules"
CEREMONY_BUILD = ZK_TOOLS / "build"


def missing(message: str) -> None:
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _native_extension() -> None:
    if not native.available():
        missing("skms_native is not installed: run `make native`")


@pytest.fixture(scope="session")
def node_modules() -> Path:
    if shutil.which("node") is None or not (NODE_MODULES / "snarkjs").is_dir():
        missing("Node tools not installed in tools/zk/node_modules: run `make zk-tools`")
    return NODE_MODULES


@pytest.fixture(scope="session")
def ceremony(node_modules: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The circuits' keys: tools/zk/build from `make zk-tools`, else a fresh ceremony (~1 min)."""
    if (CEREMONY_BUILD / "transcript.sha256").is_file():
        return CEREMONY_BUILD
    out = tmp_path_factory.mktemp("ceremony")
    subprocess.run([sys.executable, str(ZK_TOOLS / "setup_ceremony.py"), "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    return out
