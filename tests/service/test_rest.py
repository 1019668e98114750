"""REST through the SDK: every capability, idempotent retries, replay refusal, problems."""

from __future__ import annotations

import base64
import hashlib
import json
import ssl

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from commands.sdk import httpsig
from commands.sdk.client import ApiError, Identity
from ledger.envelope import open_envelope
from ledger.stores.url import open_store
from tests.service.conftest import Running


def test_key_lifecycle_sign_verify_and_audit(service: Running) -> None:
    with service.client("key-manager") as km, service.client("signer") as signer, \
            service.client("auditor") as auditor:
        created = km.create_key("ed25519", label="rest-lifecycle", destruction_wait_days=0)
        key_id = created.result["key_id"]
        assert created.chain == "default" and len(created.seqs) == 2
        signed = signer.sign(key_id, b"invoice 1")
        signature = bytes.fromhex(signed.result["signature"])
        public = bytes.fromhex(signer.public_key(key_id, format="hex")["public_key"])
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, b"invoice 1")
        assert signer.verify(key_id, b"invoice 1", signature)["valid"] is True
        assert signer.verify(key_id, b"other", signature)["valid"] is False
        batch = signer.sign_batch(key_id, [b"a", b"b", b"c"])
        results = signer.verify_batch(key_id, [
            {"message": m, "signature": s}
            for m, s in zip([b"a", b"b", b"c"], batch.result["signatures"], strict=True)])
        assert [r["valid"] for r in results["results"]] == [True, True, True]
        assert km.rotate_key(key_id).result["version"] == 2
        assert signer.verify(key_id, b"invoice 1", signature)["version"] == 1
        assert km.suspend_key(key_id, reason="hold").result["state"] == "suspended"
        with pytest.raises(ApiError) as refused:
            signer.sign(key_id, b"while suspended")
        assert refused.value.status == 409 and refused.value.recorded_seq is not None
        assert km.reactivate_key(key_id).result["state"] == "active"
        assert km.key_command("policy", key_id, max_signatures_per_day=5).result["policy"][
            "max_signatures_per_day"] == 5
        assert km.revoke_key(key_id).result["state"] == "deactivated"
        assert km.destroy_key(key_id).result["state"] == "destroyed"
        assert km.get_key(key_id)["state"] == "destroyed"
        assert any(k["key_id"] == key_id for k in km.list_keys(state="destroyed"))
        checkpoint = auditor.request_checkpoint("default").result
        assert auditor.checkpoint("default")["size"] == checkpoint["size"]
        proof = auditor.inclusion_proof("default", signed.seq)
        assert auditor.verify_proof(proof)["valid"] is True
        consistency = auditor.consistency_proof("default", 1)
        assert auditor.verify_proof(consistency)["type"] == "consistency"
        report = auditor.audit_verify()
        assert report["ok"] is True and report["events"] > 0
        assert {c["chain_id"] for c in auditor.chains()} >= {"system", "default"}


def test_actor_management_with_client_generated_key(service: Running) -> None:
    newcomer = Identity.generate()
    with service.client("admin") as admin:
        registered = admin.register_actor("rest-newcomer", newcomer.public_key.hex(),
                                          roles=["signer"])
        actor_id = registered.result["actor_id"]
        assert admin.get_actor(actor_id)["public_key"] == newcomer.public_key.hex()
        assert admin.change_roles(actor_id, ["signer", "auditor"]).result["roles"] == [
            "auditor", "signer"]
    from commands.sdk.client import Client

    with Client(service.url, actor_id, newcomer.private_key, ca=service.ca) as client:
        assert client.whoami()["roles"] == ["auditor", "signer"]
        with service.client("admin") as admin:
            admin.revoke_actor(actor_id, reason="left")
        with pytest.raises(ApiError) as refused:
            client.list_actors()
        assert refused.value.status == 403 and refused.value.reason_code == "revoked-actor"


def test_signature_stored_in_the_ledger_is_the_clients_own(service: Running, key_id: str
                                                           ) -> None:
    with service.client("signer") as signer:
        prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"non-repudiation"})
        result = signer.send(prepared)
    store, _ = open_store(f"sqlite:///{service.home / 'ledger.db'}")
    try:
        stored = next(iter(store.read("default", result.seq, result.seq + 1)))
    finally:
        store.close()
    envelope = open_envelope(stored)
    assert envelope.command == prepared.signed.canonical_bytes
    assert envelope.actor_signature == prepared.signed.signature
    assert envelope.correlation_id == prepared.command.correlation_id


def test_retry_with_idempotency_key_returns_the_first_outcome(service: Running,
                                                              key_id: str) -> None:
    with service.client("signer") as signer:
        prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"pay once"})
        first = signer.send(prepared)
        again = signer.send(prepared)
    assert again.replayed is True
    assert (again.seqs, again.result) == (first.seqs, first.result)


