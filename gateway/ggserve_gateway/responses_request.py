"""A Responses request (plus the conversation it continues) → the core call's messages and options.

Input items become chat messages in order. The items of one assistant turn — `reasoning`,
assistant `message`s, `function_call` / `custom_tool_call` / `local_shell_call` — fold into one
assistant message (reasoning, content, tool calls), as a chat template expects; a user or
system message, or a tool output, ends that turn. `instructions` are the first system message
of this request only (OpenAI does not carry them over `previous_response_id`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pydantic import ValidationError

from ggserve_client.request import ChatOptions
from ggserve_client.types import Message, Role, ToolCall
from ggserve_gateway.errors import HttpError
from ggserve_gateway.responses_schema import (
    ContentPart,
    InputItem,
    ResponsesRequest,
    ShellAction,
)
from ggserve_gateway.responses_tools import (
    LOCAL_SHELL,
    ToolMap,
    custom_arguments,
    function_name,
    shell_arguments,
)
from ggserve_gateway.sampling import json_schema_option, sampling_options

logger = logging.getLogger("ggserve.gateway")

_ROLES = {
    "user": Role.USER,
    "system": Role.SYSTEM,
    "developer": Role.SYSTEM,
    "assistant": Role.ASSISTANT,
}
_TEXT_PARTS = frozenset({"input_text", "output_text", "text", "summary_text", "reasoning_text"})
# Items of hosted tools the server never produces (a conversation begun elsewhere may hold
# them): nothing in them is for the model to read again.
_HOSTED_ITEMS = frozenset(
    {
        "web_search_call",
        "file_search_call",
        "image_generation_call",
        "computer_call",
        "computer_call_output",
        "code_interpreter_call",
        "mcp_list_tools",
        "mcp_call",
        "mcp_approval_request",
        "mcp_approval_response",
        "tool_search_call",
        "tool_search_output",
        "compaction",
    }
)
_THINKING_OFF = frozenset({"none", "minimal"})


def _text(parts: str | list[ContentPart] | None, where: str) -> str:
    """The text of a content list; a non-text part (image, file, audio) is a 400 naming it."""
    if parts is None or isinstance(parts, str):
        return parts or ""
    texts: list[str] = []
    for i, part in enumerate(parts):
        if part.type in _TEXT_PARTS or part.type == "refusal":
            text = part.refusal if part.type == "refusal" else part.text
            if text is None:
                field = "refusal" if part.type == "refusal" else "text"
                raise HttpError.bad_request(
                    f"{where}[{i}].{field}: required", param=f"{where}[{i}].{field}"
                )
            texts.append(text)
        else:
            raise HttpError.bad_request(
                f"{where}[{i}]: {part.type} parts are not supported: the served models are "
                "text-only",
                param=f"{where}[{i}]",
            )
    return "\n".join(texts)


@dataclass(slots=True)
class _Turn:
    """The assistant turn being folded from consecutive items."""

    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)

    def message(self) -> Message:
        return Message(
            Role.ASSISTANT,
            "".join(self.content),
            reasoning_content="".join(self.reasoning),
            tool_calls=tuple(self.calls),
        )


class _Conversation:
    """Builds the message list item by item."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        self._turn: _Turn | None = None
        self._shell_calls: dict[str, str] = {}  # local_shell_call item id → call_id

    @property
    def turn(self) -> _Turn:
        if self._turn is None:
            self._turn = _Turn()
        return self._turn

    def end_turn(self) -> None:
        if self._turn is not None:
            self.messages.append(self._turn.message())
            self._turn = None

    def add(self, item: InputItem, where: str) -> None:
        kind = item.type
        if kind == "message":
            self._message(item, where)
        elif kind == "reasoning":
            # Only the text is read: `encrypted_content` is another provider's.
            text = _text(item.content, f"{where}.content") or _text(
                item.summary, f"{where}.summary"
            )
            self.turn.reasoning.append(text)
        elif kind == "function_call":
            name = function_name(_required(item.name, where, "name"), item.namespace)
            call_id = _required(item.call_id, where, "call_id")
            self.turn.calls.append(ToolCall(call_id, name, item.arguments or "{}"))
        elif kind == "custom_tool_call":
            name = function_name(_required(item.name, where, "name"), item.namespace)
            call_id = _required(item.call_id, where, "call_id")
            self.turn.calls.append(ToolCall(call_id, name, custom_arguments(item.input or "")))
        elif kind == "local_shell_call":
            action = _shell_action(item, where)
            call_id = _required(item.call_id or item.id, where, "call_id")
            if item.id:
                self._shell_calls[item.id] = call_id
            self.turn.calls.append(ToolCall(call_id, LOCAL_SHELL, shell_arguments(action)))
        elif kind in ("function_call_output", "custom_tool_call_output", "local_shell_call_output"):
            self._output(item, where)
        elif kind in _HOSTED_ITEMS:
            logger.info("responses: %s: %s item ignored (a hosted tool's)", where, kind)
        else:
            raise HttpError.bad_request(
                f"{where}.type: input items of type {kind!r} are not supported", param=where
            )

    def _message(self, item: InputItem, where: str) -> None:
        role = _required(item.role, where, "role")
        text = _text(item.content, f"{where}.content")
        if role == "assistant":
            self.turn.content.append(text)
            return
        self.end_turn()
        self.messages.append(Message(_ROLES[role], text))

    def _output(self, item: InputItem, where: str) -> None:
        self.end_turn()
        call_id = item.call_id
        if item.type == "local_shell_call_output" and not call_id and item.id:
            # OpenAI names the call by its item id here.
            call_id = self._shell_calls.get(item.id, item.id)
        call_id = _required(call_id, where, "call_id")
        text = _text(item.output, f"{where}.output")
        self.messages.append(Message(Role.TOOL, text, tool_call_id=call_id))


