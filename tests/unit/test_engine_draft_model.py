"""Drafting with a draft model (`DraftModel`, `ModelDrafter`) over a fake draft context, and
under `LlamaBackend` with the fake main model (`fake_model.py`).

A fake draft context because what is tested is the bookkeeping — the draft sequence kept in
step with the generation's history, trimmed to the accepted prefix, evicted and refilled — which
needs chosen guesses, confidences and cache sizes; the real pairing (the bundled model drafting
for itself) is in tests/e2e/test_engine_draft_model.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ggserve.engine.base import GenerationDone, GenerationRequest, TextDelta
from ggserve.engine.draft_model import DraftModel
from ggserve.engine.model import DECODE_NO_KV_SPACE, DECODE_OK, Span
from ggserve.engine.ngram import DraftOptions

from .fake_model import FakeEngine, FakeModel

OPTIONS = DraftOptions(max_tokens=4, min_tokens=1, model_path="fake.gguf")


@dataclass
class FakeDraftContext:
    """A counting draft model (guesses `last + 1`) with an exact per-sequence cache. `wrong`:
    after token t it guesses `wrong[t]` instead; `unsure`: after those tokens its best guess
    has probability 0.5 (below the default p-min, 0.75)."""

    n_ctx: int = 64
    n_batch: int = 8
    n_seq: int = 2
    wrong: dict[int, int] = field(default_factory=dict)
    unsure: set[int] = field(default_factory=set)
    cells: dict[int, list[int]] = field(default_factory=dict)
    decoded: list[Span] = field(default_factory=list)
    batches: list[list[Span]] = field(default_factory=list)  # each successful decode's spans
    closed: bool = False
    _rows: dict[int, int] = field(default_factory=dict)  # logits row → token there

    def __post_init__(self) -> None:
        self.cells = {seq_id: [] for seq_id in range(self.n_seq)}

    def decode(self, spans: Sequence[Span]) -> int:
        tokens = sum(len(span.tokens) for span in spans)
        assert 0 < tokens <= self.n_batch
        if sum(map(len, self.cells.values())) + tokens > self.n_ctx:
            return DECODE_NO_KV_SPACE
        self._rows = {}
        row = 0
        for span in spans:
            held = self.cells[span.seq_id]
            assert span.start == len(held), f"position {span.start} after {len(held)}"
            held += span.tokens
            for offset in span.logits:
                self._rows[row + offset] = span.tokens[offset]
            row += len(span.tokens)
        self.decoded += spans
        self.batches.append(list(spans))
        return DECODE_OK

    def seq_rm(self, seq_id: int, start: int = 0, end: int = -1) -> bool:
        assert end == -1
        del self.cells[seq_id][start:]
        return True

    def best(self, row: int) -> tuple[int, float]:
        last = self._rows[row]
        return self.wrong.get(last, last + 1), 0.5 if last in self.unsure else 0.99

    def clear(self) -> None:
        for held in self.cells.values():
            held.clear()

    def close(self) -> None:
        self.closed = True


def test_first_draft_reads_the_prompt_then_guesses_greedily() -> None:
    context = FakeDraftContext()
    drafter = DraftModel(context, 2, OPTIONS).drafter(0, [1, 2, 3])
    assert drafter.draft(10) == [4, 5, 6, 7]  # draft-max 4
    # The prompt and every guess but the last (nothing needs its logits yet) are cached.
    assert context.cells[0] == [1, 2, 3, 4, 5, 6]
    assert [len(s.tokens) for s in context.decoded] == [3, 1, 1, 1]
    assert drafter.draft(2) == [4, 5]  # the limit the backend gives (its room, token limit)


def test_verification_trims_the_draft_sequence_to_the_accepted_prefix() -> None:
    context = FakeDraftContext(wrong={5: 42})
    model = DraftModel(context, 2, OPTIONS)
    drafter = model.drafter(0, [1, 2, 3])
    assert drafter.draft(4) == [4, 5, 42, 43]
    # The main model accepts 4 and 5, rejects 42 and samples 6 instead.
    drafter.extend([4, 5, 6])
    drafter.checked(drafted=4, accepted=2)
    assert context.cells[0] == model.cached(0) == [1, 2, 3, 4, 5]
    context.wrong.clear()
    context.decoded.clear()
    assert drafter.draft(4) == [7, 8, 9, 10]
    assert next(tuple(s.tokens) for s in context.decoded) == (6,)  # only the new token is read


def test_everything_accepted_plus_the_next_sample() -> None:
    context = FakeDraftContext()
    model = DraftModel(context, 2, OPTIONS)
    drafter = model.drafter(0, [1, 2, 3])
    assert drafter.draft(3) == [4, 5, 6]
    drafter.extend([4, 5, 6, 7])  # all accepted, then 7 sampled after them
    drafter.checked(drafted=3, accepted=3)
    assert context.cells[0] == [1, 2, 3, 4, 5]  # 6 was never evaluated; 7 not yet
    context.decoded.clear()
    assert drafter.draft(2) == [8, 9]
    assert [tuple(s.tokens) for s in context.decoded] == [(6, 7), (8,)]


def test_an_unsure_draft_model_stops_early_or_drafts_nothing() -> None:
    context = FakeDraftContext(unsure={5})
    drafter = DraftModel(context, 2, OPTIONS).drafter(0, [1, 2, 3])
    assert drafter.draft(4) == [4, 5]  # the guess after 5 is too unsure
    strict = DraftModel(FakeDraftContext(unsure={5}), 2, DraftOptions(min_tokens=3))
    assert strict.drafter(0, [1, 2, 3]).draft(4) == []  # fewer than draft-min
    assert drafter.draft(0) == []


def test_a_long_history_is_read_in_batches() -> None:
    context = FakeDraftContext(n_ctx=64, n_batch=8)
    drafter = DraftModel(context, 1, OPTIONS).drafter(0, list(range(1, 21)))
    assert drafter.draft(1) == [21]
    assert [len(s.tokens) for s in context.decoded] == [8, 8, 4]


def test_finished_slots_are_a_prefix_cache_evicted_for_room() -> None:
    context = FakeDraftContext(n_ctx=24, n_batch=16)
    model = DraftModel(context, 2, OPTIONS)
    first = model.drafter(0, list(range(1, 11)))
    assert first.draft(2) == [11, 12]
    first.close()
    # The slot's next request shares the first 10 tokens: only the rest is read.
    again = model.drafter(0, [*range(1, 11), 50, 51])
    context.decoded.clear()
    assert again.draft(1) == [52]
    assert [tuple(s.tokens) for s in context.decoded] == [(50, 51)]
    again.close()
    # Another slot needs more room than is free: the idle slot 0 is evicted for it.
    other = model.drafter(1, list(range(100, 116)))
    assert other.draft(2) == [116, 117]
    assert context.cells[0] == []
    assert model.cached(0) == []
    assert context.cells[1] == [*range(100, 116), 116]


def test_no_room_means_no_draft_and_the_sequence_keeps_its_valid_prefix() -> None:
    context = FakeDraftContext(n_ctx=12, n_batch=4)
    model = DraftModel(context, 2, OPTIONS)
    holder = model.drafter(0, [1, 2, 3, 4, 5])
    assert holder.draft(1) == [6]
    other = model.drafter(1, [20, 21, 22, 23, 24, 25, 26, 27])  # slot 0 busy: no eviction
    assert other.draft(2) == []
    assert context.cells[1] == model.cached(1) == [20, 21, 22, 23]  # the chunk that fitted
    holder.close()  # now slot 0 is idle: evicted when slot 1 tries again
    context.decoded.clear()
    assert other.draft(2) == [28, 29]
    assert [tuple(s.tokens) for s in context.decoded][:1] == [(24, 25, 26, 27)]
    assert context.cells[0] == []


def test_all_slots_draft_in_the_same_decodes_each_stopping_on_its_own() -> None:
    """One decode reads both prompts, then each decode holds one guess per sequence still
    drafting; slot 1's model is unsure after 22, so it stops there while slot 0 goes on."""
    context = FakeDraftContext(unsure={22})
    model = DraftModel(context, 2, OPTIONS)
    model.drafter(0, [1, 2, 3])
    model.drafter(1, [20, 21])
    assert model.draft({0: 4, 1: 4}) == {0: [4, 5, 6, 7], 1: [22]}
    assert [[(s.seq_id, s.tokens) for s in batch] for batch in context.batches] == [
        [(0, (1, 2, 3)), (1, (20, 21))],
        [(0, (4,)), (1, (22,))],
        [(0, (5,))],
        [(0, (6,))],
    ]
    assert context.cells == {0: [1, 2, 3, 4, 5, 6], 1: [20, 21, 22]}


