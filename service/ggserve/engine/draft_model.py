"""Drafting with a second, small model (`--speculative draft --draft-model PATH`).

The draft GGUF gets its own llama.cpp context beside the main model's, with one sequence per
slot (the same slot ids) and the same context length, threads and KV cache types: the two
models run one after the other on the engine thread, so they share its thread budget. Its
vocabulary must be the main model's (drafted ids are verified as the main model's ids): the
sizes and a spread of token texts are compared at startup and a mismatch refuses to start.

Each step, the drafts of all speculating generations are made together, as llama-server does
with its slots: one draft decode brings every draft sequence up to its generation's history
(its prompt at first, then the tokens sampled since), then each draft decode holds one token per
still-drafting sequence, its greedy guess, until the sequence's `limit`, or until the draft
model's top token is less likely than `DraftOptions.p_min` (`--draft-p-min`, 0.75 by default as
in llama-server): an unsure draft is mostly rejected, and checking it costs the main model work
on a CPU. So k requests drafting n tokens cost about n draft decodes, not k·n. Sync: after
verification the draft sequence is cut back to the longest prefix it shares with the history
(the accepted drafts), so its cache never holds a token the generation does not have. A
finished generation's draft cells stay as a prefix cache for the slot's next request, and are
evicted when the draft context needs room.

Grammar-constrained generations do not speculate in this mode: the draft model's unconstrained
guesses would often be tokens the grammar forbids (whitespace, quoting), each costing a draft
decode and a verification row for nothing, and drafting under the grammar would need a second
grammar state per generation kept in step with the first. (Prompt lookup drafts for them: its
proposals are free.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import llama_cpp
import numpy as np

from ggserve.engine.base import ModelLoadError
from ggserve.engine.detokenizer import TokenPieces
from ggserve.engine.llama_backend import common_prefix_length
from ggserve.engine.model import DECODE_OK, LoadedModel, Span
from ggserve.engine.ngram import DraftOptions

VOCAB_SAMPLES = 64  # token texts compared between the two vocabularies (a spread of ids)


class DraftContext(Protocol):
    """What drafting needs from the draft model's context (`LlamaDraftContext`; tests fake)."""

    n_ctx: int
    n_batch: int

    def decode(self, spans: Sequence[Span]) -> int: ...

    def seq_rm(self, seq_id: int, start: int = 0, end: int = -1) -> bool: ...

    def best(self, row: int) -> tuple[int, float]:
        """The most likely token at batch row `row` of the last decode, and its probability."""
        ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


class LlamaDraftContext:
    """A `LoadedModel` as a `DraftContext`: greedy picks straight from its logits."""

    def __init__(self, model: LoadedModel) -> None:
        self.model = model
        self.n_ctx = model.n_ctx
        self.n_batch = model.n_batch
        self._n_vocab = int(llama_cpp.llama_vocab_n_tokens(model.vocab))

    def decode(self, spans: Sequence[Span]) -> int:
        return self.model.decode(spans)

    def seq_rm(self, seq_id: int, start: int = 0, end: int = -1) -> bool:
        return self.model.seq_rm(seq_id, start, end)

    def best(self, row: int) -> tuple[int, float]:
        pointer = llama_cpp.llama_get_logits_ith(self.model.context, row)
        logits = np.ctypeslib.as_array(pointer, shape=(self._n_vocab,))
        token = int(logits.argmax())
        # softmax of the top logit: 1 / Σ exp(l - top)
        probability = 1.0 / float(np.exp(logits - logits[token]).sum())
        return token, probability

    def clear(self) -> None:
        self.model.clear()

    def close(self) -> None:
        self.model.close()


