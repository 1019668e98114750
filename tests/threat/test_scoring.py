"""The score's arithmetic: Poisson tails against a direct sum, floors for short histories,
points per feature, the cap, determinism."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.threat.scoring import (
    FEATURES,
    MAX_SURPRISE,
    Observation,
    contribution,
    gap_tail,
    poisson_tail,
    score,
)


def direct_tail(k: int, lam: float) -> float:
    """1 - P(X < k), term by term (independent of the log-space sum)."""
    term, below = math.exp(-lam), 0.0
    for i in range(k):
        below += term
        term *= lam / (i + 1)
    return 1.0 - below


@pytest.mark.parametrize(("k", "lam"), [(1, 0.5), (3, 2.0), (10, 5.0), (5, 9.0), (20, 4.0),
                                        (0, 3.0), (60, 5.0)])
def test_poisson_tail_matches_the_direct_sum(k: int, lam: float) -> None:
    expected = direct_tail(k, lam)
    assert poisson_tail(k, lam) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_poisson_tail_known_values() -> None:
    assert poisson_tail(0, 4.0) == 1.0
    assert poisson_tail(1, 0.5) == pytest.approx(1 - math.exp(-0.5))
    assert 0 < poisson_tail(5000, 1.0) < 1e-300 or poisson_tail(5000, 1.0) == 0.0


@given(st.integers(0, 300), st.floats(0.01, 200))
def test_the_tail_falls_with_k_and_rises_with_lambda(k: int, lam: float) -> None:
    here = poisson_tail(k, lam)
    assert 0.0 <= here <= 1.0
    assert poisson_tail(k + 1, lam) <= here + 1e-12
    assert poisson_tail(k, lam * 1.5) >= here - 1e-12


def test_a_silence_within_the_longest_gap_is_not_surprising() -> None:
    assert gap_tail(20, 24) == 1.0
    assert gap_tail(72, 24) == pytest.approx(math.exp(-2))
    part = contribution(Observation("silence", 72, 10))  # floored to 24 h
    assert part.expected_milli == 24_000
    assert part.surprise_milli == round(2 / math.log(10) * 1000)


def test_an_empty_history_is_compared_with_the_floor() -> None:
    for name, spec in FEATURES.items():
        part = contribution(Observation(name, 0, 0))
        assert part.expected_milli == round(spec.floor * 1000)
        assert part.points == 0, name  # nothing observed, nothing surprising


def test_full_surprise_earns_the_features_weight() -> None:
    part = contribution(Observation("rate", 500, 5))
    assert part.surprise_milli == MAX_SURPRISE * 1000
    assert part.points == round(100 * FEATURES["rate"].weight)


def test_an_ordinary_hour_scores_low() -> None:
    ordinary = score([Observation("rate", 6, 5), Observation("hour_of_day", 6, 5),
                      Observation("new_recipients", 0, 0.05),
                      Observation("refusals", 0, 0.01), Observation("silence", 0.5, 16)])
    assert ordinary.score < 10
    assert ordinary.score == sum(c.points for c in ordinary.contributions)


def test_the_score_is_the_capped_sum_and_deterministic() -> None:
    extreme = [Observation(name, 1000, 0) for name in FEATURES]
    first, second = score(extreme), score(list(reversed(extreme)))
    assert first == second
    assert sum(c.points for c in first.contributions) > 100 and first.score == 100
    assert [c.name for c in first.contributions] == sorted(FEATURES)
