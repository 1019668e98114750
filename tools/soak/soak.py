"""A bounded soak with faults: a mixed workload from several client processes against one
``skms serve``, while the harness kills and restarts the server, fills the store's disk,
slows its fsync and (on Kafka) stops a broker; then every acknowledged command is checked.

    .venv/bin/python tools/soak/soak.py --minutes 25                     # make soak
    .venv/bin/python tools/soak/soak.py --minutes 4 --store kafka \\
        --kafka-bootstrap 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094 --kafka-nodes 3

Exit 0 only when: every acknowledged command's events are in the store exactly once
(lost = 0, duplicated = 0, see ``check.py``), ``skms audit verify`` passes, no answer was a
5xx other than a retryable one (503; the server's own 504 deadline), the server's RSS
stayed under ``--rss-bound-mib``, and every fault planned was injected. The figures are
printed as a table and, with ``--json``, written out.

Faults, in turn, each held for ``--fault-seconds`` with ``--quiet-seconds`` of calm between
them: ``sigkill`` (SIGKILL, restart at once), ``disk-full`` (the store's filesystem filled
to ENOSPC, then freed), ``slow-fsync`` (every write to the store's device throttled to
``--slow-iops``), ``broker-stop`` (Kafka only: SIGKILL one broker, restart it after the
hold). The disk faults need root and loop devices (``faults.py``); without them the run
fails unless ``--no-disk-faults`` says so out loud.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.soak.check import Verdict, check  # noqa: E402
from tools.soak.faults import KafkaBrokers, LoopDisk, fsync_ms  # noqa: E402
from tools.soak.harness import ServerProcess, prepare_ledger  # noqa: E402

MIB = 1024 * 1024
SERVE_BOUNDS: list[str] = []
"""The serve options under test; their defaults, stated here so that the run prints them."""


class RssSampler(threading.Thread):
    """The server's RSS every ``every`` seconds, across restarts (tagged by start)."""

    def __init__(self, server: ServerProcess, every: float) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.server = server
        self.every = every
        self.samples: list[tuple[float, int, int]] = []
        self.halt = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self.halt.is_set():
            rss = self.server.rss()
            if rss:
                self.samples.append((round(time.monotonic() - self.started_at, 1),
                                     self.server.starts, rss))
            self.halt.wait(self.every)

    @property
    def max_rss(self) -> int:
        return max((s[2] for s in self.samples), default=0)


class Faults:
    """Injects the planned faults in turn and records each one's window."""

    def __init__(self, server: ServerProcess, disk: LoopDisk | None,
                 brokers: KafkaBrokers | None, args: argparse.Namespace) -> None:
        self.server = server
        self.disk = disk
        self.brokers = brokers
        self.args = args
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()  # the server object is shared with the RSS sampler

    def kinds(self) -> list[str]:
        kinds = ["sigkill"]
        if self.disk is not None:
            kinds += ["disk-full", "slow-fsync"]
        if self.brokers is not None:
            kinds.append("broker-stop")
        return kinds

    def inject(self, kind: str) -> dict[str, Any]:
        hold = self.args.fault_seconds
        entry: dict[str, Any] = {"kind": kind, "start": time.time()}
        if kind == "sigkill":
            with self.lock:
                entry["rss_before_mib"] = round(self.server.rss() / MIB, 1)
                self.server.kill()
                entry["killed_at"] = time.time()
                self.server.start()
            entry["restart_s"] = round(time.time() - entry["killed_at"], 2)
        elif kind == "disk-full":
            assert self.disk is not None
            entry["ballast_mib"] = round(self.disk.fill() / MIB, 1)
            time.sleep(hold)
            self.disk.drain()
        elif kind == "slow-fsync":
            assert self.disk is not None
            entry["fsync_ms_before"] = round(fsync_ms(self.disk.mount), 1)
            self.disk.throttle(self.args.slow_iops)
            entry["fsync_ms_during"] = round(fsync_ms(self.disk.mount, 2), 1)
            time.sleep(hold)
            self.disk.unthrottle()
        elif kind == "broker-stop":
            assert self.brokers is not None
            self.brokers.stop(self.args.broker)
            time.sleep(hold)
            self.brokers.start(self.args.broker)
        entry["end"] = time.time()
        self.log.append(entry)
        facts = {k: v for k, v in entry.items() if k not in ("kind", "start", "end")}
        print(f"fault {kind}: {json.dumps(facts)} held {entry['end'] - entry['start']:.1f}s",
              flush=True)
        return entry

    def run(self, until: float) -> None:
        kinds = self.kinds()
        index = 0
        time.sleep(self.args.quiet_seconds)
        while time.monotonic() + self.args.fault_seconds + 5 < until:
            self.inject(kinds[index % len(kinds)])
            index += 1
            time.sleep(self.args.quiet_seconds)
        # The server must be up for the last commands and the check.
        if self.server.pid is None:
            self.server.start()


def spawn_clients(run: Path, args: argparse.Namespace, seconds: float
                  ) -> list[subprocess.Popen[bytes]]:
    workload = str(ROOT / "tools" / "soak" / "workload.py")
    kinds = ["mixed"] * args.clients + ["feed"] * args.feeds
    return [subprocess.Popen([sys.executable, workload, str(run), str(i), kind, str(seconds)],
                             cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=(run / f"client-{i}.log").open("w"))
            for i, kind in enumerate(kinds)]