class DraftModel:
    """The draft context and what each of its sequences (one per slot) holds; a `DrafterSource`
    for `LlamaBackend`. Engine thread only."""

    def __init__(self, context: DraftContext, n_seq: int, options: DraftOptions) -> None:
        self.context = context
        self.options = options
        self._cached: list[list[int]] = [[] for _ in range(n_seq)]  # tokens each sequence holds
        self._drafters: dict[int, ModelDrafter] = {}  # slot → the generation it serves

    def drafter(self, seq_id: int, prompt: Sequence[int]) -> ModelDrafter:
        drafter = ModelDrafter(self, seq_id, prompt)
        self._drafters[seq_id] = drafter
        return drafter

    def cached(self, seq_id: int) -> list[int]:
        """The tokens sequence `seq_id` holds in the draft context (a copy)."""
        return list(self._cached[seq_id])

    def sync(self, seq_id: int, history: Sequence[int]) -> None:
        """Cut the sequence back to the longest prefix it shares with `history`."""
        cached = self._cached[seq_id]
        keep = common_prefix_length(cached, history)
        if keep < len(cached):
            if not self.context.seq_rm(seq_id, keep, -1):
                self.context.seq_rm(seq_id, 0, -1)  # cannot cut inside (recurrent): start over
                keep = 0
            del cached[keep:]

    def draft(self, limits: Mapping[int, int]) -> dict[int, list[int]]:
        """Drafts for the generations of the slots in `limits` (slot → most tokens), all in the
        same draft decodes: first what each sequence lacks of its history, then one token per
        still-drafting sequence per decode. A sequence stops at its limit or before its first
        guess the draft model is less sure of than `options.p_min`; a proposal shorter than
        `options.min_tokens` is dropped. Slots left out of the answer get no draft this step."""
        limits = {
            seq_id: min(limit, self.options.max_tokens)
            for seq_id, limit in limits.items()
            if seq_id in self._drafters and limit >= self.options.min_tokens
        }
        guesses = self._catch_up(list(limits))
        proposals: dict[int, list[int]] = {seq_id: [] for seq_id in guesses}
        while guesses:
            spans: list[Span] = []
            for seq_id, (token, probability) in guesses.items():
                if probability < self.options.p_min:
                    continue
                proposal = proposals[seq_id]
                proposal.append(token)
                if len(proposal) < limits[seq_id]:
                    spans.append(Span(seq_id, len(self._cached[seq_id]), (token,), (0,)))
            guesses = self._decode(spans) if spans else {}
        minimum = self.options.min_tokens
        return {seq_id: p for seq_id, p in proposals.items() if len(p) >= minimum}

    def _catch_up(self, seq_ids: list[int]) -> dict[int, tuple[int, float]]:
        """Decode what each sequence lacks of its history (at least its last token, for the
        logits to draft from), packed n_batch tokens a decode; each sequence's first guess."""
        missing: dict[int, list[int]] = {}
        for seq_id in seq_ids:
            history = self._drafters[seq_id].history
            self.sync(seq_id, history[:-1])
            missing[seq_id] = list(history[len(self._cached[seq_id]) :])
        guesses: dict[int, tuple[int, float]] = {}
        while missing:
            spans: list[Span] = []
            room = self.context.n_batch
            for seq_id, tokens in missing.items():
                if room == 0:
                    break
                chunk = tuple(tokens[:room])
                last = (len(chunk) - 1,) if len(chunk) == len(tokens) else ()
                spans.append(Span(seq_id, len(self._cached[seq_id]), chunk, last))
                room -= len(chunk)
            guesses |= self._decode(spans)
            for span in spans:
                held = len(self._cached[span.seq_id])
                if span.logits or held != span.start + len(span.tokens):
                    del missing[span.seq_id]  # read to the end, or no room: no draft
                else:
                    del missing[span.seq_id][: len(span.tokens)]
        return guesses

    def _decode(self, spans: list[Span]) -> dict[int, tuple[int, float]]:
        """Decode `spans` (after what their sequences hold); the best next token at each span
        with logits. Without room for all even after evicting idle sequences, each span is
        tried alone and those that do not fit are left out: their sequences keep what they
        hold (a valid prefix), and a failed `llama_decode` for lack of cells costs no compute."""
        if self._try_decode(spans):
            return self._guesses(spans)
        guesses: dict[int, tuple[int, float]] = {}
        if len(spans) > 1:
            for span in spans:
                if self._try_decode([span]):
                    guesses |= self._guesses([span])
        return guesses

    def _try_decode(self, spans: list[Span]) -> bool:
        if self.context.decode(spans) != DECODE_OK:
            self._evict_idle()
            if self.context.decode(spans) != DECODE_OK:
                return False
        for span in spans:
            self._cached[span.seq_id].extend(span.tokens)
        return True

    def _guesses(self, spans: list[Span]) -> dict[int, tuple[int, float]]:
        guesses: dict[int, tuple[int, float]] = {}
        row = 0
        for span in spans:
            if span.logits:
                guesses[span.seq_id] = self.context.best(row + span.logits[-1])
            row += len(span.tokens)
        return guesses

    def _evict_idle(self) -> None:
        for seq_id, cached in enumerate(self._cached):
            if seq_id not in self._drafters and cached:
                self.context.seq_rm(seq_id, 0, -1)
                cached.clear()

    def release(self, seq_id: int) -> None:
        """The slot's generation is over; its cells stay as a prefix cache until needed."""
        self._drafters.pop(seq_id, None)

    def clear(self) -> None:
        self.context.clear()
        for cached in self._cached:
            cached.clear()

    def close(self) -> None:
        self.context.close()


