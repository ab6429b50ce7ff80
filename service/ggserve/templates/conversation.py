"""Conversations in the shape chat templates read: OpenAI/transformers message dicts.

Accepts the service's domain `Message`s or OpenAI-style dicts. Assistant tool-call `arguments`
travel as JSON text, but templates disagree on what they want: transformers' convention (and
templates that iterate `arguments|items` or apply `tojson`) is a dict, older ones print a string.
`ArgumentsMode` says which; in dict mode arguments that are not a JSON object stay text.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ggserve.domain import Message, ToolCall

TemplateMessage = dict[str, Any]
MessageLike = Message | Mapping[str, Any]


class ArgumentsMode(enum.Enum):
    """How tool-call arguments are handed to a template."""

    DICT = "dict"
    STRING = "string"


def arguments_value(arguments: Any, mode: ArgumentsMode) -> Any:
    """`arguments` (JSON text or an already-parsed object) in the form `mode` asks for."""
    if mode is ArgumentsMode.STRING:
        return (
            arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
        )
    if not isinstance(arguments, str):
        return arguments
    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError:
        return arguments  # not JSON: a string is the only faithful rendering
    return parsed if isinstance(parsed, dict) else arguments


def _call_dict(call: ToolCall) -> TemplateMessage:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }


def message_dict(message: Message) -> TemplateMessage:
    """A domain message as an OpenAI dict; empty optional fields are left out."""
    out: TemplateMessage = {"role": message.role.value, "content": message.content}
    if message.reasoning_content:
        out["reasoning_content"] = message.reasoning_content
    if message.tool_calls:
        out["tool_calls"] = [_call_dict(call) for call in message.tool_calls]
    if message.tool_call_id:
        out["tool_call_id"] = message.tool_call_id
    if message.name:
        out["name"] = message.name
    return out


def _normalise_call(call: Mapping[str, Any], mode: ArgumentsMode) -> TemplateMessage:
    function = dict(call.get("function") or {})
    function["arguments"] = arguments_value(function.get("arguments", "{}"), mode)
    out = dict(call)
    out.setdefault("type", "function")
    out["function"] = function
    # A few templates read `tool_call.name` / `.arguments` directly (flattened shape).
    out.setdefault("name", function.get("name", ""))
    out["arguments"] = function["arguments"]
    return out


def template_messages(
    messages: Sequence[MessageLike], mode: ArgumentsMode
) -> list[TemplateMessage]:
    """Messages as template dicts, tool-call arguments shaped by `mode`."""
    result: list[TemplateMessage] = []
    for message in messages:
        data = message_dict(message) if isinstance(message, Message) else dict(message)
        if data.get("content") is None:
            data["content"] = ""  # templates concatenate content; OpenAI allows null here
        calls = data.get("tool_calls")
        if calls:
            data["tool_calls"] = [_normalise_call(call, mode) for call in calls]
        result.append(data)
    return result
