"""Fixtures: a ledger in a temporary home (see :mod:`tests.wallets.ledger_fixture`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commands.session import Session
from tests.wallets.ledger_fixture import open_ledger


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    yield from open_ledger(tmp_path)
