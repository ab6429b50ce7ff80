"""`LlamaBackend`'s planning, KV-full and preemption paths, under the real scheduler, over an
injected fake model (`fake_model.py`: a counting model with an exact KV cache).

The real model reaches these paths only in slow e2e tests, and never with a chosen cache size or
with several tokens checked in one step; here each is driven on purpose and compared with what
the counting model must produce.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from ggserve.domain import FinishReason, LengthLimit
from ggserve.engine.base import (
    EventStream,
    GenerationDone,
    GenerationRequest,
    KvCacheFull,
    PromptProgress,
    TextDelta,
    TokenRecord,
)
from ggserve.engine.channel import EventChannel
from ggserve.engine.generation import Generation
from ggserve.engine.ngram import DraftOptions

from .fake_model import EOG, FakeEngine, FakeModel, backend, piece

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def counting(start: int, n: int) -> str:
    """What the counting model writes after a prompt ending in `start - 1`."""
    return "".join(piece(t) for t in range(start, start + n))


def prompt(first: int, length: int) -> tuple[int, ...]:
    return tuple(range(first, first + length))


async def collect(stream: EventStream) -> tuple[list[TextDelta], GenerationDone]:
    deltas, done = [], None
    async for event in stream:
        if isinstance(event, TextDelta):
            deltas.append(event)
        elif isinstance(event, GenerationDone):
            done = event
    assert done is not None
    return deltas, done


async def generate(engine: FakeEngine, *requests: GenerationRequest) -> list[Any]:
    streams = [engine.generate(r) for r in requests]
    return await asyncio.gather(*(collect(s) for s in streams))


def assert_cache_matches(engine: FakeEngine) -> None:
    """Idle: what the backend believes each slot holds is what the cache holds."""
    for slot in engine.backend.slot_report():
        assert not slot.busy
        assert slot.cache_positions == slot.cached_tokens, slot


def test_tokens_travel_with_the_text_they_produced() -> None:
    async def scenario() -> None:
        engine = FakeEngine(FakeModel())
        try:
            # The stop string holds "f" back until "g" shows it is not "fh": "f" and its
            # token are released together with "g".
            req = GenerationRequest("r", prompt(1, 3), 6, stop=("fh",))
            ((deltas, done),) = await generate(engine, req)
            assert "".join(d.text for d in deltas) == counting(4, 6)
            for delta in deltas:
                assert "".join(piece(r.token) for r in delta.records) == delta.text
            assert [r.token for d in deltas for r in d.records] == list(range(4, 10))
            assert (done.finish_reason, done.length_limit) == (
                FinishReason.LENGTH,
                LengthLimit.MAX_TOKENS,
            )
            assert done.usage.completion_tokens == 6
            assert_cache_matches(engine)
        finally:
            await engine.close()

    run(scenario())


def test_plan_puts_decoding_tokens_first_then_prompt_chunks_within_the_batch() -> None:
    async def scenario() -> None:
        model = FakeModel(n_ctx=128, n_batch=16, n_seq_max=2)
        engine = FakeEngine(model)
        try:
            short = GenerationRequest("a", prompt(1, 4), None)
            long_req = GenerationRequest("b", prompt(100, 50), 2)
            (_, done), (_, long_done) = await generate(engine, short, long_req)
            assert done.finish_reason is long_done.finish_reason is FinishReason.LENGTH
            # Batches with the short one decoding and the long prompt still being read.
            mixed = [
                b for b in model.batches if len(b) == 2 and b[0].start >= 4 and b[1].start < 50
            ]
            assert mixed, "the long prompt was read beside the decoding stream"
            for decode, chunk in mixed:
                # The decoding token first, logits on it; then a chunk filling the batch.
                assert (len(decode.tokens), decode.logits) == (1, (0,))
                assert len(decode.tokens) + len(chunk.tokens) <= model.n_batch
                final = chunk.start + len(chunk.tokens) == 50
                assert chunk.logits == ((len(chunk.tokens) - 1,) if final else ())
            chunks = [chunk for _, chunk in mixed]
            assert all(len(c.tokens) == model.n_batch - 1 for c in chunks[:-1])
            assert_cache_matches(engine)
        finally:
            await engine.close()

    run(scenario())


def test_kv_full_preempts_the_newest_and_outputs_are_unchanged() -> None:
    """Two unbounded generations in a 40-cell cache: each wants all 40. The newer one is
    preempted, resumes when the older ends, and both write exactly what they write alone."""

    async def scenario() -> None:
        model = FakeModel(n_ctx=40, n_batch=16, n_seq_max=2)
        engine = FakeEngine(model)
        try:
            reqs = [
                GenerationRequest(n, prompt(first, 8), None) for n, first in (("a", 1), ("b", 20))
            ]
            results = await generate(engine, *reqs)
            assert engine.stats().preemptions > 0
            for (deltas, done), first in zip(results, (1, 20), strict=True):
                assert (done.finish_reason, done.length_limit) == (
                    FinishReason.LENGTH,
                    LengthLimit.CONTEXT,
                )
                assert done.usage.completion_tokens == 40 - 8
                assert "".join(d.text for d in deltas) == counting(first + 8, 32)
            assert_cache_matches(engine)
        finally:
            await engine.close()

    run(scenario())


def test_prompt_chunks_shrink_when_the_cache_is_full() -> None:
    """The cache holds an idle slot's prefix; a new long prompt evicts it rather than fail."""

    async def scenario() -> None:
        model = FakeModel(n_ctx=48, n_batch=16, n_seq_max=2)
        engine = FakeEngine(model)
        try:
            await generate(engine, GenerationRequest("a", prompt(1, 30), 2))
            ((deltas, done),) = await generate(engine, GenerationRequest("b", prompt(200, 40), 3))
            assert "".join(d.text for d in deltas) == counting(240, 3)
            assert done.usage.cached_tokens == 0
            assert_cache_matches(engine)
        finally:
            await engine.close()

    run(scenario())


