"""Run bandit over the product and fail on any finding not justified in place.

A finding is justified when a line of the flagged statement carries ``# nosec`` with a
reason, or the ruff ``# noqa: S<n>`` of the same check (ruff's ``S`` rules are bandit's,
numbered alike: ``S608`` is ``B608``) with a reason on that line or in the module
docstring it points to. ``B101`` (assert) is skipped in ``[tool.bandit]`` as ruff's
``S101`` is: asserts in the product only narrow types for mypy, never guard input.

    python tools/scan/bandit_gate.py [PATH ...]     # default: ledger commands projections
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXCLUDE = "commands/service/_generated"


def justification(path: Path, lines: list[int], test_id: str) -> str | None:
    source = path.read_text().splitlines()
    ruff_id = "S" + test_id[1:]
    for number in lines:
        text = source[number - 1] if 0 < number <= len(source) else ""
        if "nosec" in text:
            return text.split("nosec", 1)[1].strip(" :-")
        match = re.search(r"#\s*noqa:[^#]*\b" + ruff_id + r"\b(.*)", text)
        if match:
            return match.group(1).strip(" :-()") or f"{ruff_id} (see the module docstring)"
    return None


def main(argv: list[str]) -> int:
    targets = argv or ["ledger", "commands", "projections"]
    done = subprocess.run([sys.executable, "-m", "bandit", "-q", "-r", *targets, "-x", EXCLUDE,
                           "-c", "pyproject.toml", "-f", "json"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    report = json.loads(done.stdout)
    unjustified = 0
    for result in report["results"]:
        path = ROOT / result["filename"]
        reason = justification(path, result.get("line_range") or [result["line_number"]],
                               result["test_id"])
        where = f"{result['filename']}:{result['line_number']} {result['test_id']} " \
                f"{result['issue_severity']}"
        if reason is None:
            unjustified += 1
            print(f"UNJUSTIFIED {where}: {result['issue_text']}")
        else:
            print(f"justified   {where}: {reason}")
    totals = report["metrics"]["_totals"]
    print(f"bandit: {totals['loc']} lines, {len(report['results'])} findings, "
          f"{len(report['results']) - unjustified} justified in place, "
          f"{unjustified} unjustified")
    return 1 if unjustified or report.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
