"""The access log of a streaming call that the client leaves while grpc writes a response.

grpc.aio cancels the handler's task when the client goes away. If that happens while grpc is
sending a response, the handler's generator is waiting at `yield`, and it is closed rather than
cancelled: the log must still say CANCELLED, and the service's own generator must be closed at
once (it releases the engine's sequence). The race cannot be forced through a real server, so
the wrapped handler is driven directly, with a minimal stand-in for the servicer context.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any, cast

import pytest

from ggserve.interceptors import _wrap_streaming


class Context:
    """What the wrapper reads from a grpc.aio servicer context."""

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return ()

    def time_remaining(self) -> float | None:
        return 30.0


def test_a_stream_closed_at_a_yield_is_logged_cancelled_and_closes_the_inner_stream(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed: list[bool] = []

    async def behavior(request: Any, context: Any) -> AsyncGenerator[int]:
        try:
            for i in range(10):
                yield i
        finally:
            closed.append(True)

    async def run() -> None:
        handler = _wrap_streaming("/ggserve.v1.ChatService/ChatStream", behavior)
        responses = handler(object(), cast(Any, Context()))
        assert await anext(responses) == 0
        await responses.aclose()

    with caplog.at_level(logging.INFO, logger="ggserve.access"):
        asyncio.run(run())
    lines = [r.getMessage() for r in caplog.records if r.name == "ggserve.access"]
    assert len(lines) == 1
    assert "ChatStream CANCELLED" in lines[0]
    assert closed == [True]


def test_a_stream_that_runs_to_its_end_is_logged_ok(caplog: pytest.LogCaptureFixture) -> None:
    async def behavior(request: Any, context: Any) -> AsyncGenerator[int]:
        yield 1

    async def run() -> list[int]:
        handler = _wrap_streaming("/ggserve.v1.ChatService/ChatStream", behavior)
        return [r async for r in handler(object(), cast(Any, Context()))]

    with caplog.at_level(logging.INFO, logger="ggserve.access"):
        assert asyncio.run(run()) == [1]
    lines = [r.getMessage() for r in caplog.records if r.name == "ggserve.access"]
    assert len(lines) == 1
    assert "ChatStream OK" in lines[0]