class ModelDrafter:
    """One generation's history and its sequence in the draft context (a `Drafter`)."""

    __slots__ = ("_model", "_seq_id", "history")

    def __init__(self, model: DraftModel, seq_id: int, prompt: Iterable[int]) -> None:
        self._model = model
        self._seq_id = seq_id
        self.history = list(prompt)  # the prompt, then every token the generation has

    def extend(self, tokens: Iterable[int]) -> None:
        self.history.extend(tokens)

    def draft(self, limit: int) -> list[int]:
        """This generation's draft alone (the backend drafts all slots at once through
        `DraftModel.draft`)."""
        return self._model.draft({self._seq_id: limit}).get(self._seq_id, [])

    def checked(self, drafted: int, accepted: int) -> None:
        # The rejected drafts (and the unchecked last one) leave the draft cache at once.
        self._model.sync(self._seq_id, self.history)

    def close(self) -> None:
        self._model.release(self._seq_id)


def check_same_vocabulary(main: LoadedModel, draft: LoadedModel) -> None:
    """Raise `ModelLoadError` unless `draft` tokenizes like `main`: the same number of tokens
    and the same text for a spread of ids (drafted ids are verified as the main model's)."""
    sizes = [int(llama_cpp.llama_vocab_n_tokens(m.vocab)) for m in (main, draft)]
    if sizes[0] != sizes[1]:
        raise ModelLoadError(
            f"the draft model {draft.path.name} cannot draft for {main.path.name}: its vocabulary "
            f"has {sizes[1]} tokens, the main model's {sizes[0]}; pick a draft model of the same "
            "family (same tokenizer)"
        )
    main_pieces, draft_pieces = TokenPieces(main.vocab), TokenPieces(draft.vocab)
    ids = {*range(0, sizes[0], max(sizes[0] // VOCAB_SAMPLES, 1)), sizes[0] - 1}
    for token in sorted(ids):
        ours, theirs = main_pieces.piece(token), draft_pieces.piece(token)
        if ours != theirs:
            raise ModelLoadError(
                f"the draft model {draft.path.name} cannot draft for {main.path.name}: token "
                f"{token} is {theirs!r} in its vocabulary but {ours!r} in the main model's; "
                "pick a draft model of the same family (same tokenizer)"
            )


def load_draft_model(path: str | Path, main: LoadedModel, options: DraftOptions) -> DraftModel:
    """Load the draft GGUF beside `main` (same context length, slots, threads, KV types);
    `ModelLoadError` if it cannot load or its vocabulary differs."""
    try:
        draft = LoadedModel.load(path, dataclasses.replace(main.options, n_ctx=main.n_ctx))
    except ModelLoadError as exc:
        raise ModelLoadError(f"--draft-model: {exc}") from exc
    try:
        check_same_vocabulary(main, draft)
    except ModelLoadError:
        draft.close()
        raise
    return DraftModel(LlamaDraftContext(draft), draft.n_seq_max, options)
