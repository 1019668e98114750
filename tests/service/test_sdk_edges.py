"""The SDK against the real service: commands it does not send, results without a field,
the connection pool's bounds, and the WebSocket feed iterated, talked to, refused for a bad
chain id and read past one page of history."""

from __future__ import annotations

import json
import threading

import pytest
from websockets.exceptions import InvalidStatus

from commands.sdk.results import CommandResult
from commands.sdk.transport import HttpTransport, TransportError
from ledger.errors import InvalidInput
from tests.service.conftest import Running


def test_a_command_the_network_does_not_serve_is_not_prepared(service: Running) -> None:
    with service.client("admin") as admin:
        for name in ("InitializeLedger", "PublishCheckpoint", "RecordThreat"):
            with pytest.raises(InvalidInput) as refused:
                admin.prepare_command(name, {})
            assert refused.value.field == "command.type"
            assert refused.value.message == f"{name} is not served over the network"


def test_an_unknown_key_action_is_refused_before_sending(service: Running, key_id: str) -> None:
    with service.client("key-manager") as km:
        with pytest.raises(InvalidInput) as refused:
            km.key_command("teleport", key_id)
        assert refused.value.field == "action"
        assert refused.value.message == "no key command 'teleport'"
        rotated = km.key_command("rotate", key_id)
    assert rotated.version == 2  # the result's fields read as attributes
    with pytest.raises(AttributeError, match="CommandResult has no field 'flavour'"):
        _ = rotated.flavour
    empty = CommandResult.of({"command_id": "c", "chain": "default", "seqs": [],
                              "replayed": False, "correlation_id": "x", "result": None})
    with pytest.raises(AttributeError, match="has no field 'version'"):
        _ = empty.version


def _context(service: Running) -> object:
    with service.client("auditor") as client:
        return client.ssl_context


def _health(transport: HttpTransport, service: Running) -> int:
    return transport.request("GET", transport.url("/healthz"), b"", dict).status


def test_the_pool_keeps_no_more_idle_connections_than_allowed(service: Running) -> None:
    context = _context(service)
    unpooled = HttpTransport(service.url, ssl_context=context, timeout=10, max_idle=0)
    assert [_health(unpooled, service) for _ in range(3)] == [200, 200, 200]
    assert unpooled._idle == []  # each connection closed after its answer
    pooled = HttpTransport(service.url, ssl_context=context, timeout=10)
    assert [_health(pooled, service) for _ in range(3)] == [200, 200, 200]
    assert len(pooled._idle) == 1  # one connection, reused
    pooled.close()
    with pytest.raises(TransportError, match="the client is closed"):
        _health(pooled, service)


def test_a_connection_answered_after_close_is_not_pooled(service: Running) -> None:
    """close() while a request is in flight: its connection is closed, not kept."""
    context = _context(service)
    transport = HttpTransport(service.url, ssl_context=context, timeout=10)
    asked = threading.Event()

    def headers() -> dict[str, str]:
        transport.close()  # the request is already on its way
        asked.set()
        return {}

    answer = transport.request("GET", transport.url("/healthz"), b"", headers)
    assert asked.is_set() and answer.status == 200
    assert transport._idle == []


def test_iterating_the_feed_until_it_is_closed(service: Running, key_id: str) -> None:
    with service.client("auditor") as auditor, service.client("signer") as signer:
        feed = auditor.feed("default")
        signer.sign(key_id, b"first")
        signer.sign(key_id, b"second")
        feed.connection.send("a frame the server reads and ignores")
        seen = []
        for event in feed:
            if event["event_type"] == "SignatureIssued":
                seen.append(event)
            if len(seen) == 2:
                feed.close()  # the iteration then ends
        assert [e["seq"] for e in seen] == [seen[0]["seq"], seen[0]["seq"] + 1]
        assert all(e["event"]["key_id"] == key_id for e in seen)


def test_a_feed_of_a_chain_id_too_long_is_refused(service: Running) -> None:
    with service.client("auditor") as auditor, pytest.raises(InvalidStatus) as refused:
        auditor.feed("c" * 65)
    assert refused.value.response.status_code == 422
    problem = json.loads(refused.value.response.body)
    assert problem["field"] == "chain" and problem["detail"] == "must be a chain id"


def test_the_feed_reads_history_longer_than_one_page(fresh_service: Running) -> None:
    with fresh_service.client("key-manager") as km, fresh_service.client("signer") as signer:
        key_id = km.create_key("ed25519", domain="payments").result["key_id"]
        for i in range(510):
            signer.sign(key_id, f"{i}".encode())
    with fresh_service.client("auditor") as auditor, \
            auditor.feed("payments", from_seq=0) as feed:
        seqs = [feed.recv(timeout=10)["seq"] for _ in range(512)]
    assert seqs == list(range(512))
