"""Approvals over the service: a held command answers pending over REST, the request appears
on the WebSocket feed, the completing approval (over gRPC) answers the executed result."""

from __future__ import annotations

from commands.sdk.grpc_client import GrpcClient
from tests.service.conftest import Running


def test_a_held_request_is_on_the_feed_and_its_quorum_executes_it(service: Running) -> None:
    approver = service.actors["approver"]
    with service.client("auditor") as auditor, service.client("key-manager") as km, \
            service.client("admin") as admin:
        key_id = str(km.create_key("ed25519", domain="feed-gated").key_id)
        admin.set_approval_policy("ChangeKeyPolicy", 1, domain="feed-gated")
        with auditor.feed("feed-gated", from_seq=0) as feed:
            held = km.change_key_policy(key_id, rotation_period_days=12)
            assert held.status == "pending" and held.result is None
            event = feed.recv(timeout=10)
            while event["event_type"] != "ApprovalRequested":
                event = feed.recv(timeout=10)
            assert event["event"]["approval_id"] == held.approval_id
            assert event["event"]["command_type"] == "ChangeKeyPolicy"
        with GrpcClient(service.grpc_target, approver.actor_id, approver.private_key,
                        ca=service.ca) as client:
            done = client.approve_request(str(held.approval_id))
        assert done.status == "done" and done.result["status"] == "executed"
        assert done.result["result"]["policy"]["rotation_period_days"] == 12
        assert km.get_key(key_id)["policy"]["rotation_period_days"] == 12
