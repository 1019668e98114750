"""What forwarding costs a command in a cluster (never run by the tests): one client signs
through the key domain's owner and through the other member, over REST and over gRPC (a
gRPC command for another member's chain is relayed as its bytes and metadata,
commands/service/grpc_relay.py).

Two real members on the local 3-broker cluster (``make kafka-up``); ``--signs`` audited
Ed25519 signs per row, one at a time, the rows alternated so drift hits all of them.
Prints the median and 90th percentile latencies and the outcomes.

    .venv/bin/python tools/bench/bench_cluster_commands.py --signs 200
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_cluster_reads import summary, timed
from bench_scaleout import Cluster

from commands.sdk.grpc_client import GrpcClient
from commands.sdk.results import ApiError
from ledger.command import Command
from tests.kafka.kafka_cluster import Caller, Member, sign_request

MESSAGE = b"forwarding benchmark"


def rest_sign(caller: Caller, cluster: Cluster, domain: str) -> Callable[[Member], int]:
    def sign(via: Member) -> int:
        path, body, command_id = sign_request(cluster.bob, domain, cluster.keys[domain],
                                              MESSAGE)
        return caller.post(via.url, path, body, cluster.bob, command_id).status
    return sign


def grpc_sign(clients: dict[int, GrpcClient], cluster: Cluster,
              domain: str) -> Callable[[Member], int]:
    key_id = cluster.keys[domain]

    def sign(via: Member) -> int:
        client = clients[via.port]
        signed = Command("Sign", cluster.bob[0], domain, {
            "key_id": key_id, "message_digest": hashlib.sha256(MESSAGE).hexdigest()},
            time.time_ns() // 1000).sign(cluster.bob[1])
        request = client.pb.SignRequest(key_id=key_id, message=MESSAGE)
        request.command.command = signed.canonical_bytes.decode("ascii")
        request.command.signature = signed.signature
        try:
            client.call("Sign", request, "SignReply")
        except ApiError as error:
            return error.status
        return 200
    return sign


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signs", type=int, default=200)
    args = parser.parse_args()
    bootstrap = os.environ.get("SKMS_KAFKA_BOOTSTRAP",
                               "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094")
    cluster = Cluster(bootstrap, 2)
    caller = Caller(cluster.ca)
    clients = {m.port: GrpcClient(m.grpc_target, *cluster.bob, ca=cluster.ca)
               for m in cluster.members}
    try:
        owner, other = cluster.members
        domain = cluster.domains[0]  # written by ``owner``
        ways = {"REST": rest_sign(caller, cluster, domain),
                "gRPC": grpc_sign(clients, cluster, domain)}
        rows: dict[str, list[float]] = {}
        outcomes: dict[str, dict[int, int]] = {}
        for sign in ways.values():  # warm connections, consumers and channels
            for member in (owner, other):
                timed(lambda s=sign, m=member: s(m), 10, {})
        for _ in range(2):
            for name, sign in ways.items():
                for where, member in (("owner", owner), ("other member", other)):
                    row = f"{name} via the {where}"
                    rows.setdefault(row, []).extend(timed(
                        lambda s=sign, m=member: s(m), args.signs // 2,
                        outcomes.setdefault(row, {})))
        print(json.dumps({row: summary(taken, outcomes[row]) for row, taken in rows.items()},
                         indent=2))
    finally:
        for client in clients.values():
            client.close()
        caller.close()
        cluster.close()


if __name__ == "__main__":
    main()
