"""The service's single sign under load, for a sampling profiler (never run by the tests).

A real ``skms serve`` (TLS 1.3, SQLite ``synchronous=FULL``, rate limit off) runs as the
child of ``py-spy record``, so the profile is the server's alone; closed-loop REST clients
in this process sign for ``--seconds`` after a warm-up. Prints the rate and the server's
CPU per sign; the profile goes to ``--out``.

    .venv/bin/python tools/bench/profile_service.py --clients 16 --out /tmp/serve.txt
    .venv/bin/python tools/bench/stack_shares.py /tmp/serve.txt --per-op-us <cpu_us>

``--format flamegraph`` writes py-spy's SVG instead of the collapsed stacks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from commands.sdk.client import Client
from ledger.catalogue.keys import MAX_BATCH
from tools.bench.bench_service import (
    MESSAGE,
    prepare_home,
    process_cpu_s,
    start_server,
    throughput,
)


def server_pid(launcher: int) -> int:
    """The server's pid: the profiler's only child."""
    children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
    if len(children) != 1:
        raise SystemExit(f"expected one child of the profiler, found {children}")
    return int(children[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--format", default="raw", choices=("raw", "flamegraph"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    prefix = [spy, "record", "--nolineno", "--rate", str(args.rate), "--format", args.format,
              "-o", str(args.out.absolute()), "--"]
    with tempfile.TemporaryDirectory(prefix="skms-profile-service-") as temporary:
        folder = Path(temporary) / "home"
        key_id, actors = prepare_home(folder)
        actor_id, private_key = actors["signer"]
        launcher, rest_port, _ = start_server(folder, MAX_BATCH, prefix=prefix)
        pid = server_pid(launcher.pid)
        clients: list[Client] = []

        def make() -> Any:
            client = Client(f"https://127.0.0.1:{rest_port}", actor_id, private_key,
                            ca=folder / "tls" / "ca.pem", timeout=10.0)
            clients.append(client)
            return lambda: client.sign(key_id, MESSAGE)

        try:
            throughput(make, 4, 2.0)  # warm up: TLS, code paths, SQLite WAL
            before = process_cpu_s(pid)
            rate = throughput(make, args.clients, args.seconds)
            cpu_s = process_cpu_s(pid) - before
        finally:
            for client in clients:
                client.close()
            stop(pid)
            launcher.wait(60)
    print(json.dumps({"clients": args.clients, "seconds": args.seconds,
                      "signs_per_s": rate,
                      "server_cpu_us_per_sign": round(cpu_s / (rate * args.seconds) * 1e6, 1),
                      "profile": str(args.out)}, indent=2))


def stop(pid: int) -> None:
    """SIGINT to the server (it shuts down cleanly); py-spy writes when its child exits."""
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


if __name__ == "__main__":
    main()
