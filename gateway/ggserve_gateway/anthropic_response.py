"""ggserve results → Anthropic `message` objects and the Messages streaming event sequence.

Stream: `message_start`, a `ping`, then content blocks in order — `thinking` (thinking_delta),
`text` (text_delta), `tool_use` (input_json_delta with the arguments as the model wrote them) —
each opened by `content_block_start` and closed by `content_block_stop`, then `message_delta`
with the stop reason and usage, then `message_stop`. Input tokens are known only at the end
(the core counts them while it prefills), so `message_start` reports 0 and `message_delta` the
real figures.
"""

from __future__ import annotations

import json
from typing import Any

from ggserve_client.types import ChatDone, ChatResult, Usage
from ggserve_gateway.anthropic_errors import error_body
from ggserve_gateway.block_writer import Block, BlockKind, BlockWriter
from ggserve_gateway.endings import Ending, ending
from ggserve_gateway.errors import HttpError
from ggserve_gateway.sse import named_event
from ggserve_gateway.usage import anthropic_usage

_STOP_REASONS = {
    Ending.END_TURN: "end_turn",
    Ending.STOP_SEQUENCE: "stop_sequence",
    Ending.MAX_TOKENS: "max_tokens",
    Ending.CONTEXT_FULL: "model_context_window_exceeded",
    Ending.TOOL_CALLS: "tool_use",
}
# How `content_block_start` opens a text or thinking block (the SDK requires `signature`), and
# the delta type and field of each kind.
_EMPTY_BLOCKS: dict[BlockKind, dict[str, str]] = {
    BlockKind.TEXT: {"type": "text", "text": ""},
    BlockKind.REASONING: {"type": "thinking", "thinking": "", "signature": ""},
}
_DELTAS = {
    BlockKind.TEXT: ("text_delta", "text"),
    BlockKind.REASONING: ("thinking_delta", "thinking"),
    BlockKind.CALL: ("input_json_delta", "partial_json"),
}
_PING = named_event("ping", {"type": "ping"})


def _stop(result: ChatResult) -> tuple[str, str | None]:
    """`stop_reason` and `stop_sequence`."""
    end = ending(result)
    return _STOP_REASONS[end], result.matched_stop if end is Ending.STOP_SEQUENCE else None


def _input(arguments: str) -> Any:
    # Complete calls have valid JSON arguments (the core guarantees it); an empty text is {}.
    return json.loads(arguments) if arguments.strip() else {}


def message(result: ChatResult, *, message_id: str) -> dict[str, Any]:
    """The `message` object of a whole turn."""
    m = result.message
    content: list[dict[str, Any]] = []
    if m.reasoning_content:
        content.append({"type": "thinking", "thinking": m.reasoning_content, "signature": ""})
    if m.content:
        content.append({"type": "text", "text": m.content})
    content.extend(
        {"type": "tool_use", "id": c.id, "name": c.name, "input": _input(c.arguments)}
        for c in m.tool_calls
    )
    stop_reason, stop_sequence = _stop(result)
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": result.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": anthropic_usage(result.usage),
    }


class EventWriter(BlockWriter):
    """Builds the events of one streamed message."""

    def __init__(self, message_id: str, model: str) -> None:
        super().__init__()
        self.message_id = message_id
        self.model = model

    def start(self) -> bytes:
        """`message_start` and a `ping`."""
        start: dict[str, Any] = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": anthropic_usage(Usage()),
        }
        return named_event("message_start", {"type": "message_start", "message": start}) + _PING

    def opened(self, block: Block) -> list[bytes]:
        call = block.call
        content_block: dict[str, Any]
        if call is None:
            content_block = dict(_EMPTY_BLOCKS[block.kind])
        else:
            content_block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        start = {
            "type": "content_block_start",
            "index": block.index,
            "content_block": content_block,
        }
        return [named_event("content_block_start", start)]

    def delta(self, block: Block, text: str) -> bytes:
        kind, key = _DELTAS[block.kind]
        body = {
            "type": "content_block_delta",
            "index": block.index,
            "delta": {"type": kind, key: text},
        }
        return named_event("content_block_delta", body)

    def closed(self, block: Block) -> list[bytes]:
        stop = {"type": "content_block_stop", "index": block.index}
        return [named_event("content_block_stop", stop)]

    def finish(self, done: ChatDone) -> list[bytes]:
        """`message_delta` with the stop reason and usage, then `message_stop`."""
        stop_reason, stop_sequence = _stop(done.result)
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
            "usage": anthropic_usage(done.result.usage),
        }
        return [
            named_event("message_delta", delta),
            named_event("message_stop", {"type": "message_stop"}),
        ]

    def keep_alive(self) -> bytes:
        """A `ping` event (what Anthropic sends while a response is slow to come)."""
        return _PING

    def error(self, error: HttpError) -> bytes:
        """An `error` event."""
        return named_event("error", error_body(error))
