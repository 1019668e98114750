"""What a read costs at a cluster member that does not write the chain it reads (never run
by the tests): such a member folds the chains other members write before it answers
(``Ledger.catch_up``), one registry read and one head lookup per such chain on Kafka.

Two real members on the local 3-broker cluster (``make kafka-up``); one client reads one
key, ``--reads`` times in a row, through the key's owner and through the other member.
Prints the median and 90th percentile latencies of both, and the answers' statuses.

    .venv/bin/python tools/bench/bench_cluster_reads.py --reads 200
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_scaleout import Cluster

from tests.kafka.kafka_cluster import Caller


def timed(call: Callable[[], int], count: int, statuses: dict[int, int]) -> list[float]:
    """``count`` calls one after another: each one's latency in ms, its status counted."""
    taken = []
    for _ in range(count):
        started = time.perf_counter()
        status = call()
        taken.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return taken


def latencies_ms(caller: Caller, base: str, path: str, actor: tuple[str, bytes],
                 reads: int, statuses: dict[int, int]) -> list[float]:
    return timed(lambda: caller.get(base, path, actor).status, reads, statuses)


def summary(taken: list[float], statuses: dict[int, int]) -> dict[str, object]:
    taken = sorted(taken)
    return {"p50_ms": round(taken[len(taken) // 2], 2),
            "p90_ms": round(taken[len(taken) * 9 // 10], 2), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    bootstrap = os.environ.get("SKMS_KAFKA_BOOTSTRAP",
                               "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094")
    cluster = Cluster(bootstrap, 2)
    caller = Caller(cluster.ca)
    try:
        owner, other = cluster.members
        path = f"/v1/keys/{cluster.keys[cluster.domains[0]]}"
        for member in (owner, other):  # warm the connections and the members' consumers
            latencies_ms(caller, member.url, path, cluster.alice, 10, {})
        rows: dict[str, list[float]] = {}
        statuses: dict[str, dict[int, int]] = {}
        for _ in range(2):  # alternate, so drift hits both
            for name, member in (("owner", owner), ("other member", other)):
                rows.setdefault(name, []).extend(latencies_ms(
                    caller, member.url, path, cluster.alice, args.reads // 2,
                    statuses.setdefault(name, {})))
        print(json.dumps({name: summary(taken, statuses[name])
                          for name, taken in rows.items()}, indent=2))
    finally:
        caller.close()
        cluster.close()


if __name__ == "__main__":
    main()
