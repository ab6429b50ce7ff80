"""The open/close state machine of a stream made of content blocks, shared by block APIs.

Anthropic's stream (`content_block_start` / `_delta` / `_stop`) and OpenAI Responses'
(`output_item.added` + `content_part.added` / deltas / `.done` events) both present a turn as an
ordered list of blocks: reasoning, text and tool calls. Text runs of one kind extend the open
block; a change of kind closes it and opens the next; a complete tool call is a block of its own,
opened, filled with its argument fragments and closed at once; the end of the turn closes the
open block. This base keeps that order and the blocks written so far (their text included, for
APIs that repeat it in `.done` events or a final object); a subclass only renders.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from ggserve_client.types import ChatDone, ContentDelta, ReasoningDelta
from ggserve_gateway.calls import Call, GatedEvent


class BlockKind(enum.Enum):
    """What a block holds."""

    REASONING = "reasoning"
    TEXT = "text"
    CALL = "call"


@dataclass(slots=True)
class Block:
    """One block of the answer: its position (0, 1, …), kind, call (for `CALL`) and text parts
    (a call's argument fragments)."""

    index: int
    kind: BlockKind
    call: Call | None = None
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The block's whole text (a call's arguments JSON)."""
        return "".join(self.parts)


class BlockWriter(ABC):
    """Turns upstream events into block events; subclasses render `opened`, `delta`, `closed`
    and `finish` (and the rest of `chat_api.StreamWriter`)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._open: Block | None = None

    @abstractmethod
    def opened(self, block: Block) -> list[bytes]:
        """The events that open `block` (its parts are still empty)."""

    @abstractmethod
    def delta(self, block: Block, text: str) -> bytes:
        """The event adding `text` to the open `block` (already in its parts)."""

    @abstractmethod
    def closed(self, block: Block) -> list[bytes]:
        """The events that close `block` (its parts are complete)."""

    @abstractmethod
    def finish(self, done: ChatDone) -> list[bytes]:
        """The events that end the answer (every block is closed)."""

    def event(self, event: GatedEvent) -> list[bytes]:
        """The events of one upstream event (empty text opens nothing)."""
        if isinstance(event, ContentDelta):
            return self._text(BlockKind.TEXT, event.text) if event.text else []
        if isinstance(event, ReasoningDelta):
            return self._text(BlockKind.REASONING, event.text) if event.text else []
        if isinstance(event, Call):
            return self._call(event)
        return [*self._close(), *self.finish(event)]

    def _text(self, kind: BlockKind, text: str) -> list[bytes]:
        block = self._open
        if block is not None and block.kind is kind:  # the per-token path
            block.parts.append(text)
            return [self.delta(block, text)]
        block = Block(len(self.blocks), kind)
        events = self._begin(block)
        block.parts.append(text)
        events.append(self.delta(block, text))
        return events

    def _call(self, call: Call) -> list[bytes]:
        block = Block(len(self.blocks), BlockKind.CALL, call)
        events = self._begin(block)
        for part in call.fragments:
            block.parts.append(part)
            events.append(self.delta(block, part))
        return [*events, *self._close()]

    def _begin(self, block: Block) -> list[bytes]:
        events = self._close()
        self.blocks.append(block)
        self._open = block
        return [*events, *self.opened(block)]

    def _close(self) -> list[bytes]:
        block, self._open = self._open, None
        return [] if block is None else self.closed(block)
