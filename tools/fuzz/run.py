"""Run the fuzz harnesses for a bounded time each and report what they did.

    .venv/bin/python tools/fuzz/run.py [--seconds N] [--artifacts DIR] [harness ...]

Each harness (``tests/fuzz/targets.py``; all of them when none is named) runs in its own
atheris process for ``--seconds`` (libFuzzer ``-max_total_time``), starting from a scratch
copy of its committed seed corpus, so a run never rewrites ``tests/fuzz/corpus``. One input
may take at most ``--timeout`` seconds (a hang) and the process at most ``--rss-limit-mb``.

Printed per harness: executions, executions per second, coverage edges and features at the
end, the corpus size at start and end, and findings (``crash-*``, ``timeout-*``, ``oom-*``
files libFuzzer wrote to ``--artifacts/<harness>/``). Exit status 1 when any harness found
something or did not run; the finding's input is the file to add to the corpus as
``regression-*`` once the product is fixed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "tests" / "fuzz" / "atheris_main.py"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
HARNESS_NAMES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.MULTILINE)
_STATUS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/", re.MULTILINE)
FINDING_PREFIXES = ("crash-", "timeout-", "oom-", "leak-", "slow-unit-")


@dataclass
class Result:
    harness: str
    seconds: float
    executions: int
    coverage: int
    features: int
    corpus_in: int
    corpus_out: int
    findings: list[Path]
    exit_code: int
    log: Path

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.findings and self.executions > 0

    def row(self) -> str:
        rate = self.executions / self.seconds if self.seconds else 0.0
        verdict = "ok" if self.ok else (f"FOUND {len(self.findings)}" if self.findings
                                        else f"FAILED (exit {self.exit_code})")
        return (f"{self.harness:<14} {self.seconds:>6.0f} {self.executions:>11,} "
                f"{rate:>8,.0f} {self.coverage:>6} {self.features:>7} "
                f"{self.corpus_in:>5}→{self.corpus_out:<6} {verdict}")


HEADER = (f"{'harness':<14} {'s':>6} {'executions':>11} {'exec/s':>8} {'cov':>6} {'ft':>7} "
          f"{'corpus':<12} result")


def run_harness(name: str, seconds: int, timeout: int, rss_limit_mb: int,
                artifacts: Path) -> Result:
    """One bounded atheris run of ``name``; the parsed libFuzzer statistics."""
    out_dir = artifacts / name
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = CORPUS / name
    corpus_in = sum(1 for p in seeds.iterdir() if p.is_file())
    log = out_dir / "fuzz.log"
    with tempfile.TemporaryDirectory(prefix=f"skms-fuzz-{name}-") as scratch:
        command = [sys.executable, str(MAIN), name, scratch, str(seeds),
                   f"-max_total_time={seconds}", f"-timeout={timeout}",
                   f"-rss_limit_mb={rss_limit_mb}", f"-artifact_prefix={out_dir}/",
                   "-print_final_stats=1"]
        started = time.monotonic()
        with log.open("w") as sink:
            finished = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT,
                                      cwd=ROOT, timeout=seconds + timeout + 300, check=False)
        elapsed = time.monotonic() - started
        corpus_out = corpus_in + sum(1 for p in Path(scratch).iterdir() if p.is_file())
    text = log.read_text(errors="replace")
    stats = {key: int(value) for key, value in _STAT.findall(text)}
    statuses = _STATUS.findall(text)
    coverage, features = (int(statuses[-1][1]), int(statuses[-1][2])) if statuses else (0, 0)
    findings = sorted(p for p in out_dir.iterdir() if p.name.startswith(FINDING_PREFIXES))
    if not findings and "=== Uncaught Python exception" in text:
        findings = [log]  # reported, but the process died before writing the input
    return Result(name, elapsed, stats.get("number_of_executed_units", 0), coverage, features,
                  corpus_in, corpus_out, findings, finished.returncode, log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("harnesses", nargs="*", metavar="harness",
                        help=f"default: all of {', '.join(HARNESS_NAMES)}")
    parser.add_argument("--seconds", type=int, default=30, help="per harness (default 30)")
    parser.add_argument("--timeout", type=int, default=10,
                        help="seconds one input may take before it counts as a hang")
    parser.add_argument("--rss-limit-mb", type=int, default=2048)
    parser.add_argument("--artifacts", type=Path, default=ROOT / ".fuzz-artifacts",
                        help="where findings and logs go (cleared per harness first)")
    args = parser.parse_args(argv)
    names = args.harnesses or HARNESS_NAMES
    unknown = sorted(set(names) - set(HARNESS_NAMES))
    if unknown:
        parser.error(f"unknown harness(es): {', '.join(unknown)}")
    print(HEADER, flush=True)
    results = []
    for name in names:
        shutil.rmtree(args.artifacts / name, ignore_errors=True)
        result = run_harness(name, args.seconds, args.timeout, args.rss_limit_mb,
                             args.artifacts)
        results.append(result)
        print(result.row(), flush=True)
        for finding in result.findings:
            print(f"    {finding}  (log: {result.log})", flush=True)
        if not result.ok and not result.findings:
            print(f"    see {result.log}", flush=True)
    total = sum(r.executions for r in results)
    bad = [r.harness for r in results if not r.ok]
    print(f"fuzz: {len(results)} harnesses, {total:,} executions, "
          f"{sum(len(r.findings) for r in results)} findings"
          + (f"; not ok: {', '.join(bad)}" if bad else ""), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
