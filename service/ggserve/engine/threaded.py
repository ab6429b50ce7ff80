"""The part every engine shares: a backend on a `Scheduler` thread, and the calls around it.

`LlamaEngine` and `ReplayEngine` differ in how they load and what produces tokens (their
`Backend`); call-time checks, submission, draining, failure callbacks and shutdown are the same,
so that admission (`QueueFull`), `ContextOverflow`, cancellation and shutdown behave identically
whatever produces the text.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable

from ggserve.engine.base import (
    ContextOverflow,
    EngineClosed,
    EngineStats,
    EventStream,
    GenerationRequest,
    ModelInfo,
)
from ggserve.engine.channel import EventChannel
from ggserve.engine.generation import Generation
from ggserve.engine.scheduler import Scheduler
from ggserve.engine.stream import GenerationStream

logger = logging.getLogger(__name__)


def check_request(request: GenerationRequest, context_length: int) -> None:
    """`ValueError` for a malformed request, `ContextOverflow` if the prompt alone leaves no room
    for a generated token. `max_tokens` is a ceiling: a larger budget than the context has room
    for is not an error (generation ends when the context is full)."""
    if not request.prompt_tokens:
        raise ValueError("the prompt has no tokens")
    if request.max_tokens is not None and request.max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {request.max_tokens}")
    if len(request.prompt_tokens) >= context_length:
        raise ContextOverflow(len(request.prompt_tokens), context_length)


class ThreadedEngine(ABC):
    """Base of the engines: subclasses set `_info` and `_scheduler` (started) in `__init__`."""

    _info: ModelInfo
    _scheduler: Scheduler

    @property
    def info(self) -> ModelInfo:
        """The model, as the service reports it."""
        return self._info

    @abstractmethod
    def validate_grammar(self, gbnf: str) -> None:
        """Raise `GrammarError` unless `gbnf` can constrain generation (any thread)."""

    def stats(self) -> EngineStats:
        """Generations running and waiting, slots, KV-cache use (any thread)."""
        return self._scheduler.stats()

    def generate(self, request: GenerationRequest) -> EventStream:
        """Stream one generation; raises `ContextOverflow`, `GrammarError`, `QueueFull` or
        `EngineClosed` at call time. Must be called from a running event loop."""
        check_request(request, self._info.context_length)
        if request.grammar:
            self.validate_grammar(request.grammar)
        scheduler = self._scheduler
        if scheduler.closing:
            raise EngineClosed("the engine is shutting down")
        channel = EventChannel(asyncio.get_running_loop())
        gen = Generation(request, channel, self._info.context_length)
        scheduler.submit(gen)
        return GenerationStream(channel, lambda: scheduler.cancel(gen))

    def drain(self) -> None:
        """Stop admitting; queued requests end at once with `EngineClosed`, running ones go on."""
        self._scheduler.drain()

    def on_failure(self, callback: Callable[[BaseException], None]) -> None:
        """Call `callback` once, from the engine thread, if that thread dies."""
        self._scheduler.on_failure(callback)

    async def close(self) -> None:
        """Stop admitting, cancel what runs or waits, join the engine thread (which frees the
        backend)."""
        self._scheduler.close()
        await asyncio.to_thread(self._scheduler.join)
        logger.info("engine %s closed", self._info.alias)
