"""Baselines from the read models: what one window of activity shows for each key and
actor, next to what that subject's own history leads one to expect.

Requirements (docs/threat-detection.md; tests/threat/test_baseline.py):

1. Only the read models (``signatures``, ``chain_signatures``, ``command_rejections``,
   ``approval_events``): the scan never touches the log, key material or the ledger's
   state, and what it sees is what ``skms query`` sees.
2. A window is one clock hour (UTC), so the hour-of-day profile compares like with like
   and a finding is about a fixed, nameable span; the history is the ``history_days``
   before the window.
3. Every value is a bound parameter; the only text spliced into the SQL is the subject
   column, chosen from :data:`SUBJECT_COLUMNS`.
4. Secrets never appear: the tables hold digests and public facts only, and a finding
   carries counts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

import duckdb

from projections.threat.scoring import Observation

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
DEFAULT_HISTORY_DAYS = 30
SUBJECT_COLUMNS = {"key": "key_id", "actor": "actor_id"}
REFUSAL_COLUMNS = {"key": "target", "actor": "actor_id"}


@dataclass(frozen=True, slots=True)
class Window:
    """One clock hour, [start, end) in microseconds since the epoch (UTC)."""

    start_us: int

    @property
    def end_us(self) -> int:
        return self.start_us + HOUR_US

    @property
    def hour(self) -> int:
        return (self.start_us // HOUR_US) % 24

    @classmethod
    def containing(cls, at_us: int) -> Window:
        return cls(at_us - at_us % HOUR_US)


def recent_windows(now_us: int) -> list[Window]:
    """The hour before the current one (complete) and the current one (so far)."""
    current = Window.containing(now_us)
    return [Window(current.start_us - HOUR_US), current]


@dataclass(slots=True)
class Subject:
    """One key or actor in one window: its observations and who acted."""

    kind: str
    subject_id: str
    window: Window
    observations: list[Observation] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)


def _ts(micros: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)


def _signing_sql(column: str) -> str:
    return f"""
WITH signing AS (
    SELECT {column} AS subject, actor_id, recorded_at FROM signatures
    UNION ALL
    SELECT {column} AS subject, actor_id, recorded_at FROM chain_signatures
    WHERE key_id IS NOT NULL),
scoped AS (
    SELECT * FROM signing
    WHERE subject IS NOT NULL AND recorded_at >= $hs AND recorded_at < $we),
gaps AS (
    SELECT subject, recorded_at,
           epoch(recorded_at) - epoch(lag(recorded_at) OVER (PARTITION BY subject
                                                            ORDER BY recorded_at)) AS gap
    FROM scoped WHERE recorded_at < $ws)
SELECT s.subject,
       count(*) FILTER (WHERE s.recorded_at >= $ws) AS window_count,
       count(*) FILTER (WHERE s.recorded_at < $ws) AS history_count,
       count(DISTINCT date_trunc('hour', s.recorded_at)) FILTER (WHERE s.recorded_at < $ws)
           AS active_hours,
       count(*) FILTER (WHERE s.recorded_at < $ws AND hour(s.recorded_at) = $hour)
           AS at_hour,
       epoch(min(s.recorded_at) FILTER (WHERE s.recorded_at < $ws)) AS first_seen,
       epoch(max(s.recorded_at) FILTER (WHERE s.recorded_at < $ws)) AS last_before,
       epoch(min(s.recorded_at) FILTER (WHERE s.recorded_at >= $ws)) AS first_in_window,
       (SELECT max(g.gap) FROM gaps g WHERE g.subject = s.subject) AS longest_gap,
       list(DISTINCT s.actor_id ORDER BY s.actor_id) FILTER (WHERE s.recorded_at >= $ws)
           AS actors
FROM scoped s
GROUP BY s.subject
HAVING count(*) FILTER (WHERE s.recorded_at >= $ws) > 0"""  # noqa: S608 (column from SUBJECT_COLUMNS)


def _first_seen_sql(column: str, expression: str, source: str) -> str:
    return f"""
WITH seen AS (
    SELECT {column} AS subject, {expression} AS item, recorded_at FROM {source}
    WHERE {column} IS NOT NULL AND recorded_at >= $hs AND recorded_at < $we),
firsts AS (SELECT subject, item, min(recorded_at) AS first_at FROM seen GROUP BY ALL)
SELECT subject, count(*) FILTER (WHERE first_at >= $ws) AS new_items,
       count(*) FILTER (WHERE first_at < $ws) AS known_items
FROM firsts GROUP BY subject"""  # noqa: S608 (fixed text)


def _refusals_sql(column: str) -> str:
    return f"""
SELECT {column} AS subject, count(*) FILTER (WHERE recorded_at >= $ws) AS window_count,
       count(*) FILTER (WHERE recorded_at < $ws) AS history_count
FROM command_rejections
WHERE {column} IS NOT NULL AND recorded_at >= $hs AND recorded_at < $we
GROUP BY ALL"""  # noqa: S608 (column from REFUSAL_COLUMNS)


APPROVALS_SQL = """
SELECT json_subject.details_json AS requested, e.details_json AS executed,
       e.recorded_at >= $ws AS in_window
