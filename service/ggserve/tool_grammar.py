"""GBNF grammars that force a tool call (`tool_choice` required or a named function), in every
tool-call format.

The grammar writes the format's own call markup, as the parser declares it
(`ggserve_parser.call_shape`), so the parser reads the result back as an ordinary complete call:
the section's opening and closing markup, one call (or, with parallel calls on, several with the
format's separator), and in each call the name and the arguments. Control markers are written as
the model's special tokens (`<[id]>`) where its vocabulary has the marker as one, and as text
otherwise. The arguments come from each tool's parameter schema through llama-cpp-python's
JSON-Schema converter: either one JSON object, or one entry per parameter (XML-style tags,
Python keywords, Gemma's literals; required parameters always, optional ones may be left out, in
the schema's order), where a string parameter's value may be written raw between the format's
delimiters (then a `<` never starts the closing tag; `enum`, `minLength` and `maxLength` are
kept). Every tool's local `$ref`s are rebased into one table of definitions first
(`schema_refs`), registered with the converter: recursive schemas become named rules.

Hermes, for example (one block per call):

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llama_cpp import llama_grammar

import ggserve_parser as gp
from ggserve.domain import Tool
from ggserve.engine.gbnf import GbnfError, check_gbnf
from ggserve.errors import InvalidArgumentError, UnimplementedError
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.schema_bounds import SchemaBoundsError, check_schema_bounds
from ggserve.schema_refs import DEFS, RefRebaser, SchemaRefError, with_defs

# llama-cpp-python's port of llama.cpp's JSON-Schema → GBNF converter (untyped).
_SchemaConverter: Any = llama_grammar.SchemaConverter

SpecialToken = Callable[[str], int | None]
"""The id of the model's special token whose text is exactly the marker, or None."""

# A raw string value longer than this is not bounded by the grammar (llama.cpp expands a
# bounded repetition into one rule per step).
_MAX_BOUNDED_RAW = 512
_Piece = tuple[str, str]


def _literal(text: str) -> str:
    """`text` as a GBNF string literal."""
    return json.dumps(text, ensure_ascii=False)


def _no_special_tokens(_marker: str) -> int | None:
    return None


class _Writer:
    """Turns one format's call shape into GBNF rules for the given tools."""

    def __init__(
        self, shape: Mapping[str, Any], special_token: SpecialToken, *, parallel: bool
    ) -> None:
        self.shape = shape
        self.special_token = special_token
        self.parallel = parallel
        self.converter = _SchemaConverter(
            prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False
        )
        self.rules: dict[str, str] = {}
        self.markers: dict[str, str] = {}

    def marker(self, text: str) -> str:
        if text not in self.markers:
            token = self.special_token(text)
            self.markers[text] = f"<[{token}]>" if token is not None else _literal(text)
        return self.markers[text]

    def pieces(self, pieces: Sequence[_Piece], slots: Mapping[str, str]) -> list[str]:
        """The GBNF items of `pieces`; `slots` gives the rule (or literal) of each slot."""
        out = []
        for kind, text in pieces:
            if kind == "marker":
                out.append(self.marker(text))
            elif kind == "text":
                if text:
                    out.append(_literal(text))
            elif slots.get(kind):
                out.append(slots[kind])
        return out

    def call(self, number: int, tool: Tool) -> str:
        """The rule of one call of `tool`."""
        args = self.arguments(number, tool.parameters or {"type": "object"})
        index = "[0-9] [0-9]? [0-9]?" if self.parallel else '"0"'
        slots = {
            "name": _literal(tool.name),
            "name_json": _literal(json.dumps(tool.name, ensure_ascii=False)),
            "index": f"( {index} )",
            "args": args,
        }
        return self.add(f"call-{number}", " ".join(self.pieces(self.shape["call"], slots)))

    def arguments(self, number: int, schema: Mapping[str, Any]) -> str:
        params = self.shape["params"]
        if params is None:
            return str(self.converter.visit(dict(schema), f"args-{number}"))
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        entries = [
            (self.entry(params, f"arg-{number}-{i}", key, sub), key in required)
            for i, (key, sub) in enumerate(properties.items())
        ]
        return self.chain(f"args-{number}", entries, params["separator"])

    def entry(self, params: Mapping[str, Any], name: str, key: str, schema: Any) -> str:
        """The rule of one parameter's entry."""
        schema = schema if isinstance(schema, dict) else {}
        is_string = schema.get("type") == "string"
        pieces = params["string"] if is_string else params["other"]
        if is_string and params["raw_strings"]:
            value = self.raw_string(f"{name}-value", schema, _after_value(pieces))
        else:
            value = str(self.converter.visit(schema, f"{name}-value"))
        slots = {"key": _literal(key), "value": value}
        return self.add(name, " ".join(self.pieces(pieces, slots)))

    def raw_string(self, name: str, schema: Mapping[str, Any], closing: str) -> str:
        """A string written raw inside markup, up to `closing` (the markup after the value).

        A `<` may not start the closing tag: an unbounded string takes `<` only before a
        character that cannot follow it there (`</parameter>` rules out `</`, Gemma's `<|"|>`
        `<|`); a string bounded by `maxLength` takes no `<` at all (one character per step).
        """
        enum = schema.get("enum")
        if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
            return self.add(name, " | ".join(_literal(v) for v in enum))
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        low = low if isinstance(low, int) and 0 <= low <= _MAX_BOUNDED_RAW else 0
        if isinstance(high, int) and low <= high <= _MAX_BOUNDED_RAW:
            return self.add(name, f"[^<]{{{low},{high}}}")
        if low:
            return self.add(name, f"[^<]{{{low},}}")
        tag = closing.find("<")
        after = closing[tag + 1 : tag + 2] if tag >= 0 else ""
        if not after or after in "<\\]^-":
            return self.add(name, "[^<]*")
        return self.add(name, f'( [^<] | "<" [^<{after}] )*')

    def chain(self, name: str, entries: list[tuple[str, bool]], separator: str) -> str:
        """The entries in order, optional ones skippable, `separator` between two written ones.

        Linear in the entries: `{name}-{i}` is the rest from entry i after one was written,
        `{name}-{i}-first` the rest while none was. Empty when every entry may be left out and
        there is none.
        """
        sep = _literal(separator) if separator else ""
        after, first = "", ""
        for i in range(len(entries) - 1, -1, -1):
            rule, needed = entries[i]
            if needed:
                new_after, new_first = _seq(sep, rule, after), _seq(rule, after)
            else:
                new_after = _seq(f"( {_seq(sep, rule)} )?", after)
                written = _seq(rule, after)
                new_first = f"( {written} | {first} )" if first else f"( {written} )?"
            after = self.add(f"{name}-{i}", new_after)
            first = self.add(f"{name}-{i}-first", new_first)
        return first

    def add(self, name: str, rule: str) -> str:
        self.rules[name] = rule
        return name

    def grammar(self, calls: list[str]) -> str:
        """The root rule over the call rules, with every rule."""
        call = self.add("call", " | ".join(calls))
        open_ = self.pieces(self.shape["open"], {})
        close = self.pieces(self.shape["close"], {})
        body = call
        if self.parallel:
            separator = " ".join(self.pieces(self.shape["separator"], {}))
            body = f"{call} ( {separator} {call} )*" if separator else f"{call}+"
        root = " ".join([*open_, body, *close])
        own = "\n".join(f"{name} ::= {rule}" for name, rule in self.rules.items())
        return f"root ::= {root}\n{own}\n{self.converter.format_grammar()}"


