"""gRPC requests the service refuses (no signed command, bytes that are no message, a JSON
field that is no JSON), peers beyond the per-client connection cap at the TLS front, and a
server without TLS (plain gRPC and HTTP, no relay)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from commands.sdk import httpsig
from commands.sdk.client import ApiError, Client
from commands.sdk.grpc_client import SERVICE, GrpcClient
from commands.service.grpc_api import _peer_address
from commands.service.limits import Limits
from tests.service.conftest import Running, start


def grpc_client(running: Running, name: str, **options: object) -> GrpcClient:
    actor = running.actors[name]
    return GrpcClient(running.grpc_target, actor.actor_id, actor.private_key, ca=running.ca,
                      **options)  # type: ignore[arg-type]


def _signed_raw(running: Running, client: GrpcClient, method: str, raw: bytes,
                reply_type: str, name: str = "auditor") -> grpc.RpcError:
    """Send ``raw`` as the body of ``method``, correctly signed; return the refusal."""
    actor = running.actors[name]
    path = f"/{SERVICE}/{method}"
    digest = httpsig.content_digest(raw)
    metadata = [("content-digest", digest), *httpsig.sign(
        actor.private_key, actor.actor_id,
        {"@method": "POST", "@path": path, "content-digest": digest},
        components=httpsig.GRPC_COMPONENTS).items()]
    stub = client.channel.unary_unary(path, request_serializer=None,
                                      response_deserializer=getattr(client.pb, reply_type)
                                      .FromString)
    with pytest.raises(grpc.RpcError) as refused:
        stub(raw, metadata=metadata, timeout=30)
    return refused.value


def _problem(error: grpc.RpcError) -> dict[str, object]:
    import json

    for item in error.trailing_metadata() or ():  # type: ignore[attr-defined]
        if item.key == "skms-problem":
            return dict(json.loads(item.value))
    raise AssertionError("no skms-problem trailer")


def test_a_command_request_without_its_signed_command_is_refused(service: Running) -> None:
    with grpc_client(service, "key-manager") as client, pytest.raises(ApiError) as refused:
        client.call("CreateKey", client.pb.CreateKeyRequest(), "CreateKeyReply")
    assert refused.value.status == 422
    assert refused.value.problem["grpc_status"] == "INVALID_ARGUMENT"
    assert refused.value.problem["field"] == "command"
    assert refused.value.problem["detail"] == "the signed command is missing"


def test_bytes_that_are_no_request_message_are_refused(service: Running) -> None:
    with grpc_client(service, "auditor") as client:
        # Field 1, length-delimited, claiming 127 bytes that never come.
        error = _signed_raw(service, client, "WhoAmI", b"\x0a\x7f", "WhoAmIReply")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    problem = _problem(error)
    assert problem["field"] == "body"
    assert problem["detail"] == "the request is not a valid WhoAmIRequest"


def test_a_json_field_that_is_no_json_is_refused(service: Running) -> None:
    with grpc_client(service, "auditor") as client:
        request = client.pb.VerifyProofRequest(document_json="{not json")
        with pytest.raises(ApiError) as refused:
            client.call("VerifyProof", request, "VerifyProofReply")
    assert refused.value.problem["grpc_status"] == "INVALID_ARGUMENT"
    assert refused.value.problem["field"] == "document_json"
    assert refused.value.problem["detail"] == "not JSON"


def test_peer_addresses_of_every_form() -> None:
    assert _peer_address("ipv4:127.0.0.1:5000") == ("127.0.0.1", 5000)
    assert _peer_address("ipv6:[::1]:5000") == ("::1", 5000)
    assert _peer_address("unix:/tmp/socket") is None
    assert _peer_address("ipv4:127.0.0.1") is None
    assert _peer_address("ipv4:127.0.0.1:http") is None
    assert _peer_address("ipv6:[::1]:") is None


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path / "home", client_auth="optional",
                    limits=Limits(rate=10_000, burst=10_000, refusals_per_window=100_000,
                                  max_connections_per_client=1))
    yield running
    running.server.stop()


def test_the_tls_front_closes_connections_over_the_per_client_cap(capped: Running) -> None:
    with grpc_client(capped, "auditor") as first:
        assert first.whoami()["name"] == "auditor"  # holds the one connection allowed
        with grpc_client(capped, "auditor", timeout=5) as second, \
                pytest.raises(ApiError) as refused:
            second.whoami()
        # Closed at once on every attempt: the channel gives up, or its deadline passes.
        assert refused.value.problem["grpc_status"] in {"UNAVAILABLE", "DEADLINE_EXCEEDED"}
        assert "correlation_id" not in refused.value.problem  # never reached the API
        assert first.whoami()["name"] == "auditor"  # the first one is untouched
    with grpc_client(capped, "auditor") as third:  # the slot is free again
        assert third.whoami()["name"] == "auditor"


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path / "home", tls=False)
    yield running
    running.server.stop()


def test_a_server_without_tls_serves_plain_grpc_and_http(plain: Running) -> None:
    auditor = plain.actors["auditor"]
    with GrpcClient(plain.grpc_target, auditor.actor_id, auditor.private_key) as client:
        who = client.whoami()
        assert who["name"] == "auditor" and who["authenticated_by"] == "signature"
    with GrpcClient(plain.grpc_target, auditor.actor_id, auditor.private_key,
                    sign_requests=False) as unsigned, pytest.raises(ApiError) as refused:
        unsigned.whoami()
    assert refused.value.problem["grpc_status"] == "UNAUTHENTICATED"
    assert refused.value.reason_code == "missing"
    url = f"http://127.0.0.1:{plain.server.rest_port}"
    with Client(url, auditor.actor_id, auditor.private_key) as rest:
        assert rest.whoami()["name"] == "auditor"
