"""The HTTP gateway's cost per streamed token: OpenAI SSE through the gateway vs gRPC direct.

A replay-engine server (no model) in its own process answers every request with one-token
pieces, one per `delay` (1 ms: a fast GPU model; 0.1 ms: faster than any model, to find the
gateway's ceiling); `ggserve gateway` runs in front of it in a second process. This process
(uvloop) runs 1 and 8 concurrent streams, alternately straight to gRPC (`AsyncClient`) and
through the gateway (`POST /v1/chat/completions`, `stream: true`, read by a minimal HTTP/1.1
client so that the client's own parsing stays small), and reports stream messages/s, time per
token and the gateway's added time per token. The replay engine has one slot, so 8 streams share
it: the figure is the gateway relaying 8 open streams. Goal: ≤ 10 % added at 8 streams.
Three processes share this machine's 2 cores, so absolute figures are a floor.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from urllib.parse import urlsplit

from service_process import serve_gateway, serve_replay
from stream_timing import compared, grpc_stream, medians, record, timed, verdict

from ggserve_client import AsyncClient

PIECES = 1000
DELAYS_MS = (1.0, 0.1)
GOAL = 0.10


async def http_stream(base_url: str) -> tuple[int, int]:
    """One SSE stream through the gateway: (data chunks, tokens from the usage chunk)."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    body = json.dumps(
        {
            "model": "replay",
            "messages": [{"role": "user", "content": "Go"}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
    ).encode()
    head = (
        f"POST {url.path}/chat/completions HTTP/1.1\r\nhost: {url.netloc}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    chunks, tokens = 0, 0
    last = b""
    async for line in reader:
        if line.startswith(b"data: {"):
            chunks += 1
            last = line
        elif line.startswith(b"data: [DONE]"):
            tokens = json.loads(last[6:])["usage"]["completion_tokens"]
            break
    writer.close()
    return chunks, tokens


async def measure(grpc_target: str, base_url: str, streams: int, run: int) -> dict[str, float]:
    """Seconds per token and messages/s, direct and through the gateway, one after the other
    (HTTP first in odd runs)."""
    out: dict[str, float] = {}
    async with AsyncClient(grpc_target) as client:
        await grpc_stream(client)
        await http_stream(base_url)  # warm-ups
        for name in ("http", "grpc") if run % 2 == 1 else ("grpc", "http"):
            rates = await timed(
                grpc_stream(client) if name == "grpc" else http_stream(base_url)
                for _ in range(streams)
            )
            record(out, name, rates)
    return out


def main(repeat: int = 5) -> None:
    """Print the medians of `repeat` runs per delay and stream count (the order of the two
    paths alternates between runs, so that neither always runs on a warmer machine)."""
    print(
        f"gateway cost, replay engine ({PIECES} one-token pieces per answer), medians of {repeat}"
    )
    print("  piece   streams  gRPC msg/s  HTTP msg/s  gRPC µs/token  HTTP µs/token  added")
    worst_at_8 = 0.0
    for delay_ms in DELAYS_MS:
        with serve_replay(PIECES, delay_ms=delay_ms) as target, serve_gateway(target) as base:
            for streams in (1, 8):
                med = medians(partial(measure, target, base, streams), repeat)
                cells, added = compared(med, "grpc", "http")
                if streams == 8:
                    worst_at_8 = max(worst_at_8, added)
                print(f"  {delay_ms:4.1f} ms  {streams:7d}  {cells}")
    print(f"  at 8 streams the gateway adds at most {worst_at_8:+.1%} per token "
          f"({verdict(worst_at_8, GOAL)} the ≤ {GOAL:.0%} goal)")  # fmt: skip


if __name__ == "__main__":
    main()
