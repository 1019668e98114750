"""TLS 1.3 only, mutual TLS, and request-signature authentication (replay, staleness)."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from commands.sdk import httpsig
from commands.sdk.client import ApiError, Client, Identity
from commands.sdk.transport import TransportError
from commands.service.tls import issue_client_certificate
from tests.service.conftest import Running, start


def _handshake(port: int, ca: Path, version: ssl.TLSVersion, alpn: str) -> str:
    context = ssl.create_default_context(cafile=str(ca))
    context.minimum_version = version
    context.maximum_version = version
    context.set_alpn_protocols([alpn])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as tls:
        return str(tls.version())


@pytest.mark.parametrize("api", ["rest", "grpc"])
def test_tls12_client_is_refused(service: Running, api: str) -> None:
    port = service.server.rest_port if api == "rest" else service.server.grpc_port
    alpn = "http/1.1" if api == "rest" else "h2"
    assert _handshake(port, service.ca, ssl.TLSVersion.TLSv1_3, alpn) == "TLSv1.3"
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        _handshake(port, service.ca, ssl.TLSVersion.TLSv1_2, alpn)


HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000")


@pytest.mark.parametrize("api", ["rest", "grpc"])
def test_no_tls_session_tickets_are_sent(service: Running, api: str) -> None:
    """Tickets arriving after the handshake raced the WebSocket client's request: its
    receiving thread read them while its main thread wrote the upgrade request on the same
    SSL object, the request was lost and the client waited for ever (reproduced: a hang in
    every 150 to 1,200 feed opens under CPU load; none in 7,500 without tickets)."""
    port = service.server.rest_port if api == "rest" else service.server.grpc_port
    context = ssl.create_default_context(cafile=str(service.ca))
    context.set_alpn_protocols(["http/1.1" if api == "rest" else "h2"])
    request = (b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
               if api == "rest" else HTTP2_PREFACE)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(request)
        answer = tls.recv(4096)  # tickets, if any, come before the first answer bytes
        assert answer.startswith(b"HTTP/1.1 200") if api == "rest" else answer
        assert tls.session is not None and not tls.session.has_ticket


def _signed_get(running: Running, name: str, path: str, **options: object) -> httpx.Response:
    actor = running.actors[name]
    url = running.url + path
    headers = httpsig.sign_http(actor.private_key, actor.actor_id, "GET", url, b"",
                                **options)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(running.ca))) as http:
        return http.get(url, headers=headers)


def test_replayed_signed_request_is_refused(service: Running) -> None:
    actor = service.actors["auditor"]
    url = service.url + "/v1/whoami"
    headers = httpsig.sign_http(actor.private_key, actor.actor_id, "GET", url, b"")
    with httpx.Client(verify=ssl.create_default_context(cafile=str(service.ca))) as http:
        assert http.get(url, headers=headers).status_code == 200
        replay = http.get(url, headers=headers)
    assert replay.status_code == 401
    assert replay.headers["content-type"] == "application/problem+json"
    assert replay.json()["reason_code"] == "replayed"


def test_stale_or_future_created_is_refused(service: Running) -> None:
    for created in (int(time.time()) - 3600, int(time.time()) + 3600):
        response = _signed_get(service, "auditor", "/v1/whoami", created=created)
        assert response.status_code == 401 and response.json()["reason_code"] == "stale"


def test_signature_must_cover_the_exact_request(service: Running) -> None:
    actor = service.actors["auditor"]
    signed_for = service.url + "/v1/whoami"
    headers = httpsig.sign_http(actor.private_key, actor.actor_id, "GET", signed_for, b"")
    with httpx.Client(verify=ssl.create_default_context(cafile=str(service.ca))) as http:
        moved = http.get(service.url + "/v1/actors", headers=headers)
        other_body = http.request("GET", signed_for, headers=headers, content=b"x")
    assert moved.status_code == 401 and moved.json()["reason_code"] == "bad-signature"
    assert other_body.status_code == 401 and other_body.json()["reason_code"] == \
        "content-digest"


def test_unsigned_unknown_and_forged_requests_are_401(service: Running) -> None:
    context = ssl.create_default_context(cafile=str(service.ca))
    with httpx.Client(verify=context) as http:
        bare = http.get(service.url + "/v1/whoami")
    assert bare.status_code == 401 and bare.json()["reason_code"] == "missing"
    assert "Accept-Signature" in bare.headers
    stranger = Identity.generate()
    with Client(service.url, "00000000-0000-0000-0000-000000000000", stranger.private_key,
                ca=service.ca) as client, pytest.raises(ApiError) as unknown:
        client.whoami()
    assert unknown.value.status == 401 and unknown.value.reason_code == "unknown-actor"
    with Client(service.url, service.actors["admin"].actor_id, stranger.private_key,
                ca=service.ca) as forger, pytest.raises(ApiError) as forged:
        forger.whoami()
    assert forged.value.status == 401 and forged.value.reason_code == "bad-signature"


def _certificate(running: Running, name: str) -> bytes:
    actor = running.actors[name]
    return issue_client_certificate(running.home, actor.public_key, actor.actor_id, name)


def test_client_certificate_authenticates_the_actor(service: Running) -> None:
    with service.client("auditor", client_cert=_certificate(service, "auditor"),
                        sign_requests=False) as client:
        who = client.whoami()
    assert who["name"] == "auditor" and who["authenticated_by"] == "mtls"


def test_certificate_and_signature_must_name_the_same_actor(service: Running) -> None:
    actor = service.actors["signer"]
    with Client(service.url, actor.actor_id, actor.private_key, ca=service.ca,
                client_cert=_certificate(service, "signer")) as client:
        assert client.whoami()["name"] == "signer"
    auditor = service.actors["auditor"]
    from commands.sdk.tlsclient import client_context

    signer_tls = client_context(service.ca, cert_pem=_certificate(service, "signer"),
                                private_key=actor.private_key)
    mixed = Client(service.url, auditor.actor_id, auditor.private_key, ssl_context=signer_tls)
    with mixed, pytest.raises(ApiError) as refused:
        mixed.whoami()
    assert refused.value.status == 401 and refused.value.reason_code == "credential-mismatch"


def test_certificate_of_an_unregistered_key_is_refused(service: Running) -> None:
    stranger = Identity.generate()
    pem = issue_client_certificate(service.home, stranger.public_key, "none", "stranger")
    with Client(service.url, "none", stranger.private_key, ca=service.ca, client_cert=pem,
                sign_requests=False) as client, pytest.raises(ApiError) as refused:
        client.whoami()
    assert refused.value.status == 401 and refused.value.reason_code == "certificate"


@pytest.fixture(scope="module")
def mtls_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start(tmp_path_factory.mktemp("mtls") / "home", client_auth="required")
    yield running
    running.server.stop()


def test_required_mtls_refuses_clients_without_certificate(mtls_service: Running) -> None:
    with mtls_service.client("auditor") as client, \
            pytest.raises(TransportError):
        client.whoami()
    with mtls_service.client("auditor", client_cert=_certificate(mtls_service, "auditor"),
                             sign_requests=False) as client:
        assert client.whoami()["authenticated_by"] == "mtls"
