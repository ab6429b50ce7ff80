"""Anthropic Messages request → the conversation and options of a ggserve chat call.

A user turn's `tool_result` blocks become `tool` messages (one per result, in order) ahead of
its text; an assistant turn's `thinking`, `text` and `tool_use` blocks become one assistant
message with reasoning, content and tool calls.
"""

from __future__ import annotations

import json

from ggserve_client.request import ChatOptions
from ggserve_client.types import Message, Role, Tool, ToolCall
from ggserve_gateway.anthropic_schema import (
    CountTokensRequest,
    MessageParam,
    MessagesRequest,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
)
from ggserve_gateway.errors import HttpError
from ggserve_gateway.sampling import json_schema_option, sampling_options


def _texts(blocks: list[TextBlock]) -> str:
    return "\n".join(block.text for block in blocks)


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
        else:
            messages.append(_assistant(turn))
    return messages


def _tools(request: CountTokensRequest, options: ChatOptions) -> None:
    if request.tools:
        options["tools"] = [
            Tool(t.name, t.description or "", t.input_schema) for t in request.tools
        ]
    choice = request.tool_choice
    if choice is None:
        return
    if choice.type == "tool":
        if not choice.name:
            raise HttpError.bad_request("tool_choice.name: required when type is tool")
        options["tool_choice"] = choice.name
    else:
        options["tool_choice"] = {"auto": "auto", "any": "required", "none": "none"}[choice.type]
    if choice.disable_parallel_tool_use is not None:
        options["parallel_tool_calls"] = not choice.disable_parallel_tool_use


def count_call(request: CountTokensRequest) -> tuple[list[Message], ChatOptions]:
    """The messages and options whose rendered prompt `count_tokens` measures."""
    options: ChatOptions = {"model": request.model}
    _tools(request, options)
    if request.thinking is not None:
        options["thinking"] = request.thinking.type != "disabled"
    return _messages(request), options


def chat_call(request: MessagesRequest) -> tuple[list[Message], ChatOptions]:
    """The messages and options of the core call."""
    messages, options = count_call(request)
    options["max_tokens"] = request.max_tokens
    if request.stop_sequences:
        options["stop"] = request.stop_sequences
    options.update(sampling_options(request))
    if request.output_config is not None and request.output_config.format is not None:
        options["json_schema"] = json_schema_option(request.output_config.format.json_schema)
    return messages, options
