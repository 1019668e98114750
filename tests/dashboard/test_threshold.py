"""The threshold page in headless Chromium (issue 19 §1): a key manager takes seat 1 of a
2-of-3 FROST(Ed25519) group from the page, runs both DKG rounds with the other two
participants (played by the threshold library, as their own ledgers would), then signs
a message in a session with participant 2 and aggregates the group signature, every step
a command the page signs. The signature verifies under the group key with plain Ed25519
(the `cryptography` package), the sessions view shows it, and axe-core finds nothing
serious. A signer sees the seat but is offered no DKG.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from playwright.sync_api import Browser, Locator, Page, expect

from tests.dashboard.test_browser import shot, signed_in
from tests.dashboard.test_pages import AXE, violations
from tests.service.conftest import Running
from tests.threshold.peers import Peers

SUITE = "frost-ed25519"
MESSAGE = "pay 10 to carol"
SESSION = "page-session-1"


@pytest.fixture(scope="module")
def manager(browser: Browser, dashboard_service: Running) -> Iterator[Page]:
    page = signed_in(browser, dashboard_service, "key-manager")
    yield page
    page.context.close()


def output(page: Page) -> Any:
    """The message the page says to send to the other participants."""
    box = page.locator("#threshold-output")
    expect(box).to_be_visible()
    return json.loads(box.inner_text())


def run_step(seat: Locator, label: str, fields: dict[str, str]) -> None:
    form = seat.get_by_role("form", name=label)
    for name, value in fields.items():
        form.get_by_label(name).fill(value)
    form.get_by_role("button", name=label).click()


def test_a_dkg_and_a_signing_session_from_the_page(manager: Page, browser: Browser,
                                                   dashboard_service: Running) -> None:
    url = dashboard_service.url
    manager.goto(f"{url}/ui#/threshold")
    expect(manager.locator("#threshold-groups")).to_contain_text("no threshold seat yet")

    # Round 1: this ledger takes seat 1 of a new 2-of-3 group.
    start = manager.get_by_role("form", name="Start DKG")
    start.locator("[name=suite]").select_option(SUITE)
    start.locator("[name=threshold]").fill("2")
    start.locator("[name=participants]").fill("3")
    start.locator("[name=identifier]").fill("1")
    start.locator("[name=label]").fill("treasury")
    start.get_by_role("button", name="Start DKG").click()
    expect(start).to_contain_text(re.compile(r"group [0-9a-f-]{36}: seq \d+"))
    group_id = re.search(r"group ([0-9a-f-]{36})", start.inner_text()).group(1)  # type: ignore[union-attr]
    seat_round1 = output(manager)
    seat = manager.get_by_role("region", name=f"group {group_id}")
    expect(seat.locator(f"[data-stage='{group_id}']")).to_have_text("round1")

    # Round 2: the others' round 1 messages pasted in; the seat's sealed shares come out.
    peers = Peers(SUITE, group_id, 2, 3)
    run_step(seat, "Run DKG round 2",
             {"the other participants' round 1 messages (JSON)": json.dumps(peers.round1())})
    expect(seat.locator(f"[data-stage='{group_id}']")).to_have_text("round2")
    seat_round2 = output(manager)
    assert isinstance(seat_round2, list) and len(seat_round2) == 2

    # Finish: the shares the others sealed to seat 1, one message per line.
    to_seat = peers.round2(seat_round1)
    run_step(seat, "Finish the DKG", {"the round 2 messages sent to this participant (JSON)":
                                      "\n".join(json.dumps(m) for m in to_seat)})
    expect(seat.locator(f"[data-stage='{group_id}']")).to_have_text("active")
    peers.finish(seat_round2)
    finished = output(manager)
    group_key = str(finished["group_public_key"])
    expect(seat).to_contain_text(group_key)

    # A session with participant 2: commit, sign a share, aggregate.
    run_step(seat, "Commit to a session", {"session id (the same for every signer)": SESSION})
    expect(seat.locator(f"[data-sessions='{group_id}']")).to_contain_text(SESSION)
    commitments = [output(manager), peers.commit(2, SESSION)]
    run_step(seat, "Sign a share", {
        "session id": SESSION, "the message (UTF-8 text)": MESSAGE,
        "every signer's commitments, this one's included (JSON)": json.dumps(commitments)})
    expect(seat.locator(f"[data-sessions='{group_id}']")).to_contain_text("yes")
    own_share = output(manager)
    shares = [own_share, peers.share(2, SESSION, MESSAGE.encode(), commitments)]
    run_step(seat, "Aggregate the signature", {
        "session id": SESSION, "the message (UTF-8 text)": MESSAGE,
        "the signing set's commitments (JSON)": json.dumps(commitments),
        "the signing set's signature shares (JSON)": json.dumps(shares)})
    expect(seat.locator(f"[data-sessions='{group_id}']")).to_contain_text(
        re.compile(r"[0-9a-f]{128}"))
    signed = output(manager)
    assert signed["group_public_key"] == group_key and signed["signers"] == [1, 2]
    # Independent check: plain Ed25519 verification of the group signature.
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(group_key)).verify(
        bytes.fromhex(signed["signature"]), MESSAGE.encode())
    expect(seat.locator(f"[data-sessions='{group_id}']")).to_contain_text(signed["signature"])
    with dashboard_service.client("auditor") as auditor:
        listed = auditor.threshold_groups()
        sessions = auditor.threshold_sessions(group_id)
    assert [g["group_id"] for g in listed] == [group_id] and listed[0]["signatures"] == 1
    assert sessions[0]["session_id"] == SESSION and sessions[0]["signature"] == signed["signature"]
    if AXE.is_file():
        assert violations(manager, AXE.read_text(encoding="utf-8")) == []
    else:
        pytest.fail(f"axe-core is not installed at {AXE} (make browser-deps)")
    shot(manager, "threshold-session")

    # A signer sees the seat and its sessions, and may not start a DKG.
    signer = signed_in(browser, dashboard_service, "signer")
    try:
        signer.goto(f"{url}/ui#/threshold")
        expect(signer.get_by_role("region", name=f"group {group_id}")).to_contain_text(SESSION)
        expect(signer.get_by_role("form", name="Start DKG")).to_have_count(0)
    finally:
        signer.context.close()
