"""Protobuf ⇄ domain conversion: the only module besides the servicers that touches `*_pb2`.

Incoming messages become validated domain requests (structural problems raise `InvalidArgumentError`
naming the field); domain results become response messages; service errors become a rich
`google.rpc.Status` (BadRequest, ErrorInfo, RetryInfo details) for `context.abort_with_status`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from ggserve import domain
from ggserve.chat_events import (
    ChatEvent,
    ChatResult,
    ChatStarted,
    ContentDelta,
    LogprobsDelta,
    PromptProgress,
    ReasoningDelta,
    ToolCallEnd,
    ToolCallStatus,
)
from ggserve.engine.kv_cache import KvCacheInfo
from ggserve.errors import ERROR_DOMAIN, InvalidArgumentError, ServiceError
from ggserve.generation import PreparedChat
from ggserve.json_text import JsonTextError, parse_json
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.registry import ModelEntry, ModelRegistry, ModelState
from ggserve.request_context import REQUEST_ID_HEADER
from ggserve.template_kwargs import field_path
from ggserve.validate import MAX_LOGIT_BIAS, validate_chat
from ggserve_client.v1 import api_pb2 as pb

# The trailer that carries a serialized google.rpc.Status (read by grpc_status.rpc_status).
STATUS_DETAILS_HEADER = "grpc-status-details-bin"
# Error text echoes request values; gRPC drops trailers over 16 KiB, so each part is capped.
MAX_ERROR_CHARS = 1024
MAX_VIOLATIONS = 16


def _capped(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


_ROLES = {
    pb.ROLE_SYSTEM: domain.Role.SYSTEM,
    pb.ROLE_USER: domain.Role.USER,
    pb.ROLE_ASSISTANT: domain.Role.ASSISTANT,
    pb.ROLE_TOOL: domain.Role.TOOL,
}
_ROLES_BACK = {role: number for number, role in _ROLES.items()}
_MODES = {
    pb.ToolChoice.MODE_UNSPECIFIED: domain.ToolChoiceMode.AUTO,
    pb.ToolChoice.MODE_AUTO: domain.ToolChoiceMode.AUTO,
    pb.ToolChoice.MODE_NONE: domain.ToolChoiceMode.NONE,
    pb.ToolChoice.MODE_REQUIRED: domain.ToolChoiceMode.REQUIRED,
}
_FINISH = {
    domain.FinishReason.STOP: pb.FINISH_REASON_STOP,
    domain.FinishReason.LENGTH: pb.FINISH_REASON_LENGTH,
    domain.FinishReason.TOOL_CALLS: pb.FINISH_REASON_TOOL_CALLS,
    domain.FinishReason.CANCELLED: pb.FINISH_REASON_CANCELLED,
}
_LENGTH_LIMIT = {
    None: pb.LENGTH_LIMIT_UNSPECIFIED,
    domain.LengthLimit.MAX_TOKENS: pb.LENGTH_LIMIT_MAX_TOKENS,
    domain.LengthLimit.CONTEXT: pb.LENGTH_LIMIT_CONTEXT,
}
_CALL_STATUS = {
    ToolCallStatus.COMPLETE: pb.TOOL_CALL_STATUS_COMPLETE,
    ToolCallStatus.INVALID: pb.TOOL_CALL_STATUS_INVALID,
    ToolCallStatus.TRUNCATED: pb.TOOL_CALL_STATUS_TRUNCATED,
}


# --- requests -------------------------------------------------------------------------------


def _message(index: int, message: pb.Message) -> domain.Message:
    role = _ROLES.get(message.role)
    if role is None:
        raise InvalidArgumentError.field(
            f"messages[{index}].role",
            "must be ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT or ROLE_TOOL",
        )
    return domain.Message(
        role=role,
        content=message.content,
        reasoning_content=message.reasoning_content,
        tool_calls=tuple(
            domain.ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in message.tool_calls
        ),
        tool_call_id=message.tool_call_id,
        name=message.name,
    )


def _tool(index: int, tool: pb.Tool, limits: Limits) -> domain.Tool:
    parameters: Any = {}
    if tool.parameters.strip():
        try:
            parameters = parse_json(tool.parameters, limits)
        except JsonTextError as exc:
            raise InvalidArgumentError.field(f"tools[{index}].parameters", str(exc)) from exc
    if not isinstance(parameters, dict):
        raise InvalidArgumentError.field(
            f"tools[{index}].parameters", 'must be a JSON Schema object, e.g. {"type": "object"}'
        )
    return domain.Tool(name=tool.name, description=tool.description, parameters=parameters)


def _tool_choice(choice: pb.ToolChoice) -> domain.ToolChoice:
    which = choice.WhichOneof("choice")
    if which == "function_name":
        return domain.ToolChoice(domain.ToolChoiceMode.FUNCTION, choice.function_name)
    if which is None:
        return domain.ToolChoice()
    mode = _MODES.get(choice.mode)
    if mode is None:
        raise InvalidArgumentError.field("tool_choice.mode", f"unknown mode {choice.mode}")
    return domain.ToolChoice(mode)


def _sampling(s: pb.SamplingParams) -> domain.Sampling:
    return domain.Sampling(
        temperature=s.temperature if s.HasField("temperature") else None,
        top_p=s.top_p if s.HasField("top_p") else None,
        top_k=s.top_k if s.HasField("top_k") else None,
        min_p=s.min_p if s.HasField("min_p") else None,
        repeat_penalty=s.repeat_penalty if s.HasField("repeat_penalty") else None,
        presence_penalty=s.presence_penalty if s.HasField("presence_penalty") else None,
        frequency_penalty=s.frequency_penalty if s.HasField("frequency_penalty") else None,
        seed=s.seed if s.HasField("seed") else None,
        logit_bias=_logit_bias(s.logit_bias),
    )


def _logit_bias(biases: Mapping[int, float]) -> tuple[tuple[int, float], ...]:
    if len(biases) > MAX_LOGIT_BIAS:  # before copying a map of any size
        raise InvalidArgumentError.field(
            "sampling.logit_bias",
            f"{len(biases)} entries is over the limit of {MAX_LOGIT_BIAS}",
        )
    return tuple(sorted(biases.items()))


def _top_logprobs(request: pb.ChatRequest) -> int | None:
    if not request.logprobs:
        if request.HasField("top_logprobs"):
            raise InvalidArgumentError.field(
                "top_logprobs", "needs logprobs: set logprobs to true, or leave top_logprobs unset"
            )
        return None
    return request.top_logprobs


def _response_format(fmt: pb.ResponseFormat) -> domain.ResponseFormat:
    which = fmt.WhichOneof("format")
    if which == "json_schema":
        return domain.ResponseFormat(json_schema=fmt.json_schema)
    if which == "grammar":
        return domain.ResponseFormat(grammar=fmt.grammar)
    return domain.ResponseFormat()


def _template_kwargs(kwargs: Mapping[str, str], limits: Limits) -> dict[str, Any]:
    if len(kwargs) > limits.max_template_kwargs:  # before parsing each value
        raise InvalidArgumentError.field(
            "chat_template_kwargs",
            f"{len(kwargs)} variables is over the limit of {limits.max_template_kwargs}",
        )
    parsed: dict[str, Any] = {}
    for key, text in kwargs.items():
        try:
            parsed[key] = parse_json(text, limits)
        except JsonTextError as exc:
            raise InvalidArgumentError.field(
                field_path(key), f"the value of {key[:64]!r} must be JSON text: {exc}"
            ) from exc
    return parsed


def chat_request(
    request: pb.ChatRequest, *, default_request_id: str, limits: Limits = DEFAULT_LIMITS
) -> domain.ChatRequest:
    """A validated domain request; `InvalidArgumentError` names the first bad field."""
    # Counts first: converting (and parsing each schema) costs time per item.
    if len(request.messages) > limits.max_messages:
        raise InvalidArgumentError.field(
            "messages",
            f"{len(request.messages)} messages is over the limit of {limits.max_messages}",
        )
    if len(request.tools) > limits.max_tools:
        raise InvalidArgumentError.field(
            "tools", f"{len(request.tools)} tools is over the limit of {limits.max_tools}"
        )
    chat = domain.ChatRequest(
        messages=tuple(_message(i, m) for i, m in enumerate(request.messages)),
        model=request.model,
        tools=tuple(_tool(i, t, limits) for i, t in enumerate(request.tools)),
        tool_choice=_tool_choice(request.tool_choice),
        parallel_tool_calls=(
            request.parallel_tool_calls if request.HasField("parallel_tool_calls") else True
        ),
        max_tokens=request.max_tokens if request.HasField("max_tokens") else None,
        stop=tuple(request.stop),
        sampling=_sampling(request.sampling),
        response_format=_response_format(request.response_format),
        thinking=request.thinking if request.HasField("thinking") else None,
        thinking_budget=(
            request.thinking_budget_tokens if request.HasField("thinking_budget_tokens") else None
        ),
        request_id=request.request_id or default_request_id,
        chat_template_kwargs=_template_kwargs(request.chat_template_kwargs, limits),
        top_logprobs=_top_logprobs(request),
    )
    validate_chat(chat, limits)
    return chat


def wrapped_chat_request(
    request: pb.ChatStreamRequest | pb.RenderChatRequest,
    *,
    default_request_id: str,
    limits: Limits = DEFAULT_LIMITS,
) -> domain.ChatRequest:
    """The chat request inside a ChatStream or RenderChat request."""
    if not request.HasField("request"):
        raise InvalidArgumentError.field("request", "the chat request is required")
    return chat_request(request.request, default_request_id=default_request_id, limits=limits)


# --- responses ------------------------------------------------------------------------------


def _message_out(message: domain.Message) -> pb.Message:
    return pb.Message(
        role=_ROLES_BACK[message.role],
        content=message.content,
        reasoning_content=message.reasoning_content,
        tool_calls=[
            pb.ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in message.tool_calls
        ],
        tool_call_id=message.tool_call_id,
        name=message.name,
    )


def chat_response(result: ChatResult) -> pb.ChatResponse:
    """The final response of a chat (unary result and the stream's `done`)."""
    usage = result.usage
    timings = result.timings
    return pb.ChatResponse(
        id=result.request_id,
        model=result.model,
        finish_reason=_FINISH[result.finish_reason],
        message=_message_out(result.message),
        usage=pb.Usage(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cached_tokens=usage.cached_tokens,
            total_tokens=usage.prompt_tokens + usage.completion_tokens,
            reasoning_tokens=usage.reasoning_tokens,
        ),
        timings=pb.Timings(
            queue_ms=timings.queue_ms,
            prompt_eval_ms=timings.prompt_eval_ms,
            time_to_first_token_ms=timings.ttft_ms,
            decode_ms=timings.decode_ms,
            tokens_per_second=timings.tokens_per_second,
        ),
        matched_stop=result.matched_stop or "",
        length_limit=_LENGTH_LIMIT[result.length_limit],
        logprobs=_logprobs_out(result.logprobs),
    )


def _logprobs_out(entries: Sequence[domain.LogprobEntry]) -> list[pb.TokenLogprob]:
    return [
        pb.TokenLogprob(
            token_id=e.chosen.token_id,
            token=e.chosen.text,
            bytes=e.chosen.piece,
            logprob=e.chosen.logprob,
            top_logprobs=[
                pb.TopLogprob(token_id=t.token_id, token=t.text, bytes=t.piece, logprob=t.logprob)
                for t in e.top
            ],
        )
        for e in entries
    ]


def stream_response(event: ChatEvent) -> pb.ChatStreamResponse:
    """One stream message: admission, prompt progress, a delta, or the final response."""
    if isinstance(event, ChatResult):
        return pb.ChatStreamResponse(done=chat_response(event))
    if isinstance(event, ChatStarted):
        started = pb.ChatStarted(
            id=event.request_id,
            model=event.model,
            prompt_tokens=event.prompt_tokens,
            context_length=event.context_length,
        )
        return pb.ChatStreamResponse(started=started)
    if isinstance(event, PromptProgress):
        progress = pb.PromptProgress(
            total_tokens=event.total,
            cached_tokens=event.cached,
            processed_tokens=event.processed,
            elapsed_ms=event.elapsed_ms,
        )
        return pb.ChatStreamResponse(prompt_progress=progress)
    if isinstance(event, ContentDelta):
        return pb.ChatStreamResponse(delta=pb.ChatDelta(content=event.text))
    if isinstance(event, ReasoningDelta):
        return pb.ChatStreamResponse(delta=pb.ChatDelta(reasoning_content=event.text))
    if isinstance(event, LogprobsDelta):
        return pb.ChatStreamResponse(delta=pb.ChatDelta(logprobs=_logprobs_out(event.entries)))
    if isinstance(event, ToolCallEnd):
        end = pb.ToolCallEnd(index=event.index, status=_CALL_STATUS[event.status])
        return pb.ChatStreamResponse(delta=pb.ChatDelta(tool_call_end=end))
    call = pb.ToolCallDelta(
        index=event.index, id=event.id, name=event.name, arguments=event.arguments
    )
    return pb.ChatStreamResponse(delta=pb.ChatDelta(tool_calls=[call]))


def _kv_cache(kv: KvCacheInfo) -> pb.KvCache | None:
    """The cache of a llama.cpp model; None (unset) for an engine without one (replay)."""
    if not kv.cells:
        return None
    return pb.KvCache(
        type_k=kv.options.type_k,
        type_v=kv.options.type_v,
        cells=kv.cells,
        k_bytes=kv.k_bytes,
        v_bytes=kv.v_bytes,
        flash_attention=kv.options.flash_attention,
    )


_STATES = {
    ModelState.UNLOADED: pb.MODEL_STATE_UNLOADED,
    ModelState.LOADING: pb.MODEL_STATE_LOADING,
    ModelState.LOADED: pb.MODEL_STATE_LOADED,
    ModelState.UNLOADING: pb.MODEL_STATE_UNLOADING,
    ModelState.FAILED: pb.MODEL_STATE_FAILED,
}


def model_status(entry: ModelEntry) -> pb.ModelStatus:
    """A model's lifecycle state and load."""
    queued = entry.served.engine.stats().waiting if entry.served is not None else 0
    return pb.ModelStatus(
        state=_STATES[entry.state],
        reason=entry.reason,
        memory_bytes=entry.memory_bytes,
        load_seconds=entry.load_seconds,
        running=max(entry.leases - queued, 0),  # leased requests not queued for a slot
        waiting=queued + entry.waiting,
    )


def model(entry: ModelEntry, models: ModelRegistry) -> pb.Model:
    """What ModelService reports about a model; the GGUF's details only while it is loaded."""
    message = pb.Model(
        alias=entry.alias,
        file_name=entry.file_name,
        is_default=entry.alias == models.default_alias,
        status=model_status(entry),
    )
    served = entry.served
    if served is None:
        return message
    info = served.engine.info
    message.MergeFrom(
        pb.Model(
            architecture=info.architecture,
            context_length=info.context_length,
            train_context_length=info.train_context_length,
            has_chat_template=served.has_chat_template,
            tool_call_format=served.tool_format,
            tools_in_template=served.tools_in_template,
            backend=pb.Model.BACKEND_CUDA if info.backend == "cuda" else pb.Model.BACKEND_CPU,
            gpu_layers=max(info.gpu_layers, 0),
            slots=info.slots,
            chat_template_source=served.chat_template_source,
            kv_cache=_kv_cache(info.kv_cache),
        )
    )
    if served.embedder is not None:
        message.embedding_dimensions = served.embedder.dimensions
        message.pooling = served.embedder.pooling
    return message


def list_models_response(models: ModelRegistry) -> pb.ListModelsResponse:
    """Every known model, the default first."""
    return pb.ListModelsResponse(models=[model(entry, models) for entry in models.entries()])


def get_model_response(entry: ModelEntry, models: ModelRegistry) -> pb.GetModelResponse:
    """One model."""
    return pb.GetModelResponse(model=model(entry, models))


def tokenize_response(tokens: Sequence[int]) -> pb.TokenizeResponse:
    """Token ids of a text."""
    return pb.TokenizeResponse(token_ids=tokens)


def render_chat_response(prepared: PreparedChat) -> pb.RenderChatResponse:
    """The prompt a chat request produces."""
    return pb.RenderChatResponse(
        prompt=prepared.prompt,
        prompt_tokens=len(prepared.prompt_tokens),
        thinking_forced_open=prepared.thinking_forced_open,
        tool_call_format=prepared.tool_format,
        tools_in_template=prepared.tools_in_template,
        grammar=prepared.grammar or "",
        chat_template_source=prepared.chat_template_source,
    )


# --- errors ---------------------------------------------------------------------------------


def _packed(detail: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(detail)
    return packed


@dataclass(frozen=True, slots=True)
class WireError:
    """What `context.abort` needs: code, message and trailing metadata."""

    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def error_status(error: ServiceError, request_id: str) -> WireError:
    """`error` as a status with `google.rpc` details and the request id in the trailers."""
    details = []
    if error.violations:
        violations = [
            error_details_pb2.BadRequest.FieldViolation(
                field=_capped(v.field), description=_capped(v.description)
            )
            for v in error.violations[:MAX_VIOLATIONS]
        ]
        details.append(_packed(error_details_pb2.BadRequest(field_violations=violations)))
    if error.reason:
        metadata = {k: _capped(v) for k, v in {**error.metadata, "request_id": request_id}.items()}
        info = error_details_pb2.ErrorInfo(
            reason=error.reason, domain=ERROR_DOMAIN, metadata=metadata
        )
        details.append(_packed(info))
    if error.retry_after_s is not None:
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(error.retry_after_s * 1000))
        details.append(_packed(error_details_pb2.RetryInfo(retry_delay=delay)))
    code = error.code
    message = _capped(error.message)
    rich = status_pb2.Status(code=code.value[0], message=message, details=details)
    trailing = ((STATUS_DETAILS_HEADER, rich.SerializeToString()), (REQUEST_ID_HEADER, request_id))
    return WireError(code, message, trailing)
