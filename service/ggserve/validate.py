"""Checks on a chat request after conversion, before any work: each failure names its field.

Structural problems (an unset role, schema text that is not JSON) are caught while converting
from protobuf (`convert.py`); this module checks what the domain types can express but the
service must refuse. Everything raises `InvalidArgumentError` with a field path and a fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from ggserve.domain import ChatRequest, Message, Role, Sampling, ToolChoiceMode
from ggserve.engine.gbnf import GbnfError, check_gbnf
from ggserve.errors import FieldViolation, InvalidArgumentError
from ggserve.json_text import JsonTextError, parse_json
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.schema_bounds import SchemaBoundsError, check_schema_bounds
from ggserve.template_kwargs import check_template_kwargs

TOOL_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
REQUEST_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
# Tool-call ids: what OpenAI (call_…), Anthropic (toolu_…), Kimi-K2 (functions.name:0) and
# Mistral (9 alphanumerics) write; nothing that could break a chat template's markup.
TOOL_CALL_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
MAX_STOP_STRINGS = DEFAULT_LIMITS.max_stop_strings
# llama.cpp reads this seed (LLAMA_DEFAULT_SEED) as "draw a random one".
RESERVED_SEED = 0xFFFFFFFF

# (field, lowest allowed, highest allowed, lowest inclusive)
_RANGES: tuple[tuple[str, float, float, bool], ...] = (
    ("temperature", 0.0, 10.0, True),
    ("top_p", 0.0, 1.0, False),
    ("min_p", 0.0, 1.0, True),
    ("repeat_penalty", 0.0, 10.0, False),
    ("presence_penalty", -2.0, 2.0, True),
    ("frequency_penalty", -2.0, 2.0, True),
)


def validate_chat(request: ChatRequest, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise `InvalidArgumentError` listing every problem of `request`; return if it is servable.

    Pure and synchronous (no I/O, no model): safe to call from any thread.
    """
    violations = [
        *_messages(request.messages, limits),
        *_tools(request, limits),
        *_sampling(request.sampling),
        *_limits(request, limits),
        *check_template_kwargs(request.chat_template_kwargs, limits, request.thinking),
    ]
    if violations:
        first = violations[0]
        more = f" (and {len(violations) - 1} more problems)" if len(violations) > 1 else ""
        raise InvalidArgumentError(
            f"{first.field}: {first.description}{more}", violations=tuple(violations)
        )


def _messages(messages: tuple[Message, ...], limits: Limits) -> Iterator[FieldViolation]:
    if not messages:
        yield FieldViolation("messages", "at least one message is required")
        return
    if len(messages) > limits.max_messages:
        yield FieldViolation(
            "messages", f"{len(messages)} messages is over the limit of {limits.max_messages}"
        )
        return
    open_calls: set[str] = set()
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if len(message.name) > limits.max_name_chars:
            yield FieldViolation(
                f"{where}.name",
                f"{len(message.name)} characters is over the limit of {limits.max_name_chars}",
            )
        if message.tool_calls and message.role is not Role.ASSISTANT:
            yield FieldViolation(f"{where}.tool_calls", "only assistant messages carry tool calls")
        if message.role is Role.TOOL:
            if not message.tool_call_id:
                yield FieldViolation(
                    f"{where}.tool_call_id", "a tool message must name the call it answers"
                )
            elif message.tool_call_id not in open_calls:
                yield FieldViolation(
                    f"{where}.tool_call_id",
                    f"{message.tool_call_id!r} answers no earlier assistant tool call",
                )
        seen_ids: set[str] = set()
        for j, call in enumerate(message.tool_calls):
            yield from _tool_call(
                f"{where}.tool_calls[{j}]", call.id, call.name, call.arguments, limits
            )
            if call.id and call.id in seen_ids:
                yield FieldViolation(f"{where}.tool_calls[{j}].id", f"duplicate id {call.id!r}")
            seen_ids.add(call.id)
        open_calls |= seen_ids


def _tool_call(
    where: str, call_id: str, name: str, arguments: str, limits: Limits
) -> Iterator[FieldViolation]:
    if not call_id:
        yield FieldViolation(f"{where}.id", "a tool call needs an id (tool messages answer it)")
    elif not TOOL_CALL_ID.match(call_id):
        yield FieldViolation(
            f"{where}.id",
            f"{call_id[:40]!r} is not a call id (1-128 of A-Z a-z 0-9 _ . : -)",
        )
    if not name:
        yield FieldViolation(f"{where}.name", "a tool call needs the function name")
    elif len(name) > limits.max_name_chars:
        yield FieldViolation(
            f"{where}.name", f"{len(name)} characters is over the limit of {limits.max_name_chars}"
        )
    try:
        parsed = parse_json(arguments or "{}", limits)
    except JsonTextError as exc:
        yield FieldViolation(f"{where}.arguments", str(exc))
        return
    if not isinstance(parsed, dict):
        yield FieldViolation(f"{where}.arguments", "must be a JSON object")


