"""The README's tour of the CLI runs as written (in a fresh home, the server left out)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.vectors import REPO_ROOT


def tour() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## A short tour of the CLI\n\n```sh\n(.*?)```", text, re.S)
    assert block, "the README has no CLI tour"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_tour_runs(tmp_path: Path) -> None:
    lines = tour()
    assert len(lines) >= 25
    serve = [line for line in lines if line.startswith("skms serve")]
    assert serve, "the tour shows the server"
    shell = [line for line in lines if " shell " in f"{line} "]
    assert shell, "the tour shows the shell (tests/cli/test_shell.py runs it in a terminal)"
    serve += shell
    script = "set -euo pipefail\n" + "\n".join(
        line.replace("~/.skms", str(tmp_path / "home")) for line in lines if line not in serve)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path)}
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "invoice 42" in done.stdout  # the decrypted file
    assert (tmp_path / "backup.db").is_file() and (tmp_path / "trusted.note").is_file()
