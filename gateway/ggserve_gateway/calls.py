"""Tool calls held until the core says they are whole.

Neither OpenAI's nor Anthropic's stream can take back a call once it has been sent, and an agent
executes what it receives. So a call's fragments wait here until its `ToolCallEnd`: a complete
call is released whole (id and name, then its argument fragments as the model wrote them), an
invalid or truncated one is dropped (the core sends its raw text as content right after). Calls
are renumbered so that the released ones are indexed 0, 1, … without gaps.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

from ggserve_client.types import (
    ChatDone,
    ChatStarted,
    ContentDelta,
    LogprobsDelta,
    PromptProgress,
    ReasoningDelta,
    StreamEvent,
    ToolCallDelta,
    ToolCallEnd,
)


@dataclass(slots=True)
class Call:
    """A complete tool call; `index` counts released calls only."""

    index: int
    id: str
    name: str
    fragments: list[str] = field(default_factory=list)

    @property
    def arguments(self) -> str:
        """The arguments JSON text."""
        return "".join(self.fragments)


GatedEvent = ContentDelta | ReasoningDelta | LogprobsDelta | Call | ChatDone
# What `gated` yields: the admission (first, from a core that sends it), then the answer.
StreamItem = ChatStarted | GatedEvent


class CallGate:
    """Folds tool-call deltas per call and releases only the complete ones."""

    def __init__(self) -> None:
        self._open: dict[int, Call] = {}
        self._released = 0

    def delta(self, delta: ToolCallDelta) -> None:
        """Add a fragment of a call that is still open."""
        call = self._open.get(delta.index)
        if call is None:
            call = self._open[delta.index] = Call(-1, delta.id, delta.name)
        if delta.arguments:
            call.fragments.append(delta.arguments)

    def end(self, end: ToolCallEnd) -> Call | None:
        """Close a call: the call if it is complete, None if it was discarded."""
        call = self._open.pop(end.index, None)
        if call is None or not end.complete:
            return None
        call.index = self._released
        self._released += 1
        return call


async def gated(events: AsyncGenerator[StreamEvent]) -> AsyncGenerator[StreamItem]:
    """The upstream stream with tool calls released whole (see the module docstring).

    `ChatStarted` (the request was admitted) passes through, so that a response can begin
    before the prompt is evaluated; prompt progress has nothing to render and is skipped (the
    silence is filled with keep-alives). A call the stream never ends is dropped, like a
    truncated one. Closing this generator closes `events` at once (which cancels the gRPC call).
    """
    gate = CallGate()
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, PromptProgress):
                continue
            if isinstance(event, ToolCallDelta):
                gate.delta(event)
            elif isinstance(event, ToolCallEnd):
                call = gate.end(event)
                if call is not None:
                    yield call
            else:
                yield event
