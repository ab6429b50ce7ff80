"""Drafting with a second, small model (`--speculative draft --draft-model PATH`).

The draft GGUF gets its own llama.cpp context beside the main model's, with one sequence per
slot (the same slot ids) and the same context length, threads and KV cache types: the two
models run one after the other on the engine thread, so they share its thread budget. Its
vocabulary must be the main model's (drafted ids are verified as the main model's ids): the
sizes and a spread of token texts are compared at startup and a mismatch refuses to start.

Each step, a speculating generation's drafter brings the draft sequence up to the generation's
history (its prompt at first, then the tokens sampled since), then proposes tokens greedily,
one draft decode each, until `limit`, or until the draft model's top token is less likely than
`DRAFT_P_MIN` (llama-server's `--draft-p-min` default): an unsure draft is mostly rejected, and
checking it costs the main model work on a CPU. Sync: after verification the draft sequence is
cut back to the longest prefix it shares with the history (the accepted drafts), so its cache
never holds a token the generation does not have. A finished generation's draft cells stay as
a prefix cache for the slot's next request, and are evicted when the draft context needs room.

Grammar-constrained generations do not speculate in this mode: the draft model's unconstrained
guesses would often be tokens the grammar forbids (whitespace, quoting), each costing a draft
decode and a verification row for nothing, and drafting under the grammar would need a second
grammar state per generation kept in step with the first. (Prompt lookup drafts for them: its
proposals are free.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import llama_cpp
import numpy as np

from ggserve.engine.base import ModelLoadError
from ggserve.engine.detokenizer import TokenPieces
from ggserve.engine.llama_backend import common_prefix_length
from ggserve.engine.model import DECODE_OK, LoadedModel, Span
from ggserve.engine.ngram import DraftOptions

DRAFT_P_MIN = 0.75  # a draft stops before a token the draft model gives less than this
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

    def __init__(
        self, context: DraftContext, n_seq: int, options: DraftOptions, p_min: float = DRAFT_P_MIN
    ) -> None:
        self.context = context
        self.options = options
        self.p_min = p_min
        self._cached: list[list[int]] = [[] for _ in range(n_seq)]  # tokens each sequence holds
        self._busy: set[int] = set()
        self._last_row = 0  # the batch row of the last decode's logits

    def drafter(self, seq_id: int, prompt: Sequence[int]) -> ModelDrafter:
        self._busy.add(seq_id)
        return ModelDrafter(self, seq_id, prompt)

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

    def draft(self, seq_id: int, history: Sequence[int], limit: int) -> list[int]:
        """Up to `limit` greedy tokens after `history`, while the draft model is sure enough."""
        cached = self._cached[seq_id]
        # At least the last token is evaluated again, for the logits to draft from.
        self.sync(seq_id, history[:-1])
        if not self._evaluate(seq_id, history[len(cached) :]):
            return []
        proposal: list[int] = []
        while True:
            token, probability = self.context.best(self._last_row)
            if probability < self.p_min:
                break
            proposal.append(token)
            if len(proposal) >= limit or not self._evaluate(seq_id, [token]):
                break
        return proposal if len(proposal) >= self.options.min_tokens else []

    def _evaluate(self, seq_id: int, tokens: Sequence[int]) -> bool:
        """Decode `tokens` after what the sequence holds, in chunks of n_batch; logits at the
        last. False when the draft context has no room even after evicting idle sequences:
        this step goes without a draft and the generation carries on. What the sequence holds
        stays (a valid prefix): the next try reads only what is missing, and a failed
        `llama_decode` for lack of cells costs no compute."""
        cached = self._cached[seq_id]
        step = self.context.n_batch
        for at in range(0, len(tokens), step):
            chunk = tuple(tokens[at : at + step])
            span = Span(seq_id, len(cached), chunk, (len(chunk) - 1,))
            if self.context.decode([span]) != DECODE_OK:
                self._evict_idle()
                if self.context.decode([span]) != DECODE_OK:
                    return False
            cached.extend(chunk)
            self._last_row = len(chunk) - 1
        return True

    def _evict_idle(self) -> None:
        for seq_id, cached in enumerate(self._cached):
            if seq_id not in self._busy and cached:
                self.context.seq_rm(seq_id, 0, -1)
                cached.clear()

    def release(self, seq_id: int) -> None:
        """The slot's generation is over; its cells stay as a prefix cache until needed."""
        self._busy.discard(seq_id)

    def clear(self) -> None:
        self.context.clear()
        for cached in self._cached:
            cached.clear()

    def close(self) -> None:
        self.context.close()


class ModelDrafter:
    """One generation's history and its sequence in the draft context (a `Drafter`)."""

    __slots__ = ("_history", "_model", "_seq_id")

    def __init__(self, model: DraftModel, seq_id: int, prompt: Iterable[int]) -> None:
        self._model = model
        self._seq_id = seq_id
        self._history = list(prompt)

    def extend(self, tokens: Iterable[int]) -> None:
        self._history.extend(tokens)

    def draft(self, limit: int) -> list[int]:
        limit = min(limit, self._model.options.max_tokens)
        if limit < self._model.options.min_tokens:
            return []
        return self._model.draft(self._seq_id, self._history, limit)

    def checked(self, drafted: int, accepted: int) -> None:
        # The rejected drafts (and the unchecked last one) leave the draft cache at once.
        self._model.sync(self._seq_id, self._history)

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
