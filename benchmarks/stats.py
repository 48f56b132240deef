"""Percentiles and the summaries the benchmarks report.

Rules kept: percentiles interpolate linearly between the two nearest ranks (numpy's
default), so p50 of an even count is the mean of the middle two; an empty sample has no
percentile (``nan``), never a made-up zero. Times are seconds in, milliseconds out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``values``; ``nan`` when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latency:
    """p50/p99/max of a sample of durations, in milliseconds."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        return cls(
            count=len(seconds),
            p50_ms=percentile(seconds, 50) * 1000,
            p99_ms=percentile(seconds, 99) * 1000,
            max_ms=max(seconds, default=math.nan) * 1000,
        )


def ratio(ours: float, theirs: float) -> float:
    """``ours / theirs``; ``nan`` when either side is missing or ``theirs`` is zero."""
    if math.isnan(ours) or math.isnan(theirs) or theirs == 0:
        return math.nan
    return ours / theirs
