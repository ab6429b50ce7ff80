"""The llama.cpp backend: continuous batching of N slots in one context, with a prefix cache.

Each slot is a llama.cpp sequence id in one context with a unified KV cache. Each running
generation has its pending tokens: known, not yet in the KV cache — the rest of its prompt
(or, after a preemption, its whole history) while prefilling, then the token it last sampled.
Every step builds one batch: the pending tokens of every decoding generation, then chunks of
the prompts being prefilled (oldest admission first) while the per-step token budget lasts, so a
long new prompt delays the running streams by at most one chunk. Each span says which of its
rows need logits; after `llama_decode`, each generation samples at its own rows with its own
sampler chain (grammar, seed, penalties…). Only accepted tokens are committed to a slot's cached
tokens: a decoding span's first token was sampled, and any further one is kept only while the
sampler, reading the row before it, picks it again (what a speculative draft needs); the cells
of the others are removed at once.

Forced tokens (a thinking budget's close-of-thinking marker, `thinking.py`) take the place of a
sample: they become the run's pending tokens, all known (`_Run.known`), are reported like sampled
tokens, accepted by the sampler chain, and committed without a check; the next token is sampled
at the last one's row. Drafts are not proposed after them and are dropped when forcing starts.
For a generation that asked for logprobs they are forced one a step, each with the logprobs of
the row it takes a sample's place at (the model's distribution there, as for a token a grammar
forces), so every generated token has its record.

Prefix cache: a released slot keeps its cells (a prompt cut short by a cancel included: its
evaluated part is a valid prefix, so a retry resumes there). A new request goes to the free slot
whose cached tokens share the longest prefix with its prompt (else the least recently used
one); when a busy slot shares a longer prefix, its cells are copied (`llama_memory_seq_cp`,
metadata only in a unified cache). Cached cells of free slots are evicted as soon as anything
needs the room.

KV cache full (`llama_decode` returns 1): evict free slots' caches, then shrink the prefill
chunks, then preempt the newest generation (its cells are freed and its tokens, prompt and
generated, are evaluated again later; its sampler, detokenizer and stream carry on untouched,
so the caller sees only a pause). Nothing else is dropped, and the cache is never wiped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ggserve.domain import LogprobEntry, Sampling
from ggserve.engine.base import KvCacheFull, TokenRecord
from ggserve.engine.detokenizer import Detokenizer, PieceSource
from ggserve.engine.drafter import Drafter, DrafterSource
from ggserve.engine.generation import Generation, StepOutput
from ggserve.engine.logprobs import logprob_entry
from ggserve.engine.model import DECODE_OK, Span
from ggserve.engine.ngram import DraftOptions, NgramDrafter
from ggserve.engine.sampler import RowSampler, SamplingDefaults
from ggserve.engine.scheduler import KvUsage

# A busy slot's prefix is copied only when it beats the best free slot by this many tokens:
# below that, re-evaluating is as cheap as the bookkeeping.
MIN_COPY_TOKENS = 32
# A free slot is picked for its cache when it holds at least 1/MIN_SIMILARITY of the prompt
# (llama-server's default slot similarity is 0.1 as well).
MIN_SIMILARITY = 10
MIN_REUSE_TOKENS = 16
# Cells kept free per decoding generation when a prompt is admitted or prefilled, so that a full
# cache preempts rarely rather than on every step.
GROWTH_RESERVE = 16


class BatchModel(Protocol):
    """What the backend needs from a model (`LoadedModel`; tests inject a fake)."""

    n_ctx: int
    n_batch: int
    n_seq_max: int

    def decode(self, spans: Sequence[Span]) -> int: ...

    def seq_rm(self, seq_id: int, start: int = 0, end: int = -1) -> bool: ...

    def seq_cp(self, src: int, dst: int, start: int, end: int) -> None: ...

    def seq_pos_max(self, seq_id: int) -> int: ...

    def is_eog(self, token: int) -> bool: ...

    def logits(self, row: int) -> npt.NDArray[np.float32]: ...

    def pieces(self) -> PieceSource: ...

    def new_sampler(
        self, sampling: Sampling, *, grammar: str | None, defaults: SamplingDefaults
    ) -> RowSampler: ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


def common_prefix_length(a: list[int], b: Sequence[int]) -> int:
    """How many leading tokens `a` and `b` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass(slots=True)
