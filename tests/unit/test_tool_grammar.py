"""The forced-call grammar (`tool_choice` required or named) of every format: built from the
parser's declared call shape, checked by llama.cpp's own grammar parser, markers spelled as the
model's special tokens where its vocabulary has them. (That the model's output under each grammar
parses back as a complete call is `tests/integration/test_forced_calls.py`.)"""

from __future__ import annotations

import pytest
from llama_cpp.llama_grammar import LlamaGrammar

import ggserve_parser as gp
from ggserve.domain import Tool
from ggserve.errors import InvalidArgumentError, UnimplementedError
from ggserve.tool_grammar import forced_call_grammar

WEATHER = Tool(
    "get_weather",
    "",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string", "maxLength": 20},
            "days": {"type": "integer"},
            "unit": {"type": "string", "enum": ["c", "f"]},
        },
        "required": ["city"],
    },
)
PING = Tool("ping", "", {})


def llama_cpp_accepts(grammar: str) -> None:
    LlamaGrammar.from_string(grammar, verbose=False)


@pytest.mark.parametrize("fmt", gp.FORMATS)
@pytest.mark.parametrize("parallel", [False, True])
def test_every_format_has_a_grammar(fmt: str, parallel: bool) -> None:
    grammar = forced_call_grammar(fmt, [WEATHER, PING], parallel=parallel)
    llama_cpp_accepts(grammar)
    root = grammar.splitlines()[0]
    assert root.startswith("root ::= ")
    # One call unless parallel calls are on.
    assert ("*" in root or "+" in root) is parallel
    assert '"get_weather"' in grammar or '"\\"get_weather\\""' in grammar


def test_markers_are_the_models_special_tokens_where_it_has_them() -> None:
    vocab = {"<tool_call>": 151657, "</tool_call>": 151658}
    grammar = forced_call_grammar("hermes", [WEATHER], parallel=False, special_token=vocab.get)
    call = next(line for line in grammar.splitlines() if line.startswith("call-0 ::="))
    assert call.startswith("call-0 ::= <[151657]> ")
    assert call.endswith(" <[151658]>")
    assert "<tool_call>" not in grammar
    # Without them, the markers are text.
    text = forced_call_grammar("hermes", [WEATHER], parallel=False)
    assert '"<tool_call>"' in text


def test_parameter_entries_keep_the_schema_order_and_optional_ones_may_be_left_out() -> None:
    grammar = forced_call_grammar("qwen3_coder", [WEATHER], parallel=False)
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())
    assert rules["arg-0-0-value"] == "[^<]{0,20}"  # a raw string, its maxLength kept
    assert rules["arg-0-2-value"] == '"c" | "f"'  # an enum, raw
    # city is required: the entries start with it; days and unit may each be left out.
    assert rules["args-0-0-first"] == "arg-0-0 args-0-1"
    assert rules["args-0-1"] == "( arg-0-1 )? args-0-2"
    assert rules["args-0-2"] == "( arg-0-2 )?"


def test_an_unknown_format_is_unimplemented() -> None:
    with pytest.raises(UnimplementedError, match="unknown tool-call format"):
        forced_call_grammar("nope", [WEATHER], parallel=False)


def test_an_unenforceable_schema_is_invalid_argument() -> None:
    bad = Tool("f", "", {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}})
    with pytest.raises(InvalidArgumentError):
        forced_call_grammar("hermes", [bad], parallel=False)


@pytest.mark.parametrize(("fmt", "rule"), [("qwen3_coder", '"<" [^</]'), ("gemma4", '"<" [^<|]')])
def test_a_raw_string_may_hold_a_lt_that_does_not_start_the_closing_tag(
    fmt: str, rule: str
) -> None:
    code = Tool("write", "", {"type": "object", "properties": {"code": {"type": "string"}}})
    grammar = forced_call_grammar(fmt, [code], parallel=False)
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines())
    assert rules["arg-0-0-value"] == f"( [^<] | {rule} )*"
