"""The async iterator `Engine.generate` returns: engine events, with cancellation on early exit."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

from ggserve.engine.base import EngineError, EngineEvent, EventStream, GenerationDone
from ggserve.engine.channel import EventChannel


class GenerationStream(EventStream):
    """Reads one sequence's `EventChannel`; leaving early cancels the sequence.

    Three ways out before the end, all of which set the engine's cancel flag: `aclose()` (waits
    until the engine has released the slot), cancellation of the task awaiting `__anext__`
    (a client cancel or deadline under grpc.aio; it cannot wait), and garbage collection of an
    abandoned stream (a safety net).
    """

    def __init__(self, channel: EventChannel, cancel: Callable[[], None]) -> None:
        self.done: GenerationDone | None = None  # the final event, once read (or drained)
        self._channel = channel
        self._cancel = cancel
        self._finished = False
        self._finalizer = weakref.finalize(self, cancel)

    def __aiter__(self) -> GenerationStream:
        return self

    async def __anext__(self) -> EngineEvent:
        if self._finished:
            raise StopAsyncIteration
        try:
            event = await self._channel.next()
        except asyncio.CancelledError:
            self._abandon()
            raise
        except EngineError:
            self._finish()
            raise
        if event is None:
            self._finish()
            raise StopAsyncIteration
        if isinstance(event, GenerationDone):
            self.done = event
            self._finish()
        return event

    async def aclose(self) -> None:
        """Cancel if still running and wait for the engine to let go of the sequence."""
        if self._finished:
            return
        self._abandon()
        try:
            while (event := await self._channel.next()) is not None:
                if isinstance(event, GenerationDone):
                    self.done = event
        except EngineError:
            pass  # an engine failure while cancelling changes nothing for a closed stream
        finally:
            self._finish()

    def _abandon(self) -> None:
        if not self._channel.closed:
            self._cancel()

    def _finish(self) -> None:
        self._finished = True
        self._finalizer.detach()
