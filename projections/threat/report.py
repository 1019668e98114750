"""Findings: each scored subject of a scan, explained, ready to record or to show.

Requirements:

1. A finding names its subject (a key or an actor), its window, its score and every
   feature's contribution (observed, expected, surprise, points): nothing else, so it
   carries no secret (counts and ids only).
2. A scan is deterministic for a given read model and time: subjects in id order, windows
   in time order, and the same numbers every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from projections.threat.baseline import DEFAULT_HISTORY_DAYS, Window, observe, recent_windows
from projections.threat.scoring import Contribution, score

KINDS = ("key", "actor")


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    subject_id: str
    window: Window
    score: int
    contributions: tuple[Contribution, ...]
    actors: tuple[str, ...]

    def features(self) -> list[dict[str, Any]]:
        return [c.as_record() for c in self.contributions]

    def as_dict(self) -> dict[str, Any]:
        """What ``skms threats scan`` prints and the metric reads (requirement 1)."""
        return {"kind": self.kind, "subject_id": self.subject_id,
                "window_start": self.window.start_us, "window_end": self.window.end_us,
                "score": self.score, "actors": list(self.actors),
                "features": self.features()}


def scan(con: duckdb.DuckDBPyConnection, now_us: int, *, kinds: Sequence[str] = KINDS,
         windows: Sequence[Window] | None = None,
         history_days: int = DEFAULT_HISTORY_DAYS) -> list[Finding]:
    """Score every key and actor active in the recent windows (requirement 2)."""
    found = []
    for window in windows if windows is not None else recent_windows(now_us):
        for kind in kinds:
            for subject in observe(con, window, kind, history_days=history_days):
                scored = score(subject.observations)
                found.append(Finding(kind, subject.subject_id, window, scored.score,
                                     scored.contributions, tuple(subject.actors)))
    return found


def highest(findings: Sequence[Finding]) -> dict[tuple[str, str], Finding]:
    """Each subject's highest-scoring finding (the latest window on a tie)."""
    best: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.kind, finding.subject_id)
        held = best.get(key)
        if held is None or (finding.score, finding.window.start_us) >= (
                held.score, held.window.start_us):
            best[key] = finding
    return best
