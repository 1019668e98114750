"""The short soak (CI, about 2 minutes of load): ``tools/soak/soak.py`` on the embedded SQLite store
with SIGKILL restarts, a full disk and slowed fsync; the tool's own check must pass and its
figures must say what they claim (docs/assurance.md, "Soak").

Why one test running the tool: the soak is about one ``skms serve`` process and several
client processes over minutes; the harness is the tool ``make soak`` runs for longer, so CI
proves the same code. The disk faults need root and loop devices: without them the test
skips, and fails under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.vectors import REPO_ROOT, in_ci

SOAK = REPO_ROOT / "tools" / "soak" / "soak.py"
MINUTES = os.environ.get("SKMS_SOAK_MINUTES", "2")


def require_disk_faults() -> None:
    missing = [tool for tool in ("losetup", "mkfs.ext4", "mount") if shutil.which(tool) is None]
    problem = None
    if os.geteuid() != 0:
        problem = "the soak's disk faults need root (loop device, mount)"
    elif missing:
        problem = f"the soak's disk faults need {', '.join(missing)}"
    elif not Path("/dev/loop-control").exists():
        problem = "no loop devices (/dev/loop-control)"
    if problem is not None:
        if in_ci():
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)


def run_soak(tmp_path: Path, *options: str, minutes: str = MINUTES) -> dict[str, object]:
    """Run the tool; its figures (it has already checked them: exit 0 means they passed)."""
    out = tmp_path / "soak.json"
    done = subprocess.run([sys.executable, str(SOAK), "--minutes", minutes, "--json", str(out),
                           *options], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=float(minutes) * 60 + 900, check=False)
    print(done.stdout[-6000:])
    assert out.exists(), f"the soak wrote no figures: {done.stderr[-3000:]}"
    result: dict[str, object] = json.loads(out.read_text())
    assert done.returncode == 0, (result.get("problems"), done.stdout[-3000:],
                                  done.stderr[-3000:])
    return result


def test_short_soak_on_sqlite_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    require_disk_faults()
    result = run_soak(tmp_path, "--store", "sqlite", "--clients", "3", "--feeds", "1",
                      "--fault-seconds", "8", "--quiet-seconds", "12", "--disk-mib", "256")
    assert result["lost"] == 0 and result["duplicated"] == 0 and result["bad_5xx"] == 0
    assert result["audit_verify"] == "ok"
    faults = result["faults"]
    assert isinstance(faults, dict)
    assert set(faults) == {"sigkill", "disk-full", "slow-fsync"}
    acknowledged = result["acknowledged"]
    assert isinstance(acknowledged, int) and acknowledged >= 20
    assert float(str(result["max_rss_mib"])) <= float(str(result["rss_bound_mib"]))
    assert int(str(result["server_starts"])) == faults["sigkill"] + 1
