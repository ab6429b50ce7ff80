"""The request body of OpenAI's `POST /v1/chat/completions`, as pydantic models.

Unknown fields are ignored (clients send many optional ones); fields whose meaning the core
cannot honour (`n > 1`, `functions`, audio, non-text content parts) are
rejected in `openai_request` with a message that names them, rather than silently dropped. Every
number is bounded by a type of `bounds` (the README's field table lists all three kinds).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ggserve_gateway.body_parts import Body, TextPart
from ggserve_gateway.bounds import (
    ChoiceCount,
    LogitBiasMap,
    MinP,
    OpenAiTemperature,
    Penalty,
    RepeatPenalty,
    Seed,
    TokenCount,
    TopK,
    TopLogprobs,
    TopP,
)
from ggserve_gateway.reasoning_effort import Effort


class ContentPart(TextPart):
    """One part of a message's content; only `text` parts are supported."""


class FunctionCall(Body):
    """The function of an assistant tool call."""

    name: str
    arguments: str = ""


class AssistantToolCall(Body):
    """A tool call in an earlier assistant message."""

    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessage(Body):
    """One message of the conversation."""

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[AssistantToolCall] | None = None
    tool_call_id: str | None = None
    reasoning_content: str | None = None


class FunctionDefinition(Body):
    """A function the model may call."""

    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ToolDefinition(Body):
    """A tool: always a function."""

    type: Literal["function"] = "function"
    function: FunctionDefinition


class NamedFunction(Body):
    """The function a named tool choice forces."""

    name: str


class NamedToolChoice(Body):
    """`{"type": "function", "function": {"name": ...}}`."""

    type: Literal["function"] = "function"
    function: NamedFunction


class JsonSchemaFormat(Body):
    """The `json_schema` of a `json_schema` response format."""

    name: str = "response"
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class ResponseFormat(Body):
    """Free text, any JSON object, or JSON matching a schema."""

    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None


class StreamOptions(Body):
    """`stream_options`: whether a last chunk carries the usage."""

    include_usage: bool = False


class ChatCompletionRequest(Body):
    """`POST /v1/chat/completions`."""

    model: str = ""
    messages: list[ChatMessage] = Field(min_length=1)
    tools: list[ToolDefinition] | None = None
    tool_choice: Literal["auto", "none", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    max_tokens: TokenCount | None = None
    max_completion_tokens: TokenCount | None = None
    stop: str | list[str] | None = None
    seed: Seed | None = None
    temperature: OpenAiTemperature | None = None
    top_p: TopP | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    n: ChoiceCount | None = None
    logprobs: bool | None = None
    top_logprobs: TopLogprobs | None = None
    logit_bias: LogitBiasMap | None = None
    # Declared so that they are refused by name (`openai_request`) rather than dropped unseen.
    functions: list[Any] | None = None
    function_call: Any = None
    audio: Any = None
    modalities: list[str] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    # Extensions other local servers (llama.cpp, vLLM) accept.
    top_k: TopK | None = None
    min_p: MinP | None = None
    repeat_penalty: RepeatPenalty | None = None
    chat_template_kwargs: dict[str, Any] | None = None
    # Thinking off (`none`) or on with a budget of reasoning tokens (`reasoning_effort.py`).
    reasoning_effort: Effort | None = None
