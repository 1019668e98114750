"""Resident memory of ``skms serve`` under signing load over REST; what grows, and whether
it levels off.

    .venv/bin/python tools/soak/memwatch.py --minutes 6 --clients 4 [--trace] [-- SERVE-OPTS]

Starts a real ``skms serve`` on a fresh ledger (the embedded SQLite store), runs
``--clients`` client processes of single and batch signs (``workload.py sign``) and samples
the server's RSS every ``--every`` seconds, printing one line per sample and, at the end,
the growth over the first and the second half of the run (levelled off: the second half
grew far less than the first). With ``--trace`` the server runs under tracemalloc
(``traced_serve.py``): a snapshot after the warm-up and one at the end, and the allocation
sites whose live bytes grew most between them (file:line, with the calling frames).
Options after ``--`` go to ``skms serve`` (e.g. the bounds ``--idempotency-entries``).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.soak.harness import ServerProcess, prepare_ledger  # noqa: E402

MIB = 1024 * 1024


def snapshot(server: ServerProcess, out: Path, number: int) -> tracemalloc.Snapshot:
    server.signal(signal.SIGUSR1)
    done = out / f"snapshot-{number:03d}.done"
    deadline = time.monotonic() + 300
    while not done.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the traced server wrote no snapshot")
        time.sleep(0.5)
    return tracemalloc.Snapshot.load(str(out / f"snapshot-{number:03d}.pickle"))


def print_growth(first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, top: int) -> None:
    keep = (tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"))
    first, last = first.filter_traces(keep), last.filter_traces(keep)
    print(f"\nlargest growth by allocation site (top {top}):")
    for stat in last.compare_to(first, "traceback")[:top]:
        print(f"{stat.size_diff / MIB:+9.2f} MiB {stat.count_diff:+9d} blocks "
              f"(now {stat.size / MIB:.2f} MiB)")
        for line in stat.traceback.format(most_recent_first=True)[:8]:
            print("      " + line)
    by_file = last.compare_to(first, "filename")[:top]
    print("\nby file:")
    for stat in by_file:
        frame = stat.traceback[0]
        print(f"{stat.size_diff / MIB:+9.2f} MiB  {frame.filename}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", type=Path, default=None, help="write the samples here")
    parser.add_argument("serve", nargs="*", help="options for skms serve (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="skms-memwatch-") as scratch:
        run = Path(scratch)
        ledger = prepare_ledger(run / "home", None)
        (run / "ledger.json").write_text(json.dumps(ledger.to_json()))
        wrapper = ([str(ROOT / "tools" / "soak" / "traced_serve.py")] if args.trace else None)
        trace_out = run / "trace"
        import os

        os.environ["SKMS_TRACE_OUT"] = str(trace_out)
        server = ServerProcess(run, ledger.home, extra=args.serve, wrapper=wrapper)
        server.start()
        seconds = args.minutes * 60
        clients = [subprocess.Popen([sys.executable, str(ROOT / "tools/soak/workload.py"),
                                     str(run), str(i), "sign", str(seconds)], cwd=ROOT)
                   for i in range(args.clients)]
        samples: list[tuple[float, int]] = []
        started = time.monotonic()
        first = None
        try:
            while any(c.poll() is None for c in clients):
                elapsed = time.monotonic() - started
                rss = server.rss()
                samples.append((elapsed, rss))
                print(f"t={elapsed:7.1f}s rss={rss / MIB:8.1f} MiB", flush=True)
                if args.trace and first is None and elapsed > seconds / 4:
                    first = snapshot(server, trace_out, 0)
                time.sleep(args.every)
            last = snapshot(server, trace_out, 1) if args.trace else None
        finally:
            for client in clients:
                client.kill()
            acks = sum(1 for f in (run / "clients").glob("*.acks.jsonl")
                       for _ in f.open())
            server.stop()
        half = len(samples) // 2
        quarter = len(samples) // 4
        grew_first = samples[half][1] - samples[quarter][1]
        grew_second = samples[-1][1] - samples[half][1]
        print(f"\nacknowledged commands: {acks}")
        print(f"rss: start {samples[0][1] / MIB:.1f} MiB, max "
              f"{max(s[1] for s in samples) / MIB:.1f} MiB, end {samples[-1][1] / MIB:.1f} MiB; "
              f"growth 2nd quarter {grew_first / MIB:+.1f} MiB, 2nd half "
              f"{grew_second / MIB:+.1f} MiB")
        if args.json:
            args.json.write_text(json.dumps({"samples": samples, "acknowledged": acks,
                                             "serve": args.serve}))
        if first is not None and last is not None:
            print_growth(first, last, args.top)


if __name__ == "__main__":
    main()
