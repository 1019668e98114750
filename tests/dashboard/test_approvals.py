"""The approvals queue in headless Chromium (issue 19 §1): a request needing two approvals
is made from the page, listed with its command, digest, policy, expiry and tally, approved
on the page by two approvers (each decision signed in the browser by that approver's own
key, and the ledger records those signatures) and executed; the requester cannot approve
its own; a rejection closes a request; a decision whose signature is not the signed-in
actor's is refused although the session is valid; axe-core finds nothing serious.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from commands.sdk.client import Identity
from commands.testing.ephemeral import EphemeralActor
from ledger.command import SignedCommand
from ledger.envelope import open_envelope
from tests.dashboard.test_browser import shot, signed_in
from tests.dashboard.test_pages import AXE, violations
from tests.service.conftest import Running

DOMAIN = "gated"
AXE_SOURCE = AXE.read_text(encoding="utf-8") if AXE.is_file() else ""


@pytest.fixture(scope="module")
def gated(dashboard_service: Running) -> Running:
    """Two more actors (a second approver; a key manager who is also an approver, to
    request) and a policy: compromising a key of domain ``gated`` needs two approvals."""
    with dashboard_service.client("admin") as admin:
        for name, roles in (("approver-2", ("approver",)),
                            ("requester", ("key-manager", "approver"))):
            identity = Identity.generate()
            actor_id = str(admin.register_actor(name, identity.public_key.hex(),
                                                roles=list(roles)).actor_id)
            dashboard_service.actors[name] = EphemeralActor(
                name, actor_id, identity.private_key, identity.public_key, roles, ("*",))
        admin.set_approval_policy("CompromiseKey", 2, domain=DOMAIN)
    return dashboard_service


def queue(page: Page, service: Running) -> Page:
    """Open the queue afresh (a hash route: a reload would forget the tab's key)."""
    page.goto(f"{service.url}/ui#/keys")
    expect(page.locator("h1")).to_have_text("Keys")
    page.goto(f"{service.url}/ui#/approvals")
    expect(page.locator("h1")).to_have_text("Approvals queue")
    return page


def page_of(browser: Browser, service: Running, actor: str) -> Page:
    return queue(signed_in(browser, service, actor), service)


@pytest.fixture(scope="module")
def requester(browser: Browser, gated: Running) -> Iterator[Page]:
    page = page_of(browser, gated, "requester")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def approver(browser: Browser, gated: Running) -> Iterator[Page]:
    page = page_of(browser, gated, "approver")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def second(browser: Browser, gated: Running) -> Iterator[Page]:
    page = page_of(browser, gated, "approver-2")
    yield page
    page.context.close()


def new_key(service: Running, label: str) -> str:
    with service.client("key-manager") as client:
        return str(client.create_key("ed25519", label=label, domain=DOMAIN).key_id)


def iso(micros: int) -> str:
    """A ledger time as the page writes it (ISO 8601 UTC, to the millisecond)."""
    millis = micros // 1000
    at = dt.datetime.fromtimestamp(millis // 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{at}Z" if millis % 1000 == 0 else f"{at}.{millis % 1000:03d}Z"


def run_in_page(page: Page, name: str, values: dict[str, str]) -> str:
    """Send a command through the page's own module (its signed-in key and session); the
    service's refusal, or "done"."""
    return str(page.evaluate(
        "async ([name, values]) => { const api = await import('/ui/assets/api.js');"
        " try { await api.runCommand(name, values); return 'done'; }"
        " catch (error) { return error.message; } }", [name, values]))


def row(page: Page, approval_id: str) -> Locator:
    return page.locator(f"#approvals-pending tr[data-approval='{approval_id}']")


def test_two_approvers_approve_on_the_page_and_the_command_executes(
        gated: Running, requester: Page, approver: Page, second: Page) -> None:
    key_id = new_key(gated, "needs-two")
    # The requester compromises the key from its page: the policy holds the command.
    requester.goto(f"{gated.url}/ui#/key/{key_id}")
    panel = requester.locator("#key-actions .panel", has_text="CompromiseKey")
    panel.get_by_label("reason").fill("laptop lost")
    panel.get_by_role("button", name="compromise", exact=True).click()
    expect(panel).to_contain_text("is held for approval")
    approval_id = re.search(r"held for approval ([0-9a-f-]{36})",
                            panel.inner_text()).group(1)  # type: ignore[union-attr]
    with gated.client("auditor") as auditor:
        held = auditor.get_approval(approval_id)
    assert held["status"] == "pending" and held["required"] == 2

    # The queue shows the held command, its digest, the policy, the expiry and the tally.
    queue(approver, gated)
    listed = row(approver, approval_id)
    expect(listed).to_contain_text("CompromiseKey")
    expect(listed).to_contain_text(key_id)
    expect(listed).to_contain_text("laptop lost")
    expect(listed.locator(".digest")).to_have_text(held["request_digest"])
    expect(listed.locator(".digest-check")).to_have_text("✓ recomputed here")
    # The check can fail: a row whose arguments are not the signed command's, or whose
    # digest is not that command's, is refused by the page's own check.
    checks = approver.evaluate(
        "async (row) => { const m = await import('/ui/assets/approvals.js');"
        " const edited = { ...row, command_args: { ...row.command_args, reason: 'other' } };"
        " const wrong = { ...row, request_digest: '00'.repeat(32) };"
        " return [(await m.checkHeld(row)).ok, (await m.checkHeld(edited)).reason,"
        " (await m.checkHeld(wrong)).reason]; }", held)
    assert checks == [True, "the held command differs from the row",
                      "the digest is not the held command's"]
    expect(listed).to_contain_text(held["rules"][0])
    expect(listed).to_contain_text("0 of 2")
    expect(listed).to_contain_text(iso(held["expires_at"]))
    assert AXE_SOURCE and violations(approver, AXE_SOURCE) == []
    shot(approver, "approvals-queue")

    # The requester sees its own request without decision controls, and the ledger refuses
    # its approval when the page is made to send one anyway.
    queue(requester, gated)
    own = row(requester, approval_id)
    expect(own).to_contain_text("your request: other approvers decide")
    expect(own.get_by_role("button")).to_have_count(0)
    refused = run_in_page(requester, "ApproveRequest", {"approval_id": approval_id})
    assert "the requester cannot approve its own request" in refused

    # A decision signed by a key that is not the signed-in approver's is refused, although
    # the session is valid: the session says who talks, only the signature says who acts.
    forged = approver.evaluate(
        "async (approvalId) => { const api = await import('/ui/assets/api.js');"
        " const { Identity } = await import('/ui/assets/identity.js');"
        " const own = api.state.identity; api.state.identity = await Identity.generate();"
        " try { await api.runCommand('ApproveRequest', { approval_id: approvalId });"
        " return 'accepted'; } catch (error) { return `${error.status}`; }"
        " finally { api.state.identity = own; } }", approval_id)
    assert forged in ("401", "403"), forged

    # First approval: the tally moves, nothing executes yet.
    row(approver, approval_id).get_by_role("button", name=f"Approve {approval_id}").click()
    expect(approver.locator("#approval-outcome")).to_contain_text(
        f"approved {approval_id}: pending (1 of 2)")
    expect(row(approver, approval_id)).to_contain_text("1 of 2 (you)")
    expect(row(approver, approval_id)).to_contain_text("you approved")
    with gated.client("auditor") as auditor:
        assert auditor.get_key(key_id)["state"] == "active"

    # Second approval, by another approver: the quorum executes the held command.
    queue(second, gated)
    row(second, approval_id).get_by_role("button", name=f"Approve {approval_id}").click()
    expect(second.locator("#approval-outcome")).to_contain_text(
        f"approved {approval_id}: executed (2 of 2)")
    expect(second.locator(f"#approvals-decided [data-status='{approval_id}']")).to_have_text(
        "executed")
    expect(row(second, approval_id)).to_have_count(0)
    # The first approver's page follows (live feed or poll).
    expect(approver.locator(f"#approvals-decided [data-status='{approval_id}']")).to_have_text(
        "executed")
    with gated.client("auditor") as auditor:
        assert auditor.get_key(key_id)["state"] == "compromised"
        decided = auditor.get_approval(approval_id)
    assert decided["status"] == "executed"
    ids = {gated.actors[n].actor_id: n for n in ("approver", "approver-2")}
    assert {ids[a] for a in decided["approvers"]} == {"approver", "approver-2"}

    # The ledger holds each decision as the approver's page signed it.
    granted = [open_envelope(e) for e in gated.server.core.store.read(DOMAIN)
               if e.event_type == "ApprovalGranted" and e.aggregate_id == approval_id]
    assert len(granted) == 2
    for envelope in granted:
        signed = SignedCommand.parse(envelope.command, envelope.actor_signature)
        actor = gated.actors[ids[signed.command.actor_id]]
        signed.verify(actor.public_key)
        assert signed.command.command_type == "ApproveRequest"
        assert signed.command.args["request_digest"] == held["request_digest"]


def test_a_rejection_on_the_page_closes_the_request(gated: Running, approver: Page,
                                                   second: Page) -> None:
    key_id = new_key(gated, "to-reject")
    requester = gated.actors["requester"]
    with gated.client("requester") as client:
        held = client.compromise_key(key_id, reason="a false alarm")
    assert held.status == "pending"
    approval_id = str(held.approval_id)
    queue(approver, gated)
    listed = row(approver, approval_id)
    expect(listed).to_contain_text("0 of 2")
    listed.get_by_label("reason").fill("no evidence of a compromise")
    listed.get_by_role("button", name="Reject").click()
    expect(approver.locator("#approval-outcome")).to_contain_text(
        f"rejected {approval_id}: rejected")
    expect(approver.locator(f"#approvals-decided [data-status='{approval_id}']")).to_have_text(
        "rejected")
    expect(approver.locator("#approvals-decided")).to_contain_text("no evidence of a compromise")
    # Closed for everyone: the other approver has nothing left to decide on it.
    queue(second, gated)
    expect(second.locator(f"#approvals-decided [data-status='{approval_id}']")).to_have_text(
        "rejected")
    expect(row(second, approval_id)).to_have_count(0)
    with gated.client("auditor") as auditor:
        assert auditor.get_key(key_id)["state"] == "active"
        closed = auditor.get_approval(approval_id)
    assert closed["status"] == "rejected" and closed["reason"] == "no evidence of a compromise"
    assert closed["requester_id"] == requester.actor_id
