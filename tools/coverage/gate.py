"""Coverage figures of a combined run (make test), and the floors CI enforces.

Requirements (issue 21, section 1; docs/assurance.md "Coverage"):

1. Lines and branches are reported apart over ``ledger/``, ``commands/`` and
   ``projections/`` (coverage's own TOTAL mixes the two), from the data ``coverage
   combine`` left.
2. Code left unmeasured on purpose says why where it is: every ``pragma: no cover``
   carries its reason on the same line (``# pragma: no cover - why``). A bare pragma fails
   the gate; the justified total (pragmas and the statements they exclude) is printed.
3. Exit 1 when lines or branches fall under the floors given; the floors live in the
   Makefile, beside the command that enforces them.

    python tools/coverage/gate.py --lines 95 --branches 90 [--worst 15]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "commands", "projections")
PRAGMA = re.compile(r"#\s*pragma:\s*no\s*cover(?P<reason>.*)$")
REASON = re.compile(r"^\s*[-:–—]\s*\S")


@dataclass(frozen=True)
class Figures:
    statements: int
    covered_lines: int
    branches: int
    covered_branches: int
    excluded: int

    @property
    def lines_percent(self) -> float:
        return 100.0 * self.covered_lines / self.statements if self.statements else 100.0

    @property
    def branches_percent(self) -> float:
        return 100.0 * self.covered_branches / self.branches if self.branches else 100.0


def coverage_json(python: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "coverage.json"
        subprocess.run([python, "-m", "coverage", "json", "-q", "-o", str(out)], cwd=ROOT,
                       check=True)
        loaded: dict[str, object] = json.loads(out.read_text())
        return loaded


def figures(report: dict[str, object]) -> tuple[Figures, list[tuple[float, str, int]]]:
    totals = report["totals"]
    assert isinstance(totals, dict)
    files = report["files"]
    assert isinstance(files, dict)
    excluded = sum(int(data["summary"]["excluded_lines"]) for data in files.values())
    worst = sorted((float(data["summary"]["percent_covered"]), name,
                    int(data["summary"]["missing_lines"]))
                   for name, data in files.items())
    return Figures(int(totals["num_statements"]), int(totals["covered_lines"]),
                   int(totals["num_branches"]), int(totals["covered_branches"]),
                   excluded), worst


def pragmas() -> tuple[int, list[str]]:
    """How many pragmas there are, and where one has no reason."""
    count, bare = 0, []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                found = PRAGMA.search(line)
                if found is None:
                    continue
                count += 1
                if not REASON.match(found.group("reason")):
                    bare.append(f"{path.relative_to(ROOT)}:{number}")
    return count, bare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=float, required=True, help="floor, percent of lines")
    parser.add_argument("--branches", type=float, required=True,
                        help="floor, percent of branches")
    parser.add_argument("--worst", type=int, default=15, help="list the N least covered files")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    total, worst = figures(coverage_json(args.python))
    count, bare = pragmas()
    print(f"coverage of {', '.join(PACKAGES)}: lines {total.lines_percent:.1f} % "
          f"({total.covered_lines}/{total.statements}), branches "
          f"{total.branches_percent:.1f} % ({total.covered_branches}/{total.branches}); "
          f"floors {args.lines:g} % / {args.branches:g} %")
    print(f"justified in place: {count} 'pragma: no cover' excluding {total.excluded} "
          "statements")
    if args.worst:
        print("least covered files (percent, missing statements):")
        for percent, name, missing in worst[:args.worst]:
            print(f"  {percent:5.1f} %  {missing:5d}  {name}")
    failed = False
    for where in bare:
        print(f"{where}: 'pragma: no cover' without its reason ('# pragma: no cover - why')")
        failed = True
    if total.lines_percent < args.lines:
        print(f"line coverage {total.lines_percent:.1f} % is under the floor {args.lines:g} %")
        failed = True
    if total.branches_percent < args.branches:
        print(f"branch coverage {total.branches_percent:.1f} % is under the floor "
              f"{args.branches:g} %")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