def figures(verdict: Verdict, faults: list[dict[str, Any]], sampler: RssSampler,
            args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    requests = sum(v for k, v in verdict.statuses.items() if k.isdigit())
    injected: dict[str, int] = {}
    for fault in faults:
        injected[fault["kind"]] = injected.get(fault["kind"], 0) + 1
    return {
        "store": args.store, "seconds": round(seconds), "clients": args.clients,
        "feeds": args.feeds, "requests": requests,
        "answers": dict(sorted(verdict.statuses.items())),
        "faults_injected": sum(injected.values()), "faults": injected,
        "commands": verdict.counts.get("commands", 0),
        "acknowledged": verdict.acknowledged, "acknowledged_as_replay": verdict.replayed_acks,
        "abandoned": verdict.counts.get("abandoned", 0),
        "refused_4xx": len(verdict.refused), "retries": verdict.counts.get("retries", 0),
        "lost": len(verdict.lost), "duplicated": len(verdict.duplicated),
        "bad_5xx": len(verdict.bad_5xx), "events_in_store": verdict.events,
        "chains": verdict.chains, "audit_verify": "ok" if verdict.audit_ok else "FAILED",
        "feed_events": verdict.counts.get("feed_events", 0),
        "feed_repeats": verdict.counts.get("feed_repeats", 0),
        "max_rss_mib": round(sampler.max_rss / MIB, 1),
        "rss_bound_mib": args.rss_bound_mib, "server_starts": sampler.server.starts,
    }


def print_figures(result: dict[str, Any]) -> None:
    print("\nsoak figures")
    for key, value in result.items():
        print(f"  {key:24} {value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=25.0)
    parser.add_argument("--store", choices=("sqlite", "kafka"), default="sqlite")
    parser.add_argument("--kafka-bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--kafka-nodes", type=int, default=3)
    parser.add_argument("--kafka-script", type=Path, default=ROOT / "tools/kafka/kafka.sh")
    parser.add_argument("--broker", type=int, default=3, help="the broker to stop")
    parser.add_argument("--no-broker-fault", action="store_true")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--feeds", type=int, default=1)
    parser.add_argument("--fault-seconds", type=float, default=10.0)
    parser.add_argument("--quiet-seconds", type=float, default=20.0)
    parser.add_argument("--slow-iops", type=int, default=20)
    parser.add_argument("--disk-mib", type=int, default=512)
    parser.add_argument("--no-disk-faults", action="store_true")
    parser.add_argument("--rss-bound-mib", type=float, default=600.0)
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("serve", nargs="*", help="more skms serve options (after --)")
    args = parser.parse_args()
    seconds = args.minutes * 60
    scratch = Path(tempfile.mkdtemp(prefix="skms-soak-"))
    run = scratch / "run"
    run.mkdir()
    store_url = None
    if args.store == "kafka":
        store_url = (f"kafka://{args.kafka_bootstrap}?prefix=soak{int(time.time())}"
                     "&timeout_ms=20000")
    with ExitStack() as stack:
        disk = None
        if not args.no_disk_faults:
            disk = stack.enter_context(LoopDisk(scratch / "disk.img", scratch / "mnt",
                                                args.disk_mib))
        home = (disk.mount if disk else scratch) / "home"
        ledger = prepare_ledger(home, store_url)
        (run / "ledger.json").write_text(json.dumps(ledger.to_json()))
        server = ServerProcess(run, home, extra=[*SERVE_BOUNDS, *args.serve],
                               log=run / "server.log")
        server.start()
        stack.callback(server.stop)
        brokers = None
        if args.store == "kafka" and not args.no_broker_fault:
            brokers = KafkaBrokers(args.kafka_script, args.kafka_nodes)
        sampler = RssSampler(server, 2.0)
        sampler.start()
        faults = Faults(server, disk, brokers, args)
        started = time.monotonic()
        until = started + seconds
        clients = spawn_clients(run, args, seconds)
        faults.run(until)
        for client in clients:
            try:
                client.wait(max(1.0, until - time.monotonic()) + 300)
            except subprocess.TimeoutExpired:
                client.kill()
        elapsed = time.monotonic() - started
        sampler.halt.set()
        sampler.join()
        server.stop()
        verdict = check(run, home, store_url)
        if args.keep and disk is not None:  # the loop disk goes at exit: keep a copy
            shutil.copytree(home, scratch / "home", ignore_dangling_symlinks=True)
        result = figures(verdict, faults.log, sampler, args, elapsed)
        print_figures(result)
        planned = set(faults.kinds())
        missing = planned - set(result["faults"])
        problems = []
        if not verdict.ok:
            problems.append("check failed")
        if missing:
            problems.append(f"faults never injected: {sorted(missing)}")
        if result["max_rss_mib"] > args.rss_bound_mib:
            problems.append(f"RSS {result['max_rss_mib']} MiB over {args.rss_bound_mib} MiB")
        if verdict.lost:
            print("lost:", verdict.lost[:10])
        if verdict.duplicated:
            print("duplicated:", verdict.duplicated[:10])
        if verdict.bad_5xx:
            print("bad 5xx:", json.dumps(verdict.bad_5xx[:5]))
        if verdict.refused:
            print("refused (4xx), first:", json.dumps(verdict.refused[:3]))
        if not verdict.audit_ok:
            print("audit verify:", verdict.audit_output)
        if args.json:
            args.json.write_text(json.dumps({
                **result, "ok": not problems, "problems": problems, "fault_log": faults.log,
                "rss_samples": sampler.samples, "lost_ids": verdict.lost,
                "duplicated_ids": verdict.duplicated, "bad": verdict.bad_5xx,
                "refused": verdict.refused[:50], "verdict": {
                    k: v for k, v in asdict(verdict).items()
                    if k in ("audit_output",)}}, indent=1))
        print("\nsoak:", "PASS" if not problems else "FAIL: " + "; ".join(problems))
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"run folder kept: {scratch}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
