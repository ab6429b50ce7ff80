"""Summaries of a level: latency percentiles, tokens/s per stream and aggregate, error counts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ggserve_client.loadgen.runner import LevelRun


@dataclass(frozen=True, slots=True)
class Distribution:
    """Mean and percentiles of a sample (0 everywhere for an empty sample)."""

    count: int
    mean: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution:
        """The distribution of `values` (linear interpolation between order statistics)."""
        if not values:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        ordered = sorted(values)
        return cls(
            count=len(ordered),
            mean=math.fsum(ordered) / len(ordered),
            p50=percentile(ordered, 50),
            p95=percentile(ordered, 95),
            p99=percentile(ordered, 99),
            max=ordered[-1],
        )


def percentile(ordered: Sequence[float], q: float) -> float:
    """The `q`-th percentile of sorted, non-empty `ordered` (numpy's default 'linear' method)."""
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class LevelSummary:
    """What one level measured. Latencies in ms; token rates per second of wall time.

    `stream_tokens_per_s` is each stream's decode rate (tokens after the first over the time
    from first to last token); `aggregate_tokens_per_s` is all completion tokens over the
    level's wall time. `queue_ms` is the server's own queueing delay (from its timings).
    """

    mode: str
    level: float
    requests: int
    ok: int
    errors: dict[str, int]
    with_tools: int
    wall_s: float
    requests_per_s: float
    completion_tokens: int
    aggregate_tokens_per_s: float
    ttft_ms: Distribution
    itl_ms: Distribution
    latency_ms: Distribution
    queue_ms: Distribution
    stream_tokens_per_s: Distribution


def _decode_rate(tokens: int, first_s: float | None, last_s: float) -> float | None:
    if first_s is None or tokens < 2 or last_s <= first_s:
        return None
    return (tokens - 1) / (last_s - first_s)


def summarize(run: LevelRun) -> LevelSummary:
    """The summary of a level; failed requests count only in `errors`."""
    ok = [r for r in run.records if r.ok]
    tokens = sum(r.completion_tokens for r in ok)
    wall = max(run.wall_s, 1e-9)
    rates = [_decode_rate(r.completion_tokens, r.ttft_s, r.last_token_s) for r in ok]
    return LevelSummary(
        mode=run.mode,
        level=run.level,
        requests=len(run.records),
        ok=len(ok),
        errors=dict(Counter(r.code for r in run.records if not r.ok)),
        with_tools=sum(r.with_tools for r in run.records),
        wall_s=run.wall_s,
        requests_per_s=len(ok) / wall,
        completion_tokens=tokens,
        aggregate_tokens_per_s=tokens / wall,
        ttft_ms=Distribution.of([r.ttft_s * 1e3 for r in ok if r.ttft_s is not None]),
        itl_ms=Distribution.of([gap * 1e3 for r in ok for gap in r.gaps_s]),
        latency_ms=Distribution.of([r.latency_s * 1e3 for r in ok]),
        queue_ms=Distribution.of([r.queue_ms for r in ok]),
        stream_tokens_per_s=Distribution.of([rate for rate in rates if rate is not None]),
    )
