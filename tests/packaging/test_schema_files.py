"""Schema files are package data found through importlib.resources, never by counting parents."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

import schemas
from ledger import events, schema_files
from ledger.errors import ConfigurationError
from tests.vectors import REPO_ROOT

INSTALLED_PACKAGES = ("ledger", "commands", "projections", "schemas")


def test_files_are_found_in_the_schemas_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKMS_SCHEMAS_DIR", raising=False)
    root = schema_files.schema_root()
    assert root == Path(schemas.__file__).resolve().parent
    assert (schema_files.avro_dir() / "EnvelopeBody.v1.avsc").is_file()
    assert "service Skms" in schema_files.proto_file().read_text(encoding="utf-8")
    assert schema_files.openapi_file().is_file()
    assert events.schemas_dir() == schema_files.avro_dir()


def test_a_schemas_package_not_on_disk_is_refused(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "skms.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("schemas/__init__.py", "")
    monkeypatch.setattr(schema_files, "files",
                        lambda package: zipfile.Path(archive, "schemas/"))
    with pytest.raises(ConfigurationError, match="not a folder on disk"):
        schema_files.avro_dir()


def test_no_installed_module_finds_files_by_counting_parents() -> None:
    """``Path(__file__).parents[N]`` points outside the package once it is installed."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for package in INSTALLED_PACKAGES
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.parents\[\d+\]", line)
    ]
    assert offenders == []
