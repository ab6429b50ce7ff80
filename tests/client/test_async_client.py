"""The asyncio `AsyncClient` against a real server over a replay engine."""

from __future__ import annotations

import asyncio

import pytest

from ggserve_client import AsyncClient, errors
from ggserve_client.types import ChatDone, ContentDelta, FinishReason, Message, Role
from tests.integration.harness import ServerThread


def test_chat_stream_and_models(server: ServerThread) -> None:
    async def scenario() -> None:
        async with AsyncClient(server.target, timeout=30) as client:
            result = await client.chat(
                [Message(Role.SYSTEM, "Be brief."), Message(Role.USER, "Hi")], max_tokens=8
            )
            events = [event async for event in client.chat_stream("Hi")]
            models = await client.list_models()
            model = await client.get_model("replay")
            tokens = await client.tokenize("ab")
        assert result.message.content == "Hello, world!"
        assert result.finish_reason is FinishReason.STOP
        assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "Hello, world!"
        assert isinstance(events[-1], ChatDone)
        assert models == [model]
        assert tokens == [97, 98]

    asyncio.run(scenario())


def test_errors_are_typed(server: ServerThread) -> None:
    async def scenario() -> None:
        async with AsyncClient(server.target, timeout=30) as client:
            with pytest.raises(errors.NotFoundError):
                await client.get_model("nope")
            with pytest.raises(errors.InvalidArgumentError):
                async for _ in client.chat_stream("Hi", top_p=5.0):
                    pass

    asyncio.run(scenario())


def test_leaving_a_stream_early_cancels_it(server: ServerThread) -> None:
    async def scenario() -> None:
        async with AsyncClient(server.target, timeout=30) as client:
            stream = client.chat_stream("Hi")
            async for event in stream:
                assert isinstance(event, ContentDelta)
                break
            await stream.aclose()
            again = await client.chat("Hi")
        assert again.message.content == "Hello, world!"

    asyncio.run(scenario())
