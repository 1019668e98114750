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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.admission import valid_chain_id
from ledger.authorization import SYSTEM_CHAIN
from ledger.command import Command, SignedCommand
from ledger.errors import CommandRejected
from ledger.group_commit import Ticket
from ledger.writer import ChainWriter

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


REFUSAL_EVENT = "CommandRejected"


class RefusalRecorder:
    """Turns refusals into ``CommandRejected`` facts signed by the ledger, one by one up to
    the limit and summed up beyond it (see the module doc). The caller holds the ledger's
    lock and waits for the tickets returned."""

    def __init__(self, writer: ChainWriter,
                 system_command: Callable[..., SignedCommand],
                 clock: Callable[[], int], limit: RefusalLimit | None) -> None:
        self._writer = writer
        self._system_command = system_command
        self._clock = clock
        self.throttle = RefusalThrottle(limit) if limit is not None else None

    def queue(self, signed: SignedCommand, refusal: CommandRejected) -> Ticket | None:
        """Queue the refusal's fact; None when it was counted into a summary and no
        summary is due. Sets ``refusal.seq`` when recorded one by one."""
        command = signed.command
        chain_id = refusal_chain(command)
        digest = hashlib.sha256(signed.canonical_bytes).digest()
        now = self._clock()
        if self.throttle is not None:
            summaries = [self._queue_summary(s) for s in self.throttle.due(now)]
            if not self.throttle.admit(command.actor_id, chain_id, now, digest,
                                       refusal.reason_code):
                # Not recorded one by one; whoever waits on this commits the summaries.
                return summaries[-1] if summaries else None
        record = {
            "actor_id": command.actor_id[:200], "command_type": command.command_type[:100],
            "command_id": command.command_id[:100], "target": target_of(command),
            "reason_code": refusal.reason_code, "reason": refusal.message[:500],
            "command_digest": digest,
        }
        system = self._system_command("RecordRejection", chain_id,
                                      {"rejected_command_id": command.command_id[:100]},
                                      correlation_id=command.correlation_id[:100])
        ticket = self._writer.write_journal(chain_id, "rejections", REFUSAL_EVENT, record,
                                            system, now)
        refusal.seq = ticket.envelopes[0].seq
        return ticket

    def summaries(self, *, everything: bool = False) -> list[Ticket]:
        """Queue the summaries of windows that have ended (all of them, ``everything``)."""
        if self.throttle is None:
            return []
        return [self._queue_summary(s)
                for s in self.throttle.due(self._clock(), everything=everything)]

    def _queue_summary(self, summary: Summary) -> Ticket:
        command_id = str(uuid.uuid4())
        record = {
            "actor_id": summary.actor_id[:200], "command_type": SUMMARY_COMMAND_TYPE,
            "command_id": command_id, "target": None, "reason_code": SUMMARY_REASON_CODE,
            "reason": summary.reason(), "command_digest": summary.digest,
        }
        system = self._system_command("RecordRejection", SYSTEM_CHAIN, {
            "rejected_command_id": command_id, "rejected_actor_id": summary.actor_id[:200],
            "rejected_count": summary.count})
        return self._writer.write_journal(SYSTEM_CHAIN, "rejections", REFUSAL_EVENT, record,
                                          system, self._clock())


def refusal_chain(command: Command) -> str:
    """The chain a refused command's fact is recorded on: its own, if it named a valid one."""
    return command.chain_id if valid_chain_id(command.chain_id) else SYSTEM_CHAIN


def target_of(command: Command) -> str | None:
    """What a refused command was about (a key, wallet, actor, name or threshold group), for
    the record."""
    for name in ("key_id", "wallet_id", "actor_id", "name", "group_id"):
        value = command.args.get(name)
        if isinstance(value, str):
            return value[:200]
    return None
