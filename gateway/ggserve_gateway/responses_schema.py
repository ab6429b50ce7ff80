"""The request body of OpenAI's `POST /v1/responses`, as pydantic models.

Input items and tools come in dozens of types (hosted tools, their call items, new ones every
few months), so they are parsed loosely here — a `type` plus the fields any known type has —
and `responses_request` / `responses_tools` decide per type: converted, dropped with a warning
(hosted tools the server cannot run) or refused with a 400 naming the item. Fields that change
nothing locally are accepted (`metadata` is echoed, the rest ignored); those whose meaning
cannot be honoured (`background`, `conversation`, `prompt`) are refused.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ggserve_gateway.body_parts import Body, TextPart
from ggserve_gateway.bounds import (
    MinP,
    OpenAiTemperature,
    Penalty,
    RepeatPenalty,
    TokenCount,
    TopK,
    TopLogprobs,
    TopP,
)
from ggserve_gateway.reasoning_effort import Effort


class ContentPart(TextPart):
    """A part of a message, of a reasoning item or of a tool output (`input_text`,
    `output_text`, `summary_text`, `reasoning_text`, `refusal`, `input_image`, …)."""

    refusal: str | None = None


class ShellAction(Body):
    """A `local_shell_call`'s `exec` action."""

    type: Literal["exec"] = "exec"
    command: list[str]
    env: dict[str, str] | None = None
    timeout_ms: int | None = None
    user: str | None = None
    working_directory: str | None = None


class InputItem(Body):
    """One input item; `type` absent means a message (the SDK's `EasyInputMessage`)."""

    type: str = "message"
    id: str | None = None
    role: Literal["user", "assistant", "system", "developer"] | None = None
    content: str | list[ContentPart] | None = None
    call_id: str | None = None
    name: str | None = None
    namespace: str | None = None
    arguments: str | None = None
    input: str | None = None  # a custom tool call's free-form input
    output: str | list[ContentPart] | None = None
    summary: list[ContentPart] | None = None
    encrypted_content: str | None = None  # another provider's reasoning: nothing to read here
    action: dict[str, Any] | None = None  # a `ShellAction` in a `local_shell_call`
    status: str | None = None


class ToolSpec(Body):
    """A tool: `function`, `custom`, `namespace` (whose `tools` are functions or custom
    tools), a client-executed built-in (`local_shell`) or a hosted one (dropped)."""

    type: str
    name: str | None = None
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None
    format: dict[str, Any] | None = None  # a custom tool's input grammar (not enforced)
    tools: list[ToolSpec] | None = None


class ToolChoiceSpec(Body):
    """A forced tool (`function`/`custom` with a name, a built-in by type) or
    `allowed_tools` (a mode over a subset of the tools)."""

    type: str
    name: str | None = None
    mode: Literal["auto", "required"] | None = None
    tools: list[dict[str, Any]] | None = None


class ReasoningConfig(Body):
    """`reasoning`: `effort` turns the template's thinking on or off; `summary` has no local
    meaning (the model's own reasoning is returned as it is)."""

    effort: Effort | None = None
    summary: str | None = None


class TextFormat(Body):
    """`text.format`: free text, any JSON object, or JSON matching `schema`."""

    type: Literal["text", "json_object", "json_schema"]
    name: str | None = None
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None
    description: str | None = None


class TextConfig(Body):
    """`text`: the output format (`verbosity` has no local meaning)."""

    format: TextFormat | None = None
    verbosity: str | None = None


class ResponsesRequest(Body):
    """`POST /v1/responses`."""

    model: str = ""
    input: str | list[InputItem] = Field(default_factory=list)
    instructions: str | None = None
    previous_response_id: str | None = None
    tools: list[ToolSpec] | None = None
    tool_choice: Literal["auto", "none", "required"] | ToolChoiceSpec | None = None
    parallel_tool_calls: bool | None = None
    max_output_tokens: TokenCount | None = None
    temperature: OpenAiTemperature | None = None
    top_p: TopP | None = None
    reasoning: ReasoningConfig | None = None
    text: TextConfig | None = None
    stream: bool = False
    store: bool = True
    # Accepted without local effect (echoed where the response object has them).
    metadata: dict[str, str] | None = None
    prompt_cache_key: str | None = None
    include: list[str] | None = None  # "message.output_text.logprobs" is honoured
    truncation: Literal["auto", "disabled"] | None = None
    service_tier: str | None = None
    user: str | None = None
    safety_identifier: str | None = None
    client_metadata: dict[str, Any] | None = None
    max_tool_calls: int | None = Field(default=None, ge=0)
    stream_options: dict[str, Any] | None = None
    # Refused in `responses_request` (no local equivalent).
    background: bool | None = None
    conversation: str | dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None
    # With `include: ["message.output_text.logprobs"]`, or alone: alternatives per token.
    top_logprobs: TopLogprobs | None = None
    # Extensions other local servers accept.
    top_k: TopK | None = None
    min_p: MinP | None = None
    repeat_penalty: RepeatPenalty | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
