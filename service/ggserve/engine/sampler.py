"""Per-sequence sampler chains built from llama.cpp's samplers (llama-cpp-python bindings).

Chain order follows llama.cpp's common sampler: penalties, grammar, then the truncations (top-k,
top-p, min-p), temperature and a seeded distribution; temperature 0 is greedy. The grammar runs
before truncation so that truncation can never leave only grammar-forbidden candidates.
A fresh chain per sequence means a fixed seed and the same parameters give the same tokens.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Protocol, TypeVar

import llama_cpp
import numpy as np

from ggserve.domain import Sampling
from ggserve.engine.grammar import compile_grammar

RANDOM_SEED = llama_cpp.LLAMA_DEFAULT_SEED  # llama.cpp draws a random seed for this value


@dataclass(frozen=True, slots=True)
class SamplingDefaults:
    """Values used where a request leaves a parameter unset (llama.cpp server defaults)."""

    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    penalty_last_n: int = 64
    seed: int | None = None  # None: a random seed per request


_T = TypeVar("_T")


def _pick(value: _T | None, default: _T) -> _T:
    return default if value is None else value


class RowSampler(Protocol):
    """Picks one generation's next token from the logits at a batch row (None: the grammar
    allows nothing more); `close` frees it."""

    def sample(self, row: int) -> int | None: ...

    def close(self) -> None: ...


class SamplerChain:
    """One llama.cpp sampler chain; owns its native memory until `close`."""

    def __init__(
        self,
        vocab: llama_cpp.llama_vocab_p,
        sampling: Sampling,
        *,
        grammar: str | None = None,
        defaults: SamplingDefaults = SamplingDefaults(),
    ) -> None:
        params = llama_cpp.llama_sampler_chain_default_params()
        self._chain: llama_cpp.llama_sampler_p | None = llama_cpp.llama_sampler_chain_init(params)
        # With a grammar, candidates are built here (see `_sample_constrained`).
        self._candidates: ctypes.Array[llama_cpp.llama_token_data] | None = None
        if grammar:
            n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
            self._candidates = (llama_cpp.llama_token_data * n_vocab)()
            # Made once: the samplers reorder the array in place, so each step copies these in.
            self._view = np.ctypeslib.as_array(self._candidates)
            self._ids = np.arange(n_vocab, dtype=np.int32)
        try:
            self._build(vocab, sampling, grammar, defaults)
        except BaseException:
            self.close()
            raise

    def _add(self, sampler: llama_cpp.llama_sampler_p) -> None:
        llama_cpp.llama_sampler_chain_add(self._chain, sampler)  # the chain now owns it

    def _build(
        self,
        vocab: llama_cpp.llama_vocab_p,
        sampling: Sampling,
        grammar: str | None,
        defaults: SamplingDefaults,
    ) -> None:
        self._add(
            llama_cpp.llama_sampler_init_penalties(
                llama_cpp.llama_vocab_n_tokens(vocab),
                defaults.penalty_last_n,
                _pick(sampling.repeat_penalty, defaults.repeat_penalty),
                _pick(sampling.frequency_penalty, defaults.frequency_penalty),
                _pick(sampling.presence_penalty, defaults.presence_penalty),
            )
        )
        if grammar:
            self._add(compile_grammar(vocab, grammar))
        temperature = _pick(sampling.temperature, defaults.temperature)
        if temperature <= 0.0:
            self._add(llama_cpp.llama_sampler_init_greedy())
            return
        top_k = _pick(sampling.top_k, defaults.top_k)
        if top_k > 0:
            self._add(llama_cpp.llama_sampler_init_top_k(top_k))
        self._add(llama_cpp.llama_sampler_init_top_p(_pick(sampling.top_p, defaults.top_p), 1))
        self._add(llama_cpp.llama_sampler_init_min_p(_pick(sampling.min_p, defaults.min_p), 1))
        self._add(llama_cpp.llama_sampler_init_temp(temperature))
        seed = _pick(sampling.seed, defaults.seed)
        self._add(llama_cpp.llama_sampler_init_dist(RANDOM_SEED if seed is None else seed))

    def sample(self, ctx: llama_cpp.llama_context_p, index: int = -1) -> int | None:
        """Sample from the logits of batch row `index` and advance the chain's state; None when
        the grammar allows no token at all (the sequence must end there)."""
        if self._candidates is not None:
            return self._sample_constrained(ctx, index, self._candidates)
        return int(llama_cpp.llama_sampler_sample(self._chain, ctx, index))

    def _sample_constrained(
        self,
        ctx: llama_cpp.llama_context_p,
        index: int,
        candidates: ctypes.Array[llama_cpp.llama_token_data],
    ) -> int | None:
        """`llama_sampler_sample` with a check between apply and accept.

        A grammar can leave no candidate (a token reference to a control token, a grammar that
        is complete where the model has no end-of-generation token it allows): the chain then
        "selects" a token of logit -inf, and accepting it into the grammar throws a C++
        exception that ends the whole process. Here such a step ends the sequence instead.
        """
        n_vocab = len(candidates)
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, index), (n_vocab,))
        self._view["id"] = self._ids
        self._view["logit"] = logits
        self._view["p"] = 0.0
        array = llama_cpp.llama_token_data_array(
            data=ctypes.cast(candidates, llama_cpp.llama_token_data_p),
            size=n_vocab,
            selected=-1,
            sorted=False,
        )
        llama_cpp.llama_sampler_apply(self._chain, ctypes.byref(array))
        if not 0 <= array.selected < array.size:
            return None
        chosen = array.data[array.selected]
        if not math.isfinite(chosen.logit):
            return None
        llama_cpp.llama_sampler_accept(self._chain, chosen.id)
        return int(chosen.id)

    def close(self) -> None:
        """Free the chain and every sampler in it (idempotent)."""
        if self._chain is not None:
            llama_cpp.llama_sampler_free(self._chain)
            self._chain = None
