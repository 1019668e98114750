"""The license check (``tools/scan/licenses.py``): its classification, and this install."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("licenses", ROOT / "tools" / "scan" /
                                                  "licenses.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["licenses"] = module
    spec.loader.exec_module(module)
    return module


tool = load_tool()


@pytest.mark.parametrize(("expression", "family"), [
    ("MIT", "permissive"), ("Apache-2.0 OR BSD-3-Clause", "permissive"),
    ("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", "permissive"),
    ("MPL-2.0", "permissive"), ("LGPL-2.1-or-later", "weak-copyleft"),
    ("GPL-3.0-only", "strong-copyleft"), ("AGPL-3.0-or-later", "strong-copyleft"),
    ("GPL-2.0-or-later OR MIT", "permissive"), ("MIT AND GPL-3.0-only", "strong-copyleft"),
    ("LicenseRef-Proprietary", "unknown"),
])
def test_spdx_expressions(expression: str, family: str) -> None:
    assert tool.family_of_expression(expression) == family


@pytest.mark.parametrize(("text", "family"), [
    ("GNU Lesser General Public License v2 or later (LGPLv2+)", "weak-copyleft"),
    ("GNU General Public License v3 (GPLv3)", "strong-copyleft"),
    ("GNU Affero General Public License v3", "strong-copyleft"),
    ("Python Software Foundation License", "permissive"),
    ("Apache Software License", "permissive"), ("Public Domain", "permissive"),
    ("Permission is hereby granted, free of charge, to any person", "permissive"),
    ("Copyright (c) 2015, the project", "unknown"),
])
def test_license_names_and_texts(text: str, family: str) -> None:
    assert tool.family_of(text) == family


def test_verdicts_fail_copyleft_and_unknown_runtime_dependencies_only() -> None:
    assert tool.verdict("somegpl", "strong-copyleft", True) == "FAIL"
    assert tool.verdict("mystery", "unknown", True) == "FAIL"
    assert tool.verdict("somelgpl", "weak-copyleft", True) == "FAIL"
    assert tool.verdict("crc32c", "weak-copyleft", True) == "ok (exception)"
    assert tool.verdict("somegpl", "strong-copyleft", False).startswith("reported")
    assert tool.verdict("mit", "permissive", True) == "ok"


def test_every_installed_runtime_dependency_is_allowed() -> None:
    rows = tool.survey()
    runtime = {r.name.lower() for r in rows if r.runtime}
    assert {"cryptography", "pynacl", "fastavro", "fastapi"} <= runtime
    failing = [f"{r.name} {r.version}: {r.license} ({r.family})" for r in rows
               if r.verdict == "FAIL"]
    assert failing == []
