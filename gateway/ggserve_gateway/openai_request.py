"""OpenAI chat completion request → the conversation and options of a ggserve chat call."""

from __future__ import annotations

from collections.abc import Callable

from ggserve_client.request import ChatOptions
from ggserve_client.types import Message, Role, Tool, ToolCall
from ggserve_gateway.errors import HttpError
from ggserve_gateway.openai_schema import ChatCompletionRequest, ChatMessage, ContentPart
from ggserve_gateway.reasoning_effort import effort_options
from ggserve_gateway.sampling import json_schema_option, sampling_options

_ROLES = {
    "system": Role.SYSTEM,
    "developer": Role.SYSTEM,
    "user": Role.USER,
    "assistant": Role.ASSISTANT,
    "tool": Role.TOOL,
}
_SEED_MODULUS = 2**32  # the core's seed is a uint32; OpenAI's is any integer


def _text(content: str | list[ContentPart] | None, where: str, model: str) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    texts: list[str] = []
    for i, part in enumerate(content):
        if part.type != "text" or part.text is None:
            reader = repr(model) if model else "the served model"
            raise HttpError.bad_request(
                f"{where}.content[{i}]: {part.type} parts cannot be read by {reader}: it reads "
                "text only (send the text instead)",
                param=f"{where}.content",
            )
        texts.append(part.text)
    return "\n".join(texts)


def _message(index: int, message: ChatMessage, model: str) -> Message:
    where = f"messages[{index}]"
    calls = tuple(
        ToolCall(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or ()
    )
    return Message(
        role=_ROLES[message.role],
        content=_text(message.content, where, model),
        reasoning_content=message.reasoning_content or "",
        tool_calls=calls,
        tool_call_id=message.tool_call_id or "",
        name=message.name or "",
    )


def _response_format(request: ChatCompletionRequest, options: ChatOptions) -> None:
    fmt = request.response_format
    if fmt is None or fmt.type == "text":
        return
    if fmt.type == "json_object":
        options["json_schema"] = json_schema_option({"type": "object"})
        return
    if fmt.json_schema is None or fmt.json_schema.json_schema is None:
        raise HttpError.bad_request(
            "response_format.json_schema.schema is required for type json_schema",
            param="response_format.json_schema",
        )
    options["json_schema"] = json_schema_option(fmt.json_schema.json_schema)


# Fields the core cannot honour: each is refused by name when set to anything but its no-op
# value (the README's field table lists them beside the honoured and no-effect ones).
_REFUSED: tuple[tuple[str, Callable[[ChatCompletionRequest], bool], str], ...] = (
    ("n", lambda r: r.n not in (None, 1), "only one choice per request is supported"),
    (
        "top_logprobs",
        lambda r: bool(r.top_logprobs) and not r.logprobs,
        "needs logprobs: true",
    ),
    ("functions", lambda r: r.functions is not None, "deprecated: send tools instead"),
    ("function_call", lambda r: r.function_call is not None, "deprecated: send tool_choice"),
    ("audio", lambda r: r.audio is not None, "audio output is not supported"),
    (
        "modalities",
        lambda r: any(m != "text" for m in r.modalities or ()),
        'only the "text" modality is supported',
    ),
)


def _unsupported(request: ChatCompletionRequest) -> None:
    for name, refused, why in _REFUSED:
        if refused(request):
            raise HttpError.bad_request(f"{name}: {why}", param=name)


def _logit_bias(request: ChatCompletionRequest) -> dict[int, float]:
    """OpenAI's map of token ids (as JSON keys, so text) to biases; the core checks the ids
    against the model's vocabulary."""
    biases: dict[int, float] = {}
    for key, bias in (request.logit_bias or {}).items():
        if not key.isascii() or not key.isdigit() or len(key) > 10:
            raise HttpError.bad_request(
                f"logit_bias: {key[:32]!r} is not a token id (a non-negative integer)",
                param="logit_bias",
            )
        biases[int(key)] = bias
    return biases


def _logprobs(request: ChatCompletionRequest, options: ChatOptions) -> None:
    if request.logprobs:
        options["logprobs"] = True
        options["top_logprobs"] = request.top_logprobs or 0
    if request.logit_bias:
        options["logit_bias"] = _logit_bias(request)


def chat_call(request: ChatCompletionRequest) -> tuple[list[Message], ChatOptions]:
    """The messages and options of the core call; `HttpError` (400) for what cannot be sent."""
    _unsupported(request)
    messages = [_message(i, m, request.model) for i, m in enumerate(request.messages)]
    options: ChatOptions = {"model": request.model}
    if request.tools:
        options["tools"] = [
            Tool(t.function.name, t.function.description or "", t.function.parameters or {})
            for t in request.tools
        ]
    choice = request.tool_choice
    if choice is not None:
        options["tool_choice"] = choice if isinstance(choice, str) else choice.function.name
    if request.parallel_tool_calls is not None:
        options["parallel_tool_calls"] = request.parallel_tool_calls
    max_tokens = request.max_completion_tokens or request.max_tokens
    if max_tokens is not None:
        options["max_tokens"] = max_tokens
    if request.stop:
        options["stop"] = [request.stop] if isinstance(request.stop, str) else request.stop
    if request.seed is not None:
        options["seed"] = request.seed % _SEED_MODULUS
    options.update(sampling_options(request))
    if request.chat_template_kwargs:
        # As given: the core decides what `enable_thinking` means (one rule for every API).
        options["chat_template_kwargs"] = request.chat_template_kwargs
    options.update(effort_options(request.reasoning_effort))
    _response_format(request, options)
    _logprobs(request, options)
    return messages, options
