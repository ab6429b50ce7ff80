"""Engine-side state of one generation: stop strings, token budget, usage and timings.

Shared by every backend (llama.cpp, replay), so that stop strings, `max_tokens`, cancellation and
the final `GenerationDone` behave the same whatever produces the text. Owned by the engine thread
after submission; only `cancelled` is written from elsewhere (a plain flag read between steps).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from ggserve.domain import FinishReason, Timings, Usage
from ggserve.engine.base import (
    EngineError,
    EngineEvent,
    GenerationDone,
    GenerationRequest,
    TextDelta,
)
from ggserve.engine.channel import EventChannel
from ggserve.engine.stop import StopMatcher

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class StepOutput:
    """What one engine step did for one sequence.

    `text`: newly decoded, complete characters. `tokens`: tokens sampled (0 during prefill).
    `prefilling`: the prompt is not fully evaluated yet. `end`: the model ended the sequence
    (an end-of-generation token, or the end of a replay script). `error`: this sequence cannot
    go on (the others in the step are unaffected).
    """

    text: str = ""
    tokens: int = 0
    prefilling: bool = False
    end: bool = False
    error: EngineError | None = None


def _ms(start: float | None, end: float | None) -> float:
    if start is None or end is None:
        return 0.0
    return max(end - start, 0.0) * 1000.0


class Sequence:
    """One submitted generation, from queueing to its `GenerationDone`."""

    def __init__(self, request: GenerationRequest, channel: EventChannel) -> None:
        self.seq_id = next(_ids)
        self.request = request
        self.channel = channel
        self.cancelled = False
        self.done = False
        self.completion_tokens = 0
        self.cached_tokens = 0
        self._stop = StopMatcher(request.stop)
        self._unreported_tokens = 0
        self._submitted = time.monotonic()
        self._admitted: float | None = None
        self._prefilled: float | None = None
        self._first_token: float | None = None

    def admitted(self, cached_tokens: int) -> None:
        """The sequence got a slot; `cached_tokens` of its prompt were already in the cache."""
        self._admitted = time.monotonic()
        self.cached_tokens = cached_tokens

    def apply(self, output: StepOutput) -> list[EngineEvent]:
        """Fold one step's output in; ends the sequence on a stop string or the model's end."""
        now = time.monotonic()
        if not output.prefilling and self._prefilled is None:
            self._prefilled = now
        if output.tokens and self._first_token is None:
            self._first_token = now
        self.completion_tokens += output.tokens
        self._unreported_tokens += output.tokens
        result = self._stop.push(output.text)
        events = self._delta(result.text)
        if result.matched is not None:
            return events + self._done(FinishReason.STOP, now, result.matched)
        if output.end:
            return events + self._delta(self._stop.flush()) + self._done(FinishReason.STOP, now)
        return events

    @property
    def out_of_tokens(self) -> bool:
        """Whether `max_tokens` tokens have been produced."""
        return self.completion_tokens >= self.request.max_tokens

    def finish_length(self, tail: str) -> list[EngineEvent]:
        """End at `max_tokens`; `tail` is text the backend still held (a split character)."""
        now = time.monotonic()
        result = self._stop.push(tail)
        events = self._delta(result.text)
        if result.matched is not None:
            return events + self._done(FinishReason.STOP, now, result.matched)
        return events + self._delta(self._stop.flush()) + self._done(FinishReason.LENGTH, now)

    def finish_cancelled(self) -> list[EngineEvent]:
        """End without flushing: nobody is reading the text any more."""
        return self._done(FinishReason.CANCELLED, time.monotonic())

    def _delta(self, text: str) -> list[EngineEvent]:
        if not text:
            return []
        tokens, self._unreported_tokens = self._unreported_tokens, 0
        return [TextDelta(text=text, tokens=tokens)]

    def _done(
        self, reason: FinishReason, now: float, matched: str | None = None
    ) -> list[EngineEvent]:
        self.done = True
        usage = Usage(
            prompt_tokens=len(self.request.prompt_tokens),
            completion_tokens=self.completion_tokens,
            cached_tokens=self.cached_tokens,
        )
        return [GenerationDone(reason, usage, self._timings(now), matched_stop=matched)]

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
