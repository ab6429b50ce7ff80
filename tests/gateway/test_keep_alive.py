"""The shared stream loop's keep-alives (`streaming.with_keep_alives` / `event_stream`).

The upstream here is a scripted async generator standing in for the gRPC stream, because what is
tested is the interleaving itself (a timer beside a pending event, and closing mid-wait); the
HTTP streams over the real core are covered by the SDK tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

from ggserve_client.types import (
    ChatDone,
    ChatResult,
    ContentDelta,
    FinishReason,
    Message,
    Role,
    Timings,
    Usage,
)
from ggserve_gateway.anthropic_response import EventWriter
from ggserve_gateway.calls import GatedEvent
from ggserve_gateway.openai_response import ChunkWriter
from ggserve_gateway.responses_response import Envelope, ResponsesWriter
from ggserve_gateway.responses_schema import ResponsesRequest
from ggserve_gateway.responses_tools import ToolMap
from ggserve_gateway.streaming import event_stream, with_keep_alives

_DONE = ChatDone(
    ChatResult("req", "m", FinishReason.STOP, Message(Role.ASSISTANT, "hi"), Usage(3, 1), Timings())
)


class _Source:
    """Yields `events` after `pause` seconds of silence each; records that it was closed."""

    def __init__(self, events: list[GatedEvent], pause: float) -> None:
        self.events, self.pause, self.closed = events, pause, False

    async def stream(self) -> AsyncGenerator[GatedEvent]:
        try:
            for event in self.events:
                await asyncio.sleep(self.pause)
                yield event
        finally:
            self.closed = True


def _datas(chunks: list[bytes]) -> list[dict[str, Any]]:
    """The JSON bodies of the `data:` lines (not `[DONE]`)."""
    lines = b"".join(chunks).decode().splitlines()
    return [json.loads(x[6:]) for x in lines if x.startswith("data: {")]


async def _collect(paced: AsyncGenerator[GatedEvent | None]) -> list[GatedEvent | None]:
    return [item async for item in paced]


def test_silence_yields_keep_alives_and_every_event_arrives() -> None:
    source = _Source([ContentDelta("a"), _DONE], pause=0.3)
    items = asyncio.run(_collect(with_keep_alives(source.stream(), 0.05)))
    events = [item for item in items if item is not None]
    assert events == [ContentDelta("a"), _DONE]
    # Two silences of 0.3 s at a 0.05 s interval: keep-alives before each event (at least one
    # even on a stalled machine: the timer is due before the event).
    assert items.index(ContentDelta("a")) >= 1
    assert items[-1] == _DONE
    assert items[-2] is None


def test_a_busy_stream_has_no_keep_alives() -> None:
    source = _Source([ContentDelta("a"), ContentDelta("b"), _DONE], pause=0)
    items = asyncio.run(_collect(with_keep_alives(source.stream(), 5)))
    assert items == [ContentDelta("a"), ContentDelta("b"), _DONE]


def test_closing_while_waiting_closes_the_upstream() -> None:
    source = _Source([ContentDelta("a")], pause=30)

    async def run() -> None:
        events = source.stream()
        body = event_stream(EventWriter("msg_1", "m"), ContentDelta("x"), events, keep_alive_s=0.01)
        assert b"message_start" in await anext(body)
        assert await anext(body) == b'event: ping\ndata: {"type":"ping"}\n\n'
        await body.aclose()  # the client left while the core was silent

    asyncio.run(run())
    assert source.closed


def test_openai_keep_alive_is_an_empty_delta_chunk() -> None:
    """Not a comment: the SDKs drop comments, so an agent's idle timer would never see it."""
    source = _Source([ContentDelta("a"), _DONE], pause=0.15)

    async def run() -> list[bytes]:
        writer = ChunkWriter("chatcmpl-1", 0, "m", include_usage=False)
        body = event_stream(writer, ContentDelta(""), source.stream(), keep_alive_s=0.05)
        return [chunk async for chunk in body]

    chunks = asyncio.run(run())
    assert chunks[-1].endswith(b"data: [DONE]\n\n")
    assert all(c.startswith(b"data: ") for c in chunks)
    bodies = _datas(chunks)
    empty = [b for b in bodies if b["choices"][0]["delta"] == {}]
    assert empty, "no keep-alive chunk in a 0.15 s silence at a 0.05 s interval"
    assert all(b["choices"][0]["finish_reason"] is None for b in empty[:-1])
    assert all(b["object"] == "chat.completion.chunk" and b["id"] == "chatcmpl-1" for b in empty)


def test_responses_keep_alive_is_an_in_progress_event() -> None:
    """Codex's idle timer counts events, not comments."""
    source = _Source([ContentDelta("a"), _DONE], pause=0.15)

    async def run() -> list[bytes]:
        envelope = Envelope.of(ResponsesRequest(input="Hi"))
        writer = ResponsesWriter(envelope, "m", ToolMap(()), lambda *_: None)
        body = event_stream(writer, ContentDelta(""), source.stream(), keep_alive_s=0.05)
        return [chunk async for chunk in body]

    events = _datas(asyncio.run(run()))
    kinds = [e["type"] for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds.count("response.in_progress") >= 2, kinds
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert kinds[-1] == "response.completed"
