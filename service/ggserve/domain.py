"""Domain types of a chat request and its result; no generated protobuf code here."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Role(enum.Enum):
    """Who wrote a message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the assistant made; `arguments` is JSON text."""

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
    """A function the model may call; `parameters` is the parsed JSON Schema."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_openai(self) -> dict[str, Any]:
        """The OpenAI tool shape that chat templates and the parser expect."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


class ToolChoiceMode(enum.Enum):
    """How the model may use tools."""

    AUTO = "auto"
    NONE = "none"
    REQUIRED = "required"
    FUNCTION = "function"


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """`mode`, plus the function name when `mode` is FUNCTION."""

    mode: ToolChoiceMode = ToolChoiceMode.AUTO
    function_name: str = ""


@dataclass(frozen=True, slots=True)
class Sampling:
    """Sampling parameters; None means the engine default (an explicit 0.0 is greedy)."""

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    repeat_penalty: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    # OpenAI `logit_bias`: (token id, bias) pairs added to the logits before anything else;
    # -100 bans a token, +100 all but forces it.
    logit_bias: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """Constrained output: a JSON Schema (text) or a GBNF grammar; both None means free text."""

    json_schema: str | None = None
    grammar: str | None = None


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """A validated chat request, as the servicer hands it to the domain."""

    messages: tuple[Message, ...]
    model: str = ""
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice = ToolChoice()
    parallel_tool_calls: bool = True
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    sampling: Sampling = Sampling()
    response_format: ResponseFormat = ResponseFormat()
    thinking: bool | None = None
    thinking_budget: int | None = None  # reasoning tokens before the close is forced
    request_id: str = ""
    # Log probabilities: None asks for none; 0-20 asks for each generated token's and that many
    # most likely alternatives'.
    top_logprobs: int | None = None
    # Extra chat-template variables, values parsed from JSON (`template_kwargs.py` checks them).
    chat_template_kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    """A token and its log probability under the model's own distribution (the softmax of the
    raw logits: before logit bias, penalties, grammar, temperature and truncation, as OpenAI
    reports them)."""

    token_id: int
    piece: bytes  # the token's bytes (a character may be split across tokens)
    logprob: float

    @property
    def text(self) -> str:
        """The piece as text; bytes that are not whole UTF-8 characters appear as `\\xNN`."""
        return self.piece.decode("utf-8", errors="backslashreplace")


@dataclass(frozen=True, slots=True)
class LogprobEntry:
    """One generated token's log probability and the most likely tokens at its position
    (most likely first; the generated token may be among them or not)."""

    chosen: TokenLogprob
    top: tuple[TokenLogprob, ...] = ()


class FinishReason(enum.Enum):
    """Why generation ended."""

    STOP = "stop"
    LENGTH = "length"
    TOOL_CALLS = "tool_calls"
    CANCELLED = "cancelled"


class LengthLimit(enum.Enum):
    """Which limit ended a LENGTH turn: the request's budget, or the end of the context."""

    MAX_TOKENS = "max_tokens"
    CONTEXT = "context"


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one request."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0  # of the completion tokens, those the parser put in reasoning


@dataclass(frozen=True, slots=True)
class Timings:
    """Wall-clock phases of one request, in milliseconds."""

    queue_ms: float = 0.0
    prompt_eval_ms: float = 0.0
    ttft_ms: float = 0.0
    decode_ms: float = 0.0
    tokens_per_second: float = 0.0