def _after_value(pieces: Sequence[_Piece]) -> str:
    """The literal markup right after an entry's value (empty when none follows)."""
    kinds = [kind for kind, _ in pieces]
    if "value" not in kinds:
        return ""
    rest = pieces[kinds.index("value") + 1 :]
    return "".join(text for kind, text in rest if kind in ("marker", "text"))


def _seq(*items: str) -> str:
    """A GBNF sequence of the non-empty `items`."""
    return " ".join(item for item in items if item)


def _defined(schema: Any, defs: Mapping[str, Any]) -> Any:
    """`schema`, or the definition it is only a reference to (the arguments' own shape, which
    per-parameter formats read the properties of)."""
    seen: set[str] = set()
    while isinstance(schema, dict) and set(schema) == {"$ref"}:
        name = str(schema["$ref"]).removeprefix(f"#/{DEFS}/")
        if name in seen or name not in defs:
            break
        seen.add(name)
        schema = defs[name]
    return schema


def _rebased_tools(tools: Sequence[Tool], converter: Any) -> list[Tool]:
    """`tools` with their `$ref`s rebased into one table, registered with `converter`."""
    rebaser = RefRebaser()
    schemas = []
    for tool in tools:
        try:
            schemas.append(rebaser.schema(tool.parameters or {"type": "object"}))
        except SchemaRefError as exc:
            raise InvalidArgumentError(
                f"tools: the parameter schema of {tool.name!r} cannot be enforced for "
                f"tool_choice: {exc}",
                reason="UNSUPPORTED_SCHEMA",
            ) from exc
    schemas = [_defined(schema, rebaser.defs) for schema in schemas]
    if rebaser.defs:
        # Fills the converter's reference table, rewriting the references in place.
        converter.resolve_refs(with_defs({"anyOf": schemas}, rebaser.defs), "tools")
    return [dataclasses.replace(t, parameters=s) for t, s in zip(tools, schemas, strict=True)]


def forced_call_grammar(
    tool_format: str,
    tools: Sequence[Tool],
    *,
    parallel: bool,
    special_token: SpecialToken | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """GBNF forcing one call (or several, when `parallel`) to one of `tools`, in `tool_format`'s
    own markup; `special_token` maps a marker to the model's special token, if it has one.

    Raises `UnimplementedError` for a format the parser does not know and
    `InvalidArgumentError` when a parameter schema cannot be turned into a (safe) grammar.
    """
    try:
        shape = gp.call_shape(tool_format)
    except ValueError as exc:
        raise UnimplementedError(
            f"tool_choice required or a named function cannot be enforced: {exc}",
            reason="FORCED_TOOL_CALL_UNSUPPORTED",
        ) from exc
    try:
        for tool in tools:
            check_schema_bounds(tool.parameters, limits)
    except SchemaBoundsError as exc:
        raise InvalidArgumentError(
            f"tools: a parameter schema is too large to enforce for tool_choice: {exc}",
            reason="UNSUPPORTED_SCHEMA",
        ) from exc
    writer = _Writer(shape, special_token or _no_special_tokens, parallel=parallel)
    rebased = _rebased_tools(tools, writer.converter)
    try:
        calls = [writer.call(number, tool) for number, tool in enumerate(rebased)]
        grammar = writer.grammar(calls)
    except Exception as exc:
        # The converter reports unsupported schemas with assorted exception types.
        raise InvalidArgumentError(
            f"tools: a parameter schema cannot be enforced for tool_choice: "
            f"{type(exc).__name__}: {exc}",
            reason="UNSUPPORTED_SCHEMA",
        ) from exc
    try:
        check_gbnf(grammar, limits)
    except GbnfError as exc:
        raise InvalidArgumentError(
            f"tools: the grammar enforcing tool_choice cannot be used: {exc}",
            reason="UNSUPPORTED_SCHEMA",
        ) from exc
    return grammar
