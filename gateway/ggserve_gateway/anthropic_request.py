"""Anthropic Messages request → the conversation and options of a ggserve chat call.

A user turn's `tool_result` blocks become `tool` messages (one per result, in order) ahead of
its text; an assistant turn's `thinking`, `text` and `tool_use` blocks become one assistant
message with reasoning, content and tool calls; a `system` turn inside `messages` stays a system
message at its place (the core folds it into the next user turn if the template refuses it).
Server tools and Anthropic-defined tools are dropped with a warning naming them; image and
document blocks are refused (400) naming the block and the model.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from ggserve_client.request import ChatOptions
from ggserve_client.types import Message, Role, Tool, ToolCall
from ggserve_gateway.anthropic_schema import (
    ContentBlock,
    CountTokensRequest,
    MediaBlock,
    MessageParam,
    MessagesRequest,
    ResultBlock,
    ServerToolParam,
    TextBlock,
    ThinkingBlock,
    ToolParam,
    ToolResultBlock,
    ToolUseBlock,
)
from ggserve_gateway.errors import HttpError
from ggserve_gateway.sampling import json_schema_option, sampling_options

logger = logging.getLogger(__name__)


def _texts(blocks: Sequence[ContentBlock | ResultBlock]) -> str:
    return "\n".join(block.text for block in blocks if isinstance(block, TextBlock))


def _refuse_media(request: CountTokensRequest) -> None:
    """400 for the first image or document block, anywhere in the conversation."""
    model = repr(request.model) if request.model else "the served model"
    for i, turn in enumerate(request.messages):
        if isinstance(turn.content, str):
            continue
        for j, block in enumerate(turn.content):
            where = f"messages[{i}].content[{j}]"
            inner: Sequence[ContentBlock | ResultBlock] = [block]
            if isinstance(block, ToolResultBlock) and isinstance(block.content, list):
                inner = block.content
                where += ".content"
            media = next((b for b in inner if isinstance(b, MediaBlock)), None)
            if media is not None:
                raise HttpError.bad_request(
                    f"{where}: {media.type} blocks cannot be read by {model}: it reads text "
                    "only (send the text instead)",
                    param=where,
                )


def _user(turn: MessageParam) -> list[Message]:
    if isinstance(turn.content, str):
        return [Message(Role.USER, turn.content)]
    results: list[Message] = []
    texts: list[str] = []
    for block in turn.content:
        if isinstance(block, ToolResultBlock):
            content = block.content
            text = content if isinstance(content, str) else _texts(content or [])
            results.append(Message(Role.TOOL, text, tool_call_id=block.tool_use_id))
        elif isinstance(block, TextBlock):
            texts.append(block.text)
    if texts or not results:
        results.append(Message(Role.USER, "\n".join(texts)))
    return results


def _assistant(turn: MessageParam) -> Message:
    if isinstance(turn.content, str):
        return Message(Role.ASSISTANT, turn.content)
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[ToolCall] = []
    for block in turn.content:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ThinkingBlock):
            reasoning.append(block.thinking)
        elif isinstance(block, ToolUseBlock):
            calls.append(ToolCall(block.id, block.name, json.dumps(block.input)))
    return Message(
        Role.ASSISTANT,
        "".join(texts),
        reasoning_content="".join(reasoning),
        tool_calls=tuple(calls),
    )


def _messages(request: CountTokensRequest) -> list[Message]:
    messages: list[Message] = []
    system = request.system
    if system:
        messages.append(Message(Role.SYSTEM, system if isinstance(system, str) else _texts(system)))
    for turn in request.messages:
        if turn.role == "user":
            messages.extend(_user(turn))
        elif turn.role == "system":
            content = turn.content
            messages.append(
                Message(Role.SYSTEM, content if isinstance(content, str) else _texts(content))
            )
        else:
            messages.append(_assistant(turn))
    return messages


def _client_tools(request: CountTokensRequest) -> list[ToolParam]:
    """The tools the model can call; the others are dropped, with a warning naming them."""
    tools = request.tools or []
    dropped = [t for t in tools if isinstance(t, ServerToolParam)]
    if dropped:
        logger.warning(
            "dropped tools a local model cannot run (server tools or Anthropic-defined): %s",
            ", ".join(f"{t.name or '?'} ({t.type})" for t in dropped),
        )
    return [t for t in tools if isinstance(t, ToolParam)]


def _tools(request: CountTokensRequest, options: ChatOptions) -> None:
    tools = _client_tools(request)
    if tools:
        options["tools"] = [Tool(t.name, t.description or "", t.input_schema) for t in tools]
    choice = request.tool_choice
    if choice is None:
        return
    if choice.type == "tool":
        if not choice.name:
            raise HttpError.bad_request("tool_choice.name: required when type is tool")
        if any(
            isinstance(t, ServerToolParam) and t.name == choice.name for t in request.tools or ()
        ):
            raise HttpError.bad_request(
                f"tool_choice.name: {choice.name!r} is a server tool or an Anthropic-defined "
                "tool, which a local model cannot run",
                param="tool_choice.name",
            )
        options["tool_choice"] = choice.name
    else:
        options["tool_choice"] = {"auto": "auto", "any": "required", "none": "none"}[choice.type]
    if choice.disable_parallel_tool_use is not None:
        options["parallel_tool_calls"] = not choice.disable_parallel_tool_use


def count_call(request: CountTokensRequest) -> tuple[list[Message], ChatOptions]:
    """The messages and options whose rendered prompt `count_tokens` measures."""
    _refuse_media(request)
    options: ChatOptions = {"model": request.model}
    _tools(request, options)
    if request.thinking is not None:
        options["thinking"] = request.thinking.type != "disabled"
    if request.chat_template_kwargs:
        options["chat_template_kwargs"] = request.chat_template_kwargs
    return _messages(request), options


def chat_call(request: MessagesRequest) -> tuple[list[Message], ChatOptions]:
    """The messages and options of the core call."""
    messages, options = count_call(request)
    options["max_tokens"] = request.max_tokens
    thinking = request.thinking
    if thinking is not None and thinking.type == "enabled" and thinking.budget_tokens is not None:
        options["thinking_budget_tokens"] = thinking.budget_tokens
    if request.stop_sequences:
        options["stop"] = request.stop_sequences
    options.update(sampling_options(request))
    if request.output_config is not None and request.output_config.format is not None:
        options["json_schema"] = json_schema_option(request.output_config.format.json_schema)
    return messages, options
