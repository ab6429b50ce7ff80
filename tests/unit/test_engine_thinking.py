"""Thinking budgets: the tracker, the llama.cpp backend (over the counting fake model, with and
without speculation, and through a preemption) and the replay engine on a recorded reasoning
output. The real model's runs are in tests/integration/test_thinking_budget.py."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from ggserve.domain import FinishReason, LengthLimit
from ggserve.engine.base import GenerationDone, GenerationRequest, TextDelta
from ggserve.engine.ngram import DraftOptions
from ggserve.engine.replay import ReplayEngine
from ggserve.engine.thinking import ThinkingBudget, ThinkingTracker

from .fake_model import FakeEngine, FakeModel
from .test_engine_llama_backend import assert_cache_matches, counting, generate
from .test_engine_replay import generate_once

CLOSE = 51  # the counting model's token written "Z": the fake format's close marker
DRAFTING = DraftOptions(min_ngram=1, max_ngram=3, min_tokens=1, max_tokens=8)


def fake_budget(budget: int, *, starts_open: bool = True) -> ThinkingBudget:
    return ThinkingBudget(budget, (CLOSE,), ("Y",), ("Z",), starts_open)


def state(tracker: ThinkingTracker) -> tuple[bool, int | None, tuple[int, ...]]:
    return tracker.inside, tracker.left, tracker.due()


def test_the_tracker_counts_inside_blocks_and_follows_split_markers() -> None:
    tracker = ThinkingTracker(ThinkingBudget(3, (9,), ("<think>",), ("</think>",), False))
    for text in ("Hi", "<th", "ink>", "a"):
        tracker.push(text)
    assert state(tracker) == (True, 2, ())  # "a" counted; the opener's last piece too
    tracker.push("b")
    assert state(tracker) == (True, 1, ())
    tracker.push("c")
    assert state(tracker) == (True, 0, (9,))
    tracker.closed("</think>")
    assert state(tracker) == (False, None, ())
    for text in ("</", "think>", "x"):  # a close outside a block changes nothing
        tracker.push(text)
    assert state(tracker) == (False, None, ())
    tracker.push("<think></think>")  # an open and a close in one piece
    assert state(tracker) == (False, None, ())


def _tokens(deltas: list[TextDelta]) -> list[int]:
    return [r.token for d in deltas for r in d.records]


async def _once(
    req: GenerationRequest, drafting: DraftOptions | None = None, **model: Any
) -> tuple[list[TextDelta], GenerationDone]:
    engine = FakeEngine(FakeModel(**model), drafting=drafting)
    try:
        ((deltas, done),) = await generate(engine, req)
        assert_cache_matches(engine)
        return deltas, done
    finally:
        await engine.close()


def test_the_close_is_forced_after_the_budget_and_generation_goes_on() -> None:
    req = GenerationRequest("a", (1, 2, 3), 8, thinking=fake_budget(3))
    deltas, done = asyncio.run(_once(req))
    # 3 reasoning tokens (4 5 6), the forced close, then the model continues from it.
    assert _tokens(deltas) == [4, 5, 6, CLOSE, 52, 53, 54, 55]
    assert "".join(d.text for d in deltas) == counting(4, 3) + "Z" + counting(52, 4)
    assert done.usage.completion_tokens == 8  # forced tokens are generated tokens
    assert done.length_limit is LengthLimit.MAX_TOKENS


def test_a_zero_budget_closes_before_anything_is_sampled() -> None:
    req = GenerationRequest("a", (1, 2, 3), 3, thinking=fake_budget(0))
    deltas, _ = asyncio.run(_once(req))
    assert _tokens(deltas) == [CLOSE, 52, 53]


def test_no_budget_outside_a_block_and_none_with_a_grammar() -> None:
    closed = GenerationRequest("a", (1, 2, 3), 5, thinking=fake_budget(1, starts_open=False))
    deltas, _ = asyncio.run(_once(closed))
    assert _tokens(deltas) == [4, 5, 6, 7, 8]
    # The model opens a block itself ("X" is token 49): the budget starts counting there.
    opener = ThinkingBudget(0, (CLOSE,), ("X",), ("Z",), False)
    opens = GenerationRequest("b", (47, 48), 4, thinking=opener)
    deltas, _ = asyncio.run(_once(opens))
    assert _tokens(deltas) == [49, CLOSE, 52, 53]
    # A grammar decides every token: nothing is forced (the service turns thinking off there).
    ruled = GenerationRequest("c", (1, 2, 3), 5, grammar="root ::= x", thinking=fake_budget(0))
    deltas, _ = asyncio.run(_once(ruled))
    assert _tokens(deltas) == [4, 5, 6, 7, 8]


def test_the_forced_close_cuts_drafts_and_keeps_the_limit() -> None:
    """Speculation on a prompt that predicts the count: drafts stop where the close is due,
    the text equals the run without drafting, and the cache holds exactly what was accepted."""
    req = GenerationRequest("a", (*range(1, 40), 1, 2, 3), 12, thinking=fake_budget(5))
    plain, _ = asyncio.run(_once(req, n_ctx=128))
    spec, done = asyncio.run(_once(req, DRAFTING, n_ctx=128))
    assert _tokens(spec) == _tokens(plain) == [4, 5, 6, 7, 8, CLOSE, *range(52, 58)]
    assert done.usage.completion_tokens == 12
    # A limit inside the close marker: only what fits is written, and LENGTH ends it.
    two = ThinkingBudget(2, (CLOSE, CLOSE + 1), ("Y",), ("Za",), True)
    short = GenerationRequest("b", (1, 2, 3), 3, thinking=two)
    deltas, done = asyncio.run(_once(short))
    assert _tokens(deltas) == [4, 5, CLOSE]
    assert done.finish_reason is FinishReason.LENGTH


def test_a_preempted_generation_keeps_its_forced_close() -> None:
    """Two sequences in a cache too small for both: the newest is preempted around the
    point where its close is forced, and both still write what they write alone."""

    async def scenario() -> None:
        a = GenerationRequest("a", (1, 2, 3, 4, 5, 6), 14, thinking=fake_budget(4))
        b = GenerationRequest("b", (20, 21, 22, 23, 24, 25), 14, thinking=fake_budget(3))
        alone = [_tokens((await _once(r, n_ctx=64))[0]) for r in (a, b)]
        engine = FakeEngine(FakeModel(n_ctx=64, capacity=34, n_batch=16))
        try:
            results = await generate(engine, a, b)
            assert [_tokens(deltas) for deltas, _ in results] == alone
            assert engine.stats().preemptions > 0
        finally:
            await engine.close()

    asyncio.run(scenario())


RECORDED = (  # a reasoning model's output, pieces as it streamed them (Qwen3-style)
    "Okay", ",", " the", " user", " wants", " a", " greeting", ".", "\n", "</think>", "\n\n",
    "Hello", "!",
)  # fmt: skip


def test_replay_forces_the_close_and_plays_the_recorded_answer() -> None:
    async def scenario(budget: ThinkingBudget | None) -> tuple[str, GenerationDone]:
        req = GenerationRequest("r", (1,), 100, thinking=budget)
        return await generate_once(ReplayEngine(RECORDED), req)

    close = tuple(b"</think>")
    budget = ThinkingBudget(3, close, ("<think>",), ("</think>",), True)
    text, done = asyncio.run(scenario(budget))
    assert text == "Okay, the</think>\n\nHello!"
    assert done.usage.completion_tokens == 3 + len(close) + 3  # "\n\n", "Hello", "!"
    full, _ = asyncio.run(scenario(None))
    assert full == "".join(RECORDED)
    roomy = ThinkingBudget(100, close, ("<think>",), ("</think>",), True)
    assert asyncio.run(scenario(roomy))[0] == full  # the model closed by itself in time


def test_with_logprobs_every_forced_token_has_its_record() -> None:
    """A two-token close under logprobs: forced one a step, each with the logprobs of the row
    it replaced a sample at (the counting model expects 7 where CLOSE is forced, and CLOSE + 1
    after CLOSE); the tokens equal the run without logprobs, drafts or not."""
    two = ThinkingBudget(3, (CLOSE, CLOSE + 1), ("Y",), ("Za",), True)
    req = GenerationRequest("a", (*range(1, 40), 1, 2, 3), 9, thinking=two, top_logprobs=1)
    plain, _ = asyncio.run(_once(dataclasses.replace(req, top_logprobs=None), n_ctx=128))
    for drafting in (None, DRAFTING):
        deltas, done = asyncio.run(_once(req, drafting, n_ctx=128))
        assert _tokens(deltas) == _tokens(plain) == [4, 5, 6, CLOSE, CLOSE + 1, *range(53, 57)]
        assert done.usage.completion_tokens == 9
        records = [r for d in deltas for r in d.records]
        entries = [r.logprobs for r in records]
        assert all(e is not None for e in entries), entries
        chosen = [(e.chosen.token_id, e.top[0].token_id) for e in entries if e is not None]
        assert chosen[3:5] == [(CLOSE, 7), (CLOSE + 1, CLOSE + 1)]
        assert chosen[5] == (53, 53)
