"""Percentiles, latency summaries and ratios: the arithmetic of the report, kept pure so it is unit-tested."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (NumPy's default).

    Written out rather than imported so the harness's own numbers do not depend on which NumPy the venv has,
    and so the unit test pins down exactly which definition the report uses.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0-100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median_round(ours: Sequence[float], reference: Sequence[float]) -> tuple[float, float]:
    """The pair (ours, reference) of the round whose ratio is the median; the lower middle one for an even count.

    Rounds are compared in pairs, not as two medians, because each pair ran minutes apart on the same machine:
    the median of two separate medians can pair a fast minute of one bot with a slow minute of the other.
    """
    if not ours or len(ours) != len(reference):
        raise ValueError("one reference round for each of ours, and at least one")
    order = sorted(range(len(ours)), key=lambda index: ours[index] / reference[index])
    middle = order[(len(order) - 1) // 2]
    return ours[middle], reference[middle]


@dataclass(frozen=True)
class LatencySummary:
    """Latencies of one load run in milliseconds, and its throughput."""

    count: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    seconds: float
    throughput_mps: float


def summarize(latencies_s: Sequence[float], errors: int, seconds: float) -> LatencySummary:
    """Summary of successful requests' latencies (seconds) over a measured phase of ``seconds``.

    Throughput counts successful messages only: an error answered fast must not make a bot look quicker.
    """
    if not latencies_s:
        raise ValueError("no successful requests to summarize")
    ms = [value * 1000 for value in latencies_s]
    return LatencySummary(
        count=len(ms),
        errors=errors,
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        mean_ms=sum(ms) / len(ms),
        max_ms=max(ms),
        seconds=seconds,
        throughput_mps=len(ms) / seconds if seconds > 0 else 0.0,
    )


def ratio(ours: float | None, reference: float | None) -> float | None:
    """``ours / reference``, or None when either is missing or the reference is zero (no meaningful ratio)."""
    if ours is None or reference is None or reference == 0:
        return None
    return ours / reference
