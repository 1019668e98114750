"""Every dashboard page in Chromium: it shows what it is for, and axe-core finds no serious
or critical accessibility violation on it (issue 19 §1). Screenshots of each page go to
``$SKMS_DASHBOARD_SCREENSHOTS`` when set (docs/dashboard.md).

axe-core is a test-time npm tool (tools/dashboard/package-lock.json, ``make browser-deps``);
it is evaluated in a context that bypasses the page's CSP, since the page's own policy
rightly refuses any script it did not ship.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, Page, expect

from ledger.merkle.checkpoint import verifier_key_string
from tests.dashboard.test_browser import TIMEOUT_MS, cli, shot
from tests.dashboard.test_sessions import client_pem
from tests.service.conftest import Running

AXE = Path(__file__).parents[2] / "tools" / "dashboard" / "node_modules" / "axe-core" / \
    "axe.min.js"
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        reason = f"axe-core is not installed at {AXE} (make browser-deps)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def new_page(browser: Browser, service: Running) -> Page:
    context = browser.new_context(ignore_https_errors=True, bypass_csp=True,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{service.url}/ui")
    return page


@pytest.fixture(scope="module")
def admin(browser: Browser, dashboard_service: Running) -> Iterator[Page]:
    """Signed in as the admin with the PKCS#8 PEM file ``skms serve --export-dashboard-key``
    writes (through the page's file input)."""
    page = new_page(browser, dashboard_service)
    pem = cli(dashboard_service, "serve", "--export-dashboard-key", "admin").encode() + b"\n"
    exported = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(exported, Ed25519PrivateKey)
    assert exported.public_key().public_bytes_raw() == dashboard_service.actors["admin"].public_key
    page.set_input_files("#identity-file", {"name": "admin.pem", "mimeType": "text/plain",
                                            "buffer": pem})
    page.click("#sign-in")
    expect(page.locator("#who")).to_contain_text("admin")
    yield page
    page.context.close()


def violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document)).violations.map(v => "
        "({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))")
    return [v for v in found if v["impact"] in SERIOUS]


