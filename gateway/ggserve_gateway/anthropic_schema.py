"""The request bodies of Anthropic's `POST /v1/messages` and `/v1/messages/count_tokens`.

Taken as agents send them: fields with no local meaning (`cache_control`, `metadata`,
`context_management`, a tool's `strict`, `defer_loading`, `eager_input_streaming`,
`output_config.effort`, …) are accepted and ignored. Server tools and Anthropic-defined tools
(`web_search_*`, `bash_*`, …) parse as `ServerToolParam`, which `anthropic_request` drops with a
warning. Image and document blocks parse, so that `anthropic_request` can refuse them naming the
block and the model; other unknown block types fail validation with the tag named, as a 400.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from ggserve_gateway.body_parts import Body
from ggserve_gateway.bounds import AnthropicTemperature, TokenBudget, TokenCount, TopK, TopP


class TextBlock(Body):
    """Text."""

    type: Literal["text"]
    text: str


class ThinkingBlock(Body):
    """Reasoning from an earlier assistant turn."""

    type: Literal["thinking"]
    thinking: str
    signature: str | None = None


class RedactedThinkingBlock(Body):
    """Encrypted reasoning (from Anthropic's own models): nothing a local model can read."""

    type: Literal["redacted_thinking"]
    data: str = ""


class ToolUseBlock(Body):
    """A tool call in an earlier assistant turn."""

    type: Literal["tool_use"]
    id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict)


class MediaBlock(Body):
    """An image or a document (PDF, text source): parsed only to be refused by name, since
    the models ggserve serves read text only."""

    type: Literal["image", "document"]


ResultBlock = Annotated[TextBlock | MediaBlock, Field(discriminator="type")]


class ToolResultBlock(Body):
    """The result of a tool call, in a user turn."""

    type: Literal["tool_result"]
    tool_use_id: str
    content: str | list[ResultBlock] | None = None
    is_error: bool | None = None


ContentBlock = Annotated[
    TextBlock | ThinkingBlock | RedactedThinkingBlock | ToolUseBlock | ToolResultBlock | MediaBlock,
    Field(discriminator="type"),
]


class MessageParam(Body):
    """One turn. `system` turns inside `messages` are what Claude Code sends for reminders."""

    role: Literal["user", "assistant", "system"]
    content: str | list[ContentBlock]


class ToolParam(Body):
    """A client tool: the model calls it, the caller runs it."""

    type: Literal["custom"] | None = None
    name: str
    description: str | None = None
    input_schema: dict[str, Any]


class ServerToolParam(Body):
    """A tool with a versioned `type` (`web_search_20250305`, `bash_20250124`, `mcp_toolset`…):
    run by Anthropic's servers or defined by Anthropic's own schema, neither of which a local
    model has."""

    type: str
    name: str = ""


def _tool_kind(tool: Any) -> str:
    kind = tool.get("type") if isinstance(tool, dict) else getattr(tool, "type", None)
    return "client" if kind in (None, "custom") else "server"


AnyToolParam = Annotated[
    Annotated[ToolParam, Tag("client")] | Annotated[ServerToolParam, Tag("server")],
    Discriminator(_tool_kind),
]


class ToolChoiceParam(Body):
    """auto / any (must call) / tool (this one) / none."""

    type: Literal["auto", "any", "tool", "none"]
    name: str | None = None
    disable_parallel_tool_use: bool | None = None


class ThinkingParam(Body):
    """Extended thinking on or off; with `enabled`, `budget_tokens` caps the reasoning tokens."""

    type: Literal["enabled", "disabled", "adaptive", "between_tools"]
    budget_tokens: TokenBudget | None = None


class OutputFormat(Body):
    """Structured output: JSON matching `schema`."""

    type: Literal["json_schema"]
    json_schema: dict[str, Any] = Field(alias="schema")


class OutputConfig(Body):
    """`output_config` (its `effort` has no local equivalent)."""

    format: OutputFormat | None = None


class CountTokensRequest(Body):
    """`POST /v1/messages/count_tokens`."""

    model: str = ""
    messages: list[MessageParam] = Field(min_length=1)
    system: str | list[TextBlock] | None = None
    tools: list[AnyToolParam] | None = None
    tool_choice: ToolChoiceParam | None = None
    thinking: ThinkingParam | None = None
    # Extension (vLLM/llama-server's name): extra variables for the model's chat template.
    chat_template_kwargs: dict[str, Any] | None = None


class MessagesRequest(CountTokensRequest):
    """`POST /v1/messages`."""

    max_tokens: TokenCount
    stop_sequences: list[str] | None = None
    output_config: OutputConfig | None = None
    # Sampling: older API versions send these (newer SDKs through `extra_body`).
    temperature: AnthropicTemperature | None = None
    top_p: TopP | None = None
    top_k: TopK | None = None
    stream: bool = False
