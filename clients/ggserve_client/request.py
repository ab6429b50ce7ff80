"""Request messages built from the clients' arguments: `ChatOptions` and the `ChatRequest`
built from them, the `EmbedRequest`; the type variables of a unary call."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, TypeVar

from ggserve_client.types import Message, Role, Tool
from ggserve_client.v1 import api_pb2 as pb

Prompt = str | Sequence[Message]
Req = TypeVar("Req")  # a unary call's request message
Resp = TypeVar("Resp")  # and its response message

_ROLES = {
    Role.SYSTEM: pb.ROLE_SYSTEM,
    Role.USER: pb.ROLE_USER,
    Role.ASSISTANT: pb.ROLE_ASSISTANT,
    Role.TOOL: pb.ROLE_TOOL,
}
_MODES = {
    "auto": pb.ToolChoice.MODE_AUTO,
    "none": pb.ToolChoice.MODE_NONE,
    "required": pb.ToolChoice.MODE_REQUIRED,
}


class ChatOptions(TypedDict, total=False):
    """Keyword options of `chat()` and `chat_stream()`; all optional (server defaults)."""

    model: str
    system: str
    tools: Sequence[Tool | Mapping[str, Any]]
    tool_choice: str  # "auto", "none", "required", or a function name
    parallel_tool_calls: bool
    max_tokens: int
    temperature: float
    top_p: float
    top_k: int
    min_p: float
    repeat_penalty: float
    presence_penalty: float
    frequency_penalty: float
    seed: int
    # Token id → bias in [-100, 100] added to its logit (at most 300 entries).
    logit_bias: Mapping[int, float]
    # Report each generated token's log probability, and `top_logprobs` (0-20) alternatives.
    logprobs: bool
    top_logprobs: int
    stop: Sequence[str]
    thinking: bool
    thinking_budget_tokens: int  # reasoning tokens before the model's close marker is forced
    json_schema: str
    grammar: str
    request_id: str
    # Extra chat-template variables (e.g. {"enable_thinking": False}); any JSON values.
    chat_template_kwargs: Mapping[str, Any]


def _message(message: Message) -> pb.Message:
    return pb.Message(
        role=_ROLES[message.role],
        content=message.content,
        reasoning_content=message.reasoning_content,
        tool_calls=[
            pb.ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in message.tool_calls
        ],
        tool_call_id=message.tool_call_id,
        name=message.name,
    )


def _tool(tool: Tool | Mapping[str, Any]) -> pb.Tool:
    typed = tool if isinstance(tool, Tool) else Tool.from_dict(tool)
    return pb.Tool(
        name=typed.name, description=typed.description, parameters=typed.parameters_json()
    )


def _messages(prompt: Prompt, system: str | None) -> list[pb.Message]:
    turns = [Message(Role.USER, prompt)] if isinstance(prompt, str) else list(prompt)
    if system is not None:
        turns.insert(0, Message(Role.SYSTEM, system))
    return [_message(turn) for turn in turns]


def _sampling(options: ChatOptions) -> pb.SamplingParams:
    sampling = pb.SamplingParams()
    if "temperature" in options:
        sampling.temperature = options["temperature"]
    if "top_p" in options:
        sampling.top_p = options["top_p"]
    if "top_k" in options:
        sampling.top_k = options["top_k"]
    if "min_p" in options:
        sampling.min_p = options["min_p"]
    if "repeat_penalty" in options:
        sampling.repeat_penalty = options["repeat_penalty"]
    if "presence_penalty" in options:
        sampling.presence_penalty = options["presence_penalty"]
    if "frequency_penalty" in options:
        sampling.frequency_penalty = options["frequency_penalty"]
    if "seed" in options:
        sampling.seed = options["seed"]
    for token, bias in options.get("logit_bias", {}).items():
        sampling.logit_bias[token] = bias
    return sampling


def _tool_choice(choice: str) -> pb.ToolChoice:
    mode = _MODES.get(choice)
    return pb.ToolChoice(mode=mode) if mode is not None else pb.ToolChoice(function_name=choice)


def build_request(prompt: Prompt, options: ChatOptions) -> pb.ChatRequest:
    """The `ChatRequest` of a prompt (text of one user turn, or whole messages) and options."""
    request = pb.ChatRequest(
        model=options.get("model", ""),
        messages=_messages(prompt, options.get("system")),
        tools=[_tool(tool) for tool in options.get("tools", ())],
        stop=list(options.get("stop", ())),
        sampling=_sampling(options),
        request_id=options.get("request_id", ""),
    )
    if "tool_choice" in options:
        request.tool_choice.CopyFrom(_tool_choice(options["tool_choice"]))
    if "parallel_tool_calls" in options:
        request.parallel_tool_calls = options["parallel_tool_calls"]
    if "max_tokens" in options:
        request.max_tokens = options["max_tokens"]
    if "thinking" in options:
        request.thinking = options["thinking"]
    if "thinking_budget_tokens" in options:
        request.thinking_budget_tokens = options["thinking_budget_tokens"]
    request.logprobs = options.get("logprobs", False)
    if "top_logprobs" in options:
        request.top_logprobs = options["top_logprobs"]
    for key, value in options.get("chat_template_kwargs", {}).items():
        request.chat_template_kwargs[key] = json.dumps(value, ensure_ascii=False)
    if "json_schema" in options:
        request.response_format.json_schema = options["json_schema"]
    elif "grammar" in options:
        request.response_format.grammar = options["grammar"]
    return request


def embed_request(
    inputs: str | Sequence[str | Sequence[int]], *, model: str, normalize: bool
) -> pb.EmbedRequest:
    """An Embed request: one text, or several inputs each a text or token ids."""
    items = [
        pb.EmbedInput(text=item)
        if isinstance(item, str)
        else pb.EmbedInput(tokens=pb.TokenIds(ids=list(item)))
        for item in ([inputs] if isinstance(inputs, str) else inputs)
    ]
    return pb.EmbedRequest(model=model, inputs=items, normalize=normalize)