def test_alone_without_room_is_kv_cache_full_not_a_hang() -> None:
    """The cache has fewer cells than the context claims: a lone generation cannot go on."""

    async def scenario() -> None:
        engine = FakeEngine(FakeModel(n_ctx=64, capacity=20, n_seq_max=1))
        try:
            with pytest.raises(KvCacheFull):
                await generate(engine, GenerationRequest("a", prompt(1, 10), None))
            # The engine goes on serving.
            ((deltas, _),) = await generate(engine, GenerationRequest("b", prompt(1, 4), 3))
            assert "".join(d.text for d in deltas) == counting(5, 3)
        finally:
            await engine.close()

    run(scenario())


def test_cancelled_mid_prompt_keeps_the_evaluated_part_for_the_retry() -> None:
    async def scenario() -> None:
        model = FakeModel(n_ctx=128, n_batch=8, n_seq_max=1, delay_s=0.02)
        engine = FakeEngine(model)
        try:
            req = GenerationRequest("a", prompt(1, 60), 2, progress=True)
            stream = engine.generate(req)
            async for event in stream:
                if isinstance(event, PromptProgress) and event.processed >= 16:
                    break
            await stream.aclose()
            kept = len(model.cells[0])
            assert 16 <= kept < 60
            ((deltas, done),) = await generate(engine, req)
            assert done.usage.cached_tokens == kept
            assert "".join(d.text for d in deltas) == counting(61, 2)
        finally:
            await engine.close()

    run(scenario())


def _decoding(model: FakeModel, first_prompt: int) -> tuple[Any, Generation]:
    """A backend with one generation that has sampled its first token (driven by hand)."""
    llama = backend(model)
    gen = Generation(GenerationRequest("a", prompt(first_prompt, 4), 20), _channel(), 64)
    llama.start(gen)
    (output,) = llama.step([gen])  # the prompt, then its first token sampled
    assert output.records == (TokenRecord(first_prompt + 4),)
    return llama, gen


def _channel() -> EventChannel:
    loop = asyncio.new_event_loop()
    loop.close()
    return EventChannel(loop)  # never posted to: the backend is driven by hand here


