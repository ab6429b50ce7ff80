"""Server-Sent Events: encoding, and a response that cancels its stream when the client leaves.

A disconnected client must stop generation at once, not at the next token write: the response
listens for `http.disconnect` beside the stream and cancels it, and the body iterator is closed
in every case, which cancels the upstream gRPC call.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


# One encoder for every event: json.dumps with options would build a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def compact_json(obj: Any) -> str:
    """JSON without spaces or ASCII escaping (what the real APIs send); a plain string goes
    straight to the C string encoder."""
    return _ENCODER.encode(obj)


def data_event(obj: Any) -> bytes:
    """`data: JSON` (OpenAI's events carry no name)."""
    return f"data: {compact_json(obj)}\n\n".encode()


def named_event(name: str, obj: Any) -> bytes:
    """`event: NAME` + `data: JSON` (Anthropic's events)."""
    return f"event: {name}\ndata: {compact_json(obj)}\n\n".encode()


class EventStreamResponse(StreamingResponse):
    """A `text/event-stream` response over an async iterator of encoded events."""

    def __init__(self, body: AsyncIterator[bytes]) -> None:
        super().__init__(body, headers=_HEADERS, media_type="text/event-stream")
        self._body = body

    async def _stream(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        async for chunk in self._body:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    @staticmethod
    async def _disconnected(receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:

                async def run(coro: Any) -> None:
                    with contextlib.suppress(OSError):  # the client went away mid-write
                        await coro
                    group.cancel_scope.cancel()

                group.start_soon(run, self._stream(send))
                await run(self._disconnected(receive))
        finally:
            aclose = getattr(self._body, "aclose", None)
            if aclose is not None:
                await aclose()
