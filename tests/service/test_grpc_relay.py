"""The owner's side of a relayed gRPC call (commands/service/grpc_relay.py), over the real
core of a running server: a relayed call is authenticated and answered by the very code a
direct call runs (same nonce cache), and the answer carries its gRPC status. The forwarding
member's side runs against a real Kafka cluster in tests/kafka/test_kafka_cluster.py."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from commands.sdk import httpsig
from commands.service import protos
from commands.service.cluster import Relayed
from commands.service.grpc_relay import (
    METADATA_HEADER,
    STATUS_HEADER,
    GrpcRelay,
    command_chain_of,
    relay_headers,
    relay_target,
    relayed_failure,
)
from commands.service.responses import internal_error_response, problem_response
from ledger.command import Command
from tests.service.conftest import Running

SERVICE = "skms.v1.Skms"
pb, _ = protos.load()


async def _elsewhere(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("not relayed", status_code=299)(scope, receive, send)


@pytest.fixture
def relay(service: Running) -> Iterator[TestClient]:
    app = GrpcRelay(_elsewhere, service.server.grpc_api.answer, problem_response,
                    internal_error_response)
    client = TestClient(app, base_url="https://127.0.0.1")  # no lifespan: none is served
    yield client
    client.close()


def _metadata(running: Running, actor: str, method: str, raw: bytes) -> dict[str, str]:
    """What GrpcClient puts in a call's metadata, lower-cased as the server sees it."""
    who = running.actors[actor]
    digest = httpsig.content_digest(raw)
    signed = httpsig.sign(who.private_key, who.actor_id,
                          {"@method": "POST", "@path": f"/{SERVICE}/{method}",
                           "content-digest": digest}, components=httpsig.GRPC_COMPONENTS)
    return {"content-digest": digest, **{k.lower(): v for k, v in signed.items()}}


def _post(client: TestClient, method: str, raw: bytes, metadata: dict[str, str]
          ) -> tuple[int, dict[str, str], bytes]:
    headers = {name.decode(): value.decode()
               for name, value in relay_headers(metadata, "relay-test-1")}
    response = client.post(relay_target(method), content=raw, headers=headers)
    return response.status_code, dict(response.headers), response.content


def test_a_relayed_read_is_answered_and_its_nonce_is_spent(service: Running,
                                                           relay: TestClient) -> None:
    raw = pb.WhoAmIRequest().SerializeToString()
    metadata = _metadata(service, "auditor", "WhoAmI", raw)
    status, headers, body = _post(relay, "WhoAmI", raw, metadata)
    assert status == 200 and headers["content-type"] == "application/x-protobuf"
    reply = pb.WhoAmIReply.FromString(body)
    assert reply.result.name == "auditor"
    # The same signed metadata again: the nonce cache a direct call uses refuses it.
    status, headers, body = _post(relay, "WhoAmI", raw, metadata)
    assert (status, headers[STATUS_HEADER]) == (401, "UNAUTHENTICATED")
    assert json.loads(body)["error"] == "NotAuthenticated"


def test_a_relayed_sign_is_decided_by_this_core(service: Running, relay: TestClient,
                                                key_id: str) -> None:
    signer = service.actors["signer"]
    message = b"relayed over the cluster route"
    signed = Command("Sign", signer.actor_id, "default",
                     {"key_id": key_id, "message_digest": hashlib.sha256(message).hexdigest()},
                     time.time_ns() // 1000).sign(signer.private_key)
    request = pb.SignRequest(key_id=key_id, message=message)
    request.command.command = signed.canonical_bytes.decode("ascii")
    request.command.signature = signed.signature
    raw = request.SerializeToString()
    assert command_chain_of(pb.SignRequest, raw) == "default"
    status, _, body = _post(relay, "Sign", raw, _metadata(service, "signer", "Sign", raw))
    assert status == 200
    reply = pb.SignReply.FromString(body)
    assert reply.outcome.chain == "default" and not reply.outcome.replayed
    with service.client("signer") as client:
        public = bytes.fromhex(client.get_key(key_id)["public_key"])
    ed25519.Ed25519PublicKey.from_public_bytes(public).verify(
        bytes.fromhex(reply.result.signature), message)

    # A body other than the one the metadata's digest names is refused, not decided.
    status, headers, _ = _post(relay, "Sign", raw + b"\x00",
                               _metadata(service, "signer", "Sign", raw))
    assert (status, headers[STATUS_HEADER]) == (401, "UNAUTHENTICATED")


@pytest.mark.parametrize(("method", "metadata_header", "status", "code", "field"), [
    ("WhoAmI", None, 422, "INVALID_ARGUMENT", METADATA_HEADER),
    ("WhoAmI", "[1, 2]", 422, "INVALID_ARGUMENT", METADATA_HEADER),
    ("WhoAmI", "{not json", 422, "INVALID_ARGUMENT", METADATA_HEADER),
    ("NoSuchMethod", "{}", 404, "NOT_FOUND", "method"),
])
def test_a_malformed_relay_names_what_is_wrong(relay: TestClient, method: str,
                                               metadata_header: str | None, status: int,
                                               code: str, field: str) -> None:
    headers = {} if metadata_header is None else {METADATA_HEADER: metadata_header}
    response = relay.post(relay_target(method), content=b"", headers=headers)
    assert (response.status_code, response.headers[STATUS_HEADER]) == (status, code)
    assert response.json()["field"] == field
    assert "Traceback" not in response.text


def test_only_posts_to_the_relay_path_are_relayed(relay: TestClient) -> None:
    refused = relay.get(relay_target("WhoAmI"))
    assert (refused.status_code, refused.headers[STATUS_HEADER]) == (405, "UNIMPLEMENTED")
    other = relay.post("/v1/keys", content=b"{}")
    assert (other.status_code, other.text) == (299, "not relayed")


def test_relayed_failures_keep_the_owners_status() -> None:
    assert relayed_failure(Relayed(200, [], b"reply")) is None
    document = {"status": 503, "detail": "moving", "owner": "https://b"}
    assert relayed_failure(Relayed(503, [(STATUS_HEADER.encode(), b"UNAVAILABLE")],
                                   json.dumps(document).encode())) == (
        grpc.StatusCode.UNAVAILABLE, document)
    # The owner's front refused before any gRPC code ran: the HTTP status's meaning.
    code, shown = relayed_failure(Relayed(413, [], b"<html>too large</html>")) or (None, {})
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and shown["status"] == 413
    assert relayed_failure(Relayed(418, [(STATUS_HEADER.encode(), b"NO_SUCH")], b"{}")) == (
        grpc.StatusCode.UNKNOWN, {})


def test_a_request_that_names_no_chain_is_decided_where_it_arrived() -> None:
    assert command_chain_of(pb.SignRequest, b"\xff\xff garbage") is None
    assert command_chain_of(pb.SignRequest, pb.SignRequest(key_id="k").SerializeToString()) \
        is None
    request = pb.SignRequest(key_id="k")
    request.command.command = '{"chain_id": 7}'
    assert command_chain_of(pb.SignRequest, request.SerializeToString()) is None
