"""GBNF grammars that force a tool call (`tool_choice` required or a named function).

The grammar spells out the model's own call syntax around JSON that must match the tool's
parameter schema, so the parser sees an ordinary call. The JSON part comes from llama-cpp-python's
JSON-Schema converter: the whole call object (`{"name": <const>, "arguments": <schema>}`) is one
schema, an `anyOf` when several tools are allowed. Formats whose markers are control tokens
(Kimi-K2, DeepSeek) cannot be spelled by a text grammar and answer UNIMPLEMENTED.

Hermes / fallback shape forced here (one block per call; more blocks when parallel calls are on):

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llama_cpp import llama_grammar

from ggserve.domain import Tool
from ggserve.engine.gbnf import GbnfError, check_gbnf
from ggserve.errors import InvalidArgumentError, UnimplementedError
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.schema_bounds import SchemaBoundsError, check_schema_bounds
from ggserve.schema_refs import RefRebaser, SchemaRefError, with_defs

CALL_RULE = "tool-call"
# llama-cpp-python's port of llama.cpp's JSON-Schema → GBNF converter (untyped).
_SchemaConverter: Any = llama_grammar.SchemaConverter


@dataclass(frozen=True, slots=True)
class CallSyntax:
    """How one format writes a call: text around the JSON object and the arguments key."""

    prefix: str
    suffix: str
    arguments_key: str
    separator: str


CALL_SYNTAX: dict[str, CallSyntax] = {
    "hermes": CallSyntax("<tool_call>\n", "\n</tool_call>", "arguments", "\n"),
    "llama3_json": CallSyntax("", "", "parameters", "; "),
}


def _gbnf_literal(text: str) -> str:
    """`text` as a GBNF string literal."""
    return json.dumps(text, ensure_ascii=False)


def _call_schema(name: str, parameters: Any, arguments_key: str) -> dict[str, Any]:
    """JSON Schema of one call object of tool `name`, name first."""
    return {
        "type": "object",
        "properties": {"name": {"const": name}, arguments_key: parameters},
        "required": ["name", arguments_key],
    }


def _calls_schema(tools: Sequence[Tool], arguments_key: str) -> dict[str, Any]:
    """JSON Schema of a call to any of `tools`, their `$ref`s rebased into one document."""
    rebaser = RefRebaser()
    schemas = []
    for tool in tools:
        try:
            parameters = rebaser.schema(tool.parameters or {"type": "object"})
        except SchemaRefError as exc:
            raise InvalidArgumentError(
                f"tools: the parameter schema of {tool.name!r} cannot be enforced for "
                f"tool_choice: {exc}",
                reason="UNSUPPORTED_SCHEMA",
            ) from exc
        schemas.append(_call_schema(tool.name, parameters, arguments_key))
    schema: dict[str, Any] = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    return dict(with_defs(schema, rebaser.defs))


def forced_call_grammar(
    tool_format: str, tools: Sequence[Tool], *, parallel: bool, limits: Limits = DEFAULT_LIMITS
) -> str:
    """GBNF forcing one call (or several, when `parallel`) to one of `tools`.

    Raises `UnimplementedError` for formats without a text-spellable call syntax and
    `InvalidArgumentError` when a parameter schema cannot be turned into a (safe) grammar.
    """
    syntax = CALL_SYNTAX.get(tool_format)
    if syntax is None:
        supported = ", ".join(sorted(CALL_SYNTAX))
        raise UnimplementedError(
            f"tool_choice required or a named function is enforced only for the tool-call "
            f"formats {supported}; this model uses {tool_format!r}; use tool_choice auto",
            reason="FORCED_TOOL_CALL_UNSUPPORTED",
        )
    try:
        for tool in tools:
            check_schema_bounds(tool.parameters, limits)
    except SchemaBoundsError as exc:
        raise InvalidArgumentError(
            f"tools: a parameter schema is too large to enforce for tool_choice: {exc}",
            reason="UNSUPPORTED_SCHEMA",
        ) from exc
    schema = _calls_schema(tools, syntax.arguments_key)
    converter = _SchemaConverter(
        prop_order={"name": 0, syntax.arguments_key: 1},
        allow_fetch=False,
        dotall=False,
        raw_pattern=False,
    )
    try:
        converter.visit(converter.resolve_refs(schema, "tools"), CALL_RULE)
        rules = str(converter.format_grammar())
    except Exception as exc:
        # The converter reports unsupported schemas with assorted exception types.
        raise InvalidArgumentError(
            f"tools: a parameter schema cannot be enforced for tool_choice: "
            f"{type(exc).__name__}: {exc}",
            reason="UNSUPPORTED_SCHEMA",
        ) from exc
    parts = [_gbnf_literal(syntax.prefix), CALL_RULE, _gbnf_literal(syntax.suffix)]
    block = " ".join(part for part in parts if part != '""')
    repeat = f" ({_gbnf_literal(syntax.separator)} call-block)*" if parallel else ""
    grammar = f"root ::= call-block{repeat}\ncall-block ::= {block}\n{rules}"
    try:
        check_gbnf(grammar, limits)
    except GbnfError as exc:
        raise InvalidArgumentError(
            f"tools: the grammar enforcing tool_choice cannot be used: {exc}",
            reason="UNSUPPORTED_SCHEMA",
        ) from exc
    return grammar
