"""Speculative decoding with a draft model on the real model: the bundled SmolLM2 drafts for
itself (1 thread, greedy). Its greedy guesses are the model's own, so nearly every draft is
accepted, and alone the output equals the output without speculation. In a batch with a grammar,
a stop string and another generation, grammars and stops hold exactly; a cancel mid-draft
leaves both caches consistent. A draft model of another vocabulary is refused at startup."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from ggserve.engine.base import ModelLoadError
from ggserve.engine.llama import LlamaEngine
from ggserve.engine.ngram import DraftOptions

from .test_engine_batching import assert_no_leaks, chat, request, run, together
from .test_engine_speculation import COPY, cancel_while_drafting, check_mixed_batch


@pytest.fixture(scope="module")
def engines(smollm2_path: Path) -> Iterator[tuple[LlamaEngine, LlamaEngine]]:
    off = LlamaEngine(smollm2_path, n_ctx=2048, n_threads=1, parallel=4)
    drafting = DraftOptions(max_tokens=8, max_decoders=None, model_path=str(smollm2_path))
    on = LlamaEngine(smollm2_path, n_ctx=2048, n_threads=1, parallel=4, drafting=drafting)
    yield off, on
    run(off.close())
    run(on.close())


def test_self_drafting_alone_changes_no_output(engines: tuple[LlamaEngine, LlamaEngine]) -> None:
    off, on = engines
    before = on.stats()
    for prompt in (COPY, chat("Write a short story about a robot.")):
        plain = run(together(off, [request(off, prompt, 64)]))
        spec = run(together(on, [request(on, prompt, 64)]))
        assert [(t, d.finish_reason) for t, d in spec] == [(t, d.finish_reason) for t, d in plain]
    stats = on.stats()
    drafted = stats.drafted_tokens - before.drafted_tokens
    accepted = stats.accepted_tokens - before.accepted_tokens
    assert drafted >= 16, "the model is sure of many of its own tokens"
    assert accepted >= 0.9 * drafted, (accepted, drafted)
    print(f"self-drafting: {accepted} of {drafted} drafted tokens accepted")
    assert_no_leaks(on)


def test_self_drafting_in_a_mixed_batch(engines: tuple[LlamaEngine, LlamaEngine]) -> None:
    """The grammar-constrained generation does not draft; the others do, beside it."""
    check_mixed_batch(*engines)


def test_cancel_while_drafting(engines: tuple[LlamaEngine, LlamaEngine]) -> None:
    cancel_while_drafting(engines[1])


def test_a_draft_model_of_another_vocabulary_is_refused(smollm2_path: Path, tmp_path: Path) -> None:
    """The bundled GGUF with one token's text changed in place (GGUF stores it as a
    length-prefixed string; "Ġcats" becomes "Ġcatz", id 7680 among the ids compared): refused
    before serving, with a message that names the token and the fix."""
    data = smollm2_path.read_bytes()
    original, changed = ("Ġcats".encode(), "Ġcatz".encode())
    original, changed = (struct.pack("<Q", len(t)) + t for t in (original, changed))
    assert data.count(original) == 1
    other = tmp_path / "other-vocab.gguf"
    other.write_bytes(data.replace(original, changed))
    drafting = DraftOptions(model_path=str(other))
    with pytest.raises(ModelLoadError, match=r"token 7680 is .*catz.* same family"):
        LlamaEngine(smollm2_path, n_ctx=256, n_threads=1, drafting=drafting)


def test_a_missing_draft_model_is_refused_by_name(smollm2_path: Path, tmp_path: Path) -> None:
    drafting = DraftOptions(model_path=str(tmp_path / "absent.gguf"))
    with pytest.raises(ModelLoadError, match=r"^--draft-model: model file not found: .*absent"):
        LlamaEngine(smollm2_path, n_ctx=256, n_threads=1, drafting=drafting)
