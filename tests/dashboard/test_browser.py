"""The dashboard in headless Chromium against a live server (issue 19 §1).

One server for the module, the tests in order: sign in by key, a key created through the
CLI shows up live, rotate it from the page (the ledger records the page's own signature),
a second actor's view, the checkpoint badge verified by the browser, and last the store
tampered with underneath: the badge turns red naming the seq.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ledger.command import SignedCommand
from ledger.envelope import open_envelope
from tests.service.conftest import PASSPHRASE, Running

SCREENSHOTS = os.environ.get("SKMS_DASHBOARD_SCREENSHOTS")
TIMEOUT_MS = 20_000


def shot(page: Page, name: str) -> None:
    """Screenshots for docs/dashboard.md, when asked for (SKMS_DASHBOARD_SCREENSHOTS=dir)."""
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def signed_in(browser: Browser, service: Running, actor: str) -> Page:
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{service.url}/ui")
    page.fill("#identity-text", service.actors[actor].private_key.hex())
    page.click("#sign-in")
    expect(page.locator("#who")).to_contain_text(actor)
    assert errors == []
    return page


@pytest.fixture(scope="module")
def auditor(browser: Browser, dashboard_service: Running) -> Iterator[Page]:
    page = signed_in(browser, dashboard_service, "auditor")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def manager(browser: Browser, dashboard_service: Running) -> Iterator[Page]:
    page = signed_in(browser, dashboard_service, "key-manager")
    yield page
    page.context.close()


def cli(service: Running, *args: str) -> str:
    skms = Path(sys.executable).with_name("skms")
    done = subprocess.run([str(skms), "--home", str(service.home), *args], check=True,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SKMS_PASSPHRASE": PASSPHRASE})
    return done.stdout.strip()


def test_sign_in_shows_the_actor_and_its_session(auditor: Page,
                                                 dashboard_service: Running) -> None:
    assert "auditor" in auditor.locator("#who").inner_text()
    cookies = auditor.context.cookies()
    session = [c for c in cookies if c["name"] == "__Host-skms-session"]
    assert len(session) == 1
    assert session[0]["httpOnly"] and session[0]["secure"] and session[0]["sameSite"] == "Strict"
    # The page cannot read its own session token (HttpOnly).
    assert "skms-session" not in auditor.evaluate("document.cookie")
    shot(auditor, "keys")


def test_a_key_created_through_the_cli_appears_live(auditor: Page,
                                                    dashboard_service: Running) -> None:
    auditor.goto(f"{dashboard_service.url}/ui#/timeline")
    expect(auditor.locator("#feed-status")).to_contain_text("live")
    key_id = cli(dashboard_service, "--as", "key-manager", "--print", "key_id",
                 "key", "create", "--algorithm", "ed25519", "--label", "from-the-cli")
    assert re.fullmatch(r"[0-9a-f-]{36}", key_id)
    expect(auditor.locator("#timeline")).to_contain_text(key_id)
    expect(auditor.locator("#timeline")).to_contain_text("KeyGenerated")
    shot(auditor, "timeline")
    auditor.goto(f"{dashboard_service.url}/ui#/keys")
    expect(auditor.locator("#key-table")).to_contain_text("from-the-cli")


def test_rotate_from_the_page_is_signed_by_the_actor(manager: Page,
                                                     dashboard_service: Running) -> None:
    with dashboard_service.client("key-manager") as client:
        key_id = str(client.create_key("ed25519", label="to-rotate").result["key_id"])
    manager.goto(f"{dashboard_service.url}/ui#/key/{key_id}")
    expect(manager.locator("#key-version")).to_have_text("1")
    manager.get_by_role("button", name="rotate", exact=True).click()
    expect(manager.locator("#key-version")).to_have_text("2")
    expect(manager.locator("#key-history")).to_contain_text("KeyRotated")
    expect(manager.locator("#key-lives-in")).to_contain_text(f"{key_id}/v2")
    shot(manager, "key")
    # The ledger holds the command the page signed: key-manager's signature over it.
    store = dashboard_service.server.core.store
    rotated = [open_envelope(e) for e in store.read("default")
               if e.event_type == "KeyRotated" and e.aggregate_id == key_id]
    assert len(rotated) == 1
    signed = SignedCommand.parse(rotated[0].command, rotated[0].actor_signature)
    signed.verify(dashboard_service.actors["key-manager"].public_key)
    assert signed.command.actor_id == dashboard_service.actors["key-manager"].actor_id


def test_a_second_actor_sees_what_its_roles_allow(browser: Browser,
                                                  dashboard_service: Running) -> None:
    page = signed_in(browser, dashboard_service, "signer")
    try:
        with dashboard_service.client("key-manager") as client:
            key_id = str(client.create_key("ed25519", label="for-signer").result["key_id"])
        page.goto(f"{dashboard_service.url}/ui#/key/{key_id}")
        expect(page.locator("#key-details")).to_contain_text("for-signer")
        # A signer may not rotate: the catalogue's roles leave it no lifecycle action.
        expect(page.locator("main")).to_contain_text("may take no action")
        expect(page.get_by_role("button", name="rotate", exact=True)).to_have_count(0)
        page.goto(f"{dashboard_service.url}/ui#/timeline")
        expect(page.locator("#badge")).to_contain_text("admins and auditors")
    finally:
        page.context.close()


def test_the_badge_is_verified_by_the_browser(auditor: Page,
                                              dashboard_service: Running) -> None:
    auditor.goto(f"{dashboard_service.url}/ui#/timeline")
    with dashboard_service.client("auditor") as client:
        client.request_checkpoint("default")
        size = int(client.checkpoint("default")["size"])
    badge = auditor.locator("#badge")
    expect(badge).to_have_class(re.compile(r"\bok\b"))
    expect(badge).to_contain_text(f"verified up to checkpoint {size} of default")
    expect(auditor.locator("#timeline")).to_contain_text(f"in checkpoint {size}")
    shot(auditor, "timeline-verified")


def test_a_tampered_store_turns_the_badge_red_naming_the_seq(auditor: Page,
                                                             dashboard_service: Running
                                                             ) -> None:
    with dashboard_service.client("auditor") as client:
        client.request_checkpoint("default")
    database = dashboard_service.home / "ledger.db"
    victim = 1
    with sqlite3.connect(database) as connection:
        (body,) = connection.execute("SELECT body FROM events WHERE chain_id = 'default' "
                                     "AND seq = ?", (victim,)).fetchone()
        forged = bytes(body[:-1]) + bytes([body[-1] ^ 1])
        connection.execute("UPDATE events SET body = ? WHERE chain_id = 'default' AND seq = ?",
                           (forged, victim))
    auditor.goto(f"{dashboard_service.url}/ui#/timeline")
    auditor.click("#verify-now")
    badge = auditor.locator("#badge")
    expect(badge).to_have_class(re.compile(r"\bbad\b"))
    expect(badge).to_contain_text(f"seq {victim}")
    expect(badge).to_contain_text("does not hash to its recorded event hash")
    shot(auditor, "timeline-tampered")
