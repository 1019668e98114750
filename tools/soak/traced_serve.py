"""``skms serve`` under tracemalloc, for finding what grows in the server's heap.

Why a wrapper: the question "what grows under load" is answered by the allocation sites
whose live bytes keep rising between two snapshots of the *running* server; tracemalloc
can only see allocations made after it starts, so it must start before the CLI does.

    SKMS_TRACE_OUT=/tmp/trace python tools/soak/traced_serve.py --home H serve ...

Tracing starts at the first SIGUSR1 (not at start-up: tracing every import on a busy
machine takes minutes, and only what is allocated *under load* matters here). On every
SIGUSR1 the server writes ``$SKMS_TRACE_OUT/snapshot-<n>.pickle`` (a tracemalloc
snapshot, 8 frames deep); ``memwatch.py diff`` compares two of them. Never used in
production: tracemalloc roughly doubles the heap and slows every allocation.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import tracemalloc
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FRAMES = 8


def install(out: Path) -> None:
    """Dump a snapshot on every SIGUSR1 (in a thread: the handler itself must stay short)."""
    out.mkdir(parents=True, exist_ok=True)
    counter = itertools.count()

    def dump() -> None:
        number = next(counter)
        if not tracemalloc.is_tracing():
            tracemalloc.start(FRAMES)
        snapshot = tracemalloc.take_snapshot()
        snapshot.dump(str(out / f"snapshot-{number:03d}.pickle"))
        (out / f"snapshot-{number:03d}.done").touch()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=dump, name="skms-trace-dump", daemon=True).start()

    signal.signal(signal.SIGUSR1, on_signal)


def main() -> None:
    install(Path(os.environ.get("SKMS_TRACE_OUT", "soak-trace")))
    from commands.cli.main import main as cli_main

    sys.argv[0] = "skms"
    cli_main()


if __name__ == "__main__":
    main()
