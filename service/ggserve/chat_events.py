"""What a chat generation streams: deltas in the OpenAI shape, then one `ChatResult`.

`MessageBuilder` folds the deltas into the assistant message; the final result carries exactly
that message, so a client that folds the stream gets what `Chat` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ggserve.domain import FinishReason, Message, Role, Timings, ToolCall, Usage


@dataclass(frozen=True, slots=True)
class ContentDelta:
    """Answer text to append."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """Reasoning text to append."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A tool-call fragment: id and name on a call's first fragment, then argument text."""

    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(frozen=True, slots=True)
class ChatResult:
    """The whole assistant turn, sent once at the end."""

    request_id: str
    model: str
    finish_reason: FinishReason
    message: Message
    usage: Usage
    timings: Timings
    matched_stop: str | None = None


ChatDeltaEvent = ContentDelta | ReasoningDelta | ToolCallDelta
ChatEvent = ChatDeltaEvent | ChatResult


@dataclass(slots=True)
class _CallParts:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MessageBuilder:
    """Folds deltas into an assistant `Message` (append-only, O(total text))."""

    _content: list[str] = field(default_factory=list)
    _reasoning: list[str] = field(default_factory=list)
    _calls: dict[int, _CallParts] = field(default_factory=dict)

    def add(self, delta: ChatDeltaEvent) -> None:
        """Append one delta."""
        if isinstance(delta, ContentDelta):
            self._content.append(delta.text)
        elif isinstance(delta, ReasoningDelta):
            self._reasoning.append(delta.text)
        else:
            call = self._calls.setdefault(delta.index, _CallParts())
            call.id = call.id or delta.id
            call.name = call.name or delta.name
            call.arguments.append(delta.arguments)

    @property
    def has_tool_calls(self) -> bool:
        """Whether any tool call was started."""
        return bool(self._calls)

    def build(self) -> Message:
        """The assistant message so far."""
        return Message(
            role=Role.ASSISTANT,
            content="".join(self._content),
            reasoning_content="".join(self._reasoning),
            tool_calls=tuple(
                ToolCall(id=c.id, name=c.name, arguments="".join(c.arguments))
                for _, c in sorted(self._calls.items())
            ),
        )
