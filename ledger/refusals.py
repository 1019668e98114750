"""How many refusals of one actor are recorded one by one, and how the rest are summed up.

Why: every refusal the ledger can attribute is recorded as a ``CommandRejected`` event, so
probing shows in the log. Unbounded, that lets one actor (a revoked one, say) append events
as fast as it can send requests (penetration test F9: about 50 per second). So:

1. Per actor and per window of ``window_micros``, the first ``per_window`` refusals are
   recorded one by one, as before.
2. Later refusals in the same window are not recorded one by one: they are counted, their
   reason codes tallied and their command digests chained into one SHA-256.
3. Once the window has ended, one summary ``CommandRejected`` event records the count,
   the window, the reasons and the digest (:class:`Summary`). Nothing is lost: every
   refusal is in the log, individually or in a summary.
4. The caller of a summarized refusal gets the same error, without a recorded seq.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

SUMMARY_COMMAND_TYPE = "*"
SUMMARY_REASON_CODE = "refusals-summarized"


@dataclass(frozen=True, slots=True)
class RefusalLimit:
    per_window: int = 20
    window_micros: int = 60_000_000


@dataclass
class _Window:
    started_at: int
    recorded: int = 0
    suppressed: int = 0
    last_at: int = 0
    chain_id: str = ""
    reasons: dict[str, int] = field(default_factory=dict)
    digest: bytes = b""


@dataclass(frozen=True, slots=True)
class Summary:
    """Refusals of one actor that were counted instead of recorded one by one."""

    actor_id: str
    chain_id: str
    count: int
    first_at: int
    last_at: int
    reasons: dict[str, int]
    digest: bytes

    def reason(self) -> str:
        tally = ", ".join(f"{code} x{count}" for code, count in sorted(self.reasons.items()))
        return (f"{self.count} further refusals of actor {self.actor_id} between "
                f"{self.first_at} and {self.last_at} (microseconds) were not recorded one by one "
                f"({tally}); command_digest chains their command digests")[:500]


class RefusalThrottle:
    """Decides, per refusal, whether it is recorded now; collects summaries (thread-safe)."""

    def __init__(self, limit: RefusalLimit) -> None:
        self.limit = limit
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def admit(self, actor_id: str, chain_id: str, now: int, command_digest: bytes,
              reason_code: str) -> bool:
        """True: record this refusal as usual. False: it was counted into a summary.

        Call :meth:`due` first, so that an ended window's summary is taken before a new
        window starts (an ended window is otherwise restarted here and its count kept)."""
        with self._lock:
            window = self._windows.get(actor_id)
            if window is None or (now - window.started_at >= self.limit.window_micros
                                  and not window.suppressed):
                window = self._windows[actor_id] = _Window(started_at=now)
            if window.recorded < self.limit.per_window:
                window.recorded += 1
                return True
            window.suppressed += 1
            window.last_at = now
            window.chain_id = window.chain_id or chain_id
            window.reasons[reason_code] = window.reasons.get(reason_code, 0) + 1
            window.digest = hashlib.sha256(window.digest + command_digest).digest()
            return False

    def due(self, now: int, *, everything: bool = False) -> list[Summary]:
        """Summaries of windows that have ended (or of every window, ``everything``), each
        returned once; their actors start a fresh window."""
        summaries = []
        with self._lock:
            for actor_id, window in list(self._windows.items()):
                ended = now - window.started_at >= self.limit.window_micros
                if not (ended or everything):
                    continue
                if window.suppressed:
                    summaries.append(Summary(actor_id, window.chain_id, window.suppressed,
                                             window.started_at, window.last_at,
                                             dict(window.reasons), window.digest))
                del self._windows[actor_id]
        return summaries
