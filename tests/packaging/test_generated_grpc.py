"""The committed gRPC code is exactly what the locked grpcio-tools makes of the catalogue's proto.

See ``commands/service/protos.py`` for why the code is committed rather than generated at
run time or when the wheel is built, and ``tools/gen_catalogue.py`` for the generator.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from commands.service import protos
from commands.service.proto_schema import proto_text
from tests.vectors import REPO_ROOT

_spec = importlib.util.spec_from_file_location("gen_catalogue", REPO_ROOT / "tools" /
                                               "gen_catalogue.py")
assert _spec is not None and _spec.loader is not None
gen_catalogue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_catalogue)

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
INSTALLED_PACKAGES = ("ledger", "commands", "projections", "schemas")


def committed_files(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()
            if path.is_file()}


def test_committed_code_equals_a_fresh_generation_from_the_catalogue() -> None:
    fresh = gen_catalogue.grpc_modules(proto_text())
    assert sorted(fresh) == ["__init__.py", "skms_pb2.py", "skms_pb2.pyi", "skms_pb2_grpc.py"]
    assert committed_files(protos.GENERATED) == fresh, "run: python tools/gen_catalogue.py"
    assert protos.GENERATED == REPO_ROOT / "commands" / "service" / "generated"


def test_check_names_edited_missing_and_extra_files(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "generated"
    shutil.copytree(protos.GENERATED, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(gen_catalogue, "GENERATED", copy)
    expected = gen_catalogue.rendered()
    assert gen_catalogue.stale_files(expected) == []
    pb2 = copy / "skms_pb2.py"
    pb2.write_text(pb2.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    (copy / "skms_pb2.pyi").unlink()
    (copy / "leftover_pb2.py").write_text("", encoding="utf-8")
    assert gen_catalogue.stale_files(expected) == [
        copy / "leftover_pb2.py", copy / "skms_pb2.py", copy / "skms_pb2.pyi"]


def test_check_command_exits_1_on_a_stale_folder_and_writing_repairs_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert gen_catalogue.main(["--check"]) == 0
    target = tmp_path / "generated"
    target.mkdir()
    (target / "leftover_pb2.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(gen_catalogue, "GENERATED", target)
    # Only the gRPC folder is redirected; the other generated files are the checkout's.
    monkeypatch.setattr(gen_catalogue, "ARTIFACTS", {})
    assert gen_catalogue.main(["--check"]) == 1
    assert gen_catalogue.main([]) == 0
    assert committed_files(target) == committed_files(protos.GENERATED)
    assert gen_catalogue.main(["--check"]) == 0


def test_load_imports_the_committed_modules_and_writes_nothing() -> None:
    before = {path.name: path.stat().st_mtime_ns for path in protos.GENERATED.iterdir()}
    messages, services = protos.load()
    assert Path(messages.__file__ or "").parent == protos.GENERATED
    assert Path(services.__file__ or "").parent == protos.GENERATED
    assert messages.DESCRIPTOR.package == "skms.v1"
    assert "Skms" in messages.DESCRIPTOR.services_by_name
    assert {path.name: path.stat().st_mtime_ns for path in protos.GENERATED.iterdir()} == before


def test_version_floors_in_pyproject_follow_the_generated_code() -> None:
    """The generated code refuses older runtimes, so pyproject must not promise them."""
    grpc_code = (protos.GENERATED / "skms_pb2_grpc.py").read_text(encoding="utf-8")
    pb2_code = (protos.GENERATED / "skms_pb2.py").read_text(encoding="utf-8")
    grpc_match = re.search(r"GRPC_GENERATED_VERSION = '([0-9.]+)'", grpc_code)
    pb_match = re.search(r"ValidateProtobufRuntimeVersion\(\s*_runtime_version\.Domain\.PUBLIC,"
                         r"\s*(\d+),\s*(\d+),\s*(\d+),", pb2_code)
    assert grpc_match is not None and pb_match is not None
    runtime = PYPROJECT["project"]["dependencies"]
    assert f"grpcio>={grpc_match.group(1)}" in runtime
    assert f"protobuf>={'.'.join(pb_match.groups())}" in runtime
    # The compiler that made the committed code is the oldest one the dev extra allows.
    assert f"grpcio-tools>={grpc_match.group(1)}" in PYPROJECT["project"][
        "optional-dependencies"]["dev"]


def test_the_compiler_is_a_dev_dependency_only() -> None:
    runtime = {Requirement(spec).name for spec in PYPROJECT["project"]["dependencies"]}
    assert "grpcio-tools" not in runtime
    importers = [
        str(path.relative_to(REPO_ROOT))
        for package in INSTALLED_PACKAGES
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        if re.search(r"^\s*(from|import) grpc_tools\b", path.read_text(encoding="utf-8"),
                     re.MULTILINE)
    ]
    assert importers == []
