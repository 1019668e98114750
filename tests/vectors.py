"""The one way tests reach the official vectors in ``../shared/vectors``.

Vectors are data we never copy into the repository. They are found at ``$SKMS_VECTORS``
or beside the repository. On a user's machine without them the vector tests skip with one
clear line; in CI (``CI=true``) their absence is a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[1]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def vectors_dir() -> Path:
    """The shared vectors folder; skips (or fails in CI) when it is missing."""
    configured = os.environ.get("SKMS_VECTORS")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "vectors"
    if not path.is_dir():
        message = f"official test vectors not found at {path} (set SKMS_VECTORS)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message, allow_module_level=True)
    return path


def vector_path(relative: str) -> Path:
    path = vectors_dir() / relative
    if not path.exists():
        pytest.fail(f"vector file missing: {path}")
    return path


def load_vectors(relative: str, parser: Callable[[Path], T]) -> T:
    """Parse one vector file (or folder) with a small format-specific parser."""
    return parser(vector_path(relative))


def load_json(relative: str) -> Any:
    return load_vectors(relative, lambda p: json.loads(p.read_text()))


def wycheproof_cases(relative: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every (test group, test case) pair of a Wycheproof JSON file."""
    data = load_json(relative)
    return [(group, case) for group in data["testGroups"] for case in group["tests"]]