def test_the_p_min_option_sets_how_sure_a_guess_must_be() -> None:
    lenient = DraftOptions(max_tokens=4, p_min=0.4, model_path="fake.gguf")
    model = DraftModel(FakeDraftContext(unsure={5}), 2, lenient)
    assert model.drafter(0, [1, 2, 3]).draft(4) == [4, 5, 6, 7]  # 0.5 is sure enough now


def test_a_long_catch_up_is_packed_into_batches_across_sequences() -> None:
    context = FakeDraftContext(n_ctx=64, n_batch=8)
    model = DraftModel(context, 2, OPTIONS)
    model.drafter(0, list(range(1, 11)))
    model.drafter(1, [30, 31, 32])
    assert model.draft({0: 1, 1: 1}) == {0: [11], 1: [33]}
    assert [[(s.seq_id, len(s.tokens), s.logits) for s in b] for b in context.batches] == [
        [(0, 8, ())],
        [(0, 2, (1,)), (1, 3, (2,))],
    ]


def test_without_room_for_all_each_sequence_is_tried_alone() -> None:
    """Slot 0 (busy, 5 cells) leaves room for 5 more: the joint catch-up of slots 1 (3 tokens)
    and 2 (4 tokens) fails, slot 1 alone fits and drafts, slot 2 goes without this step."""
    context = FakeDraftContext(n_ctx=10, n_batch=8, n_seq=3)
    model = DraftModel(context, 3, OPTIONS)
    holder = model.drafter(0, [1, 2, 3, 4, 5])
    assert holder.draft(1) == [6]
    model.drafter(1, [20, 21, 22])
    model.drafter(2, [40, 41, 42, 43])
    assert model.draft({1: 1, 2: 1}) == {1: [23]}
    assert context.cells[2] == model.cached(2) == []


