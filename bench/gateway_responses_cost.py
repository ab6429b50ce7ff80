"""Per-token cost of the Responses stream vs the Chat Completions stream, through the gateway.

The same replay-engine server (one-token pieces, one per `delay`) and `ggserve gateway` as
`gateway_cost.py`; this process runs 8 concurrent streams of each API, alternately, in the same
run: `POST /v1/responses` (`stream: true`: named events with a sequence number, the final
`response.completed` carrying the whole response) and `POST /v1/chat/completions`. It reports
the time per token of each and the Responses stream's extra cost. Goal: ≤ +10 % at 8 streams.
Three processes share this machine's 2 cores, so absolute figures are a floor.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import uvloop
from gateway_cost import http_stream, sse_stream
from service_process import serve_gateway, serve_replay

PIECES = 1000
DELAYS_MS = (1.0, 0.1)
STREAMS = 8
GOAL = 0.10


async def responses_events(base_url: str) -> tuple[int, int]:
    """One Responses stream read to its end: (events, output tokens)."""
    body = {"model": "replay", "input": "Go", "stream": True, "store": False}
    lines = await sse_stream(base_url, "/responses", body, b'data: {"type":"response.completed"')
    final = json.loads(lines[-1][6:])
    return len(lines), final["response"]["usage"]["output_tokens"]


async def measure(base_url: str, *, responses_first: bool) -> dict[str, float]:
    """Seconds per token of 8 concurrent streams of each API, one API after the other."""
    out: dict[str, float] = {}
    await http_stream(base_url)
    await responses_events(base_url)  # warm-ups
    order = ("responses", "chat") if responses_first else ("chat", "responses")
    for name in order:
        stream = responses_events if name == "responses" else http_stream
        start = time.perf_counter()
        results = await asyncio.gather(*(stream(base_url) for _ in range(STREAMS)))
        wall = time.perf_counter() - start
        out[f"{name}_s_per_token"] = wall / sum(t for _, t in results)
        out[f"{name}_events_per_s"] = sum(m for m, _ in results) / wall
    return out


def main(repeat: int = 5) -> None:
    """Print the medians of `repeat` runs per delay (the order alternates between runs)."""
    print(
        f"Responses vs Chat Completions streaming, replay engine ({PIECES} one-token pieces), "
        f"{STREAMS} streams, medians of {repeat}"
    )
    print("  piece   chat ev/s  resp ev/s  chat µs/token  resp µs/token  extra")
    worst = -1.0
    for delay_ms in DELAYS_MS:
        with serve_replay(PIECES, delay_ms=delay_ms) as target, serve_gateway(target) as base:
            runs = [uvloop.run(measure(base, responses_first=i % 2 == 0)) for i in range(repeat)]
            med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            extra = med["responses_s_per_token"] / med["chat_s_per_token"] - 1
            worst = max(worst, extra)
            print(
                f"  {delay_ms:4.1f} ms  {med['chat_events_per_s']:9.0f}  "
                f"{med['responses_events_per_s']:9.0f}  {med['chat_s_per_token'] * 1e6:13.1f}  "
                f"{med['responses_s_per_token'] * 1e6:13.1f}  {extra:+6.1%}"
            )
    verdict = "meets" if worst <= GOAL else "misses"
    print(f"  the Responses stream costs at most {worst:+.1%} per token more "
          f"({verdict} the ≤ +{GOAL:.0%} goal)")  # fmt: skip


if __name__ == "__main__":
    main()
