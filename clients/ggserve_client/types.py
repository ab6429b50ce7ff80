"""Typed results of the ggserve API: messages, chat results, stream events and models.

These plain dataclasses are what `Client` and `AsyncClient` return; the generated protobuf
classes stay behind them (`convert.py` maps between the two).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Extra gRPC headers of one call: (key, value) pairs, keys lower-case.
Metadata = Sequence[tuple[str, str]]


class Role(enum.Enum):
    """Who wrote a message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class FinishReason(enum.Enum):
    """Why generation ended."""

    UNSPECIFIED = "unspecified"
    STOP = "stop"
    LENGTH = "length"
    TOOL_CALLS = "tool_calls"
    CANCELLED = "cancelled"


class LengthLimit(enum.Enum):
    """Which limit ended a turn whose finish reason is LENGTH."""

    MAX_TOKENS = "max_tokens"  # the request's budget was spent
    CONTEXT = "context"  # the context window filled up first


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call made by the assistant; `arguments` is JSON text."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Message:
    """One conversation turn."""

    role: Role
    content: str = ""
    reasoning_content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Tool:
    """A function the model may call; `parameters` is a JSON Schema (a dict or JSON text)."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] | str = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tool:
        """A tool from the OpenAI shape `{"type": "function", "function": {...}}` or `{name, ...}`.

        Raises:
            ValueError: `data` names no function.
        """
        spec = data.get("function", data)
        if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
            raise ValueError("a tool needs a string `name` (or `function.name`)")
        parameters = spec.get("parameters") or {}
        if not isinstance(parameters, (Mapping, str)):
            raise ValueError(f"tool {spec['name']!r}: `parameters` must be an object")
        return cls(str(spec["name"]), str(spec.get("description") or ""), parameters)

    def parameters_json(self) -> str:
        """The parameters schema as JSON text (empty when there is none)."""
        if isinstance(self.parameters, str):
            return self.parameters
        return json.dumps(self.parameters) if self.parameters else ""


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one request."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0  # of completion_tokens, those generated inside a reasoning block


@dataclass(frozen=True, slots=True)
class Timings:
    """Server-side phases of one request, in milliseconds."""

    queue_ms: float = 0.0
    prompt_eval_ms: float = 0.0
    time_to_first_token_ms: float = 0.0
    decode_ms: float = 0.0
    tokens_per_second: float = 0.0


@dataclass(frozen=True, slots=True)
class TopLogprob:
    """One of the most likely tokens at a position: id, text (bytes that are not whole UTF-8
    characters appear as `\\xNN`), bytes, natural-log probability."""

    token_id: int
    token: str
    bytes: bytes
    logprob: float


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """A generated token's log probability under the model's raw distribution (before bias,
    penalties, grammar, temperature and truncation) and the most likely alternatives there."""

    token_id: int
    token: str
    bytes: bytes
    logprob: float
    top_logprobs: tuple[TopLogprob, ...] = ()


@dataclass(frozen=True, slots=True)
class ChatResult:
    """A whole assistant turn: what `chat()` returns and what ends every `chat_stream()`."""

    id: str
    model: str
    finish_reason: FinishReason
    message: Message
    usage: Usage
    timings: Timings
    matched_stop: str = ""
    length_limit: LengthLimit | None = None  # set when finish_reason is LENGTH
    logprobs: tuple[TokenLogprob, ...] = ()  # one per generated token, with `logprobs=True`

    @property
    def context_full(self) -> bool:
        """Whether the turn ended because the context window filled up (not the budget)."""
        return self.length_limit is LengthLimit.CONTEXT


@dataclass(frozen=True, slots=True)
class ChatStarted:
    """The first event of a stream: the server admitted the request (before the prompt is
    evaluated). Errors found before admission are raised instead."""

    id: str
    model: str
    prompt_tokens: int
    context_length: int


@dataclass(frozen=True, slots=True)
class PromptProgress:
    """Prompt evaluation so far: `processed_tokens` of `total_tokens` are ready, `cached_tokens`
    of them from the server's prefix cache; the last one has processed == total."""

    total_tokens: int
    cached_tokens: int
    processed_tokens: int
    elapsed_ms: float

    @property
    def fraction(self) -> float:
        """Share of the prompt ready, 0 to 1."""
        return self.processed_tokens / self.total_tokens if self.total_tokens else 1.0


