"""Figures the benchmarks share, so every table computes a percentile the same way."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The sample at ``fraction`` of the ordered values (nearest rank, no interpolation:
    a reported p99 is a latency some request really had)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]
