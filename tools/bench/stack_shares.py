"""Where the samples of a py-spy ``--format raw`` profile (collapsed stacks) go: each
function's inclusive and self share, and, given the CPU per operation, its microseconds.

    .venv/bin/python tools/bench/stack_shares.py sign.txt --per-op-us 900 --top 40

Why inclusive shares by function rather than by frame: a flame graph shows the same
function under many parents (the commit under several callers); the table adds them up.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def function_name(frame: str) -> str:
    """``sign (ledger/application.py:120)`` -> ``ledger/application.py:sign``."""
    match = FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    file = match["file"]
    for marker in ("/ledger/", "/commands/", "/projections/", "site-packages/"):
        if marker in file:
            file = file.split(marker, 1)[1] if marker == "site-packages/" else \
                marker.strip("/") + "/" + file.split(marker, 1)[1]
            break
    return f"{file}:{match['function']}"


def shares(path: Path, match: str | None) -> tuple[Counter[str], Counter[str], int]:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [function_name(f) for f in stack.split(";")]
        if match is not None and not any(match in f for f in frames):
            continue
        count = int(count_text)
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    return inclusive, own, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--per-op-us", type=float, default=None,
                        help="CPU per operation, to turn shares into microseconds.")
    parser.add_argument("--within", default=None,
                        help="Only stacks through a function containing this text.")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    inclusive, own, total = shares(args.profile, args.within)
    if not total:
        raise SystemExit("no samples")

    def cell(count: int) -> str:
        share = count / total
        text = f"{share * 100:5.1f} %"
        return text + (f" {share * args.per_op_us:7.1f} µs" if args.per_op_us else "")

    print(f"{total} samples" + (f" within {args.within}" if args.within else ""))
    print(f"{'inclusive':>18}  {'self':>18}  function")
    for name, count in inclusive.most_common(args.top):
        print(f"{cell(count):>18}  {cell(own[name]):>18}  {name}")


if __name__ == "__main__":
    main()
