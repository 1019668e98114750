"""Fixtures shared by the suite tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.crypto._keys import KeyCache


@pytest.fixture(scope="session")
def keys() -> Iterator[KeyCache]:
    cache = KeyCache()
    yield cache
    cache.wipe()
