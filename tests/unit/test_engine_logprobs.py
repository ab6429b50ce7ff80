"""Log probabilities from a logits row (`engine/logprobs.py`), and their records through
`LlamaBackend` over the fake model, with and without prompt-lookup drafts."""

from __future__ import annotations

import asyncio
import math

import numpy as np

from ggserve.engine.base import GenerationRequest, TextDelta, TokenRecord
from ggserve.engine.logprobs import log_softmax, logprob_entry
from ggserve.engine.ngram import DraftOptions

from .fake_model import FakeEngine, FakeModel, piece


class _Pieces:
    def piece(self, token: int) -> bytes:
        return f"<{token}>".encode()


def test_log_softmax_is_normalised_and_shift_invariant() -> None:
    logits = np.array([1.0, 2.0, 3.0, 1000.0], dtype=np.float32)
    logprobs = log_softmax(logits)
    assert math.isclose(float(np.exp(logprobs).sum()), 1.0, rel_tol=1e-12)
    assert np.allclose(log_softmax(logits - 500.0), logprobs)
    assert np.all(np.isfinite(logprobs))  # 1000 would overflow a naive exp


def test_entry_lists_the_most_likely_first_ties_by_id() -> None:
    logits = np.array([0.0, 5.0, 2.0, 5.0, -1.0], dtype=np.float32)
    entry = logprob_entry(logits, 2, 3, _Pieces())
    assert entry.chosen.token_id == 2
    assert entry.chosen.piece == b"<2>"
    expected = float(log_softmax(logits)[2])
    assert entry.chosen.logprob == expected
    assert [t.token_id for t in entry.top] == [1, 3, 2]
    assert entry.top[0].logprob == entry.top[1].logprob > entry.top[2].logprob


def test_no_alternatives_and_more_than_the_vocabulary() -> None:
    logits = np.array([0.0, 1.0], dtype=np.float32)
    assert logprob_entry(logits, 0, 0, _Pieces()).top == ()
    assert [t.token_id for t in logprob_entry(logits, 0, 20, _Pieces()).top] == [1, 0]


def test_text_of_a_split_character_shows_its_bytes() -> None:
    logits = np.zeros(3, dtype=np.float32)

    class Split:
        def piece(self, token: int) -> bytes:
            return "é".encode()[:1]

    assert logprob_entry(logits, 0, 0, Split()).chosen.text == "\\xc3"


async def _records(drafting: DraftOptions | None, top: int | None) -> list[TokenRecord]:
    engine = FakeEngine(FakeModel(n_ctx=128, n_batch=16), drafting=drafting)
    try:
        request = GenerationRequest("r", (*range(1, 40), 1, 2, 3), 20, top_logprobs=top)
        records: list[TokenRecord] = []
        async for event in engine.generate(request):
            if isinstance(event, TextDelta):
                records += event.records
        return records
    finally:
        await engine.close()


def test_records_carry_logprobs_only_when_asked_and_drafts_change_nothing() -> None:
    drafting = DraftOptions(max_tokens=8, min_tokens=1, max_ngram=3, min_ngram=3)
    plain = asyncio.run(_records(None, 2))
    assert plain == asyncio.run(_records(drafting, 2))
    for record in plain:
        entry = record.logprobs
        assert entry is not None
        assert entry.chosen.token_id == record.token
        assert entry.chosen.piece == piece(record.token).encode()
        assert [t.token_id for t in entry.top][:1] == [entry.chosen.token_id]
        assert len(entry.top) == 2
    assert all(r.logprobs is None for r in asyncio.run(_records(None, None)))
