"""Metrics, traces (in-memory exporter), correlated JSON logs, health, graceful shutdown."""

from __future__ import annotations

import json
import ssl
import threading
import time
from typing import Any

import httpx
import pytest
from opentelemetry import trace

from commands.sdk.client import ApiError
from commands.sdk.grpc_client import GrpcClient
from ledger.stores.sqlite import SQLiteEventStore
from tests.service.conftest import LOGS, Running, start


def eventually(find: Any, timeout: float = 5.0) -> Any:
    """The server finishes its span and log line just after the response is sent."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = find()
        except StopIteration:
            found = None
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def _get(running: Running, path: str) -> httpx.Response:
    with httpx.Client(verify=ssl.create_default_context(cafile=str(running.ca))) as http:
        return http.get(running.url + path)


def test_metrics_cover_requests_latency_events_checkpoints_and_lag(service: Running,
                                                                   key_id: str) -> None:
    with service.client("signer") as signer, service.client("analyst") as analyst:
        signer.sign(key_id, b"metrics")
        analyst.report("inventory")
        text = analyst.metrics()
    for name in ("skms_requests_total", "skms_request_duration_seconds_bucket",
                 "skms_events_appended_total", "skms_checkpoint_age_seconds",
                 "skms_projection_lag_events", "skms_chain_head_seq",
                 "skms_auth_failures_total", "skms_feed_subscribers"):
        assert name in text, name
    assert 'route="/v1/keys/{key_id}/sign"' in text
    appended = [line for line in text.splitlines()
                if line.startswith('skms_events_appended_total{chain="default"}')]
    assert appended and float(appended[0].split()[-1]) >= 1


def test_metrics_need_an_actor_allowed_to_see_them(service: Running) -> None:
    """Penetration test, info item: the series name key domains and count their events."""
    assert _get(service, "/metrics").status_code == 401
    with service.client("signer") as signer, pytest.raises(ApiError) as refused:
        signer.metrics()
    assert refused.value.status == 403 and refused.value.recorded_seq is not None
    with service.client("auditor") as auditor:
        assert "skms_requests_total" in auditor.metrics()


def test_trace_spans_api_handler_store(service: Running, key_id: str) -> None:
    service.spans.clear()
    with service.client("signer") as signer:
        signer.sign(key_id, b"traced")
    api = eventually(lambda: next(s for s in service.spans.get_finished_spans()
                                  if s.name == "POST /v1/keys/{key_id}/sign"))
    spans = service.spans.get_finished_spans()
    handler = next(s for s in spans if s.name == "handler Sign")
    store = next(s for s in spans if s.name == "store.append"
                 and s.context.trace_id == api.context.trace_id)
    assert handler.parent is not None and handler.parent.span_id == api.context.span_id
    assert store.parent is not None and store.parent.span_id == handler.context.span_id
    assert api.attributes is not None and api.attributes["http.response.status_code"] == 200


def test_untraced_service_serves_rest_and_grpc(tmp_path: Any) -> None:
    """``skms serve`` without an OTLP endpoint (the default): OpenTelemetry's no-op tracer,
    on REST and gRPC, on success and refusal, with the request's log line still carrying
    its correlation id. Every other service test runs with the in-memory exporter."""
    running = start(tmp_path / "home", traced=False)
    try:
        assert isinstance(running.server.core.tracer, trace.NoOpTracer)
        with running.client("key-manager") as km:
            key_id = str(km.create_key("ed25519", label="untraced").result["key_id"])
        with running.client("signer") as signer:
            prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"untraced"})
            assert signer.send(prepared).seq is not None
            with pytest.raises(ApiError) as refused:
                signer.create_key("ed25519")
            assert refused.value.status == 403
        signer_actor = running.actors["signer"]
        with GrpcClient(running.grpc_target, signer_actor.actor_id, signer_actor.private_key,
                        ca=running.ca) as grpc_signer:
            assert grpc_signer.sign(key_id, b"untraced over grpc").result["signature"]
            with pytest.raises(ApiError) as grpc_refused:
                grpc_signer.create_key("ed25519")
            assert grpc_refused.value.problem["grpc_status"] == "PERMISSION_DENIED"
        correlation = prepared.command.correlation_id
        line = eventually(lambda: next(
            json.loads(text) for text in list(LOGS.lines)
            if correlation in text and '"/v1/keys/{key_id}/sign"' in text))
        assert line["status"] == 200
    finally:
        running.server.stop()


def test_correlation_id_in_logs_and_in_the_events(service: Running, key_id: str) -> None:
    with service.client("signer") as signer:
        prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"correlated"})
        result = signer.send(prepared)
    correlation = prepared.command.correlation_id
    assert result.correlation_id == correlation

    def request_line() -> Any:
        return next(line for line in (json.loads(text) for text in list(LOGS.lines)
                                      if correlation in text)
                    if line.get("route") == "/v1/keys/{key_id}/sign")

    assert eventually(request_line)["status"] == 200
    lines = [json.loads(line) for line in list(LOGS.lines) if correlation in line]
    assert all("signature" not in line and "message" not in line for line in lines)
    with service.client("auditor") as auditor, auditor.feed("default",
                                                           from_seq=result.seq) as feed:
        assert feed.recv(timeout=10)["correlation_id"] == correlation


def test_health_and_readiness(fresh_service: Running, monkeypatch: pytest.MonkeyPatch
                              ) -> None:
    assert _get(fresh_service, "/healthz").status_code == 200
    assert _get(fresh_service, "/readyz").status_code == 200

    def broken(*_: Any) -> None:
        raise OSError("store down")

    monkeypatch.setattr(fresh_service.server.core.store.inner, "head", broken)
    ready = _get(fresh_service, "/readyz")
    assert ready.status_code == 503 and ready.json() == {"status": "unavailable"}
    assert _get(fresh_service, "/healthz").status_code == 200


def test_graceful_shutdown_finishes_in_flight_commands(fresh_service: Running,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    with fresh_service.client("key-manager") as km:
        key_id = km.create_key("ed25519").result["key_id"]
    original = SQLiteEventStore.append
    started = threading.Event()

    def slow_append(self: SQLiteEventStore, *args: Any, **kwargs: Any) -> None:
        started.set()  # the sign is decided; its commit is in flight
        time.sleep(1.0)
        original(self, *args, **kwargs)

    monkeypatch.setattr(SQLiteEventStore, "append", slow_append)
    outcome: dict[str, Any] = {}

    def sign() -> None:
        with fresh_service.client("signer") as signer:
            outcome["result"] = signer.sign(key_id, b"in flight")

    thread = threading.Thread(target=sign)
    thread.start()
    assert started.wait(10)
    fresh_service.server.stop()
    thread.join(20)
    assert outcome["result"].result["signature"]
    from ledger.stores.url import open_store

    store, keyring = open_store(f"sqlite:///{fresh_service.home / 'ledger.db'}")
    try:
        events = [e.event_type for e in store.read("default")]
    finally:
        store.close()
        keyring.close()
    assert "SignatureIssued" in events
