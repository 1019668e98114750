"""gRPC round trips: the same capabilities, auth and errors as REST."""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from commands.sdk.client import ApiError, Identity
from commands.sdk.grpc_client import GrpcClient
from commands.service.tls import issue_client_certificate
from tests.service.conftest import Running


def grpc_client(running: Running, name: str, **options: object) -> GrpcClient:
    actor = running.actors[name]
    return GrpcClient(running.grpc_target, actor.actor_id, actor.private_key, ca=running.ca,
                      **options)  # type: ignore[arg-type]


def test_create_sign_verify_round_trip(service: Running) -> None:
    with grpc_client(service, "key-manager") as km, grpc_client(service, "signer") as signer:
        created = km.create_key("ed25519", label="grpc")
        key_id = created.result["key_id"]
        assert list(created.seqs) and created.chain == "default"
        reply = signer.sign(key_id, b"over grpc")
        assert reply.result["key_version"] == 1 and reply.seqs
        signature = bytes.fromhex(reply.result["signature"])
        key = signer.get_key(key_id)
        ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(key["public_key"])).verify(
            signature, b"over grpc")
        assert signer.verify(key_id, b"over grpc", reply.result["signature"])["valid"]
        assert not signer.verify(key_id, b"tampered", reply.result["signature"])["valid"]
        batch = signer.sign_batch(key_id, [b"1", b"2"])
        assert len(batch.result["signatures"]) == 2
        rotated = km.key_command("rotate", key_id)
        assert rotated.result["version"] == 2
        assert any(k["key_id"] == key_id for k in signer.list_keys())


def test_errors_carry_the_status_table_and_problem(service: Running) -> None:
    with grpc_client(service, "signer") as signer:
        with pytest.raises(ApiError) as refused:
            signer.create_key("ed25519")
        assert refused.value.status == 403
        assert refused.value.problem["grpc_status"] == "PERMISSION_DENIED"
        assert refused.value.recorded_seq is not None
        with pytest.raises(ApiError) as missing:
            signer.get_key("no-such-key")
        assert missing.value.problem["grpc_status"] == "NOT_FOUND"


def test_grpc_refuses_unsigned_and_accepts_client_certificates(service: Running) -> None:
    with grpc_client(service, "auditor", sign_requests=False) as unsigned, \
            pytest.raises(ApiError) as refused:
        unsigned.whoami()
    assert refused.value.problem["grpc_status"] == "UNAUTHENTICATED"
    actor = service.actors["auditor"]
    pem = issue_client_certificate(service.home, actor.public_key, actor.actor_id, "auditor")
    with grpc_client(service, "auditor", client_cert=pem, sign_requests=False) as client:
        who = client.whoami()
    assert who["name"] == "auditor" and who["authenticated_by"] == "mtls"


def test_grpc_register_actor_and_checkpoint(service: Running) -> None:
    with grpc_client(service, "admin") as admin:
        reply = admin.register_actor("grpc-newcomer", Identity.generate().public_key.hex(),
                                     roles=["auditor"])
        assert reply.result["actor_id"]
        checkpoint = admin.request_checkpoint("system")
        assert checkpoint.result["size"] > 0
        assert {c["chain_id"] for c in admin.chains()} >= {"system"}
        assert "chains" in admin.projection_status()
        assert "algorithm" in admin.report("inventory")["columns"]


def test_replayed_grpc_signature_is_refused(service: Running) -> None:
    import grpc

    from commands.sdk import httpsig

    actor = service.actors["auditor"]
    with grpc_client(service, "auditor") as client:
        raw = client.pb.WhoAmIRequest().SerializeToString()
        path = "/skms.v1.Skms/WhoAmI"
        digest = httpsig.content_digest(raw)
        metadata = [("content-digest", digest), *httpsig.sign(
            actor.private_key, actor.actor_id,
            {"@method": "POST", "@path": path, "content-digest": digest},
            components=httpsig.GRPC_COMPONENTS).items()]
        stub = client.channel.unary_unary(path, request_serializer=None,
                                          response_deserializer=client.pb.WhoAmIReply.FromString)
        assert stub(raw, metadata=metadata).result.name == "auditor"
        with pytest.raises(grpc.RpcError) as replay:
            stub(raw, metadata=metadata)
    assert replay.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_large_and_concurrent_calls_cross_the_tls_front_intact(service: Running) -> None:
    """Near the body limit one way, many connections at once: the relay loses nothing."""
    with grpc_client(service, "key-manager") as km:
        key_id = km.create_key("ed25519").result["key_id"]
        public = ed25519.Ed25519PublicKey.from_public_bytes(
            bytes.fromhex(km.get_key(key_id)["public_key"]))
    messages = [bytes([i % 251]) * 3000 for i in range(250)]  # ~750 KB request
    with grpc_client(service, "signer") as signer:
        batch = signer.sign_batch(key_id, messages)
    assert len(batch.result["signatures"]) == len(messages)
    for message, signature in zip(messages, batch.result["signatures"], strict=True):
        public.verify(bytes.fromhex(signature), message)

    failures: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            with grpc_client(service, "signer") as client:
                for n in range(5):
                    message = f"{index}-{n}".encode()
                    signed = client.sign(key_id, message).result["signature"]
                    public.verify(bytes.fromhex(signed), message)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
