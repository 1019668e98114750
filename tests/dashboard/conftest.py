"""A real SKMS server and Debian's headless Chromium driven by Playwright (issue 19 §1).

The browser is the system one (``SKMS_CHROMIUM``, default ``/usr/bin/chromium``, installed
by ``tools/dashboard/chromium.sh`` from ``make test``); Playwright never downloads one.
Without it the browser tests skip on a developer machine and FAIL under ``CI=true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.service.conftest import Running, start

CHROMIUM = Path(os.environ.get("SKMS_CHROMIUM", "/usr/bin/chromium"))
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
# The machine runs the whole suite on two shared cores: a page waiting on the read models
# may take more than expect()'s 5 s default (what is awaited is the same, only longer).
expect.set_options(timeout=30_000)


def need_chromium() -> None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = f"no Chromium at {CHROMIUM} (run tools/dashboard/chromium.sh)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def dashboard_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server of this module (the tamper test damages its store)."""
    running = start(tmp_path_factory.mktemp("dashboard") / "home", client_auth="optional")
    yield running
    running.server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    need_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield launched
        launched.close()
