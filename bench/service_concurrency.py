"""Concurrency 1-16 against the real model: ggserve --parallel 1 and 8, and llama-server -np 8.

Each server runs the bundled SmolLM2 in its own process with the same decode threads, and gets
the same closed-loop load: levels of 1, 2, 4, 8 and 16 concurrent streams of 64-token greedy
answers to the load generator's prompts. Reported per level: aggregate tokens/s, per-stream
tokens/s, TTFT p50/p95, inter-token latency p50/p99 and ggserve's own queueing delay; then
ggserve ÷ llama-server at each level (same run, same machine state). `--parallel 1` is the old
one-slot engine; llama-server is built by `make llama-server` (skipped with a note if absent).

Goals at 8 streams: aggregate ≥ llama-server's, TTFT p50 ≤ 1.5 x llama-server's, queueing p50 ≈ 0.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

import llama_server
import uvloop
from service_process import serve_model

from ggserve.bundled_model import bundled_model_path
from ggserve_client import AsyncClient
from ggserve_client.loadgen import LevelSummary, Workload, run_level, summarize

LEVELS = (1, 2, 4, 8, 16)
WORKLOAD = Workload(max_tokens=64, temperature=0.0, seed=1)


def requests_at(level: int, per_stream: int) -> int:
    return max(4, per_stream * level)


async def ggserve_levels(target: str, levels: Sequence[int], per_stream: int) -> list[LevelSummary]:
    summaries = []
    async with AsyncClient(target) as client:
        await run_level(client, WORKLOAD, concurrency=1, requests=1, duration_s=60, deadline_s=120)
        for level in levels:
            run = await run_level(
                client, WORKLOAD, concurrency=level, requests=requests_at(level, per_stream),
                duration_s=600, deadline_s=600,
            )  # fmt: skip
            summaries.append(summarize(run))
    return summaries


async def llama_server_levels(
    target: str, levels: Sequence[int], per_stream: int
) -> list[LevelSummary]:
    await llama_server.closed_loop(target, WORKLOAD, 1, requests=1)  # warm-up
    summaries = []
    for level in levels:
        run = await llama_server.closed_loop(
            target, WORKLOAD, level, requests=requests_at(level, per_stream)
        )
        summaries.append(summarize(run))
    return summaries


def table(title: str, summaries: Sequence[LevelSummary], queue: bool = True) -> None:
    print(f"\n{title}")
    print("  level  ok err  agg tok/s  stream tok/s p50  ttft p50/p95 ms    itl p50/p99 ms"
          "  queue p50/p95 ms")  # fmt: skip
    for s in summaries:
        queued = f"{s.queue_ms.p50:7.1f}/{s.queue_ms.p95:7.1f}" if queue else "     n/a"
        print(
            f"  {int(s.level):>5}  {s.ok:2d} {sum(s.errors.values()):3d}  "
            f"{s.aggregate_tokens_per_s:9.1f}  {s.stream_tokens_per_s.p50:16.1f}  "
            f"{s.ttft_ms.p50:7.1f}/{s.ttft_ms.p95:7.1f}  {s.itl_ms.p50:6.1f}/{s.itl_ms.p99:7.1f}  "
            f"{queued}"
        )


def ratios(title: str, ours: Sequence[LevelSummary], base: Sequence[LevelSummary]) -> None:
    print(f"\n{title}")
    print("  level  agg tok/s ratio  ttft p50 ratio  itl p50 ratio")
    for a, b in zip(ours, base, strict=True):

        def r(
            get: Callable[[LevelSummary], float], a: LevelSummary = a, b: LevelSummary = b
        ) -> str:
            denominator = get(b)
            return f"{get(a) / denominator:14.2f}x" if denominator else "            n/a"

        print(
            f"  {int(a.level):>5}  {r(lambda s: s.aggregate_tokens_per_s)}  "
            f"{r(lambda s: s.ttft_ms.p50)}  {r(lambda s: s.itl_ms.p50)}"
        )


def bench_threads(threads: int, levels: Sequence[int], per_stream: int, slots: int) -> None:
    load = os.getloadavg()
    print(f"\n=== n_threads={threads}  (load average before: {load[0]:.2f} {load[1]:.2f})")
    runs: dict[str, list[LevelSummary]] = {}
    for parallel in (1, slots):
        options = ("--threads", str(threads), "--parallel", str(parallel), "--queue-size", "64")
        with serve_model(*options) as target:
            runs[f"p{parallel}"] = uvloop.run(ggserve_levels(target, levels, per_stream))
        table(f"ggserve --parallel {parallel}", runs[f"p{parallel}"])
    model = bundled_model_path()
    if llama_server.available() and model is not None:
        with llama_server.serve(model, threads=threads, slots=slots) as target:
            runs["llama"] = uvloop.run(llama_server_levels(target, levels, per_stream))
        table(f"llama-server -np {slots} -kvu", runs["llama"], queue=False)
        ratios(f"ggserve --parallel {slots} ÷ llama-server -np {slots}", runs[f"p{slots}"],
               runs["llama"])  # fmt: skip
    else:
        print("\nllama-server: not built (make llama-server); no baseline this run")
    ratios(f"ggserve --parallel {slots} ÷ ggserve --parallel 1", runs[f"p{slots}"], runs["p1"])
    load = os.getloadavg()
    print(f"  (load average after: {load[0]:.2f} {load[1]:.2f})")


def main() -> None:
    """Print the tables and ratios for each thread count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests-per-stream", type=int, default=2)
    parser.add_argument("--threads", default="1", help="comma-separated decode thread counts")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--slots", type=int, default=8)
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    print("concurrency against SmolLM2-135M Q4_1, 64-token greedy answers, closed loop, "
          f"{args.requests_per_stream} requests per stream (min 4) per level")  # fmt: skip
    for threads in (int(x) for x in args.threads.split(",")):
        bench_threads(threads, levels, args.requests_per_stream, args.slots)


if __name__ == "__main__":
    main()