def _tools(request: ChatRequest, limits: Limits) -> Iterator[FieldViolation]:
    if len(request.tools) > limits.max_tools:
        yield FieldViolation(
            "tools", f"{len(request.tools)} tools is over the limit of {limits.max_tools}"
        )
        return
    choice = request.tool_choice
    forced = choice.mode in (ToolChoiceMode.REQUIRED, ToolChoiceMode.FUNCTION)
    names: set[str] = set()
    for i, tool in enumerate(request.tools):
        if len(tool.description) > limits.max_tool_description_chars:
            yield FieldViolation(
                f"tools[{i}].description",
                f"{len(tool.description)} characters is over the limit of "
                f"{limits.max_tool_description_chars}",
            )
        if forced:  # the schema becomes a grammar
            try:
                check_schema_bounds(tool.parameters, limits)
            except SchemaBoundsError as exc:
                yield FieldViolation(f"tools[{i}].parameters", str(exc))
        if not TOOL_NAME.match(tool.name):
            yield FieldViolation(
                f"tools[{i}].name",
                f"{tool.name!r} is not a function name (1-64 of A-Z a-z 0-9 _ . -)",
            )
        elif tool.name in names:
            yield FieldViolation(f"tools[{i}].name", f"duplicate tool name {tool.name!r}")
        names.add(tool.name)
        kind = tool.parameters.get("type", "object")
        if kind != "object":
            yield FieldViolation(
                f"tools[{i}].parameters", f'the schema must describe an object, not "{kind}"'
            )
    if choice.mode is ToolChoiceMode.REQUIRED and not request.tools:
        yield FieldViolation("tool_choice", "required needs at least one tool in tools")
    if choice.mode is ToolChoiceMode.FUNCTION and choice.function_name not in names:
        yield FieldViolation(
            "tool_choice.function_name",
            f"{choice.function_name!r} is not one of the request's tools",
        )
    constrained = request.response_format.json_schema is not None or (
        request.response_format.grammar is not None
    )
    if forced and constrained:
        yield FieldViolation(
            "response_format", "cannot be combined with a required or named tool_choice"
        )


def _sampling(sampling: Sampling) -> Iterator[FieldViolation]:
    for name, low, high, low_inclusive in _RANGES:
        value = getattr(sampling, name)
        if value is None:
            continue
        above_low = value >= low if low_inclusive else value > low
        if math.isnan(value) or not above_low or value > high:
            interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g}]"
            yield FieldViolation(f"sampling.{name}", f"{value:g} is outside {interval}")
    if sampling.seed == RESERVED_SEED:
        yield FieldViolation(
            "sampling.seed",
            f"{RESERVED_SEED} is reserved (llama.cpp reads it as 'pick a random seed'); use "
            f"0-{RESERVED_SEED - 1}, or leave the seed unset for a random one",
        )


def _limits(request: ChatRequest, limits: Limits) -> Iterator[FieldViolation]:
    if request.max_tokens is not None and request.max_tokens < 1:
        yield FieldViolation("max_tokens", "must be at least 1 when set")
    if len(request.stop) > limits.max_stop_strings:
        yield FieldViolation(
            "stop",
            f"at most {limits.max_stop_strings} stop strings ({len(request.stop)} given)",
        )
    for i, stop in enumerate(request.stop[: limits.max_stop_strings + 1]):
        if not stop:
            yield FieldViolation(f"stop[{i}]", "a stop string must not be empty")
        elif len(stop) > limits.max_stop_chars:
            yield FieldViolation(
                f"stop[{i}]",
                f"{len(stop)} characters is over the limit of {limits.max_stop_chars}",
            )
    yield from _response_format(request, limits)
    if len(request.model) > limits.max_name_chars:
        yield FieldViolation(
            "model", f"{len(request.model)} characters is over the limit of {limits.max_name_chars}"
        )
    if request.request_id and not REQUEST_ID.match(request.request_id):
        yield FieldViolation("request_id", "1-128 printable ASCII characters without spaces")


def _response_format(request: ChatRequest, limits: Limits) -> Iterator[FieldViolation]:
    fmt = request.response_format
    if fmt.grammar is not None:
        if not fmt.grammar.strip():
            yield FieldViolation("response_format.grammar", "must not be empty")
            return
        try:
            check_gbnf(fmt.grammar, limits)
        except GbnfError as exc:
            yield FieldViolation("response_format.grammar", str(exc))
    if fmt.json_schema is not None:
        field = "response_format.json_schema"
        try:
            schema = parse_json(fmt.json_schema, limits)
        except JsonTextError as exc:
            yield FieldViolation(field, str(exc))
            return
        if not isinstance(schema, dict):
            yield FieldViolation(field, 'must be a JSON Schema object, e.g. {"type": "object"}')
            return
        try:
            check_schema_bounds(schema, limits)
        except SchemaBoundsError as exc:
            yield FieldViolation(field, str(exc))
