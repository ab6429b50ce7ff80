"""ReplayEngine (and through it the shared scheduler): stops, limits, admission, cancellation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from ggserve.domain import FinishReason, LengthLimit
from ggserve.engine.base import (
    ContextOverflow,
    EngineClosed,
    EngineEvent,
    EventStream,
    GenerationDone,
    GenerationRequest,
    GrammarError,
    PromptProgress,
    QueueFull,
    TextDelta,
)
from ggserve.engine.replay import ReplayEngine
from ggserve.engine.stream import GenerationStream

T = TypeVar("T")
LONG = tuple(f"w{i} " for i in range(3000))


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def request(max_tokens: int = 100, stop: tuple[str, ...] = (), **kw: Any) -> GenerationRequest:
    return GenerationRequest("req", (1, 2, 3), max_tokens, stop=stop, **kw)


async def collect(stream: EventStream) -> tuple[str, GenerationDone]:
    text, done = [], None
    async for event in stream:
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, GenerationDone):
            done = event
    assert done is not None
    return "".join(text), done


async def generate_once(engine: ReplayEngine, req: GenerationRequest) -> tuple[str, GenerationDone]:
    try:
        return await collect(engine.generate(req))
    finally:
        await engine.close()


def test_pieces_stream_then_one_done() -> None:
    engine = ReplayEngine(["Hel", "lo", " world"])
    text, done = run(generate_once(engine, request()))
    assert text == "Hello world"
    assert done.finish_reason is FinishReason.STOP
    assert done.matched_stop is None
    assert done.usage.completion_tokens == 3
    assert done.usage.prompt_tokens == 3


def test_stop_string_split_across_pieces() -> None:
    engine = ReplayEngine(["Hel", "lo </", "end> never"])
    text, done = run(generate_once(engine, request(stop=("</end>",))))
    assert (text, done.finish_reason, done.matched_stop) == ("Hello ", FinishReason.STOP, "</end>")


def test_held_back_text_is_flushed_when_no_stop_matches() -> None:
    engine = ReplayEngine(["a", "</e"])
    text, _ = run(generate_once(engine, request(stop=("</end>",))))
    assert text == "a</e"


def test_max_tokens_ends_with_length() -> None:
    engine = ReplayEngine(["a", "b", "c", "d"])
    text, done = run(generate_once(engine, request(max_tokens=2)))
    assert (text, done.finish_reason, done.usage.completion_tokens) == (
        "ab",
        FinishReason.LENGTH,
        2,
    )


def test_script_can_depend_on_the_request() -> None:
    engine = ReplayEngine(lambda req: [req.request_id, "!"])
    text, _ = run(generate_once(engine, GenerationRequest("abc", (1,), 10)))
    assert text == "abc!"


def test_context_overflow_is_raised_at_call_time() -> None:
    async def scenario() -> None:
        engine = ReplayEngine(n_ctx=8)
        try:
            with pytest.raises(ContextOverflow) as info:
                engine.generate(GenerationRequest("r", tuple(range(8)), 1))
            assert (info.value.prompt_tokens, info.value.context_length) == (8, 8)
            assert "prompt is too long: 8 tokens" in str(info.value)
        finally:
            await engine.close()

    run(scenario())


def test_max_tokens_is_a_ceiling_the_context_ends_the_answer() -> None:
    """A budget larger than the room left is served: the full context ends it as LENGTH."""
    engine = ReplayEngine([str(i) for i in range(10)], n_ctx=8)
    text, done = run(generate_once(engine, GenerationRequest("r", (1, 2, 3, 4, 5), 32000)))
    assert text == "012"
    assert done.finish_reason is FinishReason.LENGTH
    assert done.length_limit is LengthLimit.CONTEXT
    assert done.usage.completion_tokens == 3


def test_budget_reached_is_told_apart_from_context_full() -> None:
    engine = ReplayEngine([str(i) for i in range(10)], n_ctx=8)
    _, done = run(generate_once(engine, GenerationRequest("r", (1, 2, 3, 4, 5), 3)))
    assert (done.finish_reason, done.length_limit) == (FinishReason.LENGTH, LengthLimit.MAX_TOKENS)
    engine = ReplayEngine(("a", "b"), n_ctx=8)
    _, done = run(generate_once(engine, GenerationRequest("r", (1,), None)))
    assert (done.finish_reason, done.length_limit) == (FinishReason.STOP, None)


def test_prompt_progress_only_when_asked() -> None:
    engine = ReplayEngine(("a", "b"))

    async def events(progress: bool) -> list[EngineEvent]:
        return [e async for e in engine.generate(request(8, progress=progress))]

    async def scenario() -> None:
        try:
            quiet = await events(False)
            assert not any(isinstance(e, PromptProgress) for e in quiet)
            loud = await events(True)
            # At admission (0 of 3 ready), then evaluated (3 of 3); a reader that is not
            # waiting when both arrive gets only the latest.
            first_text = next(i for i, e in enumerate(loud) if isinstance(e, TextDelta))
            progress = loud[:first_text]
            assert progress
            assert all(isinstance(e, PromptProgress) for e in progress)
            last = progress[-1]
            assert isinstance(last, PromptProgress)
            assert last == PromptProgress(3, 0, 3, last.elapsed_ms)
            assert not any(isinstance(e, PromptProgress) for e in loud[first_text:])
        finally:
            await engine.close()

    run(scenario())


def test_invalid_grammar_is_rejected_before_queueing() -> None:
    async def scenario() -> None:
        engine = ReplayEngine()
        try:
            with pytest.raises(GrammarError):
                engine.generate(request(grammar="value ::= [a-z]+"))
            assert engine.stats().waiting == 0
        finally:
            await engine.close()

    run(scenario())


def test_queue_full_when_slot_and_queue_are_taken() -> None:
    async def scenario() -> None:
        engine = ReplayEngine(LONG, piece_delay_s=0.001, queue_size=1)
        try:
            running = engine.generate(request(max_tokens=3000))
            waiting = engine.generate(request(max_tokens=3000))
            with pytest.raises(QueueFull):
                engine.generate(request())
            await running.aclose()
            await waiting.aclose()
        finally:
            await engine.close()

    run(scenario())


def test_aclose_frees_the_slot_before_returning() -> None:
    async def scenario() -> None:
        engine = ReplayEngine(LONG, piece_delay_s=0.001, queue_size=0)
        try:
            first = engine.generate(request(max_tokens=3000))
            assert isinstance(await anext(first), TextDelta)
            await first.aclose()
            assert isinstance(first, GenerationStream)
            assert first.done is not None
            assert first.done.finish_reason is FinishReason.CANCELLED
            assert engine.stats().running == 0
            # queue_size=0: this would raise QueueFull if the cancelled sequence held the slot.
            text, done = await collect(engine.generate(request(max_tokens=3)))
            assert done.finish_reason is FinishReason.LENGTH
            assert text == "w0 w1 w2 "
        finally:
            await engine.close()

    run(scenario())


def test_cancelled_consumer_task_cancels_the_sequence() -> None:
    async def scenario() -> None:
        engine = ReplayEngine(LONG, piece_delay_s=0.001, queue_size=1)
        try:
            first = engine.generate(request(max_tokens=len(LONG)))
            started = asyncio.Event()

            async def consume() -> None:
                async for _ in first:
                    started.set()

            task = asyncio.create_task(consume())
            await started.wait()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            _, done = await collect(engine.generate(request(max_tokens=2)))
            assert done.finish_reason is FinishReason.LENGTH
            await first.aclose()
            assert isinstance(first, GenerationStream)
            assert first.done is not None
            assert first.done.finish_reason is FinishReason.CANCELLED
            assert first.done.usage.completion_tokens < len(LONG)
        finally:
            await engine.close()

    run(scenario())


def test_cancelling_a_queued_request_removes_it() -> None:
    async def scenario() -> None:
        engine = ReplayEngine(LONG, piece_delay_s=0.001, queue_size=1)
        try:
            running = engine.generate(request(max_tokens=3000))
            queued = engine.generate(request(max_tokens=3000))
            await queued.aclose()
            assert isinstance(queued, GenerationStream)
            assert queued.done is not None
            assert queued.done.usage.completion_tokens == 0
            assert engine.stats().waiting == 0
            await running.aclose()
        finally:
            await engine.close()

    run(scenario())


def test_close_cancels_running_and_rejects_new_requests() -> None:
    async def scenario() -> None:
        engine = ReplayEngine(LONG, piece_delay_s=0.001)
        stream = engine.generate(request(max_tokens=3000))
        assert isinstance(await anext(stream), TextDelta)
        await engine.close()
        _, done = await collect(stream)
        assert done.finish_reason is FinishReason.CANCELLED
        with pytest.raises(EngineClosed):
            engine.generate(request())

    run(scenario())


def test_iteration_ends_after_the_done_event() -> None:
    async def scenario() -> None:
        engine = ReplayEngine(["x"])
        try:
            stream = engine.generate(request())
            await collect(stream)
            with pytest.raises(StopAsyncIteration):
                await anext(stream)
        finally:
            await engine.close()

    run(scenario())


def test_byte_tokenizer_round_trips() -> None:
    async def scenario() -> None:
        engine = ReplayEngine()
        try:
            assert engine.detokenize(engine.tokenize("héllo 🙂")) == "héllo 🙂"
        finally:
            await engine.close()

    run(scenario())
