"""What the KEK fence costs per use of the KEK, next to the use itself (never run by the
tests). Every sign unseals its key through the fence (ledger/recipes/kek_fence.py).

Three figures from one run, CPU µs per call: the fence trusting its last reading of the
configuration (a write-marked ``kek.lock``, requirement 4), the fence reading the
configuration on every use (an unmarked ``kek.lock``: what every use cost before the
token), and the raw use it guards (unwrapping one data key with the home's KEK).

    .venv/bin/python tools/bench/bench_kek_fence.py --calls 20000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from commands.session import Session
from ledger.crypto.memory import zeroize
from ledger.home import Home
from ledger.recipes.kek_fence import LOCK_FILE, note_configuration_written


def cpu_us(calls: int, action: Callable[[], object]) -> float:
    begin = time.process_time()
    for _ in range(calls):
        action()
    return (time.process_time() - begin) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home_path = Path(folder) / "home"
        session = Session(Home(home_path, "memory://"), passphrase=bytearray(b"bench fence"))
        session.initialize(name="fence")
        kek = session.kek()
        fence = session.home.kek_fence(kek)
        wrapped = kek.wrap(bytearray(32), b"bench")

        def use_fence() -> None:
            with fence.using(sealing=False):
                pass

        rows: dict[str, list[float]] = {"trusted_reading": [], "reading_per_use": [],
                                        "raw_unwrap": []}
        for _ in range(args.rounds):
            note_configuration_written(home_path)
            rows["trusted_reading"].append(cpu_us(args.calls, use_fence))
            (home_path / LOCK_FILE).write_bytes(b"")
            rows["reading_per_use"].append(cpu_us(args.calls, use_fence))
            rows["raw_unwrap"].append(cpu_us(args.calls, lambda: zeroize(kek.unwrap(wrapped,
                                                                              b"bench"))))
        print(json.dumps({name: [round(v, 1) for v in values]
                          for name, values in rows.items()}, indent=2))
        session.close()


if __name__ == "__main__":
    main()