def _shell_action(item: InputItem, where: str) -> ShellAction:
    try:
        return ShellAction.model_validate(item.action)
    except ValidationError as exc:
        error = HttpError.from_validation(exc)
        message = f"{where}.action.{error.message}"
        raise HttpError.bad_request(message, param=f"{where}.action") from None


def _required(value: str | None, where: str, name: str) -> str:
    if not value:
        raise HttpError.bad_request(f"{where}.{name}: required", param=f"{where}.{name}")
    return value


def input_items(request: ResponsesRequest) -> list[InputItem]:
    """The request's input as items (a string is one user message)."""
    if isinstance(request.input, str):
        return [InputItem(type="message", role="user", content=request.input)]
    return request.input


def conversation(history: list[Message], items: list[InputItem]) -> list[Message]:
    """`history` (an earlier response's whole conversation) followed by `items`."""
    builder = _Conversation(list(history))
    for i, item in enumerate(items):
        builder.add(item, f"input[{i}]")
    builder.end_turn()
    return builder.messages


def _refuse_unsupported(request: ResponsesRequest) -> None:
    refused = {
        "background": request.background,
        "conversation": request.conversation,
        "prompt": request.prompt,
        "top_logprobs": request.top_logprobs or None,
    }
    for name, value in refused.items():
        if value:
            raise HttpError.bad_request(f"{name}: not supported by this server", param=name)


def _text_format(request: ResponsesRequest, options: ChatOptions) -> None:
    fmt = request.text.format if request.text is not None else None
    if fmt is None or fmt.type == "text":
        return
    if fmt.type == "json_object":
        options["json_schema"] = json_schema_option({"type": "object"})
        return
    if fmt.json_schema is None:
        raise HttpError.bad_request(
            "text.format.schema is required for type json_schema", param="text.format.schema"
        )
    options["json_schema"] = json_schema_option(fmt.json_schema)


def options(request: ResponsesRequest, tools: ToolMap) -> ChatOptions:
    """The core call's options; `HttpError` (400) for what cannot be honoured."""
    _refuse_unsupported(request)
    out: ChatOptions = {"model": request.model}
    if request.tool_choice is not None:
        out["tool_choice"] = tools.choice(request.tool_choice)
    if tools.tools:
        out["tools"] = tools.tools
    if request.parallel_tool_calls is not None:
        out["parallel_tool_calls"] = request.parallel_tool_calls
    if request.max_output_tokens is not None:
        out["max_tokens"] = request.max_output_tokens
    out.update(sampling_options(request))
    effort = request.reasoning.effort if request.reasoning is not None else None
    if effort is not None:
        out["thinking"] = effort not in _THINKING_OFF
    _text_format(request, out)
    return out