def test_sign_in_page(browser: Browser, dashboard_service: Running, axe_source: str) -> None:
    page = new_page(browser, dashboard_service)
    try:
        expect(page.locator("h1")).to_have_text("Sign in")
        assert violations(page, axe_source) == []
        shot(page, "sign-in")
        # The check can fail: an image without a text alternative is a critical violation.
        page.evaluate("document.body.append(document.createElement('img'))")
        assert [v["id"] for v in violations(page, axe_source)] == ["image-alt"]
        page.evaluate("document.querySelector('body > img').remove()")
        page.click("#generate")
        expect(page.locator("#generated-key")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
        # A key no admin registered yet is refused at sign-in.
        page.get_by_role("button", name="Sign in with the generated key").click()
        expect(page.locator("#sign-in-status")).to_contain_text("sign-in refused")
    finally:
        page.context.close()


PAGES = [
    ("keys", "#key-table", "Keys"),
    ("timeline", "#timeline", "Live timeline"),
    ("checkpoints", "main", "Checkpoints and proofs"),
    ("reports", "#report canvas", "Compliance reports"),
    ("approvals", "#approval-policies", "Approvals queue"),
    ("threshold", "#threshold-groups", "Threshold sessions"),
    ("chains", "main canvas", "Chain activity"),
    ("health", "#metrics", "Health and metrics"),
]


@pytest.mark.parametrize(("route", "marker", "text"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_shows_its_content_accessibly(admin: Page, dashboard_service: Running,
                                                axe_source: str, route: str, marker: str,
                                                text: str) -> None:
    with dashboard_service.client("key-manager") as client:
        client.create_key("ed25519", label="page-tour")
    with dashboard_service.client("auditor") as client:
        client.request_checkpoint("default")
    admin.goto(f"{dashboard_service.url}/ui#/{route}")
    expect(admin.locator("main")).to_contain_text(text)
    expect(admin.locator(marker).first).to_be_visible()
    assert violations(admin, axe_source) == []
    shot(admin, route)


def test_the_proof_viewer_verifies_inclusion_in_the_browser(admin: Page,
                                                            dashboard_service: Running
                                                            ) -> None:
    admin.goto(f"{dashboard_service.url}/ui#/checkpoints")
    section = admin.get_by_role("region", name="checkpoint of default")
    expect(section).to_contain_text("signature verified here")
    section.get_by_role("button", name="Prove inclusion").click()
    expect(section).to_contain_text("✓ seq 0 is in checkpoint")


def test_sign_in_with_a_client_certificate_reads_but_cannot_act(
        browser: Browser, dashboard_service: Running, tmp_path: Path) -> None:
    cert, key = client_pem(dashboard_service, "key-manager", tmp_path)
    context = browser.new_context(ignore_https_errors=True, client_certificates=[
        {"origin": dashboard_service.url, "certPath": str(cert), "keyPath": str(key)}])
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{dashboard_service.url}/ui")
        page.click("#sign-in-certificate")
        expect(page.locator("#who")).to_contain_text("key-manager")
        with dashboard_service.client("key-manager") as client:
            key_id = str(client.create_key("ed25519", label="by-cert").result["key_id"])
        page.goto(f"{dashboard_service.url}/ui#/key/{key_id}")
        expect(page.locator("#key-details")).to_contain_text("by-cert")
        expect(page.locator("main")).to_contain_text("Signed in by client certificate")
        expect(page.get_by_role("button", name="rotate", exact=True)).to_have_count(0)
    finally:
        context.close()


def test_a_wrong_pinned_key_turns_the_badge_red(admin: Page,
                                                dashboard_service: Running) -> None:
    stranger = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    with dashboard_service.client("auditor") as client:
        client.request_checkpoint("default")
        info = client.checkpoint("default")
    name = info["verifier_key"].split("+")[0]
    forged = verifier_key_string(name, stranger)
    admin.goto(f"{dashboard_service.url}/ui#/checkpoints")
    admin.fill("#pinned-key", forged)
    admin.get_by_role("button", name="Pin").click()
    badge = admin.locator("#badge")
    expect(badge).to_have_class(re.compile(r"\bbad\b"))
    expect(badge).to_contain_text(f"no signature by {name}")
    admin.fill("#pinned-key", info["verifier_key"])
    admin.get_by_role("button", name="Pin").click()
    expect(badge).to_contain_text("(pinned key)")
    expect(badge).to_have_class(re.compile(r"\bok\b"))
    admin.fill("#pinned-key", "")
    admin.get_by_role("button", name="Pin").click()
    expect(badge).to_contain_text("server's key (not pinned)")


def test_the_inventory_filters_by_domain_algorithm_and_state(admin: Page,
                                                            dashboard_service: Running) -> None:
    """Each filter keeps exactly the keys the ledger lists with that value (combined: all
    of them), and a combination nothing matches says so."""
    with dashboard_service.client("key-manager") as client:
        made = {label: client.create_key(algorithm, label=label, domain=domain).key_id
                for label, algorithm, domain in (("filter-ed", "ed25519", "default"),
                                                 ("filter-p256", "ecdsa-p256", "payments"))}
        client.key_command("suspend", made["filter-p256"])
        listed = client.list_keys()
    admin.goto(f"{dashboard_service.url}/ui#/keys")
    table = admin.locator("#key-table")
    expect(table).to_contain_text(made["filter-ed"])

    def shown() -> set[str]:
        return set(table.locator("tbody tr td:first-child").all_inner_texts())

    for name, value in (("domain", "payments"), ("algorithm", "ed25519"),
                        ("state", "suspended")):
        admin.select_option(f"#filter-{name}", value)
        expected = {k["key_id"] for k in listed if k[name] == value}
        expect(table.locator("tbody tr")).to_have_count(len(expected))
        assert shown() == expected, name
        admin.select_option(f"#filter-{name}", "")
    admin.select_option("#filter-domain", "payments")
    admin.select_option("#filter-state", "suspended")
    expect(table.locator("tbody tr")).to_have_count(
        len({k["key_id"] for k in listed if k["domain"] == "payments"
             and k["state"] == "suspended"}))
    assert made["filter-p256"] in shown() and made["filter-ed"] not in shown()
    admin.select_option("#filter-algorithm", "ed25519")
    expect(table).to_contain_text("No key matches.")
    for name in ("domain", "algorithm", "state"):
        admin.select_option(f"#filter-{name}", "")


def test_a_keys_own_page_and_history_are_accessible(admin: Page, dashboard_service: Running,
                                                    axe_source: str) -> None:
    with dashboard_service.client("key-manager") as client:
        key_id = client.create_key("ed25519", label="a11y-key").key_id
        client.key_command("rotate", key_id)
    admin.goto(f"{dashboard_service.url}/ui#/key/{key_id}")
    expect(admin.locator("#key-version")).to_have_text("2")
    expect(admin.locator("#key-history")).to_contain_text("KeyRotated")
    assert violations(admin, axe_source) == []
