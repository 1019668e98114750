"""Examining a key domain's chain in worker processes, results in chain order.

Why processes: an audit is CPU-bound Python plus one Ed25519 verification per event, so
threads would share one interpreter lock; envelopes of a key domain can be examined
independently once the system chain is verified (:mod:`ledger.audit_examine`). The
auditor's own loop keeps reading the store and running the chain-level checks while the
workers examine the chunks ahead of it.

Reads ahead: envelopes are read (and handed to workers) before the auditor has accepted
the ones before them, so a store whose reads act on each envelope as it is accepted (the
replay's tee, :mod:`ledger.replay`) must be audited in one process.

Bounded: at most ``window`` chunks are read ahead of the one the auditor is checking, so
memory stays flat however long the chain. Workers are started with ``spawn`` (never
``fork``): the caller may be a process with threads (the service), and a forked child would
inherit their locks.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from ledger.audit_examine import Examined, Identities, examine_chunk
from ledger.errors import SkmsError
from ledger.stores.base import StoredEnvelope


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` examining processes (spawned; see the module docstring)."""
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))


def examined_in_order(envelopes: Iterable[StoredEnvelope], chain_id: str,
                      identities: Identities, executor: Executor, *, chunk_events: int,
                      window: int) -> Iterator[Examined]:
    """Each envelope examined by ``executor``, yielded in the order read.

    A chunk is cut short after its first finding, and the auditor stops there at the
    latest; chunks still queued when the caller stops are cancelled.
    """
    source = iter(envelopes)
    pending: deque[Future[list[Examined]]] = deque()

    def submit_next() -> bool:
        chunk = list(islice(source, chunk_events))
        if chunk:
            pending.append(executor.submit(examine_chunk, chain_id, identities, chunk))
        return bool(chunk)

    try:
        while len(pending) < window and submit_next():
            pass
        while pending:
            examined = pending.popleft().result()
            submit_next()
            yield from examined
    except BrokenProcessPool:
        raise SkmsError("an audit worker process stopped before finishing its part (killed, "
                        "or out of memory); nothing was concluded",
                        hint="run the audit again, or with --jobs 1 to check in one "
                             "process") from None
    finally:
        for future in pending:
            future.cancel()
