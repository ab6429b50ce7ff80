"""The per-request chat pipeline: render → tokenize → engine.generate → parser → chat events.

Every decoded piece goes through one `ggserve_parser.ToolCallStream.push`, and each parser event
becomes one delta; a call's end carries its status (complete / invalid / truncated), so that a
streaming client can tell a discarded call from a real one. Calls without a native id get one
here. The deltas are folded into the final message, so folding the stream equals the result.

Tool choice: `none` keeps the tools out of the prompt (the parser still runs, so markup the model
writes anyway becomes a call or content, as the parser decides); `required` or a named function
adds a grammar that forces the format's call syntax (`tool_grammar.py`) and turns thinking off,
since the grammar starts at the call. Otherwise thinking follows `thinking_switch` (the request's
`thinking`, or a boolean `enable_thinking`/`thinking` in `chat_template_kwargs`), and the parser
starts inside reasoning exactly when the rendered prompt ends inside a reasoning block.

Rendering the chat template, tokenizing and compiling a JSON Schema into a checked grammar are CPU
work that grows with the request, so they run on a small thread pool: one large prompt never
pauses the deltas, cancellations and health checks of the other streams on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import functools
from collections.abc import AsyncGenerator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import ggserve_parser as gp
from ggserve.chat_events import (
    CallIds,
    ChatDeltaEvent,
    ChatEvent,
    ChatResult,
    ChatStarted,
    ContentDelta,
    LogprobsDelta,
    MessageBuilder,
    PromptProgress,
    ReasoningDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStatus,
)
from ggserve.domain import ChatRequest, FinishReason, LogprobEntry, ToolChoiceMode
from ggserve.engine.base import (
    Engine,
    EngineError,
    GenerationDone,
    GenerationRequest,
    GrammarError,
)
from ggserve.engine.base import PromptProgress as EngineProgress
from ggserve.engine.grammar import json_schema_to_gbnf
from ggserve.engine.thinking import ThinkingBudget
from ggserve.errors import (
    InternalError,
    InvalidArgumentError,
    check_prompt_chars,
    context_overflow,
    from_engine_error,
)
from ggserve.metrics import GenerationObserver
from ggserve.reasoning_tokens import ReasoningTokens
from ggserve.registry import ServedModel
from ggserve.request_context import new_request_id
from ggserve.template_kwargs import thinking_switch
from ggserve.templates import TemplateError
from ggserve.thinking_budget import thinking_budget
from ggserve.tool_grammar import SpecialToken, forced_call_grammar

# Two workers: Jinja rendering holds the GIL, so more would only queue behind each other, and
# tokenization (which releases it) rarely takes long enough to need a third.
_PREPARE_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ggserve-prepare")


@dataclass(frozen=True, slots=True)
class PreparedChat:
    """A chat request made ready for the engine."""

    request_id: str
    prompt: str
    prompt_tokens: tuple[int, ...]
    max_tokens: int | None  # a ceiling (None: up to the end of the context)
    grammar: str | None
    tool_format: str
    tools_in_template: bool
    thinking_forced_open: bool
    reasoning: bool
    tools: tuple[dict[str, Any], ...]
    chat_template_source: str = "gguf"
    thinking_budget: ThinkingBudget | None = None  # reasoning tokens, then the close is forced


def special_token_of(engine: Engine) -> SpecialToken:
    """The model's control token spelled exactly `marker`, if its vocabulary has one: one token
    with control markers parsed, more than one as plain text."""

    def token(marker: str) -> int | None:
        ids = engine.tokenize(marker, special=True)
        if len(ids) == 1 and len(engine.tokenize(marker, special=False)) > 1:
            return ids[0]
        return None

    return token


def _grammar(model: ServedModel, request: ChatRequest, tool_format: str) -> str | None:
    choice = request.tool_choice
    special = special_token_of(model.engine)
    if choice.mode is ToolChoiceMode.FUNCTION:
        tools = [t for t in request.tools if t.name == choice.function_name]
        return forced_call_grammar(tool_format, tools, parallel=False, special_token=special)
    if choice.mode is ToolChoiceMode.REQUIRED:
        return forced_call_grammar(
            tool_format,
            request.tools,
            parallel=request.parallel_tool_calls,
            special_token=special,
        )
    if request.response_format.json_schema is not None:
        try:
            return json_schema_to_gbnf(request.response_format.json_schema)
        except GrammarError as exc:
            raise InvalidArgumentError.field("response_format.json_schema", str(exc)) from exc
    return request.response_format.grammar


def _check_logit_bias(request: ChatRequest, vocab_size: int) -> None:
    """Every biased token id must be in the model's vocabulary (unknown without one: replay)."""
    for token, _ in request.sampling.logit_bias:
        if vocab_size and token >= vocab_size:
            raise InvalidArgumentError.field(
                f"sampling.logit_bias[{token}]",
                f"token id {token} is not in the model's vocabulary (ids 0-{vocab_size - 1})",
            )


