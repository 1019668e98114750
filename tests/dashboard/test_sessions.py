"""Dashboard sessions over HTTP, without a browser: what sign-in proves and what a session
may do (commands/service/sessions.py, commands/service/dashboard/routes.py).

Every refusal here is one a browser attack would meet: another origin, a missing CSRF
token, a replayed or foreign challenge, a signature for another site, a token of another
server, an ended session, a session bound to a certificate used without it, and gRPC.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from commands.errors import NotAuthenticated
from commands.service.dashboard.catalogue import catalogue_document
from commands.service.dashboard.routes import CONTENT_SECURITY_POLICY
from commands.service.sessions import COOKIE, SessionStore, sign_in_message
from commands.service.tls import issue_client_certificate
from ledger.catalogue import CATALOGUE
from ledger.errors import StoreUnavailable
from tests.service.conftest import Running


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _context(service: Running, cert: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(service.ca))
    if cert is not None:
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    return context


def call(service: Running, method: str, path: str, body: Any = None, *,
         headers: dict[str, str] | None = None, cert: tuple[Path, Path] | None = None,
         origin: str | None = "self") -> Answer:
    connection = http.client.HTTPSConnection("127.0.0.1", service.server.rest_port,
                                             context=_context(service, cert), timeout=30)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if origin is not None:
        sent["Origin"] = service.url if origin == "self" else origin
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None, sent)
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read())
    finally:
        connection.close()


def seed_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def sign_in(service: Running, actor: str, *, origin_signed: str | None = None) -> Answer:
    """Sign in by key as the browser does (the signature made with ``cryptography``, an
    independent Ed25519 implementation from the server's)."""
    challenge = call(service, "POST", "/ui/session/challenge", {}).json()
    key = seed_key(service.actors[actor].private_key)
    public = service.actors[actor].public_key.hex()
    message = sign_in_message(challenge["challenge"], origin_signed or challenge["origin"],
                              public)
    return call(service, "POST", "/ui/session", {
        "method": "key", "public_key": public, "challenge": challenge["challenge"],
        "signature": base64.b64encode(key.sign(message)).decode()})


def session_headers(opened: Answer) -> dict[str, str]:
    cookie = opened.headers["set-cookie"].split(";")[0]
    return {"Cookie": cookie, "X-SKMS-CSRF": opened.json()["csrf"]}


@pytest.fixture(scope="module")
def service(dashboard_service: Running) -> Iterator[Running]:
    yield dashboard_service


def test_the_page_is_served_with_a_strict_policy(service: Running) -> None:
    page = call(service, "GET", "/ui", origin=None)
    assert page.status == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    text = page.body.decode()
    # No inline script or style, nothing from another origin.
    assert "<script>" not in text and "style=" not in text and "<style" not in text
    assert "http://" not in text and "https://" not in text
    for name in ("app.js", "verify.js", "app.css"):
        asset = call(service, "GET", f"/ui/assets/{name}", origin=None)
        assert asset.status == 200 and asset.headers["x-content-type-options"] == "nosniff"
        assert b"https://" not in asset.body and b"innerHTML" not in asset.body
    assert call(service, "GET", "/ui/assets/..%2Fsessions.py", origin=None).status == 404
    assert call(service, "GET", "/ui/assets/missing.js", origin=None).status == 404


def test_the_catalogue_document_is_the_catalogue(service: Running) -> None:
    served = call(service, "GET", "/ui/catalogue.json", origin=None).json()
    assert served == json.loads(json.dumps(catalogue_document()))
    names = {c["name"] for c in served["commands"]}
    assert names == {s.name for s in CATALOGUE.client_commands() if s.rest is not None}
    rotate = next(c for c in served["commands"] if c["name"] == "RotateKey")
    assert rotate["chain"] == "key" and rotate["rest"]["path"] == "/v1/keys/{key_id}/rotate"


def test_sign_in_by_key_opens_a_session_that_reads(service: Running) -> None:
    opened = sign_in(service, "auditor")
    assert opened.status == 200, opened.body
    cookie = opened.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=v1.")
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in cookie
    assert opened.json()["actor"]["name"] == "auditor"
    whoami = call(service, "GET", "/v1/whoami", headers=session_headers(opened))
    assert whoami.status == 200, whoami.body
    assert whoami.json()["authenticated_by"] == "session:key"
    assert whoami.json()["actor_id"] == service.actors["auditor"].actor_id


def test_a_session_request_needs_its_csrf_token_and_origin(service: Running) -> None:
    headers = session_headers(sign_in(service, "auditor"))
    no_csrf = {"Cookie": headers["Cookie"]}
    assert call(service, "GET", "/v1/whoami", headers=no_csrf).json()["reason_code"] == "csrf"
    wrong = {**headers, "X-SKMS-CSRF": "x" * 43}
    assert call(service, "GET", "/v1/whoami", headers=wrong).status == 401
    other = call(service, "GET", "/v1/whoami", headers=headers, origin="https://evil.example")
    assert other.status == 401 and other.json()["reason_code"] == "origin"
    cross = call(service, "GET", "/v1/whoami", headers={**headers,
                                                        "Sec-Fetch-Site": "cross-site"})
    assert cross.status == 401 and cross.json()["reason_code"] == "origin"


def test_sign_in_refuses_what_a_browser_attack_would_send(service: Running) -> None:
    # A signature made for another site's origin.
    assert sign_in(service, "auditor", origin_signed="https://evil.example").status == 401
    # A challenge used twice.
    challenge = call(service, "POST", "/ui/session/challenge", {}).json()
    key = seed_key(service.actors["auditor"].private_key)
    public = service.actors["auditor"].public_key.hex()
    body = {"method": "key", "public_key": public, "challenge": challenge["challenge"],
            "signature": base64.b64encode(key.sign(sign_in_message(
                challenge["challenge"], challenge["origin"], public))).decode()}
    assert call(service, "POST", "/ui/session", body).status == 200
    replay = call(service, "POST", "/ui/session", body)
    assert replay.status == 401 and replay.json()["reason_code"] == "challenge"
    # Another key than the one named.
    fresh = call(service, "POST", "/ui/session/challenge", {}).json()
    stranger = Ed25519PrivateKey.generate()
    forged = {**body, "challenge": fresh["challenge"], "signature": base64.b64encode(
        stranger.sign(sign_in_message(fresh["challenge"], fresh["origin"], public))).decode()}
    assert call(service, "POST", "/ui/session", forged).json()["reason_code"] == "bad-signature"
    # A key no actor holds.
    fresh = call(service, "POST", "/ui/session/challenge", {}).json()
    stranger_public = stranger.public_key().public_bytes_raw().hex()
    unknown = call(service, "POST", "/ui/session", {
        "method": "key", "public_key": stranger_public, "challenge": fresh["challenge"],
        "signature": base64.b64encode(stranger.sign(sign_in_message(
            fresh["challenge"], fresh["origin"], stranger_public))).decode()})
    assert unknown.status == 401 and unknown.json()["reason_code"] == "unknown-actor"
    # No Origin at all (not sent by a page), and malformed input naming its field.
    assert call(service, "POST", "/ui/session/challenge", {}, origin=None).status == 401
    bad = call(service, "POST", "/ui/session", {**body, "public_key": "AB" * 32})
    assert bad.status == 422 and bad.json()["field"] == "public_key"
    bad = call(service, "POST", "/ui/session", {**body, "signature": "!!"})
    assert bad.status == 422 and bad.json()["field"] == "signature"
    assert call(service, "POST", "/ui/session", {"method": "password"}).json()["field"] == \
        "method"


def test_signing_out_ends_the_session_at_once(service: Running) -> None:
    headers = session_headers(sign_in(service, "auditor"))
    assert call(service, "GET", "/ui/session", headers=headers).status == 200
    out = call(service, "DELETE", "/ui/session", headers=headers)
    assert out.status == 200 and "Max-Age=0" in out.headers["set-cookie"]
    after = call(service, "GET", "/v1/whoami", headers=headers)
    assert after.status == 401 and after.json()["reason_code"] == "session-expired"


def test_a_session_cannot_sign_a_command_for_another_actor(service: Running) -> None:
    """The session names who is talking; the command must still be signed by that actor's
    key, so a stolen session cannot make the ledger record anything."""
    headers = session_headers(sign_in(service, "key-manager"))
    with service.client("admin") as admin:
        prepared = admin.prepare_command("CreateKey", {"algorithm": "ed25519"})
    refused = call(service, "POST", "/v1/keys", prepared.body,
                   headers={**headers, "Idempotency-Key": prepared.command.command_id})
    assert refused.status in (401, 403), refused.body


def client_pem(service: Running, actor: str, folder: Path) -> tuple[Path, Path]:
    identity = service.actors[actor]
    cert = folder / f"{actor}.pem"
    cert.write_bytes(issue_client_certificate(service.home, identity.public_key,
                                              identity.actor_id, actor))
    key = folder / f"{actor}.key"
    key.write_bytes(seed_key(identity.private_key).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert, key


def test_sign_in_by_client_certificate_binds_the_session(service: Running,
                                                         tmp_path: Path) -> None:
    cert = client_pem(service, "auditor", tmp_path)
    opened = call(service, "POST", "/ui/session", {"method": "certificate"}, cert=cert)
    assert opened.status == 200, opened.body
    headers = session_headers(opened)
    with_cert = call(service, "GET", "/v1/whoami", headers=headers, cert=cert)
    assert with_cert.json()["authenticated_by"] == "session:certificate"
    without = call(service, "GET", "/v1/whoami", headers=headers)
    assert without.status == 401 and without.json()["reason_code"] == "session-binding"
    no_cert = call(service, "POST", "/ui/session", {"method": "certificate"})
    assert no_cert.status == 401 and no_cert.json()["reason_code"] == "certificate"


def test_grpc_takes_no_session(service: Running) -> None:
    headers = session_headers(sign_in(service, "auditor"))
    credentials = grpc.ssl_channel_credentials(service.ca.read_bytes())
    with grpc.secure_channel(service.grpc_target, credentials) as channel:
        call_whoami = channel.unary_unary("/skms.v1.Skms/WhoAmI",
                                          request_serializer=lambda b: b,
                                          response_deserializer=lambda b: b)
        with pytest.raises(grpc.RpcError) as refused:
            call_whoami(b"", metadata=[("cookie", headers["Cookie"]),
                                       ("x-skms-csrf", headers["X-SKMS-CSRF"])], timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


# --- the session store alone (a clock of its own) ---------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_sessions_and_challenges_expire() -> None:
    clock = Clock()
    store = SessionStore(lifetime_s=900, challenge_s=60, clock=clock)
    value, _ = store.challenge()
    clock.now += 61
    with pytest.raises(NotAuthenticated):
        store.take_challenge(value)
    opened = store.open("actor-1", "key")
    assert store.session_of(opened.token).actor_id == "actor-1"
    clock.now += 901
    with pytest.raises(NotAuthenticated) as ended:
        store.session_of(opened.token)
    assert ended.value.reason_code == "session-expired"


def test_a_token_of_another_server_or_tampered_is_refused() -> None:
    ours, theirs = SessionStore(), SessionStore()
    token = theirs.open("actor-1", "key").token
    with pytest.raises(NotAuthenticated) as foreign:
        ours.session_of(token)
    assert foreign.value.reason_code == "session"
    genuine = ours.open("actor-1", "key").token
    prefix, _, mac = genuine.rpartition(".")
    flipped = prefix.replace(prefix.split(".")[2], str(int(prefix.split(".")[2]) + 3600))
    for forged in (f"{flipped}.{mac}", genuine[:-2] + "AA", "v1.x.1.y", ""):
        with pytest.raises(NotAuthenticated):
            ours.session_of(forged)


def test_the_store_is_bounded_and_never_forgets_early() -> None:
    store = SessionStore(capacity=2)
    store.open("a", "key")
    store.open("b", "key")
    with pytest.raises(StoreUnavailable):
        store.open("c", "key")
    store.challenge()
    store.challenge()
    with pytest.raises(StoreUnavailable):
        store.challenge()


def handshake(service: Running, query: str, headers: dict[str, str]) -> str:
    """The status line the feed answers a WebSocket handshake with."""
    raw = socket.create_connection(("127.0.0.1", service.server.rest_port), timeout=30)
    with _context(service).wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        lines = [f"GET /v1/feed?{query} HTTP/1.1",
                 f"Host: 127.0.0.1:{service.server.rest_port}", "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Version: 13",
                 f"Sec-WebSocket-Key: {base64.b64encode(b'0123456789abcdef').decode()}",
                 *(f"{k}: {v}" for k, v in headers.items())]
        tls.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return tls.recv(4096).split(b"\r\n", 1)[0].decode()


def test_the_feed_takes_a_session_only_with_its_csrf_token_and_origin(
        service: Running) -> None:
    headers = session_headers(sign_in(service, "auditor"))
    cookie = {"Cookie": headers["Cookie"], "Origin": service.url}
    csrf = headers["X-SKMS-CSRF"]
    assert " 101 " in handshake(service, f"chain=default&csrf={csrf}", cookie)
    assert " 401 " in handshake(service, "chain=default", cookie)
    assert " 401 " in handshake(service, f"chain=default&csrf={csrf}",
                                {**cookie, "Origin": "https://evil.example"})
    assert " 401 " in handshake(service, f"chain=default&csrf={csrf}",
                                {"Cookie": headers["Cookie"]})
    # A signer's session is authenticated, but the feed is for admins and auditors.
    signer = session_headers(sign_in(service, "signer"))
    assert " 403 " in handshake(service, f"chain=default&csrf={signer['X-SKMS-CSRF']}",
                                {"Cookie": signer["Cookie"], "Origin": service.url})
