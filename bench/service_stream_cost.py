"""Per-message cost of the streaming path: a replay-engine server (no model), 1 and 8 streams.

The server runs in its own process (`service_replay_server.py`, uvloop) and answers every
request with 2,000 one-token pieces; the client (this process, uvloop) counts stream messages
and tokens. The engine emits a piece every 0.1, 0.02 or 0.005 ms (thread waits, so in practice
at most ~6k, ~11k and ~13k pieces/s): while the streaming path keeps up, each message carries one
token; once it saturates, the server coalesces the backlog (tokens/message > 1). With no delay
at all the engine outruns any client and a whole answer travels in one or two messages. The
replay engine has one slot, so 8 concurrent streams share it through the scheduler: the figure
is the server's per-message path with 8 calls open. Client and server share this machine's 2
cores, so absolute figures are a floor.
"""

from __future__ import annotations

from functools import partial

from service_process import serve_replay
from stream_timing import grpc_stream, medians, timed

from ggserve_client import AsyncClient

PIECES = 2000


async def measure(target: str, streams: int, _run: int) -> dict[str, float]:
    """Messages/s and tokens/s over `streams` concurrent streams."""
    async with AsyncClient(target) as client:
        await grpc_stream(client)  # warm-up
        rates = await timed(grpc_stream(client) for _ in range(streams))
    return {"messages_per_s": rates.messages_per_s, "tokens_per_s": rates.tokens_per_s}


def main(repeat: int = 3) -> None:
    """Print messages/s and tokens/s for 1 and 8 streams (medians of `repeat` runs)."""
    print(f"streaming path with a replay engine ({PIECES} one-token pieces per answer), medians")
    for delay_ms in (0.1, 0.02, 0.005):
        with serve_replay(PIECES, delay_ms=delay_ms) as target:
            for streams in (1, 8):
                med = medians(partial(measure, target, streams), repeat)
                msgs, tokens = med["messages_per_s"], med["tokens_per_s"]
                print(
                    f"  piece every {delay_ms:.3f} ms, {streams} stream(s): {msgs:7.0f} messages/s "
                    f"{tokens:8.0f} tokens/s ({tokens / msgs:6.2f} tokens/message)"
                )


if __name__ == "__main__":
    main()
