"""Property-based API testing: schemathesis against the live server's own OpenAPI document.

At least 1,000 generated requests over every operation, each signed (RFC 9421) by an actor
holding every role so that generation reaches the handlers; none may get a 5xx answer.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from commands.sdk import httpsig
from commands.sdk.client import Identity
from ledger.domain.actor import ROLES
from tests.service.conftest import Running

EXAMPLES_PER_OPERATION = 32
MINIMUM_CASES = 1000


class SignRequests(requests.auth.AuthBase):
    """Signs the final prepared request (URL and body exactly as sent)."""

    def __init__(self, actor_id: str, private_key: bytes) -> None:
        self.actor_id = actor_id
        self.private_key = private_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        request.headers.update(httpsig.sign_http(self.private_key, self.actor_id,
                                                 str(request.method), str(request.url), body))
        return request


@pytest.fixture(scope="module")
def fuzzer(service: Running) -> Iterator[SignRequests]:
    identity = Identity.generate()
    with service.client("admin") as admin:
        actor_id = admin.register_actor("fuzzer", identity.public_key.hex(),
                                        roles=list(ROLES)).actor_id
    yield SignRequests(actor_id, identity.private_key)


def test_no_server_errors_on_generated_requests(service: Running,
                                                fuzzer: SignRequests) -> None:
    context = ssl.create_default_context(cafile=str(service.ca))
    with httpx.Client(verify=context) as http:
        document = http.get(service.url + "/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    session = requests.Session()
    session.verify = str(service.ca)
    counted = {"cases": 0}
    statuses: dict[int, int] = {}
    failures: list[str] = []

    def exercise(operation: Any) -> None:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            counted["cases"] += 1
            response = case.call(base_url=service.url, session=session, auth=fuzzer,
                                 verify=str(service.ca),
                                 timeout=30)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{response.status_code}: {response.text[:300]}")

        run()

    for result in schema.get_all_operations():
        exercise(result.ok())
    print(f"schemathesis: {counted['cases']} cases, statuses {sorted(statuses.items())}")
    assert not failures, "\n".join(failures[:20])
    assert counted["cases"] >= MINIMUM_CASES
    assert sum(n for status, n in statuses.items() if status < 300) > 100
