"""Small edges of the service: problem documents without an instance, the authenticator
without failure hooks or sessions (over the live ledger), and repeated headers that make
the fast lane hand a signing request to FastAPI, which still serves it."""

from __future__ import annotations

import json
import ssl
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from commands.sdk import httpsig
from commands.service.auth import Authenticator, RequestFacts
from commands.service.errors import (
    NotAuthenticated,
    RateLimited,
    internal_problem,
    problem,
)
from ledger.errors import InvalidInput
from tests.service.conftest import Running


def test_problem_documents_without_instance_or_correlation() -> None:
    document = problem(InvalidInput("must be positive", field="amount"))
    assert "instance" not in document and "correlation_id" not in document
    assert document["field"] == "amount" and document["status"] == 422
    limited = problem(RateLimited("slow down", retry_after=3), instance="/v1/x",
                      correlation_id="c-1")
    assert (limited["instance"], limited["correlation_id"], limited["retry_after"]) == \
        ("/v1/x", "c-1", 3)
    bare = internal_problem()
    assert bare == {"type": "urn:skms:problem:internal", "status": 500,
                    "title": bare["title"], "detail": "internal error; the log has the details"}
    full = internal_problem(instance="/v1/keys", correlation_id="c-2")
    assert (full["instance"], full["correlation_id"]) == ("/v1/keys", "c-2")


def _facts(headers: dict[str, str], *, certificate: bytes | None = None) -> RequestFacts:
    return RequestFacts(method="GET", target_uri="https://localhost/v1/whoami",
                        path="/v1/whoami", headers=headers, body=b"",
                        peer_certificate=certificate)


def test_an_authenticator_without_hooks_or_sessions(service: Running) -> None:
    auth = Authenticator(lambda: service.server.core.ledger)
    with pytest.raises(NotAuthenticated) as missing:
        auth.authenticate(_facts({"cookie": "skms_session=v1.x"}))  # no sessions here
    assert missing.value.reason_code == "missing"
    actor = service.actors["auditor"]
    signed = httpsig.sign_http(actor.private_key, actor.actor_id, "GET",
                               "https://localhost/v1/whoami", b"")
    principal = auth.authenticate(_facts(signed))
    assert (principal.name, principal.authenticated_by) == ("auditor", "signature")
    with pytest.raises(NotAuthenticated) as replayed:
        auth.authenticate(_facts(signed))
    assert replayed.value.reason_code == "replayed"
    stale = httpsig.sign_http(actor.private_key, actor.actor_id, "GET",
                              "https://localhost/v1/whoami", b"",
                              created=int(time.time()) - 3600)
    with pytest.raises(NotAuthenticated) as old:
        auth.authenticate(_facts(stale))
    assert old.value.reason_code == "stale"


def _sign_request(service: Running, key_id: str) -> tuple[str, bytes]:
    with service.client("signer") as signer:
        prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"twice"})
    return service.url + prepared.path, json.dumps(prepared.body).encode()


@pytest.mark.parametrize("repeated", [("content-type", "application/json"),
                                      ("idempotency-key", "one")])
def test_a_repeated_header_is_left_to_fastapi_which_answers(service: Running, key_id: str,
                                                            repeated: tuple[str, str]) -> None:
    url, body = _sign_request(service, key_id)
    actor = service.actors["signer"]
    headers = [*httpsig.sign_http(actor.private_key, actor.actor_id, "POST", url,
                                  body).items(), ("content-type", "application/json"),
               repeated]
    with httpx.Client(verify=ssl.create_default_context(cafile=str(service.ca))) as http:
        response = http.post(url, content=body, headers=headers)
    if repeated[0] == "content-type":
        assert response.status_code == 200, response.text
        signature = bytes.fromhex(response.json()["result"]["signature"])
        with service.client("signer") as signer:
            public = bytes.fromhex(signer.get_key(key_id)["public_key"])
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, b"twice")
    else:
        # FastAPI reads one of the two Idempotency-Key values: neither is the command id.
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "Idempotency-Key"


def test_a_command_for_another_chain_than_its_path_is_refused(service: Running) -> None:
    with service.client("admin") as admin:
        prepared = admin.prepare_command("RequestCheckpoint", {"chain_id": "system"})
        assert prepared.path == "/v1/chains/system/checkpoints"
        before = {c["chain_id"]: c for c in admin.chains()}["system"]
        url = service.url + "/v1/chains/default/checkpoints"
        body = json.dumps(prepared.body).encode()
        actor = service.actors["admin"]
        headers = {**httpsig.sign_http(actor.private_key, actor.actor_id, "POST", url, body),
                   "content-type": "application/json",
                   "idempotency-key": prepared.command.command_id}
        with httpx.Client(verify=ssl.create_default_context(cafile=str(service.ca))) as http:
            response = http.post(url, content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "command.chain_id"
        assert response.json()["detail"] == "must equal the chain in the path"
        after = {c["chain_id"]: c for c in admin.chains()}["system"]
        assert after == before  # nothing was recorded for the moved command
        sent = admin.request(prepared.method, prepared.path, json_body=prepared.body,
                             headers={"Idempotency-Key": prepared.command.command_id})
    assert sent["chain"] == "system"  # the same command on its own path is served
