"""What the chain dependencies bring that a scan exception relies on."""

from __future__ import annotations

import importlib.metadata
import inspect

import jsonalias


def test_jsonalias_is_one_type_alias() -> None:
    """tools/scan/exceptions.toml accepts jsonalias (no licence metadata; MIT upstream)
    because it is one type alias; a new version or new code needs a new review."""
    assert importlib.metadata.version("jsonalias") == "0.1.1"
    public = [name for name in vars(jsonalias) if not name.startswith("_")]
    assert set(public) <= {"Json", "Dict", "List", "Union"}
    source = inspect.getsource(jsonalias)
    assert "def " not in source and "class " not in source and "import os" not in source
