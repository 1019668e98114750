"""How fast a throw-away server is ready (never run by the tests).

Three figures, each the median of ``--runs``: the in-process start (what the pytest plugin
pays per test session), the same start's floor measured in the same run (initializing the
ledger alone, without serving), and the command line's time from exec to printed bootstrap
(interpreter start and imports included).

    .venv/bin/python tools/bench/bench_ephemeral.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from commands.testing.ephemeral import EphemeralServer, provision, ram_folder


def in_process() -> float:
    started = time.perf_counter()
    server = EphemeralServer()
    server.start()
    elapsed = time.perf_counter() - started
    server.stop()
    return elapsed


def provision_only() -> float:
    folder = Path(tempfile.mkdtemp(dir=ram_folder()))  # where the server's home lives too
    started = time.perf_counter()
    provision(folder / "home", bytearray(secrets.token_hex(32).encode()))
    elapsed = time.perf_counter() - started
    shutil.rmtree(folder)
    return elapsed


def command_line() -> float:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "commands.cli.main", "serve",
                                "--ephemeral", "--rest-port", "0", "--grpc-port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("everything is deleted"):
            break
    elapsed = time.perf_counter() - started
    process.terminate()
    process.wait()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    in_process()  # warm the imports and the first TLS set-up
    figures = {
        "in_process_start_s": statistics.median(in_process() for _ in range(runs)),
        "provision_only_s": statistics.median(provision_only() for _ in range(runs)),
        "command_line_to_bootstrap_s": statistics.median(command_line() for _ in range(runs)),
    }
    figures["serving_overhead_ratio"] = (figures["in_process_start_s"]
                                         / figures["provision_only_s"])
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}, indent=2))


if __name__ == "__main__":
    main()