@dataclass(frozen=True, slots=True)
class ContentDelta:
    """Content text to append."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """Reasoning ("thinking") text to append."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A tool-call fragment: `id` and `name` on a call's first fragment, then argument text."""

    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""


class ToolCallStatus(enum.Enum):
    """How a streamed tool call ended."""

    UNSPECIFIED = "unspecified"
    COMPLETE = "complete"  # whole: in the final message, safe to execute
    INVALID = "invalid"  # the arguments were not valid; its raw text follows as content
    TRUNCATED = "truncated"  # generation ended inside the call; discarded like an invalid one


@dataclass(frozen=True, slots=True)
class ToolCallEnd:
    """The end of call `index`; execute a call only when its end says COMPLETE."""

    index: int
    status: ToolCallStatus

    @property
    def complete(self) -> bool:
        """Whether the call is whole (and in the final message)."""
        return self.status is ToolCallStatus.COMPLETE


@dataclass(frozen=True, slots=True)
class LogprobsDelta:
    """Log probabilities of the tokens generated since the previous such event (requests
    with `logprobs=True`); it follows the text deltas of those tokens that were released."""

    entries: tuple[TokenLogprob, ...]


@dataclass(frozen=True, slots=True)
class ChatDone:
    """The last event of a stream: the whole turn with finish reason, usage and timings."""

    result: ChatResult


DeltaEvent = ContentDelta | ReasoningDelta | ToolCallDelta | ToolCallEnd
StreamEvent = ChatStarted | PromptProgress | DeltaEvent | LogprobsDelta | ChatDone


@dataclass(frozen=True, slots=True)
class Model:
    """A served model."""

    alias: str
    architecture: str
    context_length: int
    train_context_length: int
    has_chat_template: bool
    tool_call_format: str
    tools_in_template: bool
    backend: str
    gpu_layers: int
    file_name: str
    is_default: bool
    kv_cache_type_k: str = ""  # "f16", "q8_0", … (the server's --cache-type-k)
    kv_cache_type_v: str = ""
    kv_cache_bytes: int = 0  # K and V together; 0 when the server cannot tell
    # Lifecycle: "unloaded", "loading", "loaded", "unloading" or "failed" (with `state_reason`).
    state: str = "loaded"
    state_reason: str = ""
    memory_bytes: int = 0  # resident memory its load added
    load_seconds: float = 0.0
    embedding_dimensions: int = 0  # embedding models: vector length (0: a chat model)


@dataclass(frozen=True, slots=True)
class Embeddings:
    """The vectors of an `embed()` call, one per input in order, and the tokens they took."""

    model: str
    vectors: list[list[float]]
    tokens: list[int]  # per input

    @property
    def prompt_tokens(self) -> int:
        """Tokens of all inputs together."""
        return sum(self.tokens)


@dataclass(frozen=True, slots=True)
class RenderedChat:
    """The prompt a chat request produces, without generating (`render_chat()`)."""

    prompt: str
    prompt_tokens: int
    thinking_forced_open: bool
    tool_call_format: str
    tools_in_template: bool
    grammar: str


def fold_deltas(events: Iterable[StreamEvent]) -> Message:
    """The assistant message built by appending every delta of a stream (the final event aside).

    Like the final message, it holds only the calls whose end said COMPLETE.
    """
    content: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, list[str]] = {}
    complete: set[int] = set()
    for event in events:
        if isinstance(event, ContentDelta):
            content.append(event.text)
        elif isinstance(event, ReasoningDelta):
            reasoning.append(event.text)
        elif isinstance(event, ToolCallDelta):
            call = calls.setdefault(event.index, ["", "", ""])
            call[0] = call[0] or event.id
            call[1] = call[1] or event.name
            call[2] += event.arguments
        elif isinstance(event, ToolCallEnd) and event.complete:
            complete.add(event.index)
    return Message(
        role=Role.ASSISTANT,
        content="".join(content),
        reasoning_content="".join(reasoning),
        tool_calls=tuple(ToolCall(*calls[i]) for i in sorted(calls) if i in complete),
    )
