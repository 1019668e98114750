"""Scale-out on Kafka: audited REST signs per second with 1, 2 and 4 ``skms serve --cluster``
members (one key domain each, owned by its member), through the owner and through another
member (forwarded), and the takeover time after ``kill -9`` of an owner.

Every member is a real process on the real 3-broker cluster of ``tools/kafka/kafka.sh up
--nodes 3``; the load generator is this process (threads, closed loop, requests signed
before the clock starts: command signature, RFC 9421 signature and nonce each). On one
2-core machine the members, the three brokers and the load generator share the cores, so
the figures say what the topology costs here, not what N machines give; the arithmetic for
a bigger cluster is in docs/operations.md.

    SKMS_KAFKA_BOOTSTRAP=127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094 \\
        .venv/bin/python tools/bench/bench_scaleout.py --seconds 8 --write
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import ssl
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench_service import own_cpu_s, process_cpu_s  # noqa: E402

from commands.sdk import httpsig  # noqa: E402
from tests.kafka.kafka_cluster import (  # noqa: E402
    Caller,
    Member,
    create_key_request,
    domains_owned_by,
    free_ports,
    sign_request,
    start_members,
    wait_for_assignment,
)
from tests.kafka.kafka_ledger import init_ledger, store_url  # noqa: E402
from tests.ledger.conftest import new_session  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
HEADING = "## Kafka scale-out"
END_MARK = "<!-- bench_scaleout: end of generated tables; the reading below is hand-written -->"
MESSAGE = b"m" * 64
CLIENTS_PER_DOMAIN = 8


def prepared(actor: tuple[str, bytes], domain: str, key_id: str, base: str,
             count: int) -> list[tuple[str, bytes, dict[str, str]]]:
    out = []
    for _ in range(count):
        path, body, command_id = sign_request(actor, domain, key_id, MESSAGE)
        headers = {"Content-Type": "application/json", "Idempotency-Key": command_id,
                   **httpsig.sign_http(actor[1], actor[0], "POST", base + path, body)}
        out.append((path, body, headers))
    return out


def closed_loop(base: str, ca: Path, requests: list[tuple[str, bytes, dict[str, str]]],
                clients: int, seconds: float) -> dict[str, float]:
    """``clients`` threads send the prepared requests for ``seconds``; 200s per second."""
    context = ssl.create_default_context(cafile=str(ca))
    host, port = base.removeprefix("https://").rsplit(":", 1)
    lock = threading.Lock()
    cursor = {"next": 0, "ok": 0, "failed": 0}
    latencies: list[float] = []
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        connection = http.client.HTTPSConnection(host, int(port), timeout=30, context=context)
        while time.monotonic() < stop_at:
            with lock:
                index = cursor["next"]
                cursor["next"] += 1
            if index >= len(requests):
                break
            path, body, headers = requests[index]
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                good = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                good = False
            with lock:
                cursor["ok" if good else "failed"] += 1
                if good:
                    latencies.append(time.perf_counter() - started)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else 0.0
    return {"ok": cursor["ok"], "failed": cursor["failed"], "seconds": round(elapsed, 2),
            "per_s": round(cursor["ok"] / elapsed, 1), "p50_ms": round(p50, 2),
            "exhausted": cursor["next"] >= len(requests)}


class Cluster:
    def __init__(self, bootstrap: str, members: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="skms-scaleout-"))
        self.home = self.folder / "home"
        self.url = store_url(bootstrap, "bench" + uuid.uuid4().hex[:8], timeout_ms=10_000)
        init_ledger(self.home, self.url, checkpoint_every_events=1024)
        session = new_session(self.home, self.url)
        kek = session.kek()
        self.alice = (session.home.identity("alice").actor_id,
                      bytes(session.home.identity_key("alice", kek)))
        self.bob = (session.home.identity("bob").actor_id,
                    bytes(session.home.identity_key("bob", kek)))
        session.close()
        self.ca = self.home / "tls" / "ca.pem"
        self.members: list[Member] = start_members(self.home, self.url, free_ports(members),
                                                   session_ms=2000)
        assignment = wait_for_assignment(self.url, self.members)
        self.domains = domains_owned_by(assignment, [m.url for m in self.members])
        caller = Caller(self.ca)
        self.keys = {}
        for member, domain in zip(self.members, self.domains, strict=True):
            path, body, command_id = create_key_request(self.alice, domain)
            answer = caller.post(member.url, path, body, self.alice, command_id)
            if answer.status != 201:
                raise SystemExit(f"CreateKey in {domain}: {answer}")
            self.keys[domain] = answer.document["result"]["key_id"]
        caller.close()

    def close(self) -> None:
        for member in self.members:
            member.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def broker_pids() -> list[int]:
    """The local cluster's broker processes (tools/kafka/kafka.sh keeps their pids)."""
    found = []
    for path in sorted(Path("/tmp/skms-kafka/3node").glob("node-*/kafka.pid")):
        try:
            found.append(int(path.read_text().strip()))
        except (OSError, ValueError):
            continue
    return found


def cpu_s(pids: list[int]) -> float:
    return sum(process_cpu_s(pid) for pid in pids if Path(f"/proc/{pid}").exists())


