"""Concurrency 1, 2, 4, 8 against the real model: aggregate tokens/s and queueing delay.

`ggserve serve` (bundled SmolLM2, n_threads=1, one slot) in its own process; the load generator
in this process runs closed-loop levels of 64-token greedy answers. With one slot the engine
serves requests one at a time, so aggregate tokens/s stays flat while queueing delay (the
server's `queue_ms`) and TTFT grow with concurrency: the baseline continuous batching must beat.
"""

from __future__ import annotations

import argparse

import uvloop
from service_process import serve_model

from ggserve_client import AsyncClient
from ggserve_client.loadgen import LevelSummary, Workload, run_level, summarize
from ggserve_client.loadgen.report import level_label

LEVELS = (1, 2, 4, 8)


async def run(target: str, requests_per_stream: int) -> list[LevelSummary]:
    """One warm-up, then each level with `requests_per_stream` * concurrency requests."""
    workload = Workload(max_tokens=64, temperature=0.0, seed=1)
    summaries = []
    async with AsyncClient(target) as client:
        await run_level(client, workload, concurrency=1, requests=1, duration_s=60, deadline_s=120)
        for concurrency in LEVELS:
            level = await run_level(
                client, workload, concurrency=concurrency,
                requests=max(4, requests_per_stream * concurrency),
                duration_s=300, deadline_s=300,
            )  # fmt: skip
            summaries.append(summarize(level))
    return summaries


def main() -> None:
    """Print one row per level."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests-per-stream", type=int, default=2)
    args = parser.parse_args()
    with serve_model("--queue-size", "16") as target:
        summaries = uvloop.run(run(target, args.requests_per_stream))
    base = summaries[0].aggregate_tokens_per_s
    print("concurrency against SmolLM2 (n_threads=1, 1 slot, 64-token greedy answers)")
    print("  level  ok  err  agg tok/s  vs c=1  stream tok/s p50  ttft p50/p95 ms  "
          "queue p50/p95 ms  latency p50 ms")  # fmt: skip
    for s in summaries:
        print(
            f"  {level_label(s):>5}  {s.ok:2d}  {sum(s.errors.values()):3d}  "
            f"{s.aggregate_tokens_per_s:9.1f}  {s.aggregate_tokens_per_s / base:5.2f}x  "
            f"{s.stream_tokens_per_s.p50:16.1f}  {s.ttft_ms.p50:7.1f}/{s.ttft_ms.p95:7.1f}  "
            f"{s.queue_ms.p50:8.1f}/{s.queue_ms.p95:7.1f}  {s.latency_ms.p50:14.0f}"
        )


if __name__ == "__main__":
    main()
