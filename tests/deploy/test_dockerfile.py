"""The Dockerfile: hadolint-clean, multi-stage from wheels, non-root, a home volume, a
HEALTHCHECK whose script really answers for a live service (and really fails without one).

Building the image itself needs a container engine: that is `make image` (tools/deploy/
image.sh), which runs `skms demo` and `skms audit verify` inside it with no network.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.deploy.conftest import DEPLOY, run, tool
from tests.service.conftest import start

DOCKERFILE = DEPLOY / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_hadolint_finds_nothing() -> None:
    result = run(tool("hadolint"), "--failure-threshold", "info", str(DOCKERFILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_a_real_linter(tmp_path: Path) -> None:
    """The same call on a Dockerfile with known faults fails, naming the rules."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN apt-get install curl\nUSER root\n")
    result = run(tool("hadolint"), "--failure-threshold", "info", str(bad))
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3008" in result.stdout, result.stdout


def test_multi_stage_from_wheels_without_the_network() -> None:
    steps = instructions()
    froms = [args for word, args in steps if word == "FROM"]
    assert len(froms) == 2 and froms[0].endswith("AS builder"), froms
    builder_runs = " ".join(args for word, args in steps if word == "RUN")
    assert "--require-hashes" in builder_runs and "pip wheel" in builder_runs
    envs = " ".join(args for word, args in steps if word == "ENV")
    assert "PIP_NO_INDEX=1" in envs
    runtime = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM"):]
    assert ("COPY", "--from=builder /opt/skms /opt/skms") in runtime


def test_runtime_is_non_root_with_a_home_volume_and_a_healthcheck() -> None:
    steps = instructions()
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), users
    assert ("ARG", "SKMS_UID=10001") in steps
    assert any(word == "VOLUME" and "/home/skms" in args for word, args in steps)
    health = [args for word, args in steps if word == "HEALTHCHECK"]
    assert health and "/opt/skms/healthcheck.py" in health[0]
    entry = [args for word, args in steps if word == "ENTRYPOINT"]
    assert entry == ['["/usr/bin/tini", "--", "/opt/skms/bin/skms"]']


def healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(DEPLOY / "healthcheck.py")],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=30, check=False)


def test_healthcheck_script_against_a_live_service(tmp_path: Path) -> None:
    running = start(tmp_path / "home", traced=False)
    try:
        env = {"SKMS_HOME": str(running.home),
               "SKMS_HEALTH_URL": f"{running.url}/healthz"}
        assert healthcheck(env).returncode == 0
        # Verified TLS: a CA that did not issue the server certificate fails the check.
        other = tmp_path / "other-ca.pem"
        other.write_text((Path(__file__).parent / "data" / "unrelated-ca.pem").read_text())
        refused = healthcheck({**env, "SKMS_HEALTH_CA": str(other)})
        assert refused.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in refused.stderr
    finally:
        running.server.stop()
    assert healthcheck(env).returncode == 1  # nothing listens any more
