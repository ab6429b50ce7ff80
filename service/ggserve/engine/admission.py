"""Call-time checks and submission shared by every engine: errors surface before queueing."""

from __future__ import annotations

import asyncio

from ggserve.engine.base import ContextOverflow, EngineClosed, EventStream, GenerationRequest
from ggserve.engine.channel import EventChannel
from ggserve.engine.scheduler import Scheduler
from ggserve.engine.sequence import Sequence
from ggserve.engine.stream import GenerationStream


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


def submit(scheduler: Scheduler, request: GenerationRequest, context_length: int) -> EventStream:
    """Queue `request` on `scheduler` and return its event stream (call on the event loop)."""
    if scheduler.closing:
        raise EngineClosed("the engine is shutting down")
    seq = Sequence(request, EventChannel(asyncio.get_running_loop()), context_length)
    scheduler.submit(seq)
    return GenerationStream(seq.channel, lambda: scheduler.cancel(seq))
