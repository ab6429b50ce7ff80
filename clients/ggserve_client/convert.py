"""Generated protobuf messages → the typed results of `ggserve_client.types`."""

from __future__ import annotations

from collections.abc import Iterable

from ggserve_client.types import (
    ChatDone,
    ChatResult,
    ChatStarted,
    ContentDelta,
    Embeddings,
    FinishReason,
    LengthLimit,
    LogprobsDelta,
    Message,
    Model,
    PromptProgress,
    ReasoningDelta,
    RenderedChat,
    Role,
    StreamEvent,
    Timings,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStatus,
    TopLogprob,
    Usage,
)
from ggserve_client.v1 import api_pb2 as pb

_ROLES = {
    pb.ROLE_SYSTEM: Role.SYSTEM,
    pb.ROLE_USER: Role.USER,
    pb.ROLE_ASSISTANT: Role.ASSISTANT,
    pb.ROLE_TOOL: Role.TOOL,
}
_FINISH = {
    pb.FINISH_REASON_STOP: FinishReason.STOP,
    pb.FINISH_REASON_LENGTH: FinishReason.LENGTH,
    pb.FINISH_REASON_TOOL_CALLS: FinishReason.TOOL_CALLS,
    pb.FINISH_REASON_CANCELLED: FinishReason.CANCELLED,
}
_LENGTH_LIMIT = {
    pb.LENGTH_LIMIT_MAX_TOKENS: LengthLimit.MAX_TOKENS,
    pb.LENGTH_LIMIT_CONTEXT: LengthLimit.CONTEXT,
}
_CALL_STATUS = {
    pb.TOOL_CALL_STATUS_COMPLETE: ToolCallStatus.COMPLETE,
    pb.TOOL_CALL_STATUS_INVALID: ToolCallStatus.INVALID,
    pb.TOOL_CALL_STATUS_TRUNCATED: ToolCallStatus.TRUNCATED,
}
_BACKENDS = {pb.Model.BACKEND_CPU: "cpu", pb.Model.BACKEND_CUDA: "cuda"}


def message(m: pb.Message) -> Message:
    """A typed message (an unknown role reads as assistant: servers only send assistant turns)."""
    return Message(
        role=_ROLES.get(m.role, Role.ASSISTANT),
        content=m.content,
        reasoning_content=m.reasoning_content,
        tool_calls=tuple(ToolCall(c.id, c.name, c.arguments) for c in m.tool_calls),
        tool_call_id=m.tool_call_id,
        name=m.name,
    )


def logprobs(entries: Iterable[pb.TokenLogprob]) -> tuple[TokenLogprob, ...]:
    """Typed log-probability entries."""
    return tuple(
        TokenLogprob(
            e.token_id,
            e.token,
            e.bytes,
            e.logprob,
            tuple(TopLogprob(t.token_id, t.token, t.bytes, t.logprob) for t in e.top_logprobs),
        )
        for e in entries
    )


def chat_result(r: pb.ChatResponse) -> ChatResult:
    """A typed chat result."""
    u, t = r.usage, r.timings
    return ChatResult(
        id=r.id,
        model=r.model,
        finish_reason=_FINISH.get(r.finish_reason, FinishReason.UNSPECIFIED),
        message=message(r.message),
        usage=Usage(
            u.prompt_tokens,
            u.completion_tokens,
            u.cached_tokens,
            u.total_tokens,
            u.reasoning_tokens,
        ),
        timings=Timings(
            t.queue_ms, t.prompt_eval_ms, t.time_to_first_token_ms, t.decode_ms, t.tokens_per_second
        ),
        matched_stop=r.matched_stop,
        length_limit=_LENGTH_LIMIT.get(r.length_limit),
        logprobs=logprobs(r.logprobs),
    )


def stream_events(r: pb.ChatStreamResponse) -> list[StreamEvent]:
    """The typed events of one stream message, in field order (usually exactly one); none for
    a message kind this client does not know (from a newer server)."""
    kind = r.WhichOneof("event")
    if kind == "done":
        return [ChatDone(chat_result(r.done))]
    if kind == "prompt_progress":
        p = r.prompt_progress
        return [PromptProgress(p.total_tokens, p.cached_tokens, p.processed_tokens, p.elapsed_ms)]
    if kind == "started":
        s = r.started
        return [ChatStarted(s.id, s.model, s.prompt_tokens, s.context_length)]
    if kind != "delta":
        return []
    delta = r.delta
    events: list[StreamEvent] = []
    if delta.reasoning_content:
        events.append(ReasoningDelta(delta.reasoning_content))
    if delta.content:
        events.append(ContentDelta(delta.content))
    if delta.tool_calls:  # most messages carry only text: no generator for them
        events.extend(
            ToolCallDelta(index=c.index, id=c.id, name=c.name, arguments=c.arguments)
            for c in delta.tool_calls
        )
    if delta.HasField("tool_call_end"):
        end = delta.tool_call_end
        status = _CALL_STATUS.get(end.status, ToolCallStatus.UNSPECIFIED)
        events.append(ToolCallEnd(end.index, status))
    if delta.logprobs:
        events.append(LogprobsDelta(logprobs(delta.logprobs)))
    return events


def model(m: pb.Model) -> Model:
    """A typed model description."""
    return Model(
        alias=m.alias,
        architecture=m.architecture,
        context_length=m.context_length,
        train_context_length=m.train_context_length,
        has_chat_template=m.has_chat_template,
        tool_call_format=m.tool_call_format,
        tools_in_template=m.tools_in_template,
        backend=_BACKENDS.get(m.backend, "unknown"),
        gpu_layers=m.gpu_layers,
        file_name=m.file_name,
        is_default=m.is_default,
        kv_cache_type_k=m.kv_cache.type_k,
        kv_cache_type_v=m.kv_cache.type_v,
        kv_cache_bytes=m.kv_cache.k_bytes + m.kv_cache.v_bytes,
        state=_STATES.get(m.status.state, "unknown"),
        state_reason=m.status.reason,
        memory_bytes=m.status.memory_bytes,
        load_seconds=m.status.load_seconds,
        embedding_dimensions=m.embedding_dimensions,
    )


_STATES = {
    pb.MODEL_STATE_UNLOADED: "unloaded",
    pb.MODEL_STATE_LOADING: "loading",
    pb.MODEL_STATE_LOADED: "loaded",
    pb.MODEL_STATE_UNLOADING: "unloading",
    pb.MODEL_STATE_FAILED: "failed",
}


def embeddings(r: pb.EmbedResponse) -> Embeddings:
    """Typed vectors."""
    return Embeddings(
        model=r.model,
        vectors=[list(e.values) for e in r.embeddings],
        tokens=[e.tokens for e in r.embeddings],
    )


def rendered_chat(r: pb.RenderChatResponse) -> RenderedChat:
    """A typed rendered prompt."""
    return RenderedChat(
        prompt=r.prompt,
        prompt_tokens=r.prompt_tokens,
        thinking_forced_open=r.thinking_forced_open,
        tool_call_format=r.tool_call_format,
        tools_in_template=r.tools_in_template,
        grammar=r.grammar,
    )
