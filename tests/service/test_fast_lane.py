"""The fast lane (commands/service/fast_lane.py) answers exactly as FastAPI would.

Well-formed signing requests are served by the lane; anything else is handed to FastAPI.
Each request below goes once to the live server (lane on) and once to an application over
the same core with the lane off; the problem documents must match field for field.
"""

from __future__ import annotations

import base64
import json
import ssl
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from commands.sdk import httpsig
from commands.service.app import create_app
from commands.service.fast_lane import FastLane
from tests.service.conftest import Running

COMPARED = ("status", "type", "error", "field", "detail", "reason_code")


def _send(service: Running, http: Any, base: str, path: str, body: bytes,
          headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    actor = service.actors["signer"]
    signed = httpsig.sign_http(actor.private_key, actor.actor_id, "POST", base + path, body)
    response = http.post(base + path, content=body, headers={**signed, **headers})
    return response.status_code, response.json()


def _with_lane(service: Running, path: str, body: bytes,
               headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    with httpx.Client(verify=ssl.create_default_context(cafile=str(service.ca))) as http:
        return _send(service, http, service.url, path, body, headers)


def _without_lane(service: Running, path: str, body: bytes,
                  headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    plain_app = create_app(service.server.core, fast_lane=False)
    with TestClient(plain_app, base_url="https://testserver") as plain:
        return _send(service, plain, "https://testserver", path, body, headers)


def _sign_body(service: Running, key_id: str, **changes: Any) -> dict[str, Any]:
    with service.client("signer") as signer:
        prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"fast lane"})
    return {**prepared.body, **changes}


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("case", [
    "not-json", "wrong-content-type", "extra-field", "missing-message", "bad-base64",
    "long-idempotency-key", "idempotency-key-mismatch", "unsigned-request-fields",
    "long-key-id", "unknown-key"])
def test_refusals_read_the_same_with_and_without_the_lane(service: Running, key_id: str,
                                                          case: str) -> None:
    path = f"/v1/keys/{key_id}/sign"
    headers = dict(JSON)
    body: dict[str, Any] | bytes = _sign_body(service, key_id)
    if case == "not-json":
        body = b"{not json"
    elif case == "wrong-content-type":
        headers = {"content-type": "text/plain"}
    elif case == "extra-field":
        body = {**body, "surprise": 1}
    elif case == "missing-message":
        body = {k: v for k, v in body.items() if k != "message"}
    elif case == "bad-base64":
        body = {**body, "message": "%%%"}
    elif case == "long-idempotency-key":
        headers["Idempotency-Key"] = "k" * 101
    elif case == "idempotency-key-mismatch":
        headers["Idempotency-Key"] = "another-command"
    elif case == "unsigned-request-fields":
        body = {**body, "signature": base64.b64encode(b"\0" * 64).decode()}
    elif case == "long-key-id":
        path = "/v1/keys/" + "k" * 101 + "/sign"
    elif case == "unknown-key":
        path = "/v1/keys/00000000-0000-0000-0000-000000000000/sign"
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if case in ("unsigned-request-fields", "idempotency-key-mismatch", "bad-base64"):
        # A command id is spent by its first use: send each side a command of its own.
        other = _sign_body(service, key_id)
        other_body = {**other, **{k: v for k, v in body.items()  # type: ignore[union-attr]
                                  if k in ("signature", "message")}}
        lane = _with_lane(service, path, raw, headers)
        without = _without_lane(service, path, json.dumps(other_body).encode(), headers)
    else:
        lane = _with_lane(service, path, raw, headers)
        without = _without_lane(service, path, raw, headers)
    assert lane[0] >= 400 and lane[0] == without[0], (lane, without)
    assert {k: lane[1].get(k) for k in COMPARED} == {k: without[1].get(k) for k in COMPARED}


def test_the_lane_serves_well_formed_signing_requests(service: Running, key_id: str) -> None:
    """A valid sign request never reaches the application behind the lane."""
    reached: list[str] = []

    async def behind(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    from commands.service.app import problem_response

    lane = FastLane(behind, problem=problem_response)
    app = create_app(service.server.core)

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        scope["app"] = app  # what Starlette sets before the middleware runs
        await lane(scope, receive, send)

    client = TestClient(wrapped, base_url="https://testserver")  # no lifespan without `with`
    status, answer = _send(service, client, "https://testserver", f"/v1/keys/{key_id}/sign",
                           json.dumps(_sign_body(service, key_id)).encode(), JSON)
    assert status == 200 and len(answer["result"]["signature"]) == 128
    assert reached == []
    response = client.post(f"/v1/keys/{key_id}/sign", content=b"{not json", headers=JSON)
    assert response.status_code == 599 and reached == [f"/v1/keys/{key_id}/sign"]


def test_lane_requests_are_measured_under_their_route(service: Running, key_id: str) -> None:
    with service.client("signer") as signer:
        signer.sign(key_id, b"counted")
    with service.client("auditor") as auditor:
        text = auditor.metrics()
    assert 'route="/v1/keys/{key_id}/sign"' in text
