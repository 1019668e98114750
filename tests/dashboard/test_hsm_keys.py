"""Where a key lives, as the dashboard shows it in headless Chromium, for a key generated
on an HSM token (``backend="pkcs11"``) beside an ordinary software key, on a server whose
home keeps its KEK and its token keys on a throw-away SoftHSM2 token (the fixtures of
tests/hsm). The page must name the token (label, serial) for the first and the sealed,
KEK-wrapped data key for the second, on the key's page and in the inventory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from playwright.sync_api import Browser, expect

from commands.service.config import ServiceConfig
from commands.service.server import Server
from commands.testing.ephemeral import EphemeralActor
from ledger.crypto.memory import zeroize
from ledger.home import Home
from tests.dashboard.test_browser import signed_in
from tests.hsm.conftest import SoftToken, softhsm, token  # noqa: F401 - the token fixtures
from tests.hsm.test_hsm_ledger import hsm_home
from tests.service.conftest import Running


@pytest.fixture
def hsm_service(tmp_path: Path, token: SoftToken) -> Iterator[Running]:  # noqa: F811
    """``skms serve`` (TLS, client certificates optional) over a home whose KEK is on the
    token, with its actors (admin, km, app) as the dashboard tests sign in with them."""
    home_path = hsm_home(tmp_path, token)
    home = Home(home_path)
    kek = home.open_kek(None)
    actors = {}
    try:
        for identity in home.identities():
            key = home.identity_key(identity.name, kek)
            actors[identity.name] = EphemeralActor(identity.name, identity.actor_id,
                                                   bytes(key), identity.public_key, (), ())
            zeroize(key)
    finally:
        kek.close()
    server = Server(ServiceConfig(home=home_path, rest_port=0, grpc_port=0,
                                  client_auth="optional"), bytearray())
    server.start()
    yield Running(server, home_path, actors, InMemorySpanExporter())
    server.stop()


def test_the_key_pages_name_the_token_of_an_hsm_key_and_the_key_ring_of_a_software_key(
        browser: Browser, hsm_service: Running, token: SoftToken) -> None:  # noqa: F811
    with hsm_service.client("km") as client:
        on_token = str(client.create_key("ecdsa-p256", backend="pkcs11",
                                         label="on-the-token").result["key_id"])
        in_software = str(client.create_key("ed25519", label="in-software").result["key_id"])
        location = client.get_key(on_token)["location"]
    assert location["token_label"] == token.label
    serial = str(location["token_serial"])
    page = signed_in(browser, hsm_service, "km")
    try:
        page.goto(f"{hsm_service.url}/ui#/key/{on_token}")
        lives_in = page.locator("#key-lives-in")
        expect(lives_in).to_contain_text(f"HSM token {token.label} (serial {serial}")
        expect(page.locator("#key-history")).to_contain_text("KeyActivated")
        shown = lives_in.inner_text()  # the history drawn: still the token, no data key
        assert "never extractable" in shown and str(location["object_label"]) in shown
        assert "sealed" not in shown and "key-ring" not in shown

        page.goto(f"{hsm_service.url}/ui#/key/{in_software}")
        expect(page.locator("#key-history")).to_contain_text("KeyGenerated")
        expect(lives_in).to_contain_text(f"data keys {in_software}/v1 in the key-ring")
        shown = lives_in.inner_text()
        assert shown.startswith("software: sealed in the ledger") and "HSM" not in shown

        page.goto(f"{hsm_service.url}/ui#/keys")
        rows = page.locator("#key-table tr")
        expect(rows.filter(has_text="on-the-token")).to_contain_text(
            f"HSM token {token.label} (serial {serial}")
        expect(rows.filter(has_text="in-software")).to_contain_text(
            "software: sealed in the ledger")
    finally:
        page.context.close()
