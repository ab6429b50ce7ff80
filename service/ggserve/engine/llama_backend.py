"""The llama.cpp backend: continuous batching of N slots in one context, with a prefix cache.

Each slot is a llama.cpp sequence id in one context with a unified KV cache. Every step builds one
batch: the last sampled token of every generating sequence, then chunks of the prompts being
prefilled (oldest admission first) while the per-step token budget lasts, so a long new prompt
delays the running streams by at most one chunk. After `llama_decode`, each sequence samples at its
own batch row with its own sampler chain (grammar, seed, penalties…).

Prefix cache: a released slot keeps its cells. A new request goes to the free slot whose cached
tokens share the longest prefix with its prompt (else the least recently used one); when a busy
slot shares a longer prefix, its cells are copied (`llama_memory_seq_cp`, metadata only in a
unified cache). Cached cells of free slots are evicted as soon as anything needs the room.

KV cache full (`llama_decode` returns 1): evict free slots' caches, then shrink the prefill
chunks, then preempt the newest sequence (its cells are freed and its tokens, prompt and
generated, are evaluated again later; its sampler, detokenizer and stream carry on untouched,
so the caller sees only a pause). Nothing else is dropped, and the cache is never wiped.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field

from ggserve.engine.base import KvCacheFull
from ggserve.engine.detokenizer import Detokenizer, TokenPieces
from ggserve.engine.model import DECODE_OK, LoadedModel, Span
from ggserve.engine.sampler import SamplerChain, SamplingDefaults
from ggserve.engine.scheduler import KvUsage
from ggserve.engine.sequence import Sequence, StepOutput

# A busy slot's prefix is copied only when it beats the best free slot by this many tokens:
# below that, re-evaluating is as cheap as the bookkeeping.
MIN_COPY_TOKENS = 32
# A free slot is picked for its cache when it holds at least 1/MIN_SIMILARITY of the prompt
# (llama-server's default slot similarity is 0.1 as well).
MIN_SIMILARITY = 10
MIN_REUSE_TOKENS = 16
# Cells kept free per decoding sequence when a prompt is admitted or prefilled, so that a full
# cache preempts rarely rather than on every step.
GROWTH_RESERVE = 16


def common_prefix_length(a: list[int], b: tuple[int, ...]) -> int:
    """How many leading tokens `a` and `b` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass(slots=True)
