"""Checks of tools/deploy (image, compose, Helm chart) and of tracing to Zipkin.

The validators are real programs: hadolint (from the lock), helm and kubeconform (built once
by ``tools/deploy/tools.sh install`` into ``~/.cache/skms/deploy``), docker-compose (Debian)
and a real Zipkin server (its exec jar from Maven Central, ``make zipkin-jar``). A missing
one skips on a developer machine and FAILS under ``CI=true``: a green CI must mean they ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "tools" / "deploy"
CHART = DEPLOY / "helm" / "skms"


def missing(reason: str) -> None:
    """Skip locally, fail in CI (``make deploy-check`` installs everything this needs)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: run `make deploy-check`, which installs it)")
    pytest.skip(reason)


def deploy_bin() -> Path:
    home = os.environ.get("SKMS_DEPLOY_HOME") or str(Path.home() / ".cache" / "skms" / "deploy")
    return Path(home) / "bin"


def tool(name: str) -> str:
    """The path of a validator: the deploy cache first, then the venv, then PATH."""
    for folder in (deploy_bin(), Path(sys.executable).parent):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not installed")
    assert found is not None
    return found


def run(*argv: str, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a validator; its output is in the assertion message when it fails."""
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)
