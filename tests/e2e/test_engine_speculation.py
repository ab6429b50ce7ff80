"""Speculative decoding by prompt lookup on the real model (1 thread, greedy), in one batch with
other generations: a copy request (drafts hit), free writing, a grammar, a stop string, and a
cancel while drafts are being checked. Alone, greedy output equals the engine's without
speculation; in a batch see `test_speculation_in_a_mixed_batch`. The cache must hold exactly
what each slot believes (rejected drafts removed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ggserve.domain import FinishReason
from ggserve.engine.base import GenerationDone, TextDelta
from ggserve.engine.llama import LlamaEngine
from ggserve.engine.ngram import DraftOptions

from .test_engine_batching import GREEDY, assert_no_leaks, chat, request, run, together

PASSAGE = (
    "It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith, "
    "his chin nuzzled into his breast in an effort to escape the vile wind, slipped quickly "
    "through the glass doors of Victory Mansions."
)
COPY = chat("Repeat this passage exactly:\n\n" + PASSAGE)


@pytest.fixture(scope="module")
def engines(smollm2_path: Path) -> Iterator[tuple[LlamaEngine, LlamaEngine]]:
    off = LlamaEngine(smollm2_path, n_ctx=2048, n_threads=1, parallel=4)
    on = LlamaEngine(smollm2_path, n_ctx=2048, n_threads=1, parallel=4, drafting=DraftOptions())
    yield off, on
    run(off.close())
    run(on.close())


def test_speculation_alone_changes_no_output(engines: tuple[LlamaEngine, LlamaEngine]) -> None:
    """One request at a time: greedy output with drafts equals greedy output without."""
    off, on = engines
    for prompt in (COPY, chat("Write a short story about a robot.")):
        plain = run(together(off, [request(off, prompt, 80)]))
        spec = run(together(on, [request(on, prompt, 80)]))
        assert [(t, d.finish_reason) for t, d in spec] == [(t, d.finish_reason) for t, d in plain]
    assert on.stats().accepted_tokens > 0, "the copy request's drafts should hit"
    assert_no_leaks(on)


def common_prefix(a: str, b: str) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def test_speculation_in_a_mixed_batch(engines: tuple[LlamaEngine, LlamaEngine]) -> None:
    """Four generations in one batch, drafts checked beside the others' tokens. What we see:
    greedy text agrees for a good while, then may part, as batched and serial decoding may
    (llama.cpp's CPU kernels are not bit-identical across batch shapes, and drafts change the
    shape); grammars and stop strings hold exactly."""
    off, on = engines

    def batch(engine: LlamaEngine) -> list[tuple[str, GenerationDone]]:
        reqs = [
            request(engine, COPY, 64),
            request(engine, chat("Write a short story about a robot."), 40),
            request(engine, COPY, 40, grammar='root ::= "x"{1000}'),
            request(engine, COPY, 64, stop=(" the",)),
        ]
        return run(together(engine, reqs))

    plain = batch(off)
    spec = batch(on)
    for (text, done), (base, _) in zip(spec, plain, strict=True):
        assert common_prefix(text, base) >= min(24, len(base))
        assert done.usage.completion_tokens <= 64
    grammar_text, grammar_done = spec[2]
    assert grammar_text == plain[2][0] == "x" * len(grammar_text)
    assert grammar_done.finish_reason is FinishReason.LENGTH
    stopped_text, stopped = spec[3]
    assert " the" not in stopped_text
    assert stopped.matched_stop in (None, " the")
    assert on.stats().drafted_tokens > 0
    assert_no_leaks(on)


def test_cancel_while_drafts_are_checked(engines: tuple[LlamaEngine, LlamaEngine]) -> None:
    _, on = engines

    async def go() -> None:
        stream = on.generate(request(on, COPY, 200, sampling=GREEDY))
        seen = 0
        async for event in stream:
            if isinstance(event, TextDelta):
                seen += event.tokens
                if seen >= 12:  # past the passage's start: drafting is under way
                    break
        await stream.aclose()
        _text, done = (await together(on, [request(on, chat("Say hi."), 8)]))[0]
        assert done.usage.completion_tokens > 0

    run(go())
    assert_no_leaks(on)
