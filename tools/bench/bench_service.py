"""Service benchmark (never run by the tests): sign over REST and gRPC vs in-process.

Measures, in one run on one machine:

* latency p50/p99 of one client signing sequentially (Ed25519 key, 64-byte messages);
* throughput with 1, 16 and 64 concurrent clients (threads, one connection each);
* the same for the in-process audited sign (``commands.handlers.execute`` with a command
  signed by the caller, no network), the baseline the service adds its cost to;
* the server process's peak RSS.

The server runs as a real ``skms serve`` process (TLS 1.3, rate limit off) so that client
and server do not share a GIL. Results go to stdout as JSON and, with ``--write``, into the
"## Service" section of docs/performance.md (only that section is added or replaced).

    .venv/bin/python tools/bench/bench_service.py --seconds 3 --write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from commands.handlers import execute  # noqa: E402
from commands.sdk.client import Client  # noqa: E402
from commands.sdk.grpc_client import GrpcClient  # noqa: E402
from commands.session import Session  # noqa: E402
from ledger.command import Command  # noqa: E402
from ledger.home import Home  # noqa: E402

PASSPHRASE = "bench passphrase, not secret"
MESSAGE = b"m" * 64
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Service"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latency(call: Callable[[], Any], count: int) -> dict[str, float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(samples), 3),
            "p99_ms": round(percentile(samples, 0.99), 3)}


def throughput(make: Callable[[], Callable[[], Any]], concurrency: int,
               seconds: float) -> float:
    calls = [make() for _ in range(concurrency)]
    counts = [0] * concurrency
    barrier = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker(index: int) -> None:
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            calls[index]()
            counts[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    return round(sum(counts) / (time.perf_counter() - started), 1)


def prepare_home(folder: Path) -> tuple[str, dict[str, tuple[str, bytes]]]:
    session = Session(Home(folder), passphrase=bytearray(PASSPHRASE.encode()))
    session.initialize(name="bench", checkpoint_every_events=1024)
    session.add_actor("admin", "km", ["key-manager"], ["*"])
    session.add_actor("admin", "signer", ["signer"], ["*"])
    key_id = str(session.act("km", "CreateKey", "default", {"algorithm": "ed25519"}).result)
    kek = session.kek()
    actors = {name: (session.home.identity(name).actor_id,
                     bytes(session.home.identity_key(name, kek))) for name in ("signer",)}
    session.close()
    return key_id, actors


def in_process(folder: Path, key_id: str, signer: tuple[str, bytes], counts: dict[str, Any],
               seconds: float) -> dict[str, Any]:
    session = Session(Home(folder), passphrase=bytearray(PASSPHRASE.encode()))
    ledger = session.ledger()
    actor_id, private_key = signer
    digest = hashlib.sha256(MESSAGE).hexdigest()

    def make() -> Callable[[], Any]:
        def call() -> Any:
            command = Command("Sign", actor_id, "default",
                              {"key_id": key_id, "message_digest": digest},
                              time.time_ns() // 1000)
            return execute(ledger, command.sign(private_key), message=MESSAGE)
        return call

    throughput(make, 4, 1.0)  # warm up (and let SQLite settle its WAL) before measuring
    result = {"latency": latency(make(), counts["latency"]),
              "throughput": {c: throughput(make, c, seconds) for c in counts["levels"]}}
    session.close()
    return result


def start_server(folder: Path) -> tuple[subprocess.Popen[str], int, int]:
    argv = [sys.executable, "-m", "commands.cli.main", "--home", str(folder), "serve",
            "--rest-port", "0", "--grpc-port", "0", "--rate", "0", "--workers", "64"]
    process = subprocess.Popen(argv, env={**os.environ, "SKMS_PASSPHRASE": PASSPHRASE},
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"https://[^:]+:(\d+) and gRPC on [^:]+:(\d+)", line)
    if found is None:
        process.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return process, int(found.group(1)), int(found.group(2))


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def over_service(folder: Path, key_id: str, signer: tuple[str, bytes],
                 counts: dict[str, Any], seconds: float) -> dict[str, Any]:
    process, rest_port, grpc_port = start_server(folder)
    ca = folder / "tls" / "ca.pem"
    actor_id, private_key = signer
    clients: list[Any] = []

    def rest() -> Callable[[], Any]:
        client = Client(f"https://127.0.0.1:{rest_port}", actor_id, private_key, ca=ca)
        client._domains[key_id] = "default"
        clients.append(client)
        return lambda: client.sign(key_id, MESSAGE)

    def grpc() -> Callable[[], Any]:
        client = GrpcClient(f"127.0.0.1:{grpc_port}", actor_id, private_key, ca=ca)
        client._domains[key_id] = "default"
        clients.append(client)
        return lambda: client.sign(key_id, MESSAGE)

    try:
        results = {}
        for name, make in (("rest", rest), ("grpc", grpc)):
            throughput(make, 4, 1.0)  # warm up: TLS, code paths, SQLite WAL
            results[name] = {"latency": latency(make(), counts["latency"]),
                             "throughput": {c: throughput(make, c, seconds)
                                            for c in counts["levels"]}}
        results["server_peak_rss_mib"] = peak_rss_mib(process.pid)
        return results
    finally:
        for client in clients:
            client.close()
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def render(report: dict[str, Any]) -> str:
    levels = report["levels"]
    rows = [("in-process audited sign", report["in_process"]),
            ("REST (HTTPS, TLS 1.3)", report["rest"]), ("gRPC (TLS 1.3 front)", report["grpc"])]
    lines = [HEADING, "",
             f"`tools/bench/bench_service.py` on {report['machine']} ({report['date']}): "
             "Ed25519 key, 64-byte messages, SQLite store (synchronous=FULL), server as a "
             "separate `skms serve` process (64 workers, rate limit off), clients as "
             "threads in one process with one connection each. Latency: one client, "
             f"{report['latency_samples']} sequential signs; throughput: signs/s over "
             f"{report['seconds']:g} s per level. Every signature is committed (group "
             "commit) before it is returned.", "",
             "| path | p50 ms | p99 ms | " + " | ".join(f"{c} clients/s" for c in levels)
             + " |", "|---|---|---|" + "---|" * len(levels)]
    for label, data in rows:
        lines.append(f"| {label} | {data['latency']['p50_ms']} | {data['latency']['p99_ms']} | "
                     + " | ".join(str(data["throughput"][c]) for c in levels) + " |")
    lines += ["", f"Server peak RSS: {report['server_peak_rss_mib']} MiB. The machine has "
              f"{os.cpu_count()} cores shared by clients and server, so concurrency beyond "
              "a few clients mostly measures queueing; the service overhead per sign is the "
              "difference between the REST/gRPC and in-process p50.", ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Add or replace only the "## Service" section of docs/performance.md."""
    current = DOC.read_text() if DOC.exists() else "# Performance\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    DOC.write_text(updated.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-samples", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--levels", default="1,16,64")
    parser.add_argument("--write", action="store_true", help="Update docs/performance.md.")
    args = parser.parse_args()
    counts = {"latency": args.latency_samples,
              "levels": [int(c) for c in args.levels.split(",")]}
    with tempfile.TemporaryDirectory(prefix="skms-bench-service-") as temporary:
        folder = Path(temporary) / "home"
        key_id, actors = prepare_home(folder)
        report: dict[str, Any] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                       f"{platform.python_version()}",
            "date": time.strftime("%Y-%m-%d"), "seconds": args.seconds,
            "latency_samples": args.latency_samples, "levels": counts["levels"],
            "in_process": in_process(folder, key_id, actors["signer"], counts, args.seconds)}
        report.update(over_service(folder, key_id, actors["signer"], counts, args.seconds))
    print(json.dumps(report, indent=2))
    if args.write:
        write_section(render(report))
        print(f"updated {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
