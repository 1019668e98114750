"""``--jobs`` and ``--parallel-from``: worker processes for commands that read whole logs.

``audit verify``, ``replay`` and ``projections update/rebuild`` spend most of their time
checking or decoding envelopes, work that :mod:`ledger.parallel` spreads over processes.
"""

from __future__ import annotations

import os
from typing import Any

import click

AUTO_JOBS_MAX = 4
"""``--jobs 0`` starts at most this many: the caller's own loop (chain checks, or mapping
and writing) keeps up with about four workers, and each spawned worker holds about 110 MiB
(it imports the CLI again)."""


def parallel_options(command: Any) -> Any:
    """Add both options to a command (they arrive as ``jobs`` and ``parallel_from``)."""
    command = click.option(
        "--parallel-from", "parallel_from", type=click.IntRange(min=1), default=20_000,
        show_default=True, metavar="EVENTS",
        help="A key-domain chain (audit, replay) or a catch-up (projections) shorter than "
             "this stays in this process: starting workers costs about a second.")(command)
    return click.option(
        "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
        help=f"Worker processes that check or decode envelopes (0: one per CPU, at most "
             f"{AUTO_JOBS_MAX}; 1: everything in this process). Same result either way."
        )(command)


def worker_count(jobs: int) -> int:
    """``--jobs 0``: one worker per CPU this process may run on, at most ``AUTO_JOBS_MAX``."""
    return jobs or min(len(os.sched_getaffinity(0)), AUTO_JOBS_MAX)