class _Run:
    """Decoding state of the generation a slot is serving."""

    gen: Generation
    sampler: RowSampler
    detokenizer: Detokenizer
    order: int  # admission order: older generations prefill first and are preempted last
    # Tokens known but not yet in the KV cache: the prompt's rest (after a preemption, the
    # whole history) while prefilling; once decoding, the sampled token (first) and any tokens
    # proposed after it, all of which are checked in one step.
    pending: list[int]
    decoding: bool = False
    known: int = 1  # leading pending tokens already generated (sampled, or forced); the rest drafts
    drafter: Drafter | None = None  # proposes tokens after the sampled one (speculation)
    forcing: list[int] = field(default_factory=list)  # close tokens still to force, one a step

    def span(self, seq_id: int, start: int, budget: int) -> Span:
        """The next span of pending tokens (at most `budget` while prefilling) and its rows
        that need logits: every row of a decoding span, the last of a prompt's final chunk."""
        if self.decoding:
            rows = tuple(range(self.known - 1, len(self.pending)))
            return Span(seq_id, start, tuple(self.pending), rows)
        chunk = tuple(self.pending[:budget])
        last = (len(chunk) - 1,) if len(chunk) == len(self.pending) else ()
        return Span(seq_id, start, chunk, last)


@dataclass(slots=True)
class _Slot:
    """One llama.cpp sequence id: the tokens its cells hold (positions 0…), and who uses it."""

    seq_id: int
    cached: list[int] = field(default_factory=list)
    run: _Run | None = None
    last_used: int = 0


@dataclass(frozen=True, slots=True)
class SlotReport:
    """A slot: busy or free, tokens it believes cached, positions llama.cpp holds for it."""

    seq_id: int
    busy: bool
    cached_tokens: int
    cache_positions: int


@dataclass(slots=True)
class _Planned:
    slot: _Slot
    span: Span
    prefill: bool


