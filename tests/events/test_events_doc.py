"""docs/events.md is generated from the schemas; these tests keep it from drifting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.vectors import REPO_ROOT

GENERATOR = REPO_ROOT / "tools" / "gen_events_doc.py"
SCHEMAS = REPO_ROOT / "schemas" / "avro"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # Pin the schema folder so a developer's SKMS_SCHEMAS_DIR cannot mask drift.
    env = {k: v for k, v in os.environ.items() if k != "SKMS_SCHEMAS_DIR"}
    return subprocess.run([sys.executable, str(GENERATOR), "--schemas-dir", str(SCHEMAS),
                           *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          check=False)


def test_committed_events_doc_is_up_to_date() -> None:
    result = run("--check")
    assert result.returncode == 0, result.stderr


def test_check_detects_a_stale_doc(tmp_path: Path) -> None:
    output = tmp_path / "events.md"
    assert run("--check", "--output", str(output)).returncode == 1  # missing
    assert run("--output", str(output)).returncode == 0
    assert run("--check", "--output", str(output)).returncode == 0
    output.write_text(output.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    result = run("--check", "--output", str(output))
    assert result.returncode == 1
    assert "out of date" in result.stderr


def test_doc_covers_every_schema_and_field() -> None:
    text = (REPO_ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    for path in SCHEMAS.glob("*.avsc"):
        name, version = path.name.removesuffix(".avsc").lstrip("_").split(".v")
        assert f"{name} v{version}" in text, path.name
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            assert f"`{field['name']}`" in text, f"{path.name}: {field['name']}"
