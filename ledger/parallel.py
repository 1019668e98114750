"""CPU-bound work on chunks of a log in worker processes, results in the log's order.

Why processes: checking and decoding envelopes is Python and C called from Python, so
threads would share one interpreter lock. Used by the auditor (:mod:`ledger.audit.pool`)
and by projection rebuilds; both keep their order-dependent work in their own loop and hand
the order-free part to :func:`map_in_order`.

Bounded: at most ``window`` chunks are read ahead of the one the caller is using, so memory
stays flat however long the log. Workers are started with ``spawn``, never ``fork``: the
caller may be a process with threads, and a forked child would inherit their locks.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from ledger.errors import SkmsError

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` worker processes (spawned; see the module docstring)."""
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))


def map_in_order(executor: Executor, function: Callable[[Chunk], Result],
                 chunks: Iterable[Chunk], *, window: int) -> Iterator[tuple[Chunk, Result]]:
    """``(chunk, function(chunk))`` for each chunk, in order, computed by ``executor``.

    ``function`` must be picklable (a module-level function, or a ``functools.partial`` of
    one). Chunks still queued when the caller stops are cancelled. A worker process that
    dies (killed, out of memory) fails the whole map with a clear error.
    """
    source = iter(chunks)
    pending: deque[tuple[Chunk, Future[Result]]] = deque()

    def submit_next() -> bool:
        for chunk in source:
            pending.append((chunk, executor.submit(function, chunk)))
            return True
        return False

    try:
        while len(pending) < window and submit_next():
            pass
        while pending:
            chunk, future = pending.popleft()
            result = future.result()
            submit_next()
            yield chunk, result
    except BrokenProcessPool:
        raise SkmsError("a worker process stopped before finishing its part (killed, or out "
                        "of memory); nothing was concluded",
                        hint="run it again, or with --jobs 1 to work in one process") from None
    finally:
        for _, future in pending:
            future.cancel()