def prepare_chat(
    model: ServedModel, request: ChatRequest, *, check_budget: bool = True
) -> PreparedChat:
    """Render and tokenize the prompt, pick the grammar and the token budget.

    With `check_budget` (generation), a prompt that alone leaves no room in the context for a
    generated token raises INVALID_ARGUMENT; `max_tokens` is a ceiling, never refused for being
    larger than the room left (generation ends when the context is full). RenderChat skips the
    check so that such a prompt can still be inspected.
    """
    forced = request.tool_choice.mode in (ToolChoiceMode.REQUIRED, ToolChoiceMode.FUNCTION)
    switch = thinking_switch(request.thinking, request.chat_template_kwargs)
    thinking = False if forced else switch
    tools = tuple(tool.to_openai() for tool in request.tools)
    offered = tools if request.tool_choice.mode is not ToolChoiceMode.NONE else ()
    try:
        rendered = model.renderer.render(
            request.messages,
            list(offered) or None,
            add_generation_prompt=True,
            thinking=thinking,
            variables=request.chat_template_kwargs,
        )
    except TemplateError as exc:
        raise InvalidArgumentError(
            f"messages: the model's chat template rejected the conversation: {exc}",
            reason="TEMPLATE_ERROR",
        ) from exc
    info = model.engine.info
    _check_logit_bias(request, info.vocab_size)
    check_prompt_chars(len(rendered.text), info.context_length)
    add_bos = not (info.bos_token and rendered.text.startswith(info.bos_token))
    tokens = tuple(model.engine.tokenize(rendered.text, add_bos=add_bos, special=True))
    if check_budget and len(tokens) >= info.context_length:
        raise context_overflow(len(tokens), info.context_length)
    reasoning = thinking is not False and rendered.may_reason
    grammar = _grammar(model, request, rendered.tool_format)
    return PreparedChat(
        request_id=request.request_id or new_request_id(),
        prompt=rendered.text,
        prompt_tokens=tokens,
        max_tokens=request.max_tokens,
        grammar=grammar,
        tool_format=rendered.tool_format,
        tools_in_template=rendered.tools_in_template,
        thinking_forced_open=rendered.thinking_forced_open,
        reasoning=reasoning,
        tools=tools,
        chat_template_source=model.chat_template_source,
        thinking_budget=thinking_budget(
            model.engine,
            request.thinking_budget,
            tool_format=rendered.tool_format,
            reasoning=reasoning,
            starts_open=rendered.thinking_forced_open,
            grammar=grammar,
        ),
    )


def _prepare_checked(model: ServedModel, request: ChatRequest, check_budget: bool) -> PreparedChat:
    prepared = prepare_chat(model, request, check_budget=check_budget)
    if check_budget and prepared.grammar:
        try:
            model.engine.validate_grammar(prepared.grammar)  # remembered: generate's check is free
        except GrammarError as exc:
            raise from_engine_error(exc) from exc
    return prepared


async def prepare_chat_off_loop(
    model: ServedModel, request: ChatRequest, *, check_budget: bool = True
) -> PreparedChat:
    """`prepare_chat` (and, for generation, the grammar check) on the preparation pool."""
    call = functools.partial(_prepare_checked, model, request, check_budget)
    context = contextvars.copy_context()  # keeps the request id on log lines
    return await asyncio.get_running_loop().run_in_executor(_PREPARE_POOL, context.run, call)


class _EventMapper:
    """Parser events → chat deltas, assigning ids to calls that have none."""

    def __init__(self, tool_format: str, ids: CallIds) -> None:
        self._tool_format = tool_format
        self._ids = ids

    def map(self, events: Sequence[gp.Event]) -> list[ChatDeltaEvent]:
        deltas: list[ChatDeltaEvent] = []
        for event in events:
            kind = event.kind
            if kind == "content":
                deltas.append(ContentDelta(event.text))
            elif kind == "reasoning":
                deltas.append(ReasoningDelta(event.text))
            elif kind == "tool_call_start":
                call_id = self._ids.assign(event.id or "")
                deltas.append(ToolCallDelta(event.index or 0, id=call_id, name=event.name))
            elif kind == "tool_call_args":
                deltas.append(ToolCallDelta(event.index or 0, arguments=event.text))
            elif kind == "tool_call_end":
                deltas.append(ToolCallEnd(event.index or 0, _status(event.status)))
        return deltas


