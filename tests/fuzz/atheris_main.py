"""Run one fuzz harness under atheris (coverage-guided, libFuzzer underneath).

    .venv/bin/python tests/fuzz/atheris_main.py HARNESS [CORPUS_DIR ...] [libFuzzer flags]

``tools/fuzz/run.py`` is the usual way in: it gives each harness a scratch corpus seeded
from ``tests/fuzz/corpus/HARNESS``, a time bound, and reads the results. An exception
outside the harness's expected classes makes libFuzzer save the input (``crash-*``) and
exit non-zero; a run past ``-timeout`` saves it as ``timeout-*``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import atheris

with atheris.instrument_imports(include=["ledger", "commands"]):
    from tests.fuzz.targets import HARNESSES


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in HARNESSES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(HARNESSES)}}} [corpus dirs] [flags]")
    harness = HARNESSES[sys.argv[1]]
    flags = [f"-max_len={harness.max_len}", *sys.argv[2:]]
    atheris.Setup([sys.argv[0], *flags], harness.run_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
