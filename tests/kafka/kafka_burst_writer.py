"""The crash tests' writer (``tests.ledger.burst_writer``) with an optional self-kill inside
a Kafka transaction.

``python -m tests.kafka.kafka_burst_writer HOME [POINT N]`` runs the shared burst writer on
the home (its config names the Kafka store). With ``POINT N`` the process SIGKILLs itself at
the N-th transaction commit it attempts:

``before-commit``  records sent and acknowledged by the brokers, the transaction still open
``during-commit``  the commit request handed to the producer's sender, not yet confirmed
``after-commit``   the commit confirmed, before ``append`` returns (so never acknowledged)

Why beside random external kills: a kill at a random time lands inside a transaction only
by chance; these three points are where a broken store would lose, expose or duplicate a
command, so every run of the test reaches them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

import ledger.stores.kafka.store as kafka_store
from tests.ledger import burst_writer

POINTS = ("before-commit", "during-commit", "after-commit")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)  # never reached: SIGKILL cannot be handled


def install(point: str, at_commit: int) -> None:
    real_end = kafka_store.end_transaction
    commits = 0

    def end_transaction(producer: Any, commit: bool, timeout_ms: int) -> None:
        nonlocal commits
        if commit:
            commits += 1
        if not commit or commits != at_commit:
            real_end(producer, commit, timeout_ms)
            return
        if point == "before-commit":
            die()
        elif point == "during-commit":
            threading.Thread(target=real_end, args=(producer, commit, timeout_ms),
                             daemon=True).start()
            time.sleep(0.001)
            die()
        real_end(producer, commit, timeout_ms)
        die()

    kafka_store.end_transaction = end_transaction  # type: ignore[assignment]


def main() -> None:
    if len(sys.argv) == 4:
        point, at_commit = sys.argv[2], int(sys.argv[3])
        if point not in POINTS:
            raise SystemExit(f"unknown kill point {point!r}; use one of {POINTS}")
        install(point, at_commit)
        del sys.argv[2:]
    burst_writer.main()


if __name__ == "__main__":
    main()