class LlamaBackend:
    """`Backend` over a model with `n_seq_max` slots; runs on the engine thread only."""

    def __init__(
        self,
        model: BatchModel,
        defaults: SamplingDefaults,
        drafting: DraftOptions | None = None,
        drafters: DrafterSource | None = None,
    ) -> None:
        """`drafting` turns speculation on; its drafts come from `drafters` (a draft model)
        when given, else from prompt lookup."""
        self.model = model
        self.pieces = model.pieces()
        self._defaults = defaults
        self._drafting = drafting
        self._drafters = drafters
        self.drafted = 0  # tokens drafted (prompt lookup or draft model) and checked
        self.accepted = 0  # of those, tokens the sampler picked too
        self._slots = [_Slot(seq_id) for seq_id in range(model.n_seq_max)]
        self._by_serial: dict[int, _Slot] = {}  # Generation.serial → its slot
        self._clock = itertools.count(1)  # admission order and LRU time
        self.preemptions = 0  # generations whose cells were freed for lack of KV space

    # ---- read-only figures (any thread; approximate while a step runs) ----------------------

    @property
    def n_slots(self) -> int:
        return len(self._slots)

    @property
    def kv_size(self) -> int:
        """KV cells in the context (tokens, all sequences together)."""
        return self.model.n_ctx

    @property
    def kv_used(self) -> int:
        """Cells held (an upper bound: cells shared by a copied prefix are counted per slot)."""
        return sum(len(slot.cached) for slot in self._slots)

    @property
    def kv_cached_idle(self) -> int:
        """Cells held by free slots: the prefix cache, evicted whenever room is needed."""
        return sum(len(slot.cached) for slot in self._slots if slot.run is None)

    def kv_usage(self) -> KvUsage:
        return KvUsage(
            self.kv_used, self.kv_cached_idle, self.kv_size, self.preemptions,
            self.drafted, self.accepted,
        )  # fmt: skip

    def slot_report(self) -> list[SlotReport]:
        """Each slot as tracked here and as llama.cpp's cache holds it. Reads the cache: call it
        only while no step runs (an idle engine), for tests and diagnostics."""
        return [
            SlotReport(
                s.seq_id, s.run is not None, len(s.cached), self.model.seq_pos_max(s.seq_id) + 1
            )
            for s in self._slots
        ]

    # ---- admission ---------------------------------------------------------------------------

    def can_admit(self, gen: Generation, admitting: int) -> bool:
        """Whether `gen` may start now (the scheduler has checked for a free slot), `admitting`
        cells being promised to generations admitted in the same round: room for its prompt
        beside the running generations' tokens (free slots' caches do not count: they are
        evicted on demand). Budgets are not reserved (`max_tokens` is a ceiling): when decoding
        fills the cache, the newest generation is preempted and resumes later, which keeps
        slots busy without risking anyone's result."""
        running = [slot for slot in self._slots if slot.run is not None]
        busy = sum(self._cells_needed(slot) for slot in running)
        if busy == 0 and admitting == 0:
            return True  # alone it fits: the request was checked against the context length
        reserve = GROWTH_RESERVE * (len(running) + 1)
        return busy + admitting + self.admission_cells(gen) + reserve <= self.model.n_ctx

    def admission_cells(self, gen: Generation) -> int:
        """Cells a new generation needs to start: its prompt and its first token."""
        return len(gen.request.prompt_tokens) + 1

    @staticmethod
    def _cells_needed(slot: _Slot) -> int:
        pending = len(slot.run.pending) if slot.run is not None else 0
        return len(slot.cached) + pending

    # ---- Backend -----------------------------------------------------------------------------

    def start(self, gen: Generation) -> int:
        prompt = gen.request.prompt_tokens
        sampler = self.model.new_sampler(
            gen.request.sampling, grammar=gen.request.grammar, defaults=self._defaults
        )
        slot, reuse = self._route(prompt)
        # At least one prompt token must be evaluated to get logits to sample from.
        reuse = min(reuse, len(prompt) - 1)
        if not self.model.seq_rm(slot.seq_id, reuse, -1):
            self.model.seq_rm(slot.seq_id, 0, -1)  # cannot cut inside (recurrent): start over
            reuse = 0
        del slot.cached[reuse:]
        slot.run = _Run(
            gen, sampler, Detokenizer(self.pieces), next(self._clock), list(prompt[reuse:]),
            drafter=self._new_drafter(slot.seq_id, gen),
        )  # fmt: skip
        self._by_serial[gen.serial] = slot
        return reuse

    def _new_drafter(self, seq_id: int, gen: Generation) -> Drafter | None:
        """Prompt lookup, or the draft model for generations without a grammar (its guesses
        would often be tokens the grammar forbids: `draft_model.py`); None when off."""
        prompt = gen.request.prompt_tokens
        if self._drafting is None:
            return None
        if self._drafters is None:
            return NgramDrafter(self._drafting, prompt)
        return None if gen.request.grammar else self._drafters.drafter(seq_id, prompt)

    def _route(self, prompt: Sequence[int]) -> tuple[_Slot, int]:
        """The free slot for `prompt` and how many of its cached tokens match the prompt."""
        free = [slot for slot in self._slots if slot.run is None]
        best = max(free, key=lambda s: (common_prefix_length(s.cached, prompt), -s.last_used))
        shared = common_prefix_length(best.cached, prompt)
        if shared < MIN_REUSE_TOKENS or shared * MIN_SIMILARITY < len(prompt):
            # A few tokens in common (a BOS, a role marker) are not worth another
            # conversation's cache: take the least recently used slot instead.
            best = min(free, key=lambda s: s.last_used)
            shared = common_prefix_length(best.cached, prompt)
        donor, donated = self._best_busy_prefix(prompt)
        if donor is not None and donated >= shared + MIN_COPY_TOKENS:
            self.model.seq_rm(best.seq_id, 0, -1)
            self.model.seq_cp(donor.seq_id, best.seq_id, 0, donated)
            best.cached = donor.cached[:donated]
            return best, donated
        return best, shared

    def _best_busy_prefix(self, prompt: Sequence[int]) -> tuple[_Slot | None, int]:
        best: _Slot | None = None
        length = 0
        for slot in self._slots:
            if slot.run is not None:
                n = common_prefix_length(slot.cached, prompt)
                if n > length:
                    best, length = slot, n
        return best, length

    def step(self, gens: list[Generation]) -> list[StepOutput]:
        slots = [self._slot_of(gen) for gen in gens]
        plan = self._plan(slots)
        errors = self._decode(plan, slots)
        outputs: dict[int, StepOutput] = {}
        row = 0
        for planned in plan:
            outputs[planned.slot.seq_id] = self._advance(planned, row)
            row += len(planned.span.tokens)
        result: list[StepOutput] = []
        for slot in slots:
            error = errors.get(slot.seq_id)
            if error is not None:
                result.append(StepOutput(error=error))
            else:
                result.append(outputs.get(slot.seq_id, StepOutput(prefilling=True)))
        return result

    def _slot_of(self, gen: Generation) -> _Slot:
        slot = self._by_serial.get(gen.serial)
        if slot is None or slot.run is None or slot.run.gen is not gen:
            raise RuntimeError(f"generation {gen.serial} has no slot; the scheduler lost track")
        return slot

    def _plan(self, slots: list[_Slot]) -> list[_Planned]:
        """Pending tokens of every decoding generation, then prompt chunks, oldest first."""
        plan: list[_Planned] = []
        decoders = [s for s in slots if s.run is not None and s.run.decoding and s.run.pending]
        share = self.model.n_batch // max(len(decoders), 1)  # each one's room in the batch
        drafting = self._drafting
        wide = drafting is not None and (
            drafting.max_decoders is not None and len(decoders) > drafting.max_decoders
        )
        if not wide:
            self._propose(decoders, share - 1)
        for slot in decoders:
            run = slot.run
            assert run is not None
            plan.append(_Planned(slot, run.span(slot.seq_id, len(slot.cached), 0), False))
        decoding = sum(len(p.span.tokens) for p in plan)
        budget = self.model.n_batch - decoding
        room = self.model.n_ctx - self.kv_used - decoding
        reserve = GROWTH_RESERVE * len(plan)  # room the decoding generations will soon need
        for slot in sorted((s for s in slots if s.run and not s.run.decoding), key=_order):
            run = slot.run
            assert run is not None
            if budget <= 0:
                break
            # A prompt (or a preempted generation's history) starts only if all of it fits
            # beside the decoding generations with room to grow; otherwise filling the cache
            # would only preempt someone again. With nobody decoding it goes ahead:
            # llama_decode judges (the estimate over-counts cells shared by a copied prefix).
            need = len(run.pending) + reserve
            if room < need:
                room += self._evict_idle(need - room)
            if room < need and plan:
                break  # FIFO: a younger prompt does not overtake one waiting for room
            span = run.span(slot.seq_id, len(slot.cached), budget)
            plan.append(_Planned(slot, span, True))
            budget -= len(span.tokens)
            room -= len(run.pending)
        return plan

    def _propose(self, decoders: list[_Slot], room: int) -> None:
        """Append drafted tokens after each decoding run's sampled one, within `room` and what
        its token limit leaves (each accepted draft is a generated token). A draft model drafts
        for all of them in the same draft decodes."""
        limits: dict[int, int] = {}
        for slot in decoders:
            limit = self._draft_limit(slot.run, room)
            if limit > 0:
                limits[slot.seq_id] = limit
        if not limits:
            return
        if self._drafters is not None:
            proposals = self._drafters.draft(limits)
        else:
            proposals = {seq_id: self._drafter(seq_id).draft(n) for seq_id, n in limits.items()}
        for seq_id, proposal in proposals.items():
            run = self._slots[seq_id].run
            assert run is not None
            run.pending += proposal

    def _drafter(self, seq_id: int) -> Drafter:
        run = self._slots[seq_id].run
        assert run is not None
        assert run.drafter is not None
        return run.drafter

    @staticmethod
    def _draft_limit(run: _Run | None, room: int) -> int:
        """How many tokens `run` may draft this step (0: none)."""
        if run is None or run.drafter is None or len(run.pending) != 1:
            return 0
        gen = run.gen
        left = gen.token_limit - gen.completion_tokens - 1
        thinking = gen.thinking.left if gen.thinking is not None else None
        if thinking is not None:  # no draft past the point where the close is forced
            left = min(left, thinking - 1)
        return max(min(room, left), 0)

    def _decode(self, plan: list[_Planned], runs: list[_Slot]) -> dict[int, KvCacheFull]:
        """Decode `plan`, shrinking it on KV-full until it fits; returns per-slot failures."""
        errors: dict[int, KvCacheFull] = {}
        while plan:
            if self.model.decode([p.span for p in plan]) == DECODE_OK:
                break
            if self._evict_idle(self.model.n_ctx):
                continue
            if self._shrink_prefill(plan) or self._drop_drafts(plan):
                continue
            victim = self._newest_holding_cells(runs)
            if victim is not None and len(runs) > 1:
                self._preempt(victim, plan)
                continue
            # One generation alone in the cache and still no room: it cannot go on.
            for p in plan:
                errors[p.slot.seq_id] = KvCacheFull(self.model.n_ctx, len(p.slot.cached))
            plan.clear()
        return errors

    def _advance(self, planned: _Planned, row: int) -> StepOutput:
        """After the decode: commit what `planned` put in the cache and sample where it can."""
        slot, span = planned.slot, planned.span
        run = slot.run
        assert run is not None
        if not planned.prefill:
            return self._verify(slot, run, span, row)
        slot.cached.extend(span.tokens)
        del run.pending[: len(span.tokens)]
        evaluated = len(span.tokens)
        if not span.logits:
            return StepOutput(prefilling=True, evaluated=evaluated)
        output, _ = self._next(run, row + span.logits[-1], 0)
        return StepOutput(output.text, output.records, evaluated=evaluated, end=output.end)

    def _verify(self, slot: _Slot, run: _Run, span: Span, row: int) -> StepOutput:
        """Commit a decoding span's accepted tokens: its known ones (sampled or forced earlier),
        then each proposed one while the sampler, at the row before it, picks it again; remove
        the rest's cells."""
        tokens = span.tokens
        known = accepted = run.known
        records: list[TokenRecord] = []
        texts: list[str] = []
        while True:
            output, forced = self._next(run, row + accepted - 1, len(records))
            records += output.records
            texts.append(output.text)
            if forced or output.end or accepted == len(tokens):
                break
            if run.pending[:1] != [tokens[accepted]]:
                break
            accepted += 1  # the sampler picked the next proposed token: keep its cells
        slot.cached.extend(tokens[:accepted])
        if accepted < len(tokens):
            self.model.seq_rm(slot.seq_id, len(slot.cached), -1)
        self.drafted += len(tokens) - known
        self.accepted += accepted - known
        if run.drafter is not None:
            run.drafter.checked(len(tokens) - known, accepted - known)
        return StepOutput("".join(texts), tuple(records), end=output.end)

    def _next(self, run: _Run, row: int, emitted: int) -> tuple[StepOutput, bool]:
        """The run's next token(s): forced ones where its thinking budget says so (True), else
        one sampled at batch row `row`. `emitted`: tokens this step already generated for it."""
        thinking = run.gen.thinking
        forced = tuple(run.forcing) or (thinking.due() if thinking is not None else ())
        if forced and thinking is not None:
            room = run.gen.token_limit - run.gen.completion_tokens - emitted
            forced = forced[: max(room, 1)]
            if run.gen.request.top_logprobs is not None:
                # One a step, so that each gets its logprob from the row before it, as a
                # sampled token would (a multi-token close costs a few steps, once).
                run.forcing = list(forced[1:])
                forced = forced[:1]
            return self._force(run, forced, row), True
        output = self._sample(run, row)
        if thinking is not None and output.records:
            thinking.push(output.text)
        return output, False

    def _force(self, run: _Run, tokens: tuple[int, ...], row: int) -> StepOutput:
        """Generate `tokens` without sampling: they become the run's known pending tokens. The
        first one's logprobs (where asked for) come from batch row `row`, the row it replaces a
        sample at; where asked for, `_next` forces one token a step, so each has them."""
        run.decoding = True
        texts = []
        for token in tokens:
            run.sampler.accept(token)
            texts.append(run.detokenizer.push(token))
        run.pending = list(tokens)
        run.known = len(tokens)
        if run.drafter is not None:
            run.drafter.extend(tokens)
        text = "".join(texts)
        if run.gen.thinking is not None and not run.forcing:
            run.gen.thinking.closed(text)
        first = TokenRecord(tokens[0], self._logprobs(run, row, tokens[0]))
        return StepOutput(text=text, records=(first, *(TokenRecord(t) for t in tokens[1:])))

    def _sample(self, run: _Run, row: int) -> StepOutput:
        """Sample the next token from the logits at batch row `row`; it becomes the run's
        pending token."""
        token = run.sampler.sample(row)
        run.decoding = True
        if token is None or self.model.is_eog(token):  # None: the grammar allows nothing more
            run.pending = []
            return StepOutput(text=run.detokenizer.flush(), end=True)
        run.pending = [token]
        run.known = 1
        if run.drafter is not None:
            run.drafter.extend((token,))
        record = TokenRecord(token, self._logprobs(run, row, token))
        return StepOutput(text=run.detokenizer.push(token), records=(record,))

    def _logprobs(self, run: _Run, row: int, token: int) -> LogprobEntry | None:
        """`token`'s log probabilities at `row`, for a generation that asked for them."""
        top_n = run.gen.request.top_logprobs
        if top_n is None:
            return None
        return logprob_entry(self.model.logits(row), token, top_n, self.pieces)

    def _shrink_prefill(self, plan: list[_Planned]) -> bool:
        """Halve the youngest prompt chunk (drop it at one token); False if there is none."""
        for i in range(len(plan) - 1, -1, -1):
            p = plan[i]
            if not p.prefill:
                continue
            tokens = p.span.tokens
            if len(tokens) <= 1:
                del plan[i]
            else:
                half = tokens[: len(tokens) // 2]
                plan[i] = _Planned(p.slot, Span(p.span.seq_id, p.span.start, half), True)
            return True
        return False

    def _drop_drafts(self, plan: list[_Planned]) -> bool:
        """Keep only the known tokens of every decoding span; False if none had drafts."""
        dropped = False
        for i, p in enumerate(plan):
            run = p.slot.run
            assert run is not None
            if not p.prefill and len(p.span.tokens) > run.known:
                del run.pending[run.known :]
                plan[i] = _Planned(p.slot, run.span(p.span.seq_id, p.span.start, 0), False)
                dropped = True
        return dropped

    def _newest_holding_cells(self, runs: list[_Slot]) -> _Slot | None:
        holding = [slot for slot in runs if slot.cached]
        return max(holding, key=_order) if len(holding) > 1 else None

    def _preempt(self, slot: _Slot, plan: list[_Planned]) -> None:
        """Free `slot`'s cells; its tokens are evaluated again once there is room (a decoding
        generation keeps its known tokens; tokens proposed after them are dropped)."""
        run = slot.run
        assert run is not None
        self.model.seq_rm(slot.seq_id, 0, -1)
        pending = run.pending[: run.known] if run.decoding else run.pending
        run.pending = [*slot.cached, *pending]
        run.decoding = False
        slot.cached = []
        plan[:] = [p for p in plan if p.slot is not slot]
        self.preemptions += 1

    def _evict_idle(self, wanted: int) -> int:
        """Free the caches of free slots, least recently used first, until `wanted` cells."""
        freed = 0
        for slot in sorted(self._slots, key=lambda s: s.last_used):
            if freed >= wanted:
                break
            if slot.run is None and slot.cached:
                self.model.seq_rm(slot.seq_id, 0, -1)
                freed += len(slot.cached)
                slot.cached = []
        return freed

    def release(self, gen: Generation) -> str:
        slot = self._by_serial.pop(gen.serial, None)
        if slot is None or slot.run is None:
            return ""
        run = slot.run
        slot.run = None
        slot.last_used = next(self._clock)
        run.sampler.close()
        if run.drafter is not None:
            run.drafter.close()
        # The cells stay as a prefix cache (a prompt cut short included: its evaluated part is a
        # valid prefix); they are evicted as soon as anything needs the room.
        return run.detokenizer.flush()

    def reset(self) -> None:
        self.model.clear()
        if self._drafters is not None:
            self._drafters.clear()
        for slot in self._slots:
            slot.cached = []

    def close(self) -> None:
        for slot in self._slots:
            if slot.run is not None:
                slot.run.sampler.close()
                slot.run = None
        self._by_serial.clear()
        if self._drafters is not None:
            self._drafters.close()
        self.model.close()


def _order(slot: _Slot) -> int:
    return slot.run.order if slot.run is not None else 0
