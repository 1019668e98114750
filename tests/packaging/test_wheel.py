"""The wheel works where a user installs it, and never writes into its own folder.

Requirements:

1. The wheel is built from a copy of the packaged sources (so the build's ``build/`` and
   ``*.egg-info`` never land in the checkout, where parallel runs would race on them) with
   the locked setuptools, and holds every schema file the ``schemas`` folder has.
2. It is installed in a fresh venv in a temporary folder, with exactly the runtime lock's
   dependencies, taken from the wheelhouse ``make setup`` fills (``$SKMS_WHEELHOUSE``,
   default ``.wheelhouse``) without the network; only a wheelhouse that lacks some of them
   is first completed from PyPI. ``pip check`` then proves the lock satisfies what the
   wheel declares.
3. From a folder outside the checkout, with a fresh ``SKMS_HOME`` and the passphrase in
   ``SKMS_PASSPHRASE``, ``skms init``, ``skms demo`` and ``skms audit verify`` exit 0 and
   report one verified ledger; the installed code, schemas and gRPC modules are the venv's.
4. Not one file in the venv is created, changed or removed by those runs.
5. Marked ``packaging`` (``-m packaging`` selects it; about a minute). A missing wheelhouse
   that cannot be fetched skips it on a developer's machine; with ``CI=true`` it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.vectors import REPO_ROOT, in_ci

pytestmark = pytest.mark.packaging

RUNTIME_LOCK = REPO_ROOT / "requirements" / "runtime.txt"
# Relative to the checkout, as in the Makefile; an absolute path replaces it.
WHEELHOUSE = REPO_ROOT / os.environ.get("SKMS_WHEELHOUSE", ".wheelhouse")
PASSPHRASE = "wheel test passphrase, not a secret"
STEP_TIMEOUT = 600


@dataclass(frozen=True)
class Installed:
    venv: Path
    python: Path
    skms: Path
    site_packages: Path
    wheel: Path


def run(command: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None,
        timeout: int = STEP_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def succeed(command: list[str | Path], *, cwd: Path,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = run(command, cwd=cwd, env=env)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} exited {result.returncode}\n"
        f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}")
    return result


def packaged_top_levels() -> list[str]:
    """Top-level folders pyproject packages (``ledger``, ``commands``, ...)."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted({pattern.split(".")[0].rstrip("*") for pattern in patterns})


def build_wheel(scratch: Path) -> Path:
    source = scratch / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, source / name)
    for folder in packaged_top_levels():
        shutil.copytree(REPO_ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    dist = scratch / "dist"
    succeed([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
             "--no-index", "-w", dist, source], cwd=scratch)
    (wheel,) = dist.glob("skms-*.whl")
    return wheel


def install_dependencies(python: Path, scratch: Path) -> None:
    """The runtime lock from the wheelhouse, completing the wheelhouse from PyPI if needed."""
    offline: list[str | Path] = [sys.executable, "-m", "pip", "--python", python, "install", "-q",
               "--no-index", "--find-links", WHEELHOUSE, "--require-hashes",
               "-r", RUNTIME_LOCK]
    if run(offline, cwd=scratch).returncode == 0:
        return
    fetched = run([sys.executable, "-m", "pip", "download", "-q", "--require-hashes",
                   "-r", RUNTIME_LOCK, "-d", WHEELHOUSE], cwd=scratch)
    if fetched.returncode != 0:
        message = (f"the wheelhouse {WHEELHOUSE} lacks runtime wheels and PyPI did not "
                   f"provide them (run make setup): {fetched.stderr.strip()[-500:]}")
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    succeed(offline, cwd=scratch)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    scratch = tmp_path_factory.mktemp("install")
    venv = scratch / "venv"
    # No pip inside: the test's pip installs into it (--python), which saves a bootstrap.
    succeed([sys.executable, "-m", "venv", "--without-pip", venv], cwd=scratch)
    python = venv / "bin" / "python"
    install_dependencies(python, scratch)
    succeed([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-index",
             "--no-deps", wheel], cwd=scratch)
    succeed([sys.executable, "-m", "pip", "--python", python, "check"], cwd=scratch)
    site = succeed([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   cwd=scratch).stdout.strip()
    yield Installed(venv, python, venv / "bin" / "skms", Path(site), wheel)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file (and symlink) under ``folder``: size and modification time."""
    state: dict[str, tuple[int, int]] = {}
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            info = path.lstat()
            state[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns)
    return state


def test_the_wheel_ships_every_schema_file_and_no_tests(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    shipped = sorted(name.removeprefix("schemas/") for name in names
                     if name.startswith("schemas/"))
    expected = sorted(path.relative_to(REPO_ROOT / "schemas").as_posix()
                      for path in (REPO_ROOT / "schemas").rglob("*")
                      if path.is_file() and "__pycache__" not in path.parts)
    assert shipped == expected
    assert "commands/service/generated/skms_pb2.py" in names
    assert not [name for name in names if name.startswith(("tests/", "tools/", "docs/"))]


def test_init_demo_and_audit_run_from_outside_the_checkout(installed: Installed,
                                                           tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert not elsewhere.resolve().is_relative_to(REPO_ROOT)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SKMS_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(SKMS_HOME=str(tmp_path / "home"), SKMS_PASSPHRASE=PASSPHRASE,
               HOME=str(tmp_path / "user"), PYTHONDONTWRITEBYTECODE="1",
               PATH=f"{installed.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    before = snapshot(installed.venv)

    where = json.loads(succeed([installed.python, "-c", (
        "import json, ledger, commands, schemas\n"
        "from ledger.schema_files import avro_dir, proto_file\n"
        "from commands.service import protos\n"
        "messages, services = protos.load()\n"
        "print(json.dumps([ledger.__file__, commands.__file__, schemas.__file__,\n"
        "                  str(avro_dir()), str(proto_file()), messages.__file__,\n"
        "                  services.__file__]))")], cwd=elsewhere, env=env).stdout)
    for path in where:
        assert Path(path).is_relative_to(installed.site_packages), path

    init = json.loads(succeed([installed.skms, "init", "--name", "wheel-test", "--json"],
                              cwd=elsewhere, env=env).stdout)
    assert init["ledger_id"]
    assert Path(init["home"]) == tmp_path / "home"

    demo = json.loads(succeed([installed.skms, "demo", "--signatures", "2", "--json"],
                              cwd=elsewhere, env=env).stdout)
    assert demo["ledger_id"] == init["ledger_id"]
    assert demo["verified"] is True
    assert demo["signatures"] > 0 and demo["refused_commands"] > 0

    audit = json.loads(succeed([installed.skms, "audit", "verify", "--json"],
                               cwd=elsewhere, env=env).stdout)
    assert audit["ok"] is True
    assert audit["ledger_id"] == init["ledger_id"]
    assert audit["events"] == demo["events"]
    assert {chain["chain_id"] for chain in audit["chains"]} == {
        chain["chain_id"] for chain in demo["chains"]}

    after = snapshot(installed.venv)
    changed = sorted(name for name in before.keys() | after.keys()
                     if before.get(name) != after.get(name))
    assert changed == [], f"the runs wrote into the venv: {changed[:20]}"
