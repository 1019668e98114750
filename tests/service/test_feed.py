"""The WebSocket feed: decoded envelopes without secrets, resumable, with backpressure."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from commands.sdk import httpsig
from commands.service.limits import Limits
from tests.service.conftest import Running, start


def test_live_events_resume_and_carry_no_secrets(service: Running) -> None:
    with service.client("auditor") as auditor, service.client("key-manager") as km, \
            service.client("signer") as signer:
        with auditor.feed("default") as feed:
            key_id = km.create_key("ed25519", label="feed").result["key_id"]
            first = [feed.recv(timeout=10), feed.recv(timeout=10)]
            assert [e["event_type"] for e in first] == ["KeyGenerated", "KeyActivated"]
            assert "sealed_material" not in first[0]["event"]
            assert first[0]["event"]["public_key"]
            assert first[1]["seq"] == first[0]["seq"] + 1
            signer.sign(key_id, b"live")
            live = feed.recv(timeout=10)
            while live["event_type"] != "SignatureIssued":
                live = feed.recv(timeout=10)
        last = live["seq"]
        signer.sign(key_id, b"while away")
        with auditor.feed("default", from_seq=last + 1) as resumed:
            assert resumed.hello["from_seq"] == last + 1
            event = resumed.recv(timeout=10)
        assert event["seq"] == last + 1
        with auditor.feed("default", from_seq=0) as history:
            assert history.recv(timeout=10)["seq"] == 0


def test_feed_handshake_refusals_are_problems(service: Running) -> None:
    from websockets.exceptions import InvalidStatus

    with service.client("auditor") as auditor, pytest.raises(InvalidStatus) as bad:
        auditor.feed("default", from_seq=-1)  # type: ignore[arg-type]
    assert bad.value.response.status_code == 422


@pytest.fixture(scope="module")
def slow_feed_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start(tmp_path_factory.mktemp("feed") / "home",
                    limits=Limits(rate=10_000, burst=10_000, feed_queue=4, feed_stall_s=0.5,
                                  max_batch=1000))
    # About 8 MB of events: more than every socket buffer between server and client holds
    # (the kernel lets a loopback send buffer grow to 4 MB), so the server must block.
    with running.client("key-manager") as km, running.client("signer") as signer:
        key_id = km.create_key("ed25519").result["key_id"]
        for round_ in range(60):
            signer.sign_batch(key_id, [f"{round_}-{i}".encode() for i in range(1000)])
    yield running
    running.server.stop()


def test_slow_consumer_is_dropped_with_1013_and_can_resume(slow_feed_service: Running
                                                           ) -> None:
    running = slow_feed_service
    actor = running.actors["auditor"]
    url = f"wss://127.0.0.1:{running.server.rest_port}/v1/feed?chain=default&from_seq=0"
    headers = httpsig.sign_http(actor.private_key, actor.actor_id, "GET", url, b"")
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", running.server.rest_port))
    with running.client("auditor") as client:
        context = client.ssl_context
    connection = connect(url, sock=raw, ssl=context, server_hostname="localhost",
                         additional_headers=headers, max_queue=1, max_size=2**24, legacy=True)
    time.sleep(3)  # read nothing: the server's queue fills and stays full
    received = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            received.append(connection.recv(timeout=10))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    reason = closed.value.rcvd.reason
    assert reason.startswith("slow consumer; resume from_seq=")
    resume_from = int(reason.rsplit("=", 1)[1])
    import json

    seqs = [json.loads(m)["seq"] for m in received if json.loads(m)["type"] == "event"]
    assert seqs == list(range(len(seqs)))
    assert resume_from == len(seqs)
    with running.client("auditor") as client, client.feed("default",
                                                          from_seq=resume_from) as feed:
        assert feed.recv(timeout=10)["seq"] == resume_from