async def _generate(engine: FakeEngine, *requests: GenerationRequest) -> list[Any]:
    async def one(req: GenerationRequest) -> tuple[list[int], GenerationDone]:
        tokens: list[int] = []
        async for event in engine.generate(req):
            if isinstance(event, TextDelta):
                tokens += [r.token for r in event.records]
            elif isinstance(event, GenerationDone):
                return tokens, event
        raise AssertionError("no GenerationDone")

    return await asyncio.gather(*(one(r) for r in requests))


def test_under_the_backend_output_is_unchanged_and_caches_stay_in_step() -> None:
    """The fake main model counts; the draft model counts too but goes wrong after 10 and 30:
    the same tokens as without speculation, fewer steps, and at the end the draft sequence
    holds only tokens the generation has (a prefix of its history)."""

    async def once(drafting: bool, req: GenerationRequest) -> tuple[list[int], int, Any]:
        model = FakeModel(n_ctx=128, n_batch=16, n_seq_max=2)
        context = FakeDraftContext(n_ctx=128, n_batch=16, wrong={10: 99, 30: 99})
        drafters = DraftModel(context, 2, OPTIONS) if drafting else None
        engine = FakeEngine(model, drafting=OPTIONS if drafting else None, drafters=drafters)
        try:
            ((tokens, done),) = await _generate(engine, req)
            history = [*req.prompt_tokens, *tokens]
            assert context.cells[0] == history[: len(context.cells[0])]
            assert done.usage.completion_tokens == len(tokens)
            stats = engine.stats()
        finally:
            await engine.close()
        assert context.closed or not drafting  # the backend closes the draft model
        return tokens, len(model.batches), stats

    async def scenario() -> None:
        req = GenerationRequest("a", (1, 2, 3), 40)
        plain, plain_steps, _ = await once(False, req)
        spec, spec_steps, stats = await once(True, req)
        assert spec == plain == list(range(4, 44))
        assert spec_steps < plain_steps
        assert 0 < stats.accepted_tokens < stats.drafted_tokens  # the two wrong guesses

    asyncio.run(scenario())


def test_under_the_backend_two_generations_draft_in_shared_decodes() -> None:
    async def scenario() -> None:
        context = FakeDraftContext(n_ctx=256, n_batch=16)
        engine = FakeEngine(
            FakeModel(n_ctx=256, n_batch=16, n_seq_max=2),
            drafting=OPTIONS,
            drafters=DraftModel(context, 2, OPTIONS),
        )
        try:
            reqs = GenerationRequest("a", (1, 2, 3), 30), GenerationRequest("b", (50, 51), 30)
            results = await _generate(engine, *reqs)
            assert [tokens for tokens, _ in results] == [list(range(4, 34)), list(range(52, 82))]
        finally:
            await engine.close()
        shared = [batch for batch in context.batches if len(batch) == 2]
        assert len(shared) >= len(context.batches) // 2, "the two drafted side by side"

    asyncio.run(scenario())


def test_grammar_constrained_generations_do_not_draft() -> None:
    async def scenario() -> None:
        context = FakeDraftContext(n_ctx=128, n_batch=16)
        engine = FakeEngine(
            FakeModel(n_ctx=128), drafting=OPTIONS, drafters=DraftModel(context, 2, OPTIONS)
        )
        try:
            req = GenerationRequest("g", (1, 2, 3), 8, grammar="root ::= [a-z]+")
            ((tokens, _),) = await _generate(engine, req)
            assert tokens == list(range(4, 12))
            assert context.decoded == []
            assert engine.stats().drafted_tokens == 0
        finally:
            await engine.close()

    asyncio.run(scenario())
