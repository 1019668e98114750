"""The locks pin every dependency pyproject declares, inside its range, with hashes, and no other.

A dependency added to pyproject without ``make lock`` would be missing from the lock, so
``make setup`` (``--require-hashes``) and the wheel test would fail late and obscurely; this
test names it at once. A dependency removed from pyproject without ``make lock`` would stay
installed and tested (as ``eventsourcing`` would have after the catalogue refactor); the
lock's own ``# via skms (pyproject.toml)`` notes name it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.vectors import REPO_ROOT

RUNTIME_LOCK = REPO_ROOT / "requirements" / "runtime.txt"
DEV_LOCK = REPO_ROOT / "requirements" / "dev.txt"
TOOLS_LOCK = REPO_ROOT / "requirements" / "tools.txt"  # pip and the build backend, first
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?:\s*;\s*(.+?))?\s*\\?$")
_HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}\s*\\?$")
_VIA = re.compile(r"^\s+#\s+(?:via\s+)?(\S.*?)\s*$")
SKMS_ITSELF = "skms (pyproject.toml)"  # how uv names a requirement of pyproject in "# via"


@dataclass
class Pin:
    version: str
    marker: str | None
    hashes: int = field(default=0)
    via: list[str] = field(default_factory=list, compare=False)


def read_lock(path: Path) -> dict[str, list[Pin]]:
    """Pins by canonical name; a name may have several, one per marker (e.g. per Python)."""
    pins: dict[str, list[Pin]] = {}
    current: Pin | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = Pin(match.group(2), match.group(3))
            pins.setdefault(canonicalize_name(match.group(1)), []).append(current)
        elif _HASH.match(line):
            assert current is not None, f"{path.name}: a hash before any pin"
            current.hashes += 1
        elif current is not None and (via := _VIA.match(line)) and via.group(1) != "via":
            current.via.append(via.group(1))
        else:
            assert line == "" or line.lstrip().startswith("#"), f"{path.name}: {line!r}"
    return pins


def python_311_pin(pins: dict[str, list[Pin]], name: str) -> Pin:
    """The pin pip picks on Python 3.11, the version SKMS is locked and tested for."""
    environment = {"python_full_version": "3.11.7", "python_version": "3.11",
                   "sys_platform": "linux", "platform_system": "Linux",
                   "implementation_name": "cpython",
                   "platform_python_implementation": "CPython"}
    chosen = [pin for pin in pins.get(name, [])
              if pin.marker is None or Marker(pin.marker).evaluate(environment)]
    assert len(chosen) == 1, f"{name}: {len(chosen)} pins apply on Python 3.11"
    return chosen[0]


RUNTIME = read_lock(RUNTIME_LOCK)
DEV = read_lock(DEV_LOCK)
TOOLS = read_lock(TOOLS_LOCK)


@pytest.mark.parametrize("spec", PYPROJECT["project"]["dependencies"])
def test_every_runtime_dependency_is_pinned_in_both_locks_within_its_range(spec: str) -> None:
    requirement = Requirement(spec)
    name = canonicalize_name(requirement.name)
    for lock in (RUNTIME, DEV):
        pin = python_311_pin(lock, name)
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{name}=={pin.version} is outside {requirement.specifier}: run make lock")


@pytest.mark.parametrize("spec", [*PYPROJECT["project"]["optional-dependencies"]["dev"],
                                  *PYPROJECT["project"]["optional-dependencies"]["fuzz"],
                                  *PYPROJECT["build-system"]["requires"]])
def test_every_dev_and_build_dependency_is_pinned_in_the_dev_lock(spec: str) -> None:
    requirement = Requirement(spec)
    pin = python_311_pin(DEV, canonicalize_name(requirement.name))
    assert requirement.specifier.contains(pin.version, prereleases=True), (
        f"{requirement.name}=={pin.version} is outside {requirement.specifier}: run make lock")


def test_build_backend_and_pip_are_in_the_tools_lock() -> None:
    for spec in [*PYPROJECT["build-system"]["requires"], "pip"]:
        requirement = Requirement(spec)
        pin = python_311_pin(TOOLS, canonicalize_name(requirement.name))
        assert requirement.specifier.contains(pin.version, prereleases=True), spec


def test_runtime_and_tools_locks_agree_with_the_dev_lock_and_every_pin_has_hashes() -> None:
    for lock in (RUNTIME, TOOLS):
        for name, pins in lock.items():
            assert [(p.version, p.marker) for p in pins] == [
                (p.version, p.marker) for p in DEV.get(name, [])], name
    for lock in (RUNTIME, DEV, TOOLS):
        unhashed = [name for name, pins in lock.items() for pin in pins if pin.hashes == 0]
        assert unhashed == []


def declared(*groups: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(spec).name) for group in groups for spec in group}


@pytest.mark.parametrize(("lock", "allowed"), [
    (RUNTIME, declared(PYPROJECT["project"]["dependencies"])),
    (DEV, declared(PYPROJECT["project"]["dependencies"],
                   PYPROJECT["project"]["optional-dependencies"]["dev"],
                   PYPROJECT["project"]["optional-dependencies"]["fuzz"])),
], ids=["runtime", "dev"])
def test_nothing_is_locked_for_pyproject_that_pyproject_no_longer_declares(
        lock: dict[str, list[Pin]], allowed: set[str]) -> None:
    claimed = {name for name, pins in lock.items() for pin in pins if SKMS_ITSELF in pin.via}
    assert claimed, "the lock names no requirement of pyproject: is it a uv lock?"
    assert claimed - allowed == set(), "run make lock"


def test_the_lock_reader_sees_what_it_should(tmp_path: Path) -> None:
    sample = tmp_path / "lock.txt"
    sample.write_text("# header\nfoo-Bar==1.2 ; python_full_version < '3.12' \\\n"
                      f"    --hash=sha256:{'ab' * 32} \\\n    --hash=sha256:{'cd' * 32}\n"
                      "foo-bar==1.3 ; python_full_version >= '3.12' \\\n"
                      f"    --hash=sha256:{'ef' * 32}\n    # via skms\n"
                      f"bar==2.0 \\\n    --hash=sha256:{'01' * 32}\n    # via\n"
                      "    #   -c requirements/dev.txt\n    #   skms (pyproject.toml)\n",
                      encoding="utf-8")
    pins = read_lock(sample)
    assert python_311_pin(pins, "foo-bar") == Pin("1.2", "python_full_version < '3.12'", 2)
    assert pins["foo-bar"][1].via == ["skms"]
    assert pins["bar"][0].via == ["-c requirements/dev.txt", SKMS_ITSELF]
    sample.write_text("foo==1.0 \\\n    --hash=md5:00\n", encoding="utf-8")
    with pytest.raises(AssertionError):
        read_lock(sample)
