"""CRC-32C as kafka-python computes it, with and without the native ``crc32c`` package.

Why: ``crc32c`` is LGPL (tools/scan/exceptions.toml accepts it with this figure as the
reason). kafka-python checks the CRC-32C of every record batch it fetches (and computes it
for every batch it produces); without ``crc32c`` it falls back to its own pure-Python
table loop. This measures both over record-batch-sized buffers, so the exception's figure
can be re-checked (never run by the tests).

    .venv/bin/python tools/bench/bench_crc32c.py [--kib 256] [--rounds 100]
"""

from __future__ import annotations

import argparse
import os
import time

from kafka.record import util


def rate(function: object, data: memoryview, rounds: int) -> float:
    """Bytes per second of ``function`` over ``data``, best of ``rounds`` calls."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        function(data)  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return len(data) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kib", type=int, default=256, help="buffer size (a record batch)")
    parser.add_argument("--rounds", type=int, default=100, help="native rounds (pure: 3)")
    args = parser.parse_args()
    data = memoryview(os.urandom(args.kib * 1024))
    if util.crc32c_c is None:
        raise SystemExit("the native crc32c package is not installed: nothing to compare")
    assert util.crc32c_py(data) == util.crc32c_c(data)
    pure = rate(util.crc32c_py, data, 3)
    native = rate(util.crc32c_c, data, args.rounds)
    print(f"CRC-32C over {args.kib} KiB: pure Python {pure / 1e6:,.1f} MB/s, native "
          f"{native / 1e6:,.0f} MB/s ({native / pure:,.0f}x)")


if __name__ == "__main__":
    main()