def test_proposed_tokens_are_committed_only_while_the_sampler_agrees() -> None:
    """Several tokens checked in one step (what a speculative draft needs): the proposal the
    counting model agrees with is kept, the first it does not is dropped, cells and all."""
    model = FakeModel(n_ctx=64, n_batch=16, n_seq_max=1)
    llama, gen = _decoding(model, 1)  # prompt 1..4, sampled 5, not yet in the cache
    run_ = llama._by_serial[gen.serial].run
    assert run_ is not None
    run_.pending += [6, 7, 42]  # proposals after the sampled 5: 6 and 7 right, 42 wrong
    (output,) = llama.step([gen])
    (span,) = model.batches[-1]
    assert (tuple(span.tokens), span.logits) == ((5, 6, 7, 42), (0, 1, 2, 3))
    assert [r.token for r in output.records] == [6, 7, 8]
    assert output.text == counting(6, 3)
    assert model.cells[0] == [1, 2, 3, 4, 5, 6, 7]  # 42's cell removed
    assert run_.pending == [8]
    assert llama.slot_report()[0].cached_tokens == 7
    llama.close()


def test_batch_budget_counts_every_decoding_token() -> None:
    model = FakeModel(n_ctx=128, n_batch=16, n_seq_max=2)
    llama, gen = _decoding(model, 1)
    run_ = llama._by_serial[gen.serial].run
    assert run_ is not None
    run_.pending += [6, 7, 8]  # four tokens to check
    other = Generation(GenerationRequest("b", prompt(50, 40), 2), _channel(), 128)
    llama.start(other)
    llama.step([gen, other])
    decode, chunk = model.batches[-1]
    assert len(decode.tokens) == 4
    assert len(chunk.tokens) == 16 - 4
    llama.close()


def test_end_of_generation_is_not_a_token() -> None:
    async def scenario() -> None:
        engine = FakeEngine(FakeModel())
        try:
            ((deltas, done),) = await generate(engine, GenerationRequest("a", (EOG - 3,), 10))
            assert [r.token for d in deltas for r in d.records] == [EOG - 2, EOG - 1]
            assert (done.finish_reason, done.usage.completion_tokens) == (FinishReason.STOP, 2)
        finally:
            await engine.close()

    run(scenario())


DRAFTING = DraftOptions(max_tokens=8, min_tokens=1, max_ngram=3, min_ngram=3)


def test_speculation_changes_nothing_but_the_number_of_steps() -> None:
    """Prompt lookup over the counting model: a prompt that already holds the count ahead
    (drafts hit) and one that holds a wrong continuation (drafts miss). Text, records, usage
    and cache match the run without drafting; hits take fewer steps."""

    async def once(drafting: DraftOptions | None, req: GenerationRequest) -> tuple[Any, int, Any]:
        model = FakeModel(n_ctx=128, n_batch=16, n_seq_max=2)
        engine = FakeEngine(model, drafting=drafting)
        try:
            ((deltas, done),) = await generate(engine, req)
            assert_cache_matches(engine)
            tokens = [r.token for d in deltas for r in d.records]
            return (
                ("".join(d.text for d in deltas), tokens, done.usage),
                len(model.batches),
                (engine.stats()),
            )
        finally:
            await engine.close()

    async def scenario() -> None:
        hits = GenerationRequest("a", (*range(1, 40), 1, 2, 3), 30)  # "1 2 3" → "4 5 6 …"
        # After the sampled 4, "2 3 4" was followed by "9 9 9" in the prompt: a wrong draft.
        misses = GenerationRequest("b", (2, 3, 4, 9, 9, 9, 20, 1, 2, 3), 30)
        for req, faster in ((hits, True), (misses, False)):
            plain, plain_steps, _ = await once(None, req)
            spec, spec_steps, stats = await once(DRAFTING, req)
            assert spec == plain
            assert stats.drafted_tokens > 0
            if faster:
                assert stats.accepted_tokens > 0
                assert spec_steps < plain_steps
            else:
                assert stats.accepted_tokens == 0

    run(scenario())


def test_speculation_stays_within_the_token_limit() -> None:
    async def scenario() -> None:
        engine = FakeEngine(FakeModel(n_ctx=128), drafting=DRAFTING)
        try:
            req = GenerationRequest("a", (*range(1, 40), 1, 2, 3), 5)
            ((deltas, done),) = await generate(engine, req)
            assert [r.token for d in deltas for r in d.records] == [4, 5, 6, 7, 8]
            assert (done.usage.completion_tokens, done.length_limit) == (
                5,
                LengthLimit.MAX_TOKENS,
            )
        finally:
            await engine.close()

    run(scenario())