def _status(status: str) -> ToolCallStatus:
    """The parser's end status; an unknown one is not trusted as complete."""
    try:
        return ToolCallStatus(status)
    except ValueError:
        return ToolCallStatus.INVALID


def _finish_reason(engine_reason: FinishReason, made_calls: bool) -> FinishReason:
    """TOOL_CALLS when a turn that ended normally made complete calls; LENGTH, CANCELLED stay."""
    if made_calls and engine_reason is FinishReason.STOP:
        return FinishReason.TOOL_CALLS
    return engine_reason


async def stream_chat(
    model: ServedModel, request: ChatRequest, *, progress: bool = True
) -> AsyncGenerator[ChatEvent]:
    """Generate one assistant turn: `ChatStarted` once admitted, `PromptProgress` while the
    prompt is evaluated (when `progress`), deltas, then exactly one `ChatResult`.

    Errors found before admission are raised before anything is yielded. Closing this iterator
    early (client cancel, deadline) closes the engine's stream, which stops the sequence at the
    next engine step; the prompt tokens it evaluated stay in the prefix cache.
    """
    prepared = await prepare_chat_off_loop(model, request)
    parser = gp.ToolCallStream(
        prepared.tool_format,
        tools=list(prepared.tools) or None,
        reasoning=prepared.reasoning,
        thinking_forced_open=prepared.thinking_forced_open,
    )
    history_ids = (call.id for message in request.messages for call in message.tool_calls)
    mapper = _EventMapper(prepared.tool_format, CallIds(prepared.tool_format, history_ids))
    observer = GenerationObserver(model.alias, prepared.tool_format)
    builder = MessageBuilder()
    reasoning_tokens = ReasoningTokens(
        starts_inside=prepared.reasoning and prepared.thinking_forced_open
    )
    engine_request = GenerationRequest(
        request_id=prepared.request_id,
        prompt_tokens=prepared.prompt_tokens,
        max_tokens=prepared.max_tokens,
        stop=request.stop,
        sampling=request.sampling,
        grammar=prepared.grammar,
        progress=progress,
        announced=progress,  # a stream's caller hears `ChatStarted`; a unary one nothing yet
        thinking=prepared.thinking_budget,
        top_logprobs=request.top_logprobs,
    )
    logprobs: list[LogprobEntry] = []
    done: GenerationDone | None = None
    try:
        async with contextlib.aclosing(model.engine.generate(engine_request)) as events:
            info = model.engine.info
            yield ChatStarted(
                prepared.request_id, model.alias, len(prepared.prompt_tokens), info.context_length
            )
            async for event in events:
                if isinstance(event, GenerationDone):
                    done = event
                    break
                if isinstance(event, EngineProgress):
                    yield PromptProgress(
                        event.total, event.cached, event.processed, event.elapsed_ms
                    )
                    continue
                observer.tokens(event.tokens)
                parsed = parser.push(event.text)
                reasoning_tokens.step(event.tokens, parsed)
                observer.parser_events(parsed)
                for delta in mapper.map(parsed):
                    builder.add(delta)
                    yield delta
                entries = tuple(r.logprobs for r in event.records if r.logprobs is not None)
                if entries:
                    logprobs += entries
                    yield LogprobsDelta(entries)
    except EngineError as exc:
        raise from_engine_error(exc) from exc
    if done is None:
        raise InternalError("the engine ended the generation without a result", reason="NO_RESULT")
    observer.finishing()
    parsed = parser.finish()
    reasoning_tokens.finish(parsed)
    observer.parser_events(parsed)
    observer.done(done.finish_reason, done.usage)
    for delta in mapper.map(parsed):
        builder.add(delta)
        yield delta
    yield ChatResult(
        request_id=prepared.request_id,
        model=model.alias,
        finish_reason=_finish_reason(done.finish_reason, builder.has_tool_calls),
        message=builder.build(),
        usage=dataclasses.replace(done.usage, reasoning_tokens=reasoning_tokens.count),
        timings=done.timings,
        matched_stop=done.matched_stop,
        length_limit=done.length_limit,
        logprobs=tuple(logprobs),
    )


async def complete_chat(model: ServedModel, request: ChatRequest) -> ChatResult:
    """Generate one assistant turn and return it whole."""
    async with contextlib.aclosing(stream_chat(model, request, progress=False)) as events:
        async for event in events:
            if isinstance(event, ChatResult):
                return event
    raise InternalError("the generation ended without a result", reason="NO_RESULT")
