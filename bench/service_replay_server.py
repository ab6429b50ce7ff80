"""A ggserve server over a ReplayEngine (no model), for the streaming-cost benchmark.

Logs `listening on HOST:PORT` and `ready` to stderr, serves until SIGTERM/SIGINT, then drains.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvloop

from ggserve.engine.replay import ReplayEngine
from ggserve.registry import ModelRegistry, ServedModel
from ggserve.server import Server, install_signal_handlers
from ggserve.templates import ChatTemplate


async def serve(pieces: int, piece: str, delay_s: float) -> None:
    """Serve the replay engine on 127.0.0.1 (free port) until a signal."""
    template = ChatTemplate(None)
    engine = ReplayEngine([piece] * pieces, alias="replay", queue_size=64, piece_delay_s=delay_s)
    model = ServedModel(
        alias="replay",
        engine=engine,
        renderer=template,
        tool_format=template.tool_format,
        tools_in_template=template.tools_in_template,
        has_chat_template=template.has_chat_template,
    )
    stop = asyncio.Event()
    install_signal_handlers(stop)
    server = Server(ModelRegistry([model]))
    port = await server.start("127.0.0.1:0")
    await server.set_serving()
    sys.stderr.write(f"listening on 127.0.0.1:{port}\nready\n")
    sys.stderr.flush()
    await stop.wait()
    await server.stop(1.0)


def main() -> None:
    """Parse the flags and serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pieces", type=int, default=1000)
    parser.add_argument("--piece", default=" tok")
    parser.add_argument("--piece-delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    uvloop.run(serve(args.pieces, args.piece, args.piece_delay_ms / 1e3))


if __name__ == "__main__":
    main()
