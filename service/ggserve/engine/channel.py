"""Hand-off of engine events from the engine thread to asyncio, once per engine step.

The engine thread never touches asyncio objects directly: after each step it groups the new
events by event loop and schedules one `loop.call_soon_threadsafe` per loop, which appends them to
each sequence's `EventChannel` and wakes its reader. No polling and no blocking on either side.
A slow or stalled reader (a client that does not read, so the gRPC write waits on HTTP/2 flow
control) never slows the engine: its consecutive text deltas are kept as one list of parts,
joined once when read, so the backlog costs linear time and at most the text of the request's
`max_tokens` (bounded by the context length) in memory until the reader's deadline ends it;
an unread prompt-progress event is replaced by the next one (only the latest matters).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable

from ggserve.engine.base import EngineError, EngineEvent, GenerationDone, PromptProgress, TextDelta

Delivery = tuple["EventChannel", list[EngineEvent], EngineError | None]


class EventChannel:
    """Loop-side mailbox of one sequence. All methods run on the channel's event loop."""

    __slots__ = ("_closed", "_error", "_events", "_waiter", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # A `_TextParts` stands for consecutive unread text deltas (joined when read).
        self._events: deque[EngineEvent | _TextParts] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._error: EngineError | None = None
        self._closed = False  # GenerationDone (or an error) has been received

    @property
    def closed(self) -> bool:
        """Whether the engine has sent its last event for this sequence."""
        return self._closed

    def receive(self, events: list[EngineEvent], error: EngineError | None) -> None:
        """Append a step's events (and possibly a failure); wake the reader."""
        for event in events:
            last = self._events[-1] if self._events else None
            if isinstance(event, TextDelta):
                if isinstance(last, _TextParts):
                    last.add(event)
                else:
                    self._events.append(_TextParts(event))
            elif isinstance(event, PromptProgress) and isinstance(last, PromptProgress):
                self._events[-1] = event
            else:
                self._events.append(event)
            if isinstance(event, GenerationDone):
                self._closed = True
        if error is not None:
            self._error = error
            self._closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next(self) -> EngineEvent | None:
        """The next event; None after the last one. Raises the engine's failure, if any."""
        while not self._events:
            if self._error is not None:
                raise self._error
            if self._closed:
                return None
            self._waiter = self.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        event = self._events.popleft()
        return event.delta() if isinstance(event, _TextParts) else event


class _TextParts:
    """Unread text deltas, appended in O(1) and joined once when read."""

    __slots__ = ("parts", "records")

    def __init__(self, first: TextDelta) -> None:
        self.parts = [first.text]
        self.records = list(first.records)

    def add(self, delta: TextDelta) -> None:
        self.parts.append(delta.text)
        self.records += delta.records

    def delta(self) -> TextDelta:
        return TextDelta("".join(self.parts), tuple(self.records))


def _receive_all(deliveries: list[Delivery]) -> None:
    for channel, events, error in deliveries:
        channel.receive(events, error)


def post(deliveries: Iterable[Delivery]) -> None:
    """From the engine thread: deliver to each loop with one thread-safe callback per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Delivery]] = {}
    for delivery in deliveries:
        by_loop.setdefault(delivery[0].loop, []).append(delivery)
    for loop, batch in by_loop.items():
        try:
            loop.call_soon_threadsafe(_receive_all, batch)
        except RuntimeError:
            # The loop is closed: its readers are gone and nothing is waiting for these events.
            continue
