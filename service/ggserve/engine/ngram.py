"""Prompt-lookup drafting: propose the tokens that followed the latest earlier occurrence of
the text's last n tokens (no second model). It pays off where answers repeat their prompt —
edits, diffs, quoted files — which is where coding agents spend their tokens.

Incremental: every n-gram is indexed once, when the token after it arrives, so a draft costs a
dictionary lookup per n-gram size whatever the history's length (a 20k-token prompt is indexed
once, at admission).

Adaptive: on a CPU, checking k drafted tokens costs a good part of k decoding steps, so drafts
that miss slow a generation down. The draft length doubles while every drafted token is
accepted, shrinks to what was accepted when some are not, and after a draft that missed
entirely the drafter waits 1, 2, 4… (at most `MAX_BACKOFF`) steps before trying again, so free
writing, where lookups rarely hit, costs almost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FIRST_DRAFT = 2  # tokens proposed by a generation's first draft
MAX_BACKOFF = 16  # steps without drafting, at most, after drafts that missed


@dataclass(frozen=True, slots=True)
class DraftOptions:
    """How much to propose: at most `max_tokens` per step, nothing when fewer than
    `min_tokens` would be proposed; n-grams of `max_ngram` down to `min_ngram` tokens are
    looked up, longest first. `max_decoders`: drafting pauses while more generations than this
    decode together (None: never) — on a CPU such a batch is already compute-bound, so checking
    drafts costs about what it saves (8 streams measured 0.93x with drafting throughout).
    `model_path`: draft with that small model (`draft_model.py`) instead of by prompt lookup;
    the n-gram sizes then do not apply, and a draft stops before a token the draft model
    gives less than `p_min` probability (llama-server's `--draft-p-min`)."""

    # On a CPU checking a draft costs nearly linear time in its length (bundled Q4_1 model,
    # 1 thread: a 17-token batch costs 11x one token, 33 tokens 20x), so all-accepted drafts
    # speed a copy up by at most 1.54x at 16 tokens and 1.61x at 32; the adaptive length
    # (`NgramDrafter.checked`) keeps misses cheap. 64 loses more on one miss than it gains.
    max_tokens: int = 32
    min_tokens: int = 1
    max_ngram: int = 4
    min_ngram: int = 3
    max_decoders: int | None = 2
    model_path: str | None = None  # a draft GGUF (`--draft-model`); None: prompt lookup
    p_min: float = 0.75

    def __post_init__(self) -> None:
        if not 1 <= self.min_tokens <= self.max_tokens:
            raise ValueError("need 1 <= draft min <= draft max")
        if not 1 <= self.min_ngram <= self.max_ngram:
            raise ValueError("need 1 <= min n-gram <= max n-gram")
        if not 0.0 <= self.p_min <= 1.0:
            raise ValueError("need 0 <= draft p-min <= 1")


class NgramDrafter:
    """The history of one generation (prompt, then every generated token) and its n-gram index."""

    __slots__ = ("_backoff", "_history", "_index", "_length", "_options", "_wait")

    def __init__(self, options: DraftOptions, history: Iterable[int] = ()) -> None:
        self._options = options
        self._length = min(FIRST_DRAFT, options.max_tokens)  # tokens the next draft may have
        self._wait = 0  # steps to skip before the next draft
        self._backoff = 1  # the next wait after a miss
        self._history: list[int] = []
        # Per n-gram size: n tokens → where the tokens after their latest occurrence start.
        self._index: dict[int, dict[tuple[int, ...], int]] = {
            n: {} for n in range(options.min_ngram, options.max_ngram + 1)
        }
        self.extend(history)

    def extend(self, tokens: Iterable[int]) -> None:
        """Append generated (accepted) tokens to the history."""
        history = self._history
        for token in tokens:
            end = len(history)
            for n, index in self._index.items():
                if end >= n:
                    index[tuple(history[end - n : end])] = end
            history.append(token)

    def draft(self, limit: int) -> list[int]:
        """Up to `limit` (and the current draft length) tokens likely to follow; [] when no
        n-gram matches, fewer than the options' minimum would be proposed, or after misses."""
        if self._wait > 0:
            self._wait -= 1
            return []
        limit = min(limit, self._length)
        history = self._history
        for n in range(self._options.max_ngram, self._options.min_ngram - 1, -1):
            if len(history) < n:
                continue
            start = self._index[n].get(tuple(history[-n:]))
            if start is not None:
                proposal = history[start : start + limit]
                return proposal if len(proposal) >= self._options.min_tokens else []
        return []

    def checked(self, drafted: int, accepted: int) -> None:
        """Adapt to how the last draft of `drafted` tokens fared (`accepted` kept)."""
        if drafted == 0:
            return
        if accepted == drafted:
            self._length = min(self._length * 2, self._options.max_tokens)
            self._backoff = 1
        elif accepted > 0:
            self._length = max(accepted, 1)
            self._backoff = 1
        else:
            self._wait = self._backoff
            self._backoff = min(self._backoff * 2, MAX_BACKOFF)

    def close(self) -> None:
        """Nothing to free: the history is garbage-collected with the drafter."""
