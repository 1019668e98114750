"""Every role (and no role) against every endpoint: allowed exactly as the ledger says.

Commands are authorized by the ledger's ``PERMISSIONS``; reads by the service's
``READ_PERMISSIONS``. Every refusal must be a 403 problem naming the ``CommandRejected``
event that records it, and that event must exist in the store with the refused actor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from commands.sdk.client import ApiError, Client, Identity
from commands.service.auth import READ_PERMISSIONS
from ledger.authorization import PERMISSIONS
from ledger.domain.actor import ROLES
from ledger.envelope import open_envelope
from ledger.stores.url import open_store
from tests.service.conftest import Running

CALLERS = [*ROLES, "nobody"]
Setup = Callable[[Running], dict[str, Any]]
Call = Callable[[Client, dict[str, Any]], Any]


def _key(running: Running, **options: Any) -> str:
    with running.client("key-manager") as km:
        return str(km.create_key("ed25519", **options).result["key_id"])


def _suspended(running: Running) -> dict[str, Any]:
    key_id = _key(running)
    with running.client("key-manager") as km:
        km.suspend_key(key_id)
    return {"key_id": key_id}


def _revoked(running: Running) -> dict[str, Any]:
    key_id = _key(running, destruction_wait_days=0)
    with running.client("key-manager") as km:
        km.revoke_key(key_id)
    return {"key_id": key_id}


def _scheduled(running: Running) -> dict[str, Any]:
    key_id = _key(running, destruction_wait_days=30)
    with running.client("key-manager") as km:
        km.revoke_key(key_id)
        km.destroy_key(key_id)
    return {"key_id": key_id}


def _signed(running: Running) -> dict[str, Any]:
    key_id = _key(running)
    with running.client("signer") as signer:
        result = signer.sign(key_id, b"matrix")
    with running.client("auditor") as auditor:
        proof = auditor.inclusion_proof("default", result.seq, result.seq + 1)
    return {"key_id": key_id, "signature": result.result["signature"], "proof": proof,
            "seq": result.seq}


def _actor(running: Running) -> dict[str, Any]:
    with running.client("admin") as admin:
        identity = Identity.generate()
        name = f"target-{identity.public_key.hex()[:12]}"
        result = admin.register_actor(name, identity.public_key.hex(), roles=["analyst"])
    return {"actor_id": result.result["actor_id"]}


def _open_feed(client: Client, _: dict[str, Any]) -> None:
    with client.feed("default"):
        pass


def _fresh(running: Running) -> dict[str, Any]:
    return {"key_id": _key(running)}


def _nothing(_: Running) -> dict[str, Any]:
    return {}


READS: dict[str, tuple[str, Setup, Call]] = {
    "whoami": ("whoami", _nothing, lambda c, f: c.whoami()),
    "algorithms": ("algorithms", _nothing, lambda c, f: c.algorithms()),
    "list_keys": ("keys.read", _nothing, lambda c, f: c.list_keys()),
    "get_key": ("keys.read", _fresh, lambda c, f: c.get_key(f["key_id"])),
    "public_key": ("keys.read", _fresh, lambda c, f: c.public_key(f["key_id"])),
    "verify": ("keys.verify", _signed,
               lambda c, f: c.verify(f["key_id"], b"matrix", f["signature"])),
    "verify_batch": ("keys.verify", _signed,
                     lambda c, f: c.verify_batch(f["key_id"], [
                         {"message": b"matrix", "signature": f["signature"]}])),
    "verify_proof": ("proofs.verify", _signed, lambda c, f: c.verify_proof(f["proof"])),
    "list_actors": ("actors.read", _nothing, lambda c, f: c.list_actors()),
    "get_actor": ("actors.read", _actor, lambda c, f: c.get_actor(f["actor_id"])),
    "chains": ("audit.read", _nothing, lambda c, f: c.chains()),
    "checkpoint": ("audit.read", _signed, lambda c, f: c.inclusion_proof("default", 0)),
    "latest_checkpoint": ("audit.read", _nothing, lambda c, f: c.checkpoint("system")),
    "consistency": ("audit.read", _nothing, lambda c, f: c.consistency_proof("system", 1)),
    "audit_verify": ("audit.read", _nothing, lambda c, f: c.audit_verify()),
    "reports": ("reports.read", _nothing, lambda c, f: c.reports()),
    "report": ("reports.read", _nothing, lambda c, f: c.report("inventory")),
    "projection_status": ("projections.read", _nothing, lambda c, f: c.projection_status()),
    "query": ("query", _nothing, lambda c, f: c.query("SELECT 1 AS one")),
    "feed": ("feed", _nothing, _open_feed),
}

COMMANDS: dict[str, tuple[str, Setup, Call]] = {
    "create_key": ("CreateKey", _nothing, lambda c, f: c.create_key("ed25519")),
    "activate": ("ActivateKey", lambda r: {"key_id": _key(r, activate=False)},
                 lambda c, f: c.key_command("activate", f["key_id"])),
    "rotate": ("RotateKey", _fresh, lambda c, f: c.rotate_key(f["key_id"])),
    "suspend": ("SuspendKey", _fresh, lambda c, f: c.suspend_key(f["key_id"])),
    "reactivate": ("ReactivateKey", _suspended, lambda c, f: c.reactivate_key(f["key_id"])),
    "compromise": ("CompromiseKey", _fresh,
                   lambda c, f: c.key_command("compromise", f["key_id"], reason="leak")),
    "revoke_key": ("RevokeKey", _fresh, lambda c, f: c.revoke_key(f["key_id"])),
    "destroy": ("DestroyKey", lambda r: _revoked(r), lambda c, f: c.destroy_key(f["key_id"])),
    "cancel_destruction": ("CancelDestruction", _scheduled,
                           lambda c, f: c.key_command("cancel-destruction", f["key_id"])),
    "policy": ("ChangeKeyPolicy", _fresh,
               lambda c, f: c.key_command("policy", f["key_id"], max_signatures_per_day=7)),
    "sign": ("Sign", _fresh, lambda c, f: c.sign(f["key_id"], b"m")),
    "sign_batch": ("SignBatch", _fresh, lambda c, f: c.sign_batch(f["key_id"], [b"m", b"n"])),
    "register_actor": ("RegisterActor", _nothing, lambda c, f: c.register_actor(
        f"reg-{Identity.generate().public_key.hex()[:12]}",
        Identity.generate().public_key.hex(), roles=["analyst"])),
    "change_roles": ("ChangeActorRoles", _actor,
                     lambda c, f: c.change_roles(f["actor_id"], roles=["auditor"])),
    "revoke_actor": ("RevokeActor", _actor, lambda c, f: c.revoke_actor(f["actor_id"])),
    "request_checkpoint": ("RequestCheckpoint", _nothing,
                           lambda c, f: c.request_checkpoint(chain_id="system")),
}


def _allowed_roles(kind: str, name: str) -> frozenset[str]:
    if kind == "read":
        return READ_PERMISSIONS[READS[name][0]]
    return PERMISSIONS[COMMANDS[name][0]]


def _rejection(running: Running, seq: int, actor_id: str) -> dict[str, Any]:
    """The CommandRejected event at ``seq`` naming ``actor_id`` (any chain)."""
    store, keyring = open_store(f"sqlite:///{running.home / 'ledger.db'}")
    try:
        for chain in store.chains():
            for stored in store.read(chain, seq, seq + 1):
                envelope = open_envelope(stored)
                record = envelope.event()
                if envelope.event_type == "CommandRejected" and record["actor_id"] == actor_id:
                    return record
    finally:
        store.close()
        keyring.close()
    raise AssertionError(f"no CommandRejected of {actor_id} at seq {seq}")


CASES = [("read", name, caller) for name in READS for caller in CALLERS] + \
        [("command", name, caller) for name in COMMANDS for caller in CALLERS]


@pytest.mark.parametrize(("kind", "name", "caller"), CASES,
                         ids=[f"{k}-{n}-{c}" for k, n, c in CASES])
def test_role_endpoint_matrix(service: Running, kind: str, name: str, caller: str) -> None:
    table = READS if kind == "read" else COMMANDS
    _, setup, call = table[name]
    fixture = setup(service)
    allowed = caller in _allowed_roles(kind, name)
    with service.client(caller) as client:
        if allowed:
            call(client, fixture)
            return
        if name == "feed":
            with pytest.raises(InvalidStatus) as denied:
                call(client, fixture)
            assert denied.value.response.status_code == 403
            return
        with pytest.raises(ApiError) as refused:
            call(client, fixture)
    assert refused.value.status == 403, refused.value.problem
    assert refused.value.problem["type"] == "urn:skms:problem:unauthorized"
    assert refused.value.recorded_seq is not None
    record = _rejection(service, refused.value.recorded_seq, service.actors[caller].actor_id)
    assert record["reason_code"] in ("missing-role", "unauthorized")


def test_domains_limit_reads_and_commands(service: Running) -> None:
    default_key = _key(service)
    with service.client("key-manager") as km:
        payments_key = km.create_key("ed25519", domain="payments").result["key_id"]
    with service.client("domain-signer") as signer:
        listed = {k["key_id"] for k in signer.list_keys()}
        assert payments_key in listed and default_key not in listed
        assert signer.sign(payments_key, b"in my domain").result["signature"]
        with pytest.raises(ApiError) as read_refused:
            signer.get_key(default_key)
        assert read_refused.value.status == 403 and read_refused.value.reason_code == "domain"
        prepared = signer.prepare("POST", f"/v1/keys/{default_key}/sign", "Sign", "default", {
            "key_id": default_key, "message_digest": hashlib.sha256(b"x").hexdigest()},
            extra={"message": "eA=="})
        with pytest.raises(ApiError) as sign_refused:
            signer.send(prepared)
        assert sign_refused.value.status == 403 and sign_refused.value.reason_code == "domain"
        assert sign_refused.value.recorded_seq is not None
