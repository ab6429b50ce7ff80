"""Engine-side state of one generation: stop strings, token budget, usage and timings.

Shared by every backend (llama.cpp, replay), so that stop strings, `max_tokens`, cancellation and
the final `GenerationDone` behave the same whatever produces the text. Owned by the engine thread
after submission; only `cancelled` is written from elsewhere (a plain flag read between steps).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from ggserve.domain import FinishReason, LengthLimit, Timings, Usage
from ggserve.engine.base import (
    EngineError,
    EngineEvent,
    GenerationDone,
    GenerationRequest,
    PromptProgress,
    TextDelta,
)
from ggserve.engine.channel import EventChannel
from ggserve.engine.stop import StopMatcher

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class StepOutput:
    """What one engine step did for one sequence.

    `text`: newly decoded, complete characters. `tokens`: tokens sampled (0 during prefill).
    `prefilling`: the prompt is not fully evaluated yet. `evaluated`: prompt (or, after a
    preemption, history) tokens put in the KV cache by this step. `end`: the model ended the
    sequence (an end-of-generation token, or the end of a replay script). `error`: this sequence
    cannot go on (the others in the step are unaffected).
    """

    text: str = ""
    tokens: int = 0
    prefilling: bool = False
    evaluated: int = 0
    end: bool = False
    error: EngineError | None = None


def _ms(start: float | None, end: float | None) -> float:
    if start is None or end is None:
        return 0.0
    return max(end - start, 0.0) * 1000.0


class Sequence:
    """One submitted generation, from queueing to its `GenerationDone`.

    Its token limit is the request's budget or the room the context leaves after the prompt,
    whichever is smaller (a ceiling: nothing is reserved for it).
    """

    def __init__(
        self, request: GenerationRequest, channel: EventChannel, context_length: int
    ) -> None:
        self.seq_id = next(_ids)
        self.request = request
        self.channel = channel
        self.cancelled = False
        self.done = False
        self.completion_tokens = 0
        self.cached_tokens = 0
        self._context_room = max(context_length - len(request.prompt_tokens), 0)
        self._processed = 0  # prompt tokens in the cache, for progress events
        self._stop = StopMatcher(request.stop)
        self._unreported_tokens = 0
        self._submitted = time.monotonic()
        self._admitted: float | None = None
        self._prefilled: float | None = None
        self._first_token: float | None = None

    def admitted(self, cached_tokens: int) -> list[EngineEvent]:
        """The sequence got a slot; `cached_tokens` of its prompt were already in the cache."""
        self._admitted = time.monotonic()
        self.cached_tokens = self._processed = cached_tokens
        return self._progress(self._admitted)

    def apply(self, output: StepOutput) -> list[EngineEvent]:
        """Fold one step's output in; ends the sequence on a stop string or the model's end."""
        now = time.monotonic()
        events: list[EngineEvent] = []
        if self._prefilled is None:
            self._processed += output.evaluated
            if not output.prefilling:
                self._prefilled = now
                self._processed = len(self.request.prompt_tokens)
            if output.evaluated or not output.prefilling:
                events += self._progress(now)
        if output.tokens and self._first_token is None:
            self._first_token = now
        self.completion_tokens += output.tokens
        self._unreported_tokens += output.tokens
        result = self._stop.push(output.text)
        events += self._delta(result.text)
        if result.matched is not None:
            return events + self._done(FinishReason.STOP, now, result.matched)
        if output.end:
            return events + self._delta(self._stop.flush()) + self._done(FinishReason.STOP, now)
        return events

    @property
    def token_limit(self) -> int:
        """Tokens this sequence may generate: its budget, capped by the room in the context."""
        budget = self.request.max_tokens
        return self._context_room if budget is None else min(budget, self._context_room)

    @property
    def out_of_tokens(self) -> bool:
        """Whether the budget is spent or the context is full."""
        return self.completion_tokens >= self.token_limit

    def finish_length(self, tail: str) -> list[EngineEvent]:
        """End at the token limit; `tail` is text the backend still held (a split character)."""
        now = time.monotonic()
        result = self._stop.push(tail)
        events = self._delta(result.text)
        if result.matched is not None:
            return events + self._done(FinishReason.STOP, now, result.matched)
        budget = self.request.max_tokens
        spent = budget is not None and self.completion_tokens >= budget
        limit = LengthLimit.MAX_TOKENS if spent else LengthLimit.CONTEXT
        events += self._delta(self._stop.flush())
        return events + self._done(FinishReason.LENGTH, now, length_limit=limit)

    def finish_cancelled(self) -> list[EngineEvent]:
        """End without flushing: nobody is reading the text any more."""
        return self._done(FinishReason.CANCELLED, time.monotonic())

    def _progress(self, now: float) -> list[EngineEvent]:
        if not self.request.progress:
            return []
        total = len(self.request.prompt_tokens)
        processed = min(self._processed, total)
        return [PromptProgress(total, self.cached_tokens, processed, _ms(self._admitted, now))]

    def _delta(self, text: str) -> list[EngineEvent]:
        if not text:
            return []
        tokens, self._unreported_tokens = self._unreported_tokens, 0
        return [TextDelta(text=text, tokens=tokens)]

    def _done(
        self,
        reason: FinishReason,
        now: float,
        matched: str | None = None,
        *,
        length_limit: LengthLimit | None = None,
    ) -> list[EngineEvent]:
        self.done = True
        usage = Usage(
            prompt_tokens=len(self.request.prompt_tokens),
            completion_tokens=self.completion_tokens,
            cached_tokens=self.cached_tokens,
        )
        timings = self._timings(now)
        return [GenerationDone(reason, usage, timings, matched, length_limit)]

    def _timings(self, now: float) -> Timings:
        admitted = self._admitted if self._admitted is not None else now
        prefilled = self._prefilled if self._prefilled is not None else now
        decode_ms = _ms(self._prefilled, now)
        rate = self.completion_tokens * 1000.0 / decode_ms if decode_ms > 0 else 0.0
        return Timings(
            queue_ms=_ms(self._submitted, admitted),
            prompt_eval_ms=_ms(self._admitted, prefilled),
            ttft_ms=_ms(self._submitted, self._first_token),
            decode_ms=decode_ms,
            tokens_per_second=rate,
        )
