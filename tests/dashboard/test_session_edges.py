"""Sign-in bodies the dashboard refuses (not JSON, not an object, a signature of the wrong
type or size, a malformed challenge), a revoked actor's sign-in, a session used with
another actor's client certificate, and the session store's housekeeping."""

from __future__ import annotations

import base64
import http.client
import json
from pathlib import Path

import pytest

from commands.errors import NotAuthenticated
from commands.sdk.client import Identity
from commands.service.sessions import SessionStore, sign_in_message
from tests.dashboard.test_sessions import (
    Answer,
    Clock,
    _context,
    call,
    client_pem,
    seed_key,
    session_headers,
    sign_in,
)
from tests.service.conftest import Running


def raw_call(service: Running, path: str, body: bytes) -> Answer:
    connection = http.client.HTTPSConnection("127.0.0.1", service.server.rest_port,
                                             context=_context(service), timeout=30)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json",
                                                "Origin": service.url})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read())
    finally:
        connection.close()


def _refused(answer: Answer, status: int, **expected: str) -> None:
    assert answer.status == status, answer.body
    problem = answer.json()
    for name, value in expected.items():
        assert problem[name] == value, problem


def test_a_sign_in_body_must_be_a_json_object(dashboard_service: Running) -> None:
    _refused(raw_call(dashboard_service, "/ui/session", b"{not json"), 422, field="body",
             detail="the body is not valid JSON")
    _refused(raw_call(dashboard_service, "/ui/session", b'["key"]'), 422, field="body",
             detail="must be a JSON object")


def _key_body(service: Running, actor: str) -> dict[str, object]:
    challenge = call(service, "POST", "/ui/session/challenge", {}).json()
    public = service.actors[actor].public_key.hex()
    signature = seed_key(service.actors[actor].private_key).sign(
        sign_in_message(challenge["challenge"], challenge["origin"], public))
    return {"method": "key", "public_key": public, "challenge": challenge["challenge"],
            "signature": base64.b64encode(signature).decode()}


def test_sign_in_signatures_and_challenges_of_the_wrong_shape(
        dashboard_service: Running) -> None:
    body = _key_body(dashboard_service, "auditor")
    for signature in (None, 64, ["a"]):
        _refused(call(dashboard_service, "POST", "/ui/session", {**body, "signature": signature}),
                 422, field="signature", detail="missing or not base64 text")
    short = base64.b64encode(bytes(32)).decode()
    _refused(call(dashboard_service, "POST", "/ui/session", {**body, "signature": short}),
             422, field="signature", detail="an Ed25519 signature has 64 bytes")
    for challenge in (None, 7, "too-short"):
        _refused(call(dashboard_service, "POST", "/ui/session", {**body, "challenge": challenge}),
                 401, reason_code="challenge", detail="the challenge is malformed")
    # None of these consumed the challenge: the well-formed sign-in still opens a session.
    assert call(dashboard_service, "POST", "/ui/session", body).status == 200


def test_a_revoked_actor_cannot_sign_in(dashboard_service: Running) -> None:
    identity = Identity.generate()
    with dashboard_service.client("admin") as admin:
        actor_id = admin.register_actor("leaver", identity.public_key.hex(),
                                        roles=["auditor"]).result["actor_id"]
        admin.revoke_actor(actor_id, reason="left")
    challenge = call(dashboard_service, "POST", "/ui/session/challenge", {}).json()
    public = identity.public_key.hex()
    signature = seed_key(identity.private_key).sign(
        sign_in_message(challenge["challenge"], challenge["origin"], public))
    answer = call(dashboard_service, "POST", "/ui/session", {
        "method": "key", "public_key": public, "challenge": challenge["challenge"],
        "signature": base64.b64encode(signature).decode()})
    _refused(answer, 401, reason_code="revoked-actor", detail=f"actor {actor_id} is revoked")
    assert "set-cookie" not in answer.headers


def test_a_session_with_another_actors_certificate_is_refused(dashboard_service: Running,
                                                              tmp_path: Path) -> None:
    headers = session_headers(sign_in(dashboard_service, "auditor"))  # by key: not bound
    own = client_pem(dashboard_service, "auditor", tmp_path)
    with_own = call(dashboard_service, "GET", "/v1/whoami", headers=headers, cert=own)
    assert with_own.status == 200 and with_own.json()["name"] == "auditor"
    other = client_pem(dashboard_service, "signer", tmp_path)
    mixed = call(dashboard_service, "GET", "/v1/whoami", headers=headers, cert=other)
    _refused(mixed, 401, reason_code="credential-mismatch",
             detail="the dashboard session and the client certificate name different actors")


def test_closing_a_malformed_token_ends_nothing() -> None:
    store = SessionStore()
    opened = store.open("actor-1", "key")
    store.close("not a token")
    store.close(opened.token[:-1])
    assert len(store) == 1
    assert store.session_of(opened.token).actor_id == "actor-1"
    store.close(opened.token)
    assert len(store) == 0


def test_expired_challenges_and_sessions_are_dropped_on_the_next_use() -> None:
    clock = Clock()
    store = SessionStore(lifetime_s=100, challenge_s=10, capacity=2, clock=clock)
    old_challenge, _ = store.challenge()
    kept_challenge, _ = store.challenge()
    store.open("a", "key")
    store.open("b", "key")
    clock.now += 101  # both sessions and both challenges have ended
    fresh = store.open("c", "key")  # room again: the ended ones were dropped
    assert len(store) == 1 and store.session_of(fresh.token).actor_id == "c"
    store.challenge()
    store.challenge()  # the capacity of two holds only the fresh challenges
    for value in (old_challenge, kept_challenge):
        with pytest.raises(NotAuthenticated) as refused:
            store.take_challenge(value)
        assert refused.value.reason_code == "challenge"
    assert json.dumps(fresh.session.expires_at) == str(int(clock.now) + 100)