FROM approval_events e
JOIN approval_events json_subject ON json_subject.approval_id = e.approval_id
     AND json_subject.event_type = 'ApprovalRequested'
WHERE e.event_type = 'ApprovalExecuted' AND e.recorded_at >= $hs AND e.recorded_at < $we"""


def _params(window: Window, history_days: int, *, hour: bool = False) -> dict[str, object]:
    params: dict[str, object] = {"hs": _ts(window.start_us - history_days * DAY_US),
                                 "ws": _ts(window.start_us), "we": _ts(window.end_us)}
    if hour:
        params["hour"] = window.hour
    return params


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]
          ) -> list[tuple[object, ...]]:
    return con.execute(sql, params).fetchall()


def observe(con: duckdb.DuckDBPyConnection, window: Window, kind: str = "key", *,
            history_days: int = DEFAULT_HISTORY_DAYS) -> list[Subject]:
    """Every subject of ``kind`` that signed in ``window``, with its observations."""
    column = SUBJECT_COLUMNS[kind]
    subjects: dict[str, Subject] = {}
    active: dict[str, float] = {}
    for row in _rows(con, _signing_sql(column), _params(window, history_days, hour=True)):
        (subject_id, count, history, active_hours, at_hour, first_seen, last_before,
         first_in_window, longest_gap, actors) = row
        subject = Subject(kind, str(subject_id), window, actors=list(actors or []))  # type: ignore[call-overload]
        hours = max(1.0, float(active_hours or 0))  # type: ignore[arg-type]
        active[subject.subject_id] = hours
        days = 1.0
        if first_seen is not None:
            days = max(1.0, -(-(window.start_us / 1e6 - float(first_seen)) // 86_400))  # type: ignore[arg-type]
        gap = 0.0
        if last_before is not None and first_in_window is not None:
            gap = (float(first_in_window) - float(last_before)) / 3600  # type: ignore[arg-type]
        subject.observations += [
            Observation("rate", float(count), float(history) / hours),  # type: ignore[arg-type]
            Observation("hour_of_day", float(count), float(at_hour) / days),  # type: ignore[arg-type]
            Observation("silence", gap, float(longest_gap or 0) / 3600),  # type: ignore[arg-type]
        ]
        subjects[subject.subject_id] = subject
    _first_seen(con, window, history_days, subjects, active, column)
    _refusals(con, window, history_days, subjects, kind)
    if kind == "key":
        _approver_pairs(con, window, history_days, subjects)
    return sorted(subjects.values(), key=lambda s: s.subject_id)


def _first_seen(con: duckdb.DuckDBPyConnection, window: Window, history_days: int,
                subjects: dict[str, Subject], active: dict[str, float], column: str) -> None:
    for name, expression in (("new_recipients", "unnest(recipients)"),
                             ("new_networks", "family || ':' || network")):
        sql = _first_seen_sql(column, expression, "chain_signatures")
        found = {str(r[0]): r for r in _rows(con, sql, _params(window, history_days))}
        for subject_id, subject in subjects.items():
            row = found.get(subject_id)
            new, known = (float(row[1]), float(row[2])) if row else (0.0, 0.0)  # type: ignore[arg-type]
            subject.observations.append(Observation(name, new, known / active[subject_id]))


def _refusals(con: duckdb.DuckDBPyConnection, window: Window, history_days: int,
              subjects: dict[str, Subject], kind: str) -> None:
    found = {str(r[0]): r for r in _rows(con, _refusals_sql(REFUSAL_COLUMNS[kind]),
                                         _params(window, history_days))}
    history_hours = history_days * 24.0
    for subject_id, subject in subjects.items():
        row = found.get(subject_id)
        now, before = (float(row[1]), float(row[2])) if row else (0.0, 0.0)  # type: ignore[arg-type]
        subject.observations.append(Observation("refusals", now, before / history_hours))


def pairs_of(approvers: Iterable[str]) -> list[tuple[str, str]]:
    """Every pair of distinct approvers of one execution, sorted."""
    return list(combinations(sorted(set(approvers)), 2))


def _approver_pairs(con: duckdb.DuckDBPyConnection, window: Window, history_days: int,
                    subjects: dict[str, Subject]) -> None:
    in_window: dict[str, Counter[tuple[str, str]]] = {}
    before: dict[str, Counter[tuple[str, str]]] = {}
    for requested, executed, now in _rows(con, APPROVALS_SQL, _params(window, history_days)):
        subject = json.loads(str(requested)).get("subject")
        if not subject:
            continue
        counter = (in_window if now else before).setdefault(str(subject), Counter())
        counter.update(pairs_of(json.loads(str(executed)).get("approvers", [])))
    history_hours = history_days * 24.0
    for subject_id, subject in subjects.items():
        pairs = in_window.get(subject_id, Counter())
        top, count = max(pairs.items(), key=lambda p: (p[1], p[0]), default=(None, 0))
        usual = before.get(subject_id, Counter()).get(top, 0) if top else 0
        subject.observations.append(Observation("approver_pair", float(count),
                                                usual / history_hours))