def test_idempotency_key_must_match_the_command_id(service: Running, key_id: str) -> None:
    with service.client("signer") as signer:
        prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"x"})
        with pytest.raises(ApiError) as refused:
            signer.request("POST", prepared.path, json_body=prepared.body,
                           headers={"Idempotency-Key": "not-the-command-id"})
    assert refused.value.status == 422 and refused.value.field == "Idempotency-Key"


def test_command_signed_for_another_actor_is_refused_and_recorded(service: Running,
                                                                  key_id: str) -> None:
    with service.client("signer") as signer, service.client("key-manager") as km:
        prepared = km.prepare("POST", f"/v1/keys/{key_id}/rotate", "RotateKey", "default",
                              {"key_id": key_id})
        with pytest.raises(ApiError) as refused:
            signer.request("POST", prepared.path, json_body=prepared.body)
    assert refused.value.status == 403
    assert refused.value.reason_code == "actor-mismatch"
    assert refused.value.recorded_seq is not None


def test_route_and_command_must_agree(service: Running, key_id: str) -> None:
    with service.client("key-manager") as km:
        prepared = km.prepare_command("RotateKey", {"key_id": key_id})
        with pytest.raises(ApiError) as wrong_route:
            km.request("POST", f"/v1/keys/{key_id}/suspend", json_body=prepared.body)
        assert wrong_route.value.status == 422 and wrong_route.value.field == "command.type"
        other = km.create_key("ed25519").result["key_id"]
        with pytest.raises(ApiError) as wrong_key:
            km.request("POST", f"/v1/keys/{other}/rotate", json_body=prepared.body)
        assert wrong_key.value.field == "command.args.key_id"


def _raw_signed_post(service: Running, name: str, path: str, body: bytes,
                     headers: dict[str, str] | None = None) -> httpx.Response:
    actor = service.actors[name]
    url = service.url + path
    signed = httpsig.sign_http(actor.private_key, actor.actor_id, "POST", url, body)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(service.ca))) as http:
        return http.post(url, content=body, headers={**signed, **(headers or {})})


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"command": 5}',
                                  b'{"command": "{}", "signature": "AAAA"}',
                                  '{"command": "ü", "signature": ""}'.encode()])
def test_malformed_bodies_are_problems(service: Running, body: bytes) -> None:
    response = _raw_signed_post(service, "key-manager", "/v1/keys", body,
                                {"content-type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code and problem["type"].startswith("urn:")


def test_unknown_route_and_method_are_problems(service: Running) -> None:
    with httpx.Client(verify=ssl.create_default_context(cafile=str(service.ca))) as http:
        missing = http.get(service.url + "/v1/nothing")
        wrong = http.delete(service.url + "/v1/keys")
    assert missing.status_code == 404 and wrong.status_code == 405
    assert missing.headers["content-type"] == wrong.headers["content-type"] == \
        "application/problem+json"


def test_message_must_match_the_signed_digest(service: Running, key_id: str) -> None:
    with service.client("signer") as signer:
        prepared = signer.prepare_command("Sign", {"key_id": key_id, "message": b"what I signed"})
        body = {**prepared.body, "message": base64.b64encode(b"something else").decode()}
        with pytest.raises(ApiError) as refused:
            signer.request("POST", prepared.path, json_body=body)
    assert refused.value.status == 422 and refused.value.field == "message_digest"
    assert hashlib.sha256(b"what I signed").hexdigest() in json.dumps(
        prepared.command.args)


def test_reports_and_queries_use_the_read_models(service: Running, key_id: str) -> None:
    with service.client("analyst") as analyst:
        names = {r["name"] for r in analyst.reports()}
        assert "inventory" in names
        inventory = analyst.report("inventory")
        assert "algorithm" in inventory["columns"] and inventory["rows"]
        counted = analyst.query("SELECT count(*) AS n FROM keys")
        assert counted["rows"][0]["n"] >= 1
        with pytest.raises(ApiError) as refused:
            analyst.query("DROP TABLE keys")
        assert refused.value.status == 422 and refused.value.field == "sql"
        assert analyst.projection_status()["chains"]


def test_algorithms_whoami_and_health(service: Running) -> None:
    with service.client("approver") as approver:
        assert any(a["algorithm"] == "ed25519" for a in approver.algorithms())
        assert approver.whoami()["authenticated_by"] == "signature"
    with httpx.Client(verify=ssl.create_default_context(cafile=str(service.ca))) as http:
        assert http.get(service.url + "/healthz").json() == {"status": "ok"}
        assert http.get(service.url + "/readyz").json() == {"status": "ready"}
