"""Per-token cost of the Responses stream vs the Chat Completions stream, through the gateway.

The same replay-engine server (one-token pieces, one per `delay`) and `ggserve gateway` as
`gateway_cost.py`; this process runs 8 concurrent streams of each API, alternately, in the same
run: `POST /v1/responses` (`stream: true`: named events with a sequence number, the final
`response.completed` carrying the whole response) and `POST /v1/chat/completions`. It reports
the time per token of each and the Responses stream's extra cost. The client reads each body
whole, in large chunks, so that its own cost per token is the same for both APIs. Goal: ≤ +10 %
at 8 streams. Three processes share this machine's 2 cores, so absolute figures are a floor.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from service_process import serve_gateway, serve_replay
from stream_timing import compared, medians, record, timed, verdict

PIECES = 1000
DELAYS_MS = (1.0, 0.1)
STREAMS = 8
GOAL = 0.10


async def sse_body(base_url: str, path: str, body: dict[str, Any]) -> bytes:
    """POST `body` to `path` and read the whole SSE body (the server closes the connection after
    the last event). Read in large chunks and split once at the end, so that the client's cost
    does not depend on how many lines an API writes per token."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    payload = json.dumps(body).encode()
    head = (
        f"POST {url.path}{path} HTTP/1.1\r\nhost: {url.netloc}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(payload)}\r\n"
        "connection: close\r\n\r\n"
    )
    writer.write(head.encode() + payload)
    data = await reader.read()
    writer.close()
    return data


def _data_lines(body: bytes) -> list[bytes]:
    return [line for line in body.split(b"\n") if line.startswith(b"data: {")]


async def chat_events(base_url: str) -> tuple[int, int]:
    """One Chat Completions stream: (data chunks, tokens from the usage chunk)."""
    body = {
        "model": "replay",
        "messages": [{"role": "user", "content": "Go"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    lines = _data_lines(await sse_body(base_url, "/chat/completions", body))
    return len(lines), json.loads(lines[-1][6:])["usage"]["completion_tokens"]


async def responses_events(base_url: str) -> tuple[int, int]:
    """One Responses stream: (events, output tokens from `response.completed`)."""
    body = {"model": "replay", "input": "Go", "stream": True, "store": False}
    lines = _data_lines(await sse_body(base_url, "/responses", body))
    final = json.loads(lines[-1][6:])
    assert final["type"] == "response.completed", final["type"]
    return len(lines), final["response"]["usage"]["output_tokens"]


async def measure(base_url: str, run: int) -> dict[str, float]:
    """Seconds per token of 8 concurrent streams of each API, one API after the other
    (Responses first in even runs)."""
    out: dict[str, float] = {}
    await chat_events(base_url)
    await responses_events(base_url)  # warm-ups
    order = ("responses", "chat") if run % 2 == 0 else ("chat", "responses")
    for name in order:
        stream = responses_events if name == "responses" else chat_events
        rates = await timed(stream(base_url) for _ in range(STREAMS))
        record(out, name, rates)
    return out


def main(repeat: int = 5) -> None:
    """Print the medians of `repeat` runs per delay (the order alternates between runs)."""
    print(
        f"Responses vs Chat Completions streaming, replay engine ({PIECES} one-token pieces), "
        f"{STREAMS} streams, medians of {repeat}"
    )
    print("  piece    chat ev/s   resp ev/s  chat µs/token  resp µs/token  extra")
    worst = -1.0
    for delay_ms in DELAYS_MS:
        with serve_replay(PIECES, delay_ms=delay_ms) as target, serve_gateway(target) as base:
            cells, extra = compared(medians(partial(measure, base), repeat), "chat", "responses")
            worst = max(worst, extra)
            print(f"  {delay_ms:4.1f} ms  {cells}")
    print(f"  the Responses stream costs at most {worst:+.1%} per token more "
          f"({verdict(worst, GOAL)} the ≤ +{GOAL:.0%} goal)")  # fmt: skip


if __name__ == "__main__":
    main()
