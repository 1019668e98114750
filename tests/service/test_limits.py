"""Configurable limits: per-actor rate (429 + Retry-After), body size (413), request
timeout (504), batch bounds (422); plus the token bucket itself without sleeping."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from commands.sdk import httpsig
from commands.sdk.client import ApiError
from commands.service.errors import RateLimited
from commands.service.limits import Limits, RateLimiter
from tests.service.conftest import Running, start


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start(tmp_path_factory.mktemp("limits") / "home",
                    limits=Limits(rate=1.0, burst=3, max_body_bytes=4096, max_batch=4,
                                  request_timeout_s=0.5, max_query_timeout_s=2.0))
    yield running
    running.server.stop()


def test_rate_limit_answers_429_with_retry_after(limited: Running) -> None:
    with limited.client("approver") as client:
        for _ in range(3):
            client.whoami()
        with pytest.raises(ApiError) as limited_error:
            client.whoami()
    assert limited_error.value.status == 429
    assert limited_error.value.problem["retry_after"] >= 1
    with limited.client("admin") as other:  # buckets are per actor
        assert other.whoami()["name"] == "admin"


def test_retry_after_header(limited: Running) -> None:
    actor = limited.actors["analyst"]
    url = limited.url + "/v1/whoami"
    context = ssl.create_default_context(cafile=str(limited.ca))
    with httpx.Client(verify=context) as http:
        statuses = []
        for _ in range(5):
            response = http.get(url, headers=httpsig.sign_http(
                actor.private_key, actor.actor_id, "GET", url, b""))
            statuses.append(response.status_code)
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["content-type"] == "application/problem+json"


def _post(running: Running, name: str, path: str, body: bytes, *,
          chunked: bool = False) -> httpx.Response:
    actor = running.actors[name]
    url = running.url + path
    headers = {**httpsig.sign_http(actor.private_key, actor.actor_id, "POST", url, body),
               "content-type": "application/json"}
    context = ssl.create_default_context(cafile=str(running.ca))
    with httpx.Client(verify=context) as http:
        if chunked:
            return http.post(url, content=iter([body[:2048], body[2048:]]), headers=headers)
        return http.post(url, content=body, headers=headers)


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_body_is_413(limited: Running, chunked: bool) -> None:
    body = b'{"sql": "' + b"x" * 8000 + b'"}'
    response = _post(limited, "auditor" if chunked else "key-manager", "/v1/query", body,
                     chunked=chunked)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error"] == "PayloadTooLarge"


def test_batches_are_bounded(limited: Running) -> None:
    with limited.client("key-manager") as km:
        key_id = km.create_key("ed25519").result["key_id"]
    with limited.client("signer") as signer:
        with pytest.raises(ApiError) as refused:
            signer.sign_batch(key_id, [b"1", b"2", b"3", b"4", b"5"])
        assert refused.value.status == 422 and refused.value.field == "messages"
        assert len(signer.sign_batch(key_id, [b"1", b"2"]).result["signatures"]) == 2


def test_slow_request_times_out_with_504(limited: Running) -> None:
    sql = "SELECT sum(i * i) FROM range(100000000000) t(i)"  # far longer than 0.5 s
    with limited.client("auditor") as auditor, pytest.raises(ApiError) as timed_out:
        auditor.query(sql)
    assert timed_out.value.status == 504 and timed_out.value.error == "RequestTimedOut"


def test_token_bucket_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter(Limits(rate=2.0, burst=2), clock=lambda: now[0])
    limiter.check("a")
    limiter.check("a")
    with pytest.raises(RateLimited) as refused:
        limiter.check("a")
    assert refused.value.retry_after == 1
    now[0] = 0.5
    limiter.check("a")
    limiter.check("b")