def aggregate(cluster: Cluster, seconds: float, *, forwarded: bool) -> dict[str, Any]:
    """Every domain loaded at once; ``forwarded``: each domain's requests go to the next
    member, which forwards them to the owner. CPU per stored sign of the members, the
    brokers and this load generator, from /proc, over the same window."""
    count = max(1000, int(seconds * 600))
    runs: dict[str, dict[str, float]] = {}
    threads = []
    for index, domain in enumerate(cluster.domains):
        via = cluster.members[(index + (1 if forwarded else 0)) % len(cluster.members)]
        requests = prepared(cluster.bob, domain, cluster.keys[domain], via.url, count)

        def run(domain: str = domain, via: Member = via,
                requests: list[Any] = requests) -> None:
            runs[domain] = closed_loop(via.url, cluster.ca, requests, CLIENTS_PER_DOMAIN,
                                       seconds)
        threads.append(threading.Thread(target=run))
    members = [m.process.pid for m in cluster.members]
    brokers = broker_pids()
    before = (cpu_s(members), cpu_s(brokers), own_cpu_s())
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = (cpu_s(members), cpu_s(brokers), own_cpu_s())
    stored = sum(r["ok"] for r in runs.values()) or 1
    total = stored / max(r["seconds"] for r in runs.values())
    cpu = {name: round((after[i] - before[i]) / stored * 1e6) for i, name in
           enumerate(("members_us_per_sign", "brokers_us_per_sign", "load_us_per_sign"))}
    return {"per_s": round(total, 1), "domains": runs, "cpu": cpu}


def takeover(cluster: Cluster) -> dict[str, float]:
    """Kill -9 the owner of the second domain while a client signs it through the first
    member; seconds from the kill to the first sign that goes through again."""
    survivor, victim = cluster.members[0], cluster.members[1]
    domain = cluster.domains[1]
    caller = Caller(cluster.ca)
    path, body, command_id = sign_request(cluster.bob, domain, cluster.keys[domain], MESSAGE)
    answer = caller.post(survivor.url, path, body, cluster.bob, command_id)
    assert answer.status == 200, answer
    victim.kill()
    killed = time.monotonic()
    failures = 0
    while time.monotonic() - killed < 60:
        path, body, command_id = sign_request(cluster.bob, domain, cluster.keys[domain],
                                              MESSAGE)
        answer = caller.post(survivor.url, path, body, cluster.bob, command_id, timeout=10)
        if answer.status == 200:
            break
        failures += 1
        time.sleep(0.05)
    took = time.monotonic() - killed
    caller.close()
    return {"seconds": round(took, 2), "refused_meanwhile": failures,
            "session_timeout_s": 2.0}


def render(report: dict[str, Any]) -> str:
    lines = [HEADING, "",
             f"`tools/bench/bench_scaleout.py` ({report['date']}, {report['seconds']} s per "
             "level, 8 closed-loop REST clients per domain, 3 brokers, 2 cores shared by "
             "everything). Each member owns one key domain; Ed25519 sign, every event "
             "durable in Kafka (acks=all, min.insync.replicas 2) before the reply.", "",
             "| members (= domains) | to the owner, signs/s | × one member, same run | "
             "p50 per domain, ms | CPU µs per sign: members / brokers / load generator | "
             "through another member (forwarded), signs/s |",
             "|---|---|---|---|---|---|"]
    single = report["levels"][min(report["levels"])]["direct"]["per_s"] or 1.0
    for members, row in report["levels"].items():
        forwarded = row.get("forwarded")
        p50s = "/".join(str(r["p50_ms"]) for r in row["direct"]["domains"].values())
        cpu = row["direct"]["cpu"]
        lines.append(f"| {members} | {row['direct']['per_s']} | "
                     f"{row['direct']['per_s'] / single:.2f} | {p50s} | "
                     f"{cpu['members_us_per_sign']:,} / {cpu['brokers_us_per_sign']:,} / "
                     f"{cpu['load_us_per_sign']:,} | "
                     f"{forwarded['per_s'] if forwarded else 'n/a'} |")
    take = report["takeover"]
    lines += ["", f"Takeover after `kill -9` of an owner (2 members, session timeout "
                  f"{take['session_timeout_s']} s): **{take['seconds']} s** from the kill to "
                  f"the first sign stored by the new owner ({take['refused_meanwhile']} "
                  "attempts refused or unanswered meanwhile, each retried).", "", END_MARK, ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    doc = DOC.read_text()
    start = doc.find(HEADING + "\n")
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        mark = doc.find(END_MARK, start)
        end = mark + len(END_MARK) + 1 if mark != -1 else doc.find("\n## ", start + 1) + 1
        doc = doc[:start] + text + (doc[end:] if end > 0 else "")
    DOC.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--levels", default="1,2,4")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    bootstrap = os.environ.get("SKMS_KAFKA_BOOTSTRAP",
                               "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094")
    report: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "seconds": args.seconds,
                              "levels": {}}
    for members in (int(n) for n in args.levels.split(",")):
        cluster = Cluster(bootstrap, members)
        try:
            row = {"direct": aggregate(cluster, args.seconds, forwarded=False)}
            if members > 1:
                row["forwarded"] = aggregate(cluster, args.seconds, forwarded=True)
            report["levels"][members] = row
            if members == 2:
                report["takeover"] = takeover(cluster)
        finally:
            cluster.close()
    print(json.dumps(report, indent=2))
    if args.write and "takeover" in report:
        write_section(render(report))


if __name__ == "__main__":
    main()