class _Run:
    """Decoding state of the sequence a slot is serving."""

    seq: Sequence
    sampler: SamplerChain
    detokenizer: Detokenizer
    order: int  # admission order: older sequences prefill first and are preempted last
    pending: list[int]  # tokens to evaluate before the next sample (prompt rest, or after a
    # preemption the whole history); the last one's logits give the next token
    last_token: int | None = None  # sampled but not yet evaluated


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
    """`Backend` over a `LoadedModel` with `n_seq_max` slots; runs on the engine thread only."""

    def __init__(self, model: LoadedModel, defaults: SamplingDefaults) -> None:
        self.model = model
        self.pieces = TokenPieces(model.vocab)
        self._defaults = defaults
        self._slots = [_Slot(seq_id) for seq_id in range(model.n_seq_max)]
        self._by_seq: dict[int, _Slot] = {}  # Sequence.seq_id → its slot
        self._clock = itertools.count(1)  # admission order and LRU time
        self.preemptions = 0  # sequences whose cells were freed for lack of KV space

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
        return KvUsage(self.kv_used, self.kv_cached_idle, self.kv_size, self.preemptions)

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

    def can_admit(self, seq: Sequence, admitting: int) -> bool:
        """Whether `seq` may start now (the scheduler has checked for a free slot), `admitting`
        cells being promised to sequences admitted in the same round: room for its prompt beside
        the running sequences' tokens (free slots' caches do not count: they are evicted on
        demand). Growth is not reserved: when decoding fills the cache, the newest sequence is
        preempted and resumes later, which keeps slots busy without risking anyone's result."""
        running = [slot for slot in self._slots if slot.run is not None]
        busy = sum(self._cells_needed(slot) for slot in running)
        if busy == 0 and admitting == 0:
            return True  # alone it fits: the request was checked against the context length
        reserve = GROWTH_RESERVE * (len(running) + 1)
        return busy + admitting + self.admission_cells(seq) + reserve <= self.model.n_ctx

    def admission_cells(self, seq: Sequence) -> int:
        """Cells a new sequence needs to start: its prompt and its first token."""
        return len(seq.request.prompt_tokens) + 1

    @staticmethod
    def _cells_needed(slot: _Slot) -> int:
        run = slot.run
        extra = len(run.pending) + (run.last_token is not None) if run is not None else 0
        return len(slot.cached) + extra

    # ---- Backend -----------------------------------------------------------------------------

    def start(self, seq: Sequence) -> int:
        prompt = seq.request.prompt_tokens
        sampler = SamplerChain(
            self.model.vocab, seq.request.sampling, grammar=seq.request.grammar,
            defaults=self._defaults,
        )  # fmt: skip
        slot, reuse = self._route(prompt)
        # At least one prompt token must be evaluated to get logits to sample from.
        reuse = min(reuse, len(prompt) - 1)
        if not self.model.seq_rm(slot.seq_id, reuse, -1):
            self.model.seq_rm(slot.seq_id, 0, -1)  # cannot cut inside (recurrent): start over
            reuse = 0
        del slot.cached[reuse:]
        slot.run = _Run(
            seq, sampler, Detokenizer(self.pieces), next(self._clock), list(prompt[reuse:])
        )
        self._by_seq[seq.seq_id] = slot
        return reuse

    def _route(self, prompt: tuple[int, ...]) -> tuple[_Slot, int]:
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

    def _best_busy_prefix(self, prompt: tuple[int, ...]) -> tuple[_Slot | None, int]:
        best: _Slot | None = None
        length = 0
        for slot in self._slots:
            if slot.run is not None:
                n = common_prefix_length(slot.cached, prompt)
                if n > length:
                    best, length = slot, n
        return best, length

    def step(self, seqs: list[Sequence]) -> list[StepOutput]:
        runs = [self._slot_of(seq) for seq in seqs]
        plan = self._plan(runs)
        errors = self._decode(plan, runs)
        outputs: dict[int, StepOutput] = {}
        row = 0
        for planned in plan:
            row += len(planned.span.tokens)
            evaluated = len(planned.span.tokens) if planned.prefill else 0
            if planned.span.logits:
                sampled = self._sample(planned.slot, row - 1)
                outputs[planned.slot.seq_id] = dataclasses.replace(sampled, evaluated=evaluated)
            elif evaluated:
                outputs[planned.slot.seq_id] = StepOutput(prefilling=True, evaluated=evaluated)
        result: list[StepOutput] = []
        for slot in runs:
            error = errors.get(slot.seq_id)
            if error is not None:
                result.append(StepOutput(error=error))
            else:
                result.append(outputs.get(slot.seq_id, StepOutput(prefilling=True)))
        return result

    def _slot_of(self, seq: Sequence) -> _Slot:
        slot = self._by_seq.get(seq.seq_id)
        if slot is None or slot.run is None or slot.run.seq is not seq:
            raise RuntimeError(f"sequence {seq.seq_id} has no slot; the scheduler lost track")
        return slot

    def _plan(self, slots: list[_Slot]) -> list[_Planned]:
        """Decode tokens of every generating sequence, then prompt chunks, oldest first."""
        plan: list[_Planned] = []
        for slot in slots:
            run = slot.run
            assert run is not None
            if not run.pending and run.last_token is not None:
                span = Span(slot.seq_id, len(slot.cached), (run.last_token,), logits=True)
                plan.append(_Planned(slot, span, prefill=False))
        budget = self.model.n_batch - len(plan)
        room = self.model.n_ctx - self.kv_used - len(plan)
        reserve = GROWTH_RESERVE * len(plan)  # room the decoding sequences will soon need
        for slot in sorted((s for s in slots if s.run and s.run.pending), key=_order):
            run = slot.run
            assert run is not None
            want = min(len(run.pending), budget)
            if want <= 0:
                break
            # A prompt (or a preempted sequence's history) starts only if all of it fits beside
            # the decoding sequences with room to grow; otherwise filling the cache would only
            # preempt someone again. With nobody decoding it goes ahead: llama_decode judges (the
            # estimate over-counts cells shared by a copied prefix).
            need = len(run.pending) + reserve
            if room < need:
                room += self._evict_idle(need - room)
            if room < need and plan:
                break  # FIFO: a younger prompt does not overtake one waiting for room
            chunk = run.pending[:want]
            done = want == len(run.pending)
            plan.append(_Planned(slot, Span(slot.seq_id, len(slot.cached), chunk, done), True))
            budget -= want
            room -= len(run.pending)
        return plan

    def _decode(self, plan: list[_Planned], runs: list[_Slot]) -> dict[int, KvCacheFull]:
        """Decode `plan`, shrinking it on KV-full until it fits; returns per-slot failures."""
        errors: dict[int, KvCacheFull] = {}
        while plan:
            if self.model.decode([p.span for p in plan]) == DECODE_OK:
                break
            if self._evict_idle(self.model.n_ctx):
                continue
            if self._shrink_prefill(plan):
                continue
            victim = self._newest_holding_cells(runs)
            if victim is not None and len(runs) > 1:
                self._preempt(victim, plan)
                continue
            # One sequence alone in the cache and still no room: it cannot go on.
            for p in plan:
                errors[p.slot.seq_id] = KvCacheFull(self.model.n_ctx, len(p.slot.cached))
            plan.clear()
        for p in plan:
            p.slot.cached.extend(p.span.tokens)
            run = p.slot.run
            assert run is not None
            if p.prefill:
                del run.pending[: len(p.span.tokens)]
        return errors

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
                plan[i] = _Planned(p.slot, Span(p.span.seq_id, p.span.start, half, False), True)
            return True
        return False

    def _newest_holding_cells(self, runs: list[_Slot]) -> _Slot | None:
        holding = [slot for slot in runs if slot.cached]
        return max(holding, key=_order) if len(holding) > 1 else None

    def _preempt(self, slot: _Slot, plan: list[_Planned]) -> None:
        """Free `slot`'s cells; its tokens are evaluated again once there is room."""
        run = slot.run
        assert run is not None
        self.model.seq_rm(slot.seq_id, 0, -1)
        tail = [] if run.last_token is None else [run.last_token]
        run.pending = [*slot.cached, *run.pending, *tail]
        run.last_token = None
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

    def _sample(self, slot: _Slot, row: int) -> StepOutput:
        """Sample the next token of `slot`'s sequence from the logits at batch row `row`."""
        run = slot.run
        assert run is not None
        token = run.sampler.sample(self.model.context, row)
        if token is None or self.model.is_eog(token):  # None: the grammar allows nothing more
            run.last_token = None
            return StepOutput(text=run.detokenizer.flush(), end=True)
        run.last_token = token
        return StepOutput(text=run.detokenizer.push(token), tokens=1)

    def release(self, seq: Sequence) -> str:
        slot = self._by_seq.pop(seq.seq_id, None)
        if slot is None or slot.run is None:
            return ""
        run = slot.run
        slot.run = None
        slot.last_used = next(self._clock)
        run.sampler.close()
        # The cells stay as a prefix cache (a prompt cut short included: its evaluated part is a
        # valid prefix); they are evicted as soon as anything needs the room.
        return run.detokenizer.flush()

    def reset(self) -> None:
        self.model.clear()
        for slot in self._slots:
            slot.cached = []

    def close(self) -> None:
        for slot in self._slots:
            if slot.run is not None:
                slot.run.sampler.close()
                slot.run = None
        self._by_seq.clear()
        self.model.close()


def _order(slot: _Slot) -> int:
    return slot.run.order if slot.run is not None else 0
