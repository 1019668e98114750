"""Fixtures for the HSM tests: throw-away SoftHSM2 tokens under each test's tmp dir
(:mod:`tests.hsm.softhsm`). ``softhsm.add_token(label)`` makes another beside the first."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.hsm.softhsm import MISSING, SoftToken, make_token, module_or_skip

__all__ = ["SoftHSM", "SoftToken"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report every "SoftHSM2 missing" skip at one place, so the summary has one line."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and report.longrepr[2].endswith(
            MISSING):
        report.longrepr = (__file__, module_or_skip.__code__.co_firstlineno, MISSING)
    return report


class SoftHSM:
    """The tokens of one test, all in one SOFTHSM2_CONF under its tmp dir."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.directory = directory
        self._monkeypatch = monkeypatch
        self.module = module_or_skip()

    def add_token(self, label: str) -> SoftToken:
        return make_token(self.directory, label, self._monkeypatch.setenv)


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoftHSM]:
    yield SoftHSM(tmp_path / "softhsm", monkeypatch)


@pytest.fixture
def token(softhsm: SoftHSM) -> SoftToken:
    """A fresh token labelled ``skms-test``."""
    return softhsm.add_token("skms-test")
