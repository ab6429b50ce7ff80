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
from dataclasses import dataclass
from typing import Any

from ggserve_client.types import (
    ChatDone,
    ChatResult,
    ContentDelta,
    FinishReason,
    ReasoningDelta,
    Usage,
)
from ggserve_gateway.calls import Call, GatedEvent
from ggserve_gateway.sse import named_event

# A text or thinking block as `content_block_start` opens it (the SDK requires `signature`).
_EMPTY_BLOCKS: dict[str, dict[str, str]] = {
    "text": {"type": "text", "text": ""},
    "thinking": {"type": "thinking", "thinking": "", "signature": ""},
}


def _stop_reason(result: ChatResult) -> tuple[str, str | None]:
    if result.finish_reason is FinishReason.TOOL_CALLS:
        return "tool_use", None
    if result.finish_reason is FinishReason.LENGTH:
        return "max_tokens", None
    if result.matched_stop:
        return "stop_sequence", result.matched_stop
    return "end_turn", None


def usage(u: Usage) -> dict[str, Any]:
    """Anthropic's usage: input tokens exclude the ones read from the prompt cache."""
    return {
        "input_tokens": u.prompt_tokens - u.cached_tokens,
        "output_tokens": u.completion_tokens,
        "cache_read_input_tokens": u.cached_tokens,
        "cache_creation_input_tokens": 0,
    }


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
    stop_reason, stop_sequence = _stop_reason(result)
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": result.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": usage(result.usage),
    }


@dataclass(slots=True)
class EventWriter:
    """Builds the events of one streamed message, opening and closing content blocks."""

    message_id: str
    model: str
    _index: int = -1
    _open: str | None = None  # type of the open block

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
            "usage": usage(Usage()),
        }
        return named_event(
            "message_start", {"type": "message_start", "message": start}
        ) + named_event("ping", {"type": "ping"})

    def _close(self) -> list[bytes]:
        if self._open is None:
            return []
        self._open = None
        return [
            named_event("content_block_stop", {"type": "content_block_stop", "index": self._index})
        ]

    def _begin(self, block: dict[str, Any]) -> list[bytes]:
        events = self._close()
        self._index += 1
        self._open = block["type"]
        start = {"type": "content_block_start", "index": self._index, "content_block": block}
        return [*events, named_event("content_block_start", start)]

    def _delta(self, delta: dict[str, Any]) -> bytes:
        body = {"type": "content_block_delta", "index": self._index, "delta": delta}
        return named_event("content_block_delta", body)

    def _text(self, kind: str, text: str) -> list[bytes]:
        events = [] if self._open == kind else self._begin(dict(_EMPTY_BLOCKS[kind]))
        events.append(self._delta({"type": f"{kind}_delta", kind: text}))
        return events

    def _call(self, call: Call) -> list[bytes]:
        block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        events = self._begin(block)
        events.extend(
            self._delta({"type": "input_json_delta", "partial_json": part})
            for part in call.fragments
        )
        return [*events, *self._close()]

    def event(self, event: GatedEvent) -> list[bytes]:
        """The events of one upstream event."""
        if isinstance(event, ContentDelta):
            return self._text("text", event.text) if event.text else []
        if isinstance(event, ReasoningDelta):
            return self._text("thinking", event.text) if event.text else []
        if isinstance(event, Call):
            return self._call(event)
        return self.done(event)

    def done(self, done: ChatDone) -> list[bytes]:
        """Close the open block, then `message_delta` and `message_stop`."""
        stop_reason, stop_sequence = _stop_reason(done.result)
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
            "usage": usage(done.result.usage),
        }
        return [
            *self._close(),
            named_event("message_delta", delta),
            named_event("message_stop", {"type": "message_stop"}),
        ]
