"""What a chat generation streams: deltas in the OpenAI shape, then one `ChatResult`.

`MessageBuilder` folds the deltas into the assistant message; the final result carries exactly
that message, so a client that folds the stream gets what `Chat` returns. A call's end says
whether it is whole: only complete calls reach the message (the parser gives the raw text of the
others back as content), so a call that is not whole is never presented as one.
"""

from __future__ import annotations

import enum
import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field

from ggserve.domain import FinishReason, LengthLimit, Message, Role, Timings, ToolCall, Usage


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


class ToolCallStatus(enum.Enum):
    """How a tool call ended (the parser's `tool_call_end` status)."""

    COMPLETE = "complete"
    INVALID = "invalid"
    TRUNCATED = "truncated"


@dataclass(frozen=True, slots=True)
class ToolCallEnd:
    """The end of call `index`; only a COMPLETE call is part of the message."""

    index: int
    status: ToolCallStatus


@dataclass(frozen=True, slots=True)
class ChatStarted:
    """The request was admitted to the engine's queue; sent once, before anything else."""

    request_id: str
    model: str
    prompt_tokens: int
    context_length: int


@dataclass(frozen=True, slots=True)
class PromptProgress:
    """Prompt evaluation so far: `processed` of `total` tokens ready, `cached` from the cache."""

    total: int
    cached: int
    processed: int
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class ChatResult:
    """The whole assistant turn, sent once at the end; `length_limit` is set for LENGTH."""

    request_id: str
    model: str
    finish_reason: FinishReason
    message: Message
    usage: Usage
    timings: Timings
    matched_stop: str | None = None
    length_limit: LengthLimit | None = None


_ALNUM = string.ascii_letters + string.digits
# The shape `validate.TOOL_CALL_ID` accepts; Mistral templates demand exactly 9 alphanumerics.
_CALL_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
_MISTRAL_CALL_ID = re.compile(r"^[A-Za-z0-9]{9}$")


def new_call_id(tool_format: str) -> str:
    """A fresh id for a call; Mistral templates demand 9 alphanumerics."""
    if tool_format == "mistral":
        return "".join(secrets.choice(_ALNUM) for _ in range(9))
    return f"call_{secrets.token_hex(12)}"


class CallIds:
    """The ids of one turn's calls: the model's own when well-formed and unused, else fresh ones.

    A model writes whatever it likes where its format has an id; an empty, malformed or repeated
    id (in this turn or anywhere in the conversation) is replaced, so that the answer, sent back
    as the next request's history, passes our own validation and the template's.
    """

    def __init__(self, tool_format: str, taken: Iterable[str] = ()) -> None:
        self._tool_format = tool_format
        self._taken = set(taken)
        self._shape = _MISTRAL_CALL_ID if tool_format == "mistral" else _CALL_ID

    def assign(self, model_id: str) -> str:
        """The id to send for a call the model named `model_id` (may be empty)."""
        call_id = model_id
        while not call_id or call_id in self._taken or not self._shape.match(call_id):
            call_id = new_call_id(self._tool_format)
        self._taken.add(call_id)
        return call_id


ChatDeltaEvent = ContentDelta | ReasoningDelta | ToolCallDelta | ToolCallEnd
ChatEvent = ChatStarted | PromptProgress | ChatDeltaEvent | ChatResult


@dataclass(slots=True)
class _CallParts:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    # None while the call is open; a call the stream never closed is not whole either.
    status: ToolCallStatus | None = None


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
        elif isinstance(delta, ToolCallEnd):
            self._calls.setdefault(delta.index, _CallParts()).status = delta.status
        else:
            call = self._calls.setdefault(delta.index, _CallParts())
            call.id = call.id or delta.id
            call.name = call.name or delta.name
            call.arguments.append(delta.arguments)

    def _complete(self) -> list[_CallParts]:
        return [
            call
            for _, call in sorted(self._calls.items())
            if call.status is ToolCallStatus.COMPLETE
        ]

    @property
    def has_tool_calls(self) -> bool:
        """Whether any tool call ended complete."""
        return any(call.status is ToolCallStatus.COMPLETE for call in self._calls.values())

    def build(self) -> Message:
        """The assistant message so far."""
        return Message(
            role=Role.ASSISTANT,
            content="".join(self._content),
            reasoning_content="".join(self._reasoning),
            tool_calls=tuple(
                ToolCall(id=c.id, name=c.name, arguments="".join(c.arguments))
                for c in self._complete()
            ),
        )
