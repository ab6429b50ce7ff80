"""The llama.cpp backend: prompt prefill in chunks, sampling, detokenizing, prefix reuse.

One slot (sequence 0 of the context). The KV cache keeps the tokens of the previous sequence;
a new prompt reuses their common prefix and only the rest is evaluated, `n_batch` tokens per
step so that cancellation is honoured within one chunk even during a long prefill.
"""

from __future__ import annotations

from dataclasses import dataclass

from ggserve.engine.detokenizer import Detokenizer, TokenPieces
from ggserve.engine.model import LoadedModel
from ggserve.engine.sampler import SamplerChain, SamplingDefaults
from ggserve.engine.sequence import Sequence, StepOutput


def common_prefix_length(a: list[int], b: tuple[int, ...]) -> int:
    """How many leading tokens `a` and `b` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass(slots=True)
class _Slot:
    """Decoding state of the sequence in the slot."""

    seq: Sequence
    sampler: SamplerChain
    detokenizer: Detokenizer
    pending: list[int]  # prompt tokens still to evaluate
    last_token: int | None = None  # sampled but not yet evaluated


class LlamaBackend:
    """`Backend` over a `LoadedModel`; runs on the engine thread only."""

    n_slots = 1

    def __init__(self, model: LoadedModel, defaults: SamplingDefaults) -> None:
        self.model = model
        self.pieces = TokenPieces(model.vocab)
        self._defaults = defaults
        self._cached: list[int] = []  # tokens whose KV entries are in the cache, in order
        self._slot: _Slot | None = None

    @property
    def cached_tokens(self) -> int:
        """Tokens in the KV cache (read from any thread for metrics: one `len`)."""
        return len(self._cached)

    def start(self, seq: Sequence) -> int:
        prompt = seq.request.prompt_tokens
        # At least one prompt token must be evaluated to get logits to sample from.
        reuse = min(common_prefix_length(self._cached, prompt), len(prompt) - 1)
        if not self.model.trim(reuse):
            self.model.clear()
            reuse = 0
        del self._cached[reuse:]
        sampler = SamplerChain(
            self.model.vocab,
            seq.request.sampling,
            grammar=seq.request.grammar,
            defaults=self._defaults,
        )
        self._slot = _Slot(seq, sampler, Detokenizer(self.pieces), list(prompt[reuse:]))
        return reuse

    def step(self, seqs: list[Sequence]) -> list[StepOutput]:
        slot = self._slot
        if slot is None or [slot.seq] != seqs:
            raise RuntimeError("the llama backend has one slot; the scheduler asked for another")
        return [self._advance(slot)]

    def _advance(self, slot: _Slot) -> StepOutput:
        if slot.pending:
            chunk = slot.pending[: self.model.n_batch]
            self._evaluate(chunk)
            del slot.pending[: len(chunk)]
            if slot.pending:
                return StepOutput(prefilling=True)
        elif slot.last_token is not None:
            self._evaluate([slot.last_token])
        token = slot.sampler.sample(self.model.context)
        if self.model.is_eog(token):
            slot.last_token = None
            return StepOutput(text=slot.detokenizer.flush(), end=True)
        slot.last_token = token
        return StepOutput(text=slot.detokenizer.push(token), tokens=1)

    def _evaluate(self, tokens: list[int]) -> None:
        self.model.evaluate(tokens, len(self._cached))
        self._cached.extend(tokens)

    def release(self, seq: Sequence) -> str:
        slot = self._slot
        if slot is None or slot.seq is not seq:
            return ""
        self._slot = None
        slot.sampler.close()
        return slot.detokenizer.flush()

    def reset(self) -> None:
        self.model.clear()
        self._cached.clear()

    def close(self) -> None:
        if self._slot is not None:
            self._slot.sampler.close()
            self._slot = None
        self.model.close()
