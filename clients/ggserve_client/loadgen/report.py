"""Load-test reports: a text table for people and a JSON document for machines."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ggserve_client.loadgen.stats import LevelSummary

SCHEMA = "ggserve.loadgen/v1"

_HEADERS = (
    "level", "ok", "errors", "req/s", "agg tok/s", "stream tok/s p50",
    "ttft p50", "ttft p95", "ttft p99", "itl p50", "itl p95", "itl p99",
    "latency p50", "latency p99", "queue p50",
)  # fmt: skip


def level_label(summary: LevelSummary) -> str:
    """`c=4` for a concurrency level, `r=2.5/s` for a rate."""
    if summary.mode == "closed":
        return f"c={summary.level:g}"
    return f"r={summary.level:g}/s"


def _errors(errors: Mapping[str, int]) -> str:
    return ",".join(f"{code}:{count}" for code, count in sorted(errors.items())) or "0"


def _row(s: LevelSummary) -> tuple[str, ...]:
    return (
        level_label(s), str(s.ok), _errors(s.errors), f"{s.requests_per_s:.2f}",
        f"{s.aggregate_tokens_per_s:.1f}", f"{s.stream_tokens_per_s.p50:.1f}",
        f"{s.ttft_ms.p50:.1f}", f"{s.ttft_ms.p95:.1f}", f"{s.ttft_ms.p99:.1f}",
        f"{s.itl_ms.p50:.2f}", f"{s.itl_ms.p95:.2f}", f"{s.itl_ms.p99:.2f}",
        f"{s.latency_ms.p50:.0f}", f"{s.latency_ms.p99:.0f}", f"{s.queue_ms.p50:.1f}",
    )  # fmt: skip


def table(summaries: Sequence[LevelSummary]) -> str:
    """A fixed-width table, one row per level (times in ms)."""
    rows = [_HEADERS, *(_row(s) for s in summaries)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS))]
    lines = [
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    return "\n".join([*lines, "(times in ms; tok/s = generated tokens per second)"])


def document(summaries: Sequence[LevelSummary], config: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON report: schema tag, the run's configuration, one object per level."""
    return {
        "schema": SCHEMA,
        "config": dict(config),
        "levels": [dataclasses.asdict(s) for s in summaries],
    }
