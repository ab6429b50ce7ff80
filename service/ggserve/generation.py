"""The per-request chat pipeline: render → tokenize → engine.generate → parser → chat events.

Every decoded piece goes through one `ggserve_parser.ToolCallStream.push`, and each parser event
becomes one delta; a call's end carries its status (complete / invalid / truncated), so that a
streaming client can tell a discarded call from a real one. Calls without a native id get one
here. The deltas are folded into the final message, so folding the stream equals the result.

Tool choice: `none` keeps the tools out of the prompt (the parser still runs, so markup the model
writes anyway becomes a call or content, as the parser decides); `required` or a named function
adds a grammar that forces the format's call syntax (`tool_grammar.py`) and turns thinking off,
since the grammar starts at the call.
"""

from __future__ import annotations

import contextlib
import secrets
import string
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import ggserve_parser as gp
from ggserve.chat_events import (
    ChatDeltaEvent,
    ChatEvent,
    ChatResult,
    ContentDelta,
    MessageBuilder,
    ReasoningDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStatus,
)
from ggserve.domain import ChatRequest, FinishReason, ToolChoiceMode
from ggserve.engine.base import EngineError, GenerationDone, GenerationRequest, GrammarError
from ggserve.engine.grammar import json_schema_to_gbnf
from ggserve.errors import InternalError, InvalidArgumentError, context_overflow, from_engine_error
from ggserve.registry import ServedModel
from ggserve.request_context import new_request_id
from ggserve.templates import TemplateError
from ggserve.tool_grammar import forced_call_grammar

_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class PreparedChat:
    """A chat request made ready for the engine."""

    request_id: str
    prompt: str
    prompt_tokens: tuple[int, ...]
    max_tokens: int
    grammar: str | None
    tool_format: str
    tools_in_template: bool
    thinking_forced_open: bool
    reasoning: bool
    tools: tuple[dict[str, Any], ...]


def new_call_id(tool_format: str) -> str:
    """An id for a call the model did not name; Mistral templates demand 9 alphanumerics."""
    if tool_format == "mistral":
        return "".join(secrets.choice(_ALNUM) for _ in range(9))
    return f"call_{secrets.token_hex(12)}"


def _grammar(model: ServedModel, request: ChatRequest, tool_format: str) -> str | None:
    choice = request.tool_choice
    if choice.mode is ToolChoiceMode.FUNCTION:
        tools = [t for t in request.tools if t.name == choice.function_name]
        return forced_call_grammar(tool_format, tools, parallel=False)
    if choice.mode is ToolChoiceMode.REQUIRED:
        return forced_call_grammar(tool_format, request.tools, parallel=request.parallel_tool_calls)
    if request.response_format.json_schema is not None:
        try:
            return json_schema_to_gbnf(request.response_format.json_schema)
        except GrammarError as exc:
            raise InvalidArgumentError.field("response_format.json_schema", str(exc)) from exc
    return request.response_format.grammar


def prepare_chat(
    model: ServedModel, request: ChatRequest, *, check_budget: bool = True
) -> PreparedChat:
    """Render and tokenize the prompt, pick the grammar and the token budget.

    With `check_budget` (generation), a prompt that leaves no room in the context raises
    INVALID_ARGUMENT; RenderChat skips the check so that such a prompt can still be inspected.
    """
    forced = request.tool_choice.mode in (ToolChoiceMode.REQUIRED, ToolChoiceMode.FUNCTION)
    thinking = False if forced else request.thinking
    tools = tuple(tool.to_openai() for tool in request.tools)
    offered = tools if request.tool_choice.mode is not ToolChoiceMode.NONE else ()
    try:
        rendered = model.renderer.render(
            request.messages, list(offered) or None, add_generation_prompt=True, thinking=thinking
        )
    except TemplateError as exc:
        raise InvalidArgumentError(
            f"messages: the model's chat template rejected the conversation: {exc}",
            reason="TEMPLATE_ERROR",
        ) from exc
    info = model.engine.info
    add_bos = not (info.bos_token and rendered.text.startswith(info.bos_token))
    tokens = tuple(model.engine.tokenize(rendered.text, add_bos=add_bos, special=True))
    room = info.context_length - len(tokens)
    if check_budget and room < (request.max_tokens or 1):
        raise context_overflow(len(tokens), request.max_tokens, info.context_length)
    return PreparedChat(
        request_id=request.request_id or new_request_id(),
        prompt=rendered.text,
        prompt_tokens=tokens,
        max_tokens=request.max_tokens or max(room, 0),
        grammar=_grammar(model, request, rendered.tool_format),
        tool_format=rendered.tool_format,
        tools_in_template=rendered.tools_in_template,
        thinking_forced_open=rendered.thinking_forced_open,
        reasoning=thinking is not False and rendered.may_reason,
        tools=tools,
    )


class _EventMapper:
    """Parser events → chat deltas, assigning ids to calls that have none."""

    def __init__(self, tool_format: str) -> None:
        self._tool_format = tool_format

    def map(self, events: list[gp.Event]) -> list[ChatDeltaEvent]:
        deltas: list[ChatDeltaEvent] = []
        for event in events:
            kind = event.kind
            if kind == "content":
                deltas.append(ContentDelta(event.text))
            elif kind == "reasoning":
                deltas.append(ReasoningDelta(event.text))
            elif kind == "tool_call_start":
                call_id = event.id or new_call_id(self._tool_format)
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


async def stream_chat(model: ServedModel, request: ChatRequest) -> AsyncGenerator[ChatEvent]:
    """Generate one assistant turn: deltas, then exactly one `ChatResult`.

    Closing this iterator early (client cancel, deadline) closes the engine's stream, which
    stops the sequence at the next engine step.
    """
    prepared = prepare_chat(model, request)
    parser = gp.ToolCallStream(
        prepared.tool_format,
        tools=list(prepared.tools) or None,
        reasoning=prepared.reasoning,
        thinking_forced_open=prepared.thinking_forced_open,
    )
    mapper = _EventMapper(prepared.tool_format)
    builder = MessageBuilder()
    engine_request = GenerationRequest(
        request_id=prepared.request_id,
        prompt_tokens=prepared.prompt_tokens,
        max_tokens=prepared.max_tokens,
        stop=request.stop,
        sampling=request.sampling,
        grammar=prepared.grammar,
    )
    done: GenerationDone | None = None
    try:
        async with contextlib.aclosing(model.engine.generate(engine_request)) as events:
            async for event in events:
                if isinstance(event, GenerationDone):
                    done = event
                    break
                for delta in mapper.map(parser.push(event.text)):
                    builder.add(delta)
                    yield delta
    except EngineError as exc:
        raise from_engine_error(exc) from exc
    if done is None:
        raise InternalError("the engine ended the generation without a result", reason="NO_RESULT")
    for delta in mapper.map(parser.finish()):
        builder.add(delta)
        yield delta
    yield ChatResult(
        request_id=prepared.request_id,
        model=model.alias,
        finish_reason=_finish_reason(done.finish_reason, builder.has_tool_calls),
        message=builder.build(),
        usage=done.usage,
        timings=done.timings,
        matched_stop=done.matched_stop,
    )


async def complete_chat(model: ServedModel, request: ChatRequest) -> ChatResult:
    """Generate one assistant turn and return it whole."""
    async with contextlib.aclosing(stream_chat(model, request)) as events:
        async for event in events:
            if isinstance(event, ChatResult):
                return event
    raise InternalError("the generation ended without a result", reason="NO_RESULT")
