"""Drives load: one measured streaming request, closed-loop workers, open-loop Poisson arrivals.

A level is bounded by a request count and a duration: no request starts after the duration,
and requests in flight end by their own deadline (`deadline_s`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ggserve_client.aio import AsyncClient
from ggserve_client.errors import GgserveError
from ggserve_client.loadgen.workload import Workload
from ggserve_client.types import ChatDone, ChatStarted, PromptProgress

OK = "OK"


@dataclass(slots=True)
class RequestRecord:
    """One request's measurements; times are seconds from its start (`perf_counter` based)."""

    with_tools: bool
    code: str = OK
    ttft_s: float | None = None
    latency_s: float = 0.0
    last_token_s: float = 0.0
    gaps_s: list[float] = field(default_factory=list)
    completion_tokens: int = 0
    queue_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the request finished with status OK."""
        return self.code == OK


@dataclass(slots=True)
class LevelRun:
    """The records of one level (a concurrency or a rate) and its wall time."""

    mode: str  # "closed" (level = concurrent streams) or "open" (level = requests/s)
    level: float
    records: list[RequestRecord]
    wall_s: float


Progress = Callable[[RequestRecord], None]


async def measure(
    client: AsyncClient, workload: Workload, number: int, deadline_s: float
) -> RequestRecord:
    """Stream request `number` and time its events."""
    prompt, options = workload.request(number)
    record = RequestRecord(with_tools=workload.uses_tools(number))
    start = time.perf_counter()
    previous: float | None = None
    try:
        async for event in client.chat_stream(prompt, timeout=deadline_s, **options):
            now = time.perf_counter() - start
            if isinstance(event, ChatDone):
                record.completion_tokens = event.result.usage.completion_tokens
                record.queue_ms = event.result.timings.queue_ms
                continue
            if isinstance(event, ChatStarted | PromptProgress):
                continue  # not generated text: the first token's time is measured below
            if previous is None:
                record.ttft_s = now
            else:
                record.gaps_s.append(now - previous)
            previous = record.last_token_s = now
    except GgserveError as exc:
        record.code = exc.code.name
    record.latency_s = time.perf_counter() - start
    return record


async def closed_loop(
    client: AsyncClient,
    workload: Workload,
    concurrency: int,
    *,
    requests: int,
    duration_s: float,
    deadline_s: float,
    progress: Progress,
) -> LevelRun:
    """`concurrency` workers, each starting its next request as soon as the last one ends."""
    records: list[RequestRecord] = []
    numbers = iter(range(requests))
    start = time.perf_counter()

    async def worker() -> None:
        for number in numbers:
            if time.perf_counter() - start >= duration_s:
                return
            record = await measure(client, workload, number, deadline_s)
            records.append(record)
            progress(record)

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())
    return LevelRun("closed", concurrency, records, time.perf_counter() - start)


async def open_loop(
    client: AsyncClient,
    workload: Workload,
    rate: float,
    *,
    requests: int,
    duration_s: float,
    deadline_s: float,
    progress: Progress,
    rng: random.Random,
) -> LevelRun:
    """Requests arriving as a Poisson process of `rate` per second, whatever is in flight."""
    records: list[RequestRecord] = []
    start = time.perf_counter()

    async def one(number: int) -> None:
        record = await measure(client, workload, number, deadline_s)
        records.append(record)
        progress(record)

    async with asyncio.TaskGroup() as group:
        arrival = 0.0
        for number in range(requests):
            arrival += rng.expovariate(rate)
            if arrival >= duration_s:
                break
            await asyncio.sleep(max(0.0, arrival - (time.perf_counter() - start)))
            group.create_task(one(number))
    return LevelRun("open", rate, records, time.perf_counter() - start)


async def run_level(
    client: AsyncClient,
    workload: Workload,
    *,
    concurrency: int | None = None,
    rate: float | None = None,
    requests: int,
    duration_s: float,
    deadline_s: float,
    progress: Progress = lambda record: None,
    seed: int = 0,
) -> LevelRun:
    """Run one level: closed loop at `concurrency`, or open loop at `rate` (exactly one)."""
    if (concurrency is None) == (rate is None):
        raise ValueError("give exactly one of concurrency and rate")
    if concurrency is not None:
        return await closed_loop(
            client, workload, concurrency,
            requests=requests, duration_s=duration_s, deadline_s=deadline_s, progress=progress,
        )  # fmt: skip
    assert rate is not None
    return await open_loop(
        client, workload, rate, requests=requests, duration_s=duration_s, deadline_s=deadline_s,
        progress=progress, rng=random.Random(seed),
    )  # fmt: skip
