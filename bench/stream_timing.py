"""Timing concurrent streams, for the streaming-cost benchmarks: one gRPC stream's counts, a
batch of concurrent streams timed together, the medians of repeated runs, and the table cells
that compare two paths."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

import uvloop

from ggserve_client import AsyncClient
from ggserve_client.types import ChatDone

Counts = tuple[int, int]  # one stream's (messages or events, tokens)


async def grpc_stream(client: AsyncClient) -> Counts:
    """One gRPC stream of "Go": (messages received, tokens generated)."""
    messages = 0
    async for event in client.chat_stream("Go", timeout=120):
        if isinstance(event, ChatDone):
            return messages, event.result.usage.completion_tokens
        messages += 1
    raise RuntimeError("stream ended without a final message")


@dataclass(frozen=True)
class Rates:
    """Messages and tokens per second of wall time, over streams that ran together."""

    messages_per_s: float
    tokens_per_s: float

    @property
    def s_per_token(self) -> float:
        return 1 / self.tokens_per_s


async def timed(streams: Iterable[Awaitable[Counts]]) -> Rates:
    """Run `streams` concurrently; their summed counts over the wall time they took."""
    start = time.perf_counter()
    results = await asyncio.gather(*streams)
    wall = time.perf_counter() - start
    return Rates(sum(m for m, _ in results) / wall, sum(t for _, t in results) / wall)


def record(figures: dict[str, float], path: str, rates: Rates) -> None:
    """Put one path's rates into a run's figures (what `medians` and `compared` read)."""
    figures[f"{path}_per_s"] = rates.messages_per_s
    figures[f"{path}_s_per_token"] = rates.s_per_token


def medians(
    measure: Callable[[int], Coroutine[Any, Any, dict[str, float]]], repeat: int
) -> dict[str, float]:
    """The median of each figure over `repeat` runs of `measure(run index)`, each in its own
    uvloop event loop (the index lets a run alternate the order of what it compares)."""
    runs = [uvloop.run(measure(i)) for i in range(repeat)]
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def compared(med: dict[str, float], base: str, other: str) -> tuple[str, float]:
    """Table cells comparing two recorded paths — messages/s of each, µs/token of each, and
    `other`'s extra time per token over `base` — and that extra as a fraction."""
    extra = med[f"{other}_s_per_token"] / med[f"{base}_s_per_token"] - 1
    cells = (
        f"{med[f'{base}_per_s']:10.0f}  {med[f'{other}_per_s']:10.0f}  "
        f"{med[f'{base}_s_per_token'] * 1e6:13.1f}  {med[f'{other}_s_per_token'] * 1e6:13.1f}  "
        f"{extra:+6.1%}"
    )
    return cells, extra


def verdict(worst: float, goal: float) -> str:
    """ "meets" or "misses", as the worst figure stays within the goal or not."""
    return "meets" if worst <= goal else "misses"
