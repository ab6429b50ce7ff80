"""The asyncio `AsyncClient` against a real server over a replay engine."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from ggserve_client import AsyncClient, errors
from ggserve_client.types import (
    ChatDone,
    ChatStarted,
    ContentDelta,
    FinishReason,
    Message,
    PromptProgress,
    Role,
)
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
        started = events[0]
        assert isinstance(started, ChatStarted)
        assert started.model == "replay"
        assert started.prompt_tokens == events[-1].result.usage.prompt_tokens > 0
        assert started.context_length == 4096
        # Prompt progress (at admission, then evaluated; a slow reader may get only the
        # latest), then the text.
        first_text = next(i for i, e in enumerate(events) if isinstance(e, ContentDelta))
        progress = events[1:first_text]
        assert progress
        assert all(isinstance(p, PromptProgress) for p in progress)
        last = progress[-1]
        assert isinstance(last, PromptProgress)
        assert last.processed_tokens == last.total_tokens == started.prompt_tokens
        assert last.fraction == 1.0
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


def test_load_unload_and_embed_reach_the_server(server: ServerThread) -> None:
    async def scenario() -> None:
        async with AsyncClient(server.target, timeout=30) as client:
            loaded = await client.load_model("replay")
            assert (loaded.alias, loaded.state) == ("replay", "loaded")
            with pytest.raises(errors.GgserveError) as unload:
                await client.unload_model("replay")
            assert unload.value.code is grpc.StatusCode.FAILED_PRECONDITION
            with pytest.raises(errors.GgserveError) as embed:
                await client.embed("a")
            assert "Embed needs an embedding model" in embed.value.message

    asyncio.run(scenario())


def test_leaving_a_stream_early_cancels_it(server: ServerThread) -> None:
    async def scenario() -> None:
        async with AsyncClient(server.target, timeout=30) as client:
            stream = client.chat_stream("Hi")
            async for event in stream:
                if isinstance(event, ContentDelta):
                    break
                assert isinstance(event, ChatStarted | PromptProgress)
            await stream.aclose()
            again = await client.chat("Hi")
        assert again.message.content == "Hello, world!"

    asyncio.run(scenario())
