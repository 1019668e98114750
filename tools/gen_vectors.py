"""Write SKMS's own test vectors under tests/vectors/, or check the committed ones.

The vectors (envelopes, chains, checkpoints, Merkle proofs, each with named corruptions;
see docs/vectors.md) are cut from one sample ledger built by SKMS itself with fixed keys,
a fixed clock and seeded ids, so every run writes the same bytes. ``--check`` regenerates
them in memory and fails, naming each file, when a committed file differs, is missing or
is no longer generated: a change to the envelope format or the Merkle code that changes
bytes cannot go unnoticed (``tests/vectors_own/test_generator.py`` runs it).

Usage::

    python tools/gen_vectors.py            # rewrite tests/vectors/
    python tools/gen_vectors.py --check    # exit 1 if tests/vectors/ is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vectorgen import generate  # found through the sys.path line above

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO_ROOT / "tests" / "vectors"


def committed(output: Path) -> set[str]:
    """Relative paths of the JSON files now under ``output``."""
    if not output.is_dir():
        return set()
    return {p.relative_to(output).as_posix() for p in output.rglob("*.json")}


def check(output: Path, files: dict[str, str]) -> list[str]:
    """One line per file that differs from what the generator writes."""
    problems = []
    for relative, text in files.items():
        path = output / relative
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: differs from what the generator writes")
    for relative in sorted(committed(output) - set(files)):
        problems.append(f"{output / relative}: no longer generated")
    return problems


def write(output: Path, files: dict[str, str]) -> None:
    for relative in committed(output) - set(files):
        (output / relative).unlink()
    for relative, text in files.items():
        path = output / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in sorted((p for p in output.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if the committed vectors differ from a fresh run")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="vector folder (default: tests/vectors)")
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        problems = check(args.output, files)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print(f"{len(problems)} vector file(s) out of date: run python "
                  "tools/gen_vectors.py and review the diff", file=sys.stderr)
            return 1
        print(f"{len(files)} vector files are up to date")
        return 0
    write(args.output, files)
    print(f"wrote {len(files)} vector files under {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
