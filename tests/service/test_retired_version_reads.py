"""A verify naming a key version below the policy's verify floor is refused over REST and
gRPC alike, and the refusal is on the audit chain (issue 15, section 6: "older versions
refuse and the refusal is recorded" — a verify is a read, which the ledger never sees)."""

from __future__ import annotations

import pytest

from commands.sdk.client import ApiError
from commands.sdk.grpc_client import GrpcClient
from ledger.envelope import open_envelope
from ledger.stores.url import open_store
from tests.service.conftest import Running


def rejection_at(running: Running, seq: int) -> dict[str, object]:
    store, keyring = open_store(f"sqlite:///{running.home / 'ledger.db'}")
    try:
        (stored,) = store.read("system", seq, seq + 1)
        envelope = open_envelope(stored)
        assert envelope.event_type == "CommandRejected"
        return envelope.event()
    finally:
        store.close()
        keyring.close()


def test_a_retired_version_is_refused_and_recorded_on_every_front_end(
        service: Running) -> None:
    with service.client("key-manager") as km, service.client("signer") as signer:
        key_id = km.create_key("ed25519", label="floors").result["key_id"]
        old = signer.sign(key_id, b"under v1").result["signature"]
        km.key_command("rotate", key_id)
        km.change_key_policy(key_id, min_verify_version=2)
        assert signer.verify(key_id, b"under v1", old, version=None)["valid"] is False
        with pytest.raises(ApiError) as over_rest:
            signer.verify(key_id, b"under v1", old, version=1)
    actor = service.actors["signer"]
    with GrpcClient(service.grpc_target, actor.actor_id, actor.private_key,
                    ca=service.ca) as remote, pytest.raises(ApiError) as over_grpc:
        remote.verify(key_id, b"under v1", old, version=1)
    for refused in (over_rest.value, over_grpc.value):
        assert refused.status == 409 and refused.reason_code == "version-retired"
        recorded = rejection_at(service, int(refused.recorded_seq))
        assert recorded["reason_code"] == "version-retired"
        assert recorded["actor_id"] == actor.actor_id
        assert recorded["command_type"] == "Read:keys.verify"
