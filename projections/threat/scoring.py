"""The threat score: each feature's observation against the subject's own history, as a
tail probability, turned into points that add up to a score from 0 to 100.

Requirements (docs/threat-detection.md has the formulas; tests/threat/test_scoring.py):

1. Explainable: every feature reports what was observed, what was expected, the tail
   probability of seeing that much or more, and the points it contributed; the score is
   the (capped) sum of the points, nothing else.
2. Deterministic: pure arithmetic on integers and floats from the same inputs, no random
   state, no model file. Values leave this module as integers (milli-units and points), so
   they can be signed into a command (canonical JSON has no floats) and re-read exactly.
3. Short histories do not alarm: every expected value has a floor, so a subject with
   little or no history is compared with a modest prior instead of with zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_SURPRISE = 6.0
"""-log10 of the smallest tail probability that still earns more points (one in a million)."""
MILLI = 1000


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """A feature's weight (its share of 100 points at full surprise) and its floor."""

    name: str
    weight: float
    floor: float
    doc: str


FEATURES: dict[str, FeatureSpec] = {f.name: f for f in (
    FeatureSpec("rate", 0.30, 2.0, "signatures in the window vs the subject's mean count "
                "in an active hour"),
    FeatureSpec("hour_of_day", 0.30, 0.5, "signatures in the window vs the subject's mean "
                "count at that hour of day"),
    FeatureSpec("new_recipients", 0.30, 0.5, "recipients never paid before vs recipients "
                "first seen per active hour"),
    FeatureSpec("new_networks", 0.15, 0.25, "chain networks never used before vs networks "
                "first used per active hour"),
    FeatureSpec("refusals", 0.20, 0.5, "refused commands in the window vs refusals per "
                "hour of history"),
    FeatureSpec("silence", 0.15, 24.0, "hours since the previous signature vs the longest "
                "gap in the history"),
    FeatureSpec("approver_pair", 0.20, 0.25, "approvals executed by one pair of approvers "
                "in the window vs that pair's approvals per hour of history"),
)}


@dataclass(frozen=True, slots=True)
class Observation:
    """One feature's raw input: what the window shows and the history's expectation
    (before the floor)."""

    name: str
    observed: float
    expected: float


@dataclass(frozen=True, slots=True)
class Contribution:
    """One feature's explained share of the score (values in milli-units, points 0..100)."""

    name: str
    observed_milli: int
    expected_milli: int
    surprise_milli: int
    points: int

    def as_record(self) -> dict[str, int | str]:
        return {"name": self.name, "observed_milli": self.observed_milli,
                "expected_milli": self.expected_milli,
                "surprise_milli": self.surprise_milli, "points": self.points}


@dataclass(frozen=True, slots=True)
class Score:
    score: int
    contributions: tuple[Contribution, ...]


def poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), summed in log space (no overflow for large k)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    if k <= lam:  # the complement is the short sum here
        below = sum(math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1)) for i in range(k))
        return max(0.0, 1.0 - below)
    log_term = -lam + k * math.log(lam) - math.lgamma(k + 1)
    total, i = 0.0, k
    while True:  # terms shrink geometrically once i > lam
        term = math.exp(log_term)
        total += term
        i += 1
        log_term += math.log(lam) - math.log(i)
        if term < 1e-18 * max(total, 1e-300) or i > k + 10_000:
            return min(1.0, total)


def gap_tail(gap: float, longest: float) -> float:
    """P(a gap this long) under an exponential tail past the longest gap seen: 1 up to it,
    then exp(-(gap - longest) / longest)."""
    if gap <= longest:
        return 1.0
    return math.exp(-(gap - longest) / longest)


def tail(observation: Observation, spec: FeatureSpec) -> tuple[float, float]:
    """The floored expectation and the tail probability of the observation."""
    expected = max(observation.expected, spec.floor)
    if observation.name == "silence":
        return expected, gap_tail(observation.observed, expected)
    return expected, poisson_tail(round(observation.observed), expected)


def contribution(observation: Observation) -> Contribution:
    """Points = 100 * weight * min(-log10 p, 6) / 6 (requirement 1)."""
    spec = FEATURES[observation.name]
    expected, p = tail(observation, spec)
    surprise = MAX_SURPRISE if p <= 0 else min(MAX_SURPRISE, max(0.0, -math.log10(p)))
    points = round(100 * spec.weight * surprise / MAX_SURPRISE)
    return Contribution(observation.name, round(observation.observed * MILLI),
                        round(expected * MILLI), round(surprise * MILLI), points)


def score(observations: list[Observation]) -> Score:
    """The capped sum of every feature's points, with each contribution."""
    parts = tuple(contribution(o) for o in sorted(observations, key=lambda o: o.name))
    return Score(min(100, sum(p.points for p in parts)), parts)
