"""The owner's route for refusals other cluster members hand over
(commands/service/refusal_relay.py), over the real core of a running server; the rules it
checks are tested in tests/ledger/test_refusals_elsewhere.py, the whole path between real
members in tests/kafka/test_kafka_cluster.py."""

from __future__ import annotations

import time

from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from commands.service.refusal_relay import REFUSALS_PATH, RefusalRelay, relayed_refusal
from commands.service.responses import problem_response
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import Command, SignedCommand
from ledger.errors import Unauthorized
from tests.service.conftest import Running


async def _elsewhere(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("not relayed", status_code=299)(scope, receive, send)


def test_the_route_records_a_relayed_refusal_and_refuses_anything_else(
        service: Running) -> None:
    core = service.server.core
    client = TestClient(RefusalRelay(_elsewhere, core.ledger, core.run, problem_response),
                        base_url="https://127.0.0.1")
    refused = Command("Read:actors.list", service.actors["signer"].actor_id, SYSTEM_CHAIN,
                      {"request": "GET /v1/actors"}, time.time_ns() // 1000)
    _, body = relayed_refusal(core.ledger, SignedCommand(refused, refused.canonical(), b""),
                              Unauthorized("lacks the role", reason_code="role"))
    answer = client.post(REFUSALS_PATH, content=body)
    assert answer.status_code == 200
    seq = answer.json()["seq"]
    [stored] = core.ledger.store.read(SYSTEM_CHAIN, seq, seq + 1)
    assert stored.event_type == "CommandRejected"
    assert client.post(REFUSALS_PATH, content=body).json() == {"seq": seq}  # once only

    malformed = client.post(REFUSALS_PATH, content=b"{}")
    assert (malformed.status_code, malformed.json()["field"]) == (422, "body")
    assert client.get(REFUSALS_PATH).status_code == 405
    assert client.post("/v1/keys", content=b"{}").status_code == 299
    client.close()
