"""One thread that waits for the commits of commands decided on an event loop.

Why not one executor job per request: a hand-off through an executor costs a thread
wake-up each way per request, and the committing thread's Python work contends with the
event loop for the interpreter lock. The pump takes every command decided since it last
looked, waits for their group commit (the first ``complete`` commits them all; the others
find their events durable), and gives all the outcomes back to each loop in one callback,
so the hand-off costs two wake-ups per group commit rather than per request, and the loop
does the rest (responses, idempotency) itself.

Why a gather window: the loop decides a sign in well under a millisecond but a commit
(its fsync) takes about as long, so a pump that commits the moment it wakes finds one
command waiting and makes one transaction per sign. When other requests are in flight, and
so more decisions are on their way, the pump first waits ``gather_s`` (1 ms by default) so
that one transaction carries several signs; a request alone is committed at once, so a
lone client's latency does not pay the window. (Paired measurements of both choices:
docs/performance.md, "Design choices, measured".)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from contextvars import Context, copy_context
from typing import Any

from ledger.application import Outcome, Pending

Done = Callable[[Outcome[Any] | None, BaseException | None], None]


class CommitPump:
    """``submit`` a decided command with a callback; the callback runs on the submitting
    loop once the command's events are durable (outcome) or failed (error)."""

    def __init__(self, name: str = "skms-commit", *, gather_s: float = 0.0,
                 expect_more: Callable[[int], bool] | None = None) -> None:
        """``expect_more(queued)`` says whether more decisions are likely soon (the service:
        more requests in flight than commands queued); only then does the pump wait up to
        ``gather_s`` before committing."""
        self._queue: deque[tuple[Pending[Any], Done, asyncio.AbstractEventLoop, Context]] = (
            deque())
        self._gather_s = gather_s
        self._expect_more = expect_more
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, pending: Pending[Any], done: Done) -> None:
        """From a running event loop: commit ``pending``, then call ``done`` on that loop.

        The commit runs in the caller's context (its trace span is the parent of the store
        span, as when the request thread committed itself).
        """
        if self._stopping:
            raise RuntimeError("the commit pump is stopped")
        self._queue.append((pending, done, asyncio.get_running_loop(), copy_context()))
        self._wake.set()

    def stop(self) -> None:
        """Finish what was submitted, then end the thread."""
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if (self._gather_s > 0 and self._expect_more is not None and not self._stopping
                    and self._expect_more(len(self._queue))):
                time.sleep(self._gather_s)
            self._wake.clear()
            batch = []
            while self._queue:
                batch.append(self._queue.popleft())
            if batch:
                self._commit(batch)
            if self._stopping and not self._queue:
                return

    @staticmethod
    def _commit(batch: list[tuple[Pending[Any], Done, asyncio.AbstractEventLoop, Context]]
                ) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Done, Any, Any]]] = {}
        for pending, done, loop, context in batch:
            result: tuple[Done, Any, BaseException | None]
            try:
                result = (done, context.run(pending.complete), None)
            except BaseException as error:  # handed to the request, which raises it
                result = (done, None, error)
            by_loop.setdefault(loop, []).append(result)
        for loop, results in by_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver, results)
            except RuntimeError:  # the loop is closed: nobody waits any more
                continue


def _deliver(results: list[tuple[Done, Any, Any]]) -> None:
    for done, outcome, error in results:
        try:
            done(outcome, error)
        except Exception as exc:  # a bug in one callback must not starve the others
            asyncio.get_running_loop().call_exception_handler(
                {"message": "commit callback failed", "exception": exc})
