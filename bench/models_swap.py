"""Swap cost of on-demand models, in one run of one server (`ggserve serve`, its own process).

Two models, SmolLM2-135M (`a`, the default, loaded at startup) and Gemma 3 270M (`b`), with
`--max-loaded-models 2`, 1 thread each. Printed, as medians over `--rounds`:

- time to first token of `b` when it is unloaded (the request loads it) vs when it is loaded,
  and their ratio: what a cold model costs a caller;
- resident memory with `a` alone, with `a` and `b`, and after `UnloadModel(b)`: the ratio
  after/one should be within 1.05 (an unload gives the memory back);
- while `b` loads, a stream on `a` keeps going: its largest inter-token gap and the health
  check's round trip (served by the event loop) during the load, against the same figures
  without a load — a load must not stall other models' streams or the loop.

Usage: python bench/models_swap.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from service_process import serve_drained

from ggserve.bundled_model import bundled_model_path
from ggserve_client import AsyncClient

ROOT = Path(__file__).resolve().parent.parent
GEMMA = ROOT / ".tools" / "models" / "gemma-3-270m-q4_k_m.gguf"


def rss_mib(pid: int) -> float:
    """Resident memory of `pid` in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def ttft(client: AsyncClient, model: str) -> float:
    """Seconds from the request to its first streamed delta."""
    started = time.perf_counter()
    async for _ in client.chat_stream("Say hi.", model=model, max_tokens=2, temperature=0):
        return time.perf_counter() - started
    raise RuntimeError("the stream ended without a delta")


async def gaps_and_health(
    client: AsyncClient, target: str, during: asyncio.Future[Any] | None
) -> tuple[float, float]:
    """Largest inter-delta gap of a stream on `a` and the p100 health round trip, while
    `during` runs (None: nothing else)."""
    channel = grpc.aio.insecure_channel(target)
    health = health_pb2_grpc.HealthStub(channel)
    gaps: list[float] = []
    trips: list[float] = []

    async def stream() -> None:
        last = time.perf_counter()
        prompt = "Write a long story about a lighthouse."
        async for _ in client.chat_stream(prompt, model="a", max_tokens=48, temperature=0):
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def probe() -> None:
        while not streaming.done():
            started = time.perf_counter()
            await health.Check(health_pb2.HealthCheckRequest(service=""))
            trips.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)

    streaming = asyncio.ensure_future(stream())
    await asyncio.gather(streaming, probe(), *([during] if during else []))
    await channel.close()
    return max(gaps[1:] or [0.0]), max(trips or [0.0])


async def run(rounds: int) -> None:
    smollm2 = bundled_model_path()
    if smollm2 is None or not GEMMA.is_file():
        raise SystemExit("needs the bundled model and `make models` (Gemma 3 270M)")
    # --threads 2 with two models resident: 1 thread each (the shared budget).
    options = ("--model", f"a={smollm2}", "--model", f"b={GEMMA}", "--max-loaded-models", "2",
               "--threads", "2", "--n-ctx", "1024", "--parallel", "1")  # fmt: skip
    with serve_drained(*options) as (target, pid):
        async with AsyncClient(target, timeout=300) as client:
            await ttft(client, "a")
            one = rss_mib(pid)
            cold, warm, two, after = [], [], [], []
            for _ in range(rounds):
                cold.append(await ttft(client, "b"))
                two.append(rss_mib(pid))
                warm += [await ttft(client, "b") for _ in range(3)]
                await client.unload_model("b")
                after.append(rss_mib(pid))
            quiet_gap, quiet_trip = await gaps_and_health(client, target, None)
            load = asyncio.ensure_future(client.load_model("b"))
            busy_gap, busy_trip = await gaps_and_health(client, target, load)
    cold_ms, warm_ms = statistics.median(cold) * 1e3, statistics.median(warm) * 1e3
    print(f"time to first token of b: cold (loads it) {cold_ms:.0f} ms, loaded {warm_ms:.0f} ms, "
          f"ratio {cold_ms / warm_ms:.1f}x (medians of {rounds} and {len(warm)})")  # fmt: skip
    print(f"RSS: a alone {one:.0f} MiB, a+b {statistics.median(two):.0f} MiB, after unloading b "
          f"{statistics.median(after):.0f} MiB: after/one {statistics.median(after) / one:.3f} "
          "(goal <= 1.05)")  # fmt: skip
    print(f"stream on a, largest inter-token gap: {quiet_gap * 1e3:.0f} ms alone, "
          f"{busy_gap * 1e3:.0f} ms while b loads (ratio {busy_gap / quiet_gap:.2f}); "
          f"health round trip max {quiet_trip * 1e3:.1f} ms alone, {busy_trip * 1e3:.1f} ms "
          "while b loads")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
