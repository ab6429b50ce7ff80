"""The peers' own test cases for command_r7b, granite, functionary_v3_1, functionary_v3_2,
firefunction_v2 and llama_cpp_generic_json, run through the real `ggserve_parser`: one-shot and
folded from random splits.

Only the cases where the peers agree are here. Where a peer trims content the case compares
stripped content and reasoning (`strip=True`): our rule is that whitespace is content. Each
group cites the peer file it comes from; cases we deliberately do not copy are left out (see the
comments). Not copied anywhere: dropping text (nothing the model wrote is lost, so a failed or
unknown call stays content), presenting a cut-off call as complete, generated ids (the service
mints them; only ids the model wrote are compared), and partial (`is_partial`) parses.
"""

# Long literal lines are peer test data copied as written.
# ruff: noqa: E501
from __future__ import annotations

import json
from typing import Any

import pytest

import ggserve_parser as gp
from tests.parser.fold import fold
from tests.parser.peers import LLAMA_CPP_TOOLS, STR, IdCall, check_ids, tool
from tests.parser.peers import IdCase as Case

# (name, arguments as parsed JSON, id or None where the peer does not assert it)
Call = IdCall
HW = "Hello, world!\nWhat's up?"
THINK = "I'm\nthinking"
_SF: list[Call] = [("special_function", {"arg1": 1}, None)]


# --- Command R7B ----------------------------------------------------------------------------
# llama.cpp tests/test-chat.cpp (classic test_template_output_parsers, the
# "CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja" block, and the current peg_tester block
# for the same template); the same cases in ik_llama.cpp tests/test-chat.cpp and in the llama.cpp
# branch that splits test-chat.cpp by format (tests/chat-parsers/test-command-r7b.cpp, likewise
# test-granite.cpp, test-functionary-v3-1-llama-3-1.cpp, test-functionary-v3-2.cpp,
# test-firefunction-v2.cpp and test-generic.cpp below). Not encoded from those files: the
# template-driven suites (test_systematic_needle_streaming, run_template_test_suite), which render
# the model's template. Left out: the is_partial cut-off call.
_R7B_CALL = (
    "<|START_ACTION|>[\n"
    '    {"tool_call_id": "0", "tool_name": "special_function", "parameters": {"arg1": 1}}\n'
    "]<|END_ACTION|>"
)
COMMAND_R7B: list[Case] = [
    Case("llama.cpp-content", "command_r7b", HW, HW),
    Case("llama.cpp-response", "command_r7b", "<|START_RESPONSE|>" + HW + "<|END_RESPONSE|>", HW),
    Case(
        "llama.cpp-thoughts-response",
        "command_r7b",
        "<|START_THINKING|>"
        + THINK
        + "<|END_THINKING|><|START_RESPONSE|>"
        + HW
        + "<|END_RESPONSE|>",
        HW,
        THINK,
    ),
    # reasoning_format none: the thinking block stays in the content as written
    Case(
        "llama.cpp-thoughts-unparsed",
        "command_r7b",
        "<|START_THINKING|>"
        + THINK
        + "<|END_THINKING|><|START_RESPONSE|>"
        + HW
        + "<|END_RESPONSE|>",
        "<|START_THINKING|>" + THINK + "<|END_THINKING|>" + HW,
        reasoning_on=False,
    ),
    Case(
        "llama.cpp-thoughts-call-idx",
        "command_r7b",
        "<|START_THINKING|>" + THINK + "<|END_THINKING|>" + _R7B_CALL,
        "",
        THINK,
        calls=[("special_function", {"arg1": 1}, "0")],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-empty-thoughts-call-idx",
        "command_r7b",
        "<|START_THINKING|><|END_THINKING|>" + _R7B_CALL,
        calls=[("special_function", {"arg1": 1}, "0")],
        tools=LLAMA_CPP_TOOLS,
    ),
]

# vLLM tests/tool_parsers/test_cohere_command_tool_parser.py (CMD3 and CMD4 parsers, same cases).
# vLLM trims the reasoning (" i will" -> "i will"). Left out: the citation cases, where vLLM
# removes the model's `<co>…</co: 0:[1]>` grounding markup from content and reasoning (text the
# model wrote; llama.cpp keeps it).
COMMAND_R7B += [
    Case(
        "vllm-single",
        "command_r7b",
        "<|START_THINKING|> i will call foo with query1<|END_THINKING|><|START_ACTION|>\n[\n"
        '    {"tool_call_id": "0", "tool_name": "foo", "parameters": {"query": "query1"}}\n'
        "]\n<|END_ACTION|>",
        "",
        "i will call foo with query1",
        calls=[("foo", {"query": "query1"}, "0")],
        strip=True,
    ),
    Case(
        "vllm-multiple",
        "command_r7b",
        "<|START_THINKING|>first I think about foo<|END_THINKING|><|START_ACTION|>\n[\n"
        '    {"tool_call_id": "0", "tool_name": "foo", "parameters": {"query": "query1"}},\n'
        '    {"tool_call_id": "1", "tool_name": "bar", "parameters": {"x": 42}}\n'
        "]\n<|END_ACTION|>",
        "",
        "first I think about foo",
        calls=[("foo", {"query": "query1"}, "0"), ("bar", {"x": 42}, "1")],
    ),
    Case(
        "vllm-reasoning-only",
        "command_r7b",
        "<|START_THINKING|>just think, no response<|END_THINKING|>",
        "",
        "just think, no response",
    ),
    # TestSpeculativeDecodingMultiTokenDelta: no marker leaks into any field
    Case(
        "vllm-multi-token-delta",
        "command_r7b",
        "<|START_THINKING|> i will call foo with query1<|END_THINKING|>"
        "<|START_ACTION|>\n"
        '[\n    {"tool_call_id": "0", "tool_name": "foo", '
        '"parameters": {"query": "query1"}}\n]\n'
        "<|END_ACTION|>",
        "",
        "i will call foo with query1",
        calls=[("foo", {"query": "query1"}, "0")],
        strip=True,
    ),
]

# SGLang test/registered/function_call/test_cohere_command4_detector.py and its streaming
# sibling (CohereCommand4Detector). SGLang does not assert ids. Left out: the truncated body that
# SGLang presents as a call (a cut-off call is not complete), the malformed body whose text
# SGLang drops (it stays content here), and the unknown tool SGLang drops by default (a peer
# setting; here it is the tool list's rule, not the format's).
_SG_TOOLS = [tool("get_weather", {"city": STR}), tool("search", {"query": STR})]
_SG_STREAM_TOOLS = [tool("edit"), tool("search", {"q": STR})]


def _sg_action(name: str, params: dict[str, Any], call_id: str = "0") -> str:
    return json.dumps({"tool_call_id": call_id, "tool_name": name, "parameters": params})


def _sg_block(*actions: str, sep: str = ", ") -> str:
    return "<|START_ACTION|>[" + sep.join(actions) + "]<|END_ACTION|>"


COMMAND_R7B += [
    Case(
        "sglang-single",
        "command_r7b",
        _sg_block(_sg_action("get_weather", {"city": "Beijing"})),
        calls=[("get_weather", {"city": "Beijing"}, None)],
        tools=_SG_TOOLS,
    ),
    Case(
        "sglang-parallel-leading-text",
        "command_r7b",
        "Sure! "
        + _sg_block(
            _sg_action("get_weather", {"city": "Tokyo"}), _sg_action("search", {"query": "ramen"})
        ),
        "Sure! ",
        calls=[("get_weather", {"city": "Tokyo"}, None), ("search", {"query": "ramen"}, None)],
        tools=_SG_TOOLS,
    ),
    Case(
        "sglang-no-call",
        "command_r7b",
        "Just a plain answer.",
        "Just a plain answer.",
        tools=_SG_TOOLS,
    ),
    Case(
        "sglang-text-then-block",
        "command_r7b",
        "Let me check. " + _sg_block(_sg_action("get_weather", {"city": "Berlin"})),
        "Let me check. ",
        calls=[("get_weather", {"city": "Berlin"}, None)],
        tools=_SG_TOOLS,
    ),
    Case(
        "sglang-repeated-tool",
        "command_r7b",
        _sg_block(
            _sg_action("search", {"q": "search0"}, "0"),
            _sg_action("search", {"q": "search1"}, "1"),
            sep=",",
        ),
        calls=[("search", {"q": "search0"}, None), ("search", {"q": "search1"}, None)],
        tools=_SG_STREAM_TOOLS,
    ),
    Case(
        "sglang-blocks-in-sequence",
        "command_r7b",
        _sg_block(_sg_action("search", {"q": "search0"}))
        + "\n"
        + _sg_block(_sg_action("edit", {"q": "edit0"})),
        None,
        calls=[("search", {"q": "search0"}, None), ("edit", {"q": "edit0"}, None)],
        tools=_SG_STREAM_TOOLS,
    ),
]

# --- Granite --------------------------------------------------------------------------------
# llama.cpp tests/test-chat.cpp (classic "ibm-granite-granite-3.3-2B-Instruct.jinja" block; the
# current peg_tester blocks for granite-3.3 and "ibm-granite-granite-4.0.jinja"). Left out: the
# is_partial cases, and reasoning_format none on `<think>…</think><response>…</response>`, where
# llama.cpp keeps `<response>` for Granite but drops `<|START_RESPONSE|>` for Command R7B (the
# same markup role; we treat both as markup).
_GRANITE_CALL = '<|tool_call|>[{"name": "special_function", "arguments": {"arg1": 1}}]'
GRANITE: list[Case] = [
    Case("llama.cpp-content", "granite", HW, HW),
    Case("llama.cpp-thoughts", "granite", "<think>" + THINK + "</think>" + HW, HW, THINK),
    Case(
        "llama.cpp-thoughts-unparsed",
        "granite",
        "<think>" + THINK + "</think>" + HW,
        "<think>" + THINK + "</think>" + HW,
        reasoning_on=False,
    ),
    Case(
        "llama.cpp-thoughts-response",
        "granite",
        "<think>" + THINK + "</think><response>" + HW + "</response>",
        HW,
        THINK,
    ),
    Case("llama.cpp-call", "granite", _GRANITE_CALL, calls=_SF, tools=LLAMA_CPP_TOOLS),
    Case(
        "llama.cpp-granite4-call",
        "granite",
        '<tool_call>\n{"name": "special_function", "arguments": {"arg1": 1}}\n</tool_call>',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        strip=True,
    ),
]

# vLLM tests/tool_parsers/test_granite_tool_parser.py (ToolParserTests config + Granite tests).
# The content is not asserted where vLLM does not. Left out: surrounding_text (xfail in vLLM in
# both modes) and the malformed inputs (vLLM asserts only that nothing raises; see
# test_malformed_inputs_do_not_raise below).
GRANITE += [
    Case(
        "vllm-no-tools",
        "granite",
        "This is a regular response without any tool calls.",
        "This is a regular response without any tool calls.",
    ),
    Case(
        "vllm-single",
        "granite",
        '<|tool_call|> [{"name": "get_weather", "arguments": {"city": "Tokyo"}}]',
        None,
        calls=[("get_weather", {"city": "Tokyo"}, None)],
    ),
    Case(
        "vllm-string-prefix",
        "granite",
        '<tool_call> [{"name": "get_weather", "arguments": {"city": "Tokyo"}}]',
        None,
        calls=[("get_weather", {"city": "Tokyo"}, None)],
    ),
    Case(
        "vllm-parallel",
        "granite",
        '<|tool_call|> [\n  {"name": "get_weather", "arguments": {"city": "Tokyo"}},\n'
        '  {"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}\n]',
        None,
        calls=[
            ("get_weather", {"city": "Tokyo"}, None),
            ("get_time", {"timezone": "Asia/Tokyo"}, None),
        ],
    ),
    Case(
        "vllm-various-types",
        "granite",
        '<tool_call> [{\n  "name": "test_function",\n  "arguments": {\n    "string_field": "hello",\n'
        '    "int_field": 42,\n    "float_field": 3.14,\n    "bool_field": true,\n'
        '    "null_field": null,\n    "array_field": ["a", "b", "c"],\n'
        '    "object_field": {"nested": "value"},\n    "empty_array": [],\n    "empty_object": {}\n  }\n}]',
        None,
        calls=[
            (
                "test_function",
                {
                    "string_field": "hello",
                    "int_field": 42,
                    "float_field": 3.14,
                    "bool_field": True,
                    "null_field": None,
                    "array_field": ["a", "b", "c"],
                    "object_field": {"nested": "value"},
                    "empty_array": [],
                    "empty_object": {},
                },
                None,
            )
        ],
    ),
    Case(
        "vllm-empty-args",
        "granite",
        '<|tool_call|> [{"name": "refresh", "arguments": {}}]',
        None,
        calls=[("refresh", {}, None)],
    ),
    Case(
        "vllm-escaped",
        "granite",
        '<tool_call> [{\n  "name": "test_function",\n  "arguments": {\n'
        '    "quoted": "He said \\"hello\\"",\n    "path": "C:\\\\Users\\\\file.txt",\n'
        '    "newline": "line1\\nline2",\n    "unicode": "emoji: 🎉"\n  }\n}]',
        None,
        calls=[
            (
                "test_function",
                {
                    "quoted": 'He said "hello"',
                    "path": "C:\\Users\\file.txt",
                    "newline": "line1\nline2",
                    "unicode": "emoji: 🎉",
                },
                None,
            )
        ],
    ),
    # test_streaming_parallel_calls_batched_deltas: the arguments come before the name
    Case(
        "vllm-args-before-name",
        "granite",
        '<|tool_call|> [{"arguments": {"city": "Tokyo"}, "name": "get_weather"}, '
        '{"arguments": {"timezone": "Asia/Tokyo"}, "name": "get_time"}]',
        None,
        calls=[
            ("get_weather", {"city": "Tokyo"}, None),
            ("get_time", {"timezone": "Asia/Tokyo"}, None),
        ],
    ),
    Case(
        "vllm-parallel-single-delta",
        "granite",
        '<|tool_call|>[{"name": "get_weather", "arguments": {"x": 42}}, '
        '{"name": "b", "arguments": {"y": 7}}]',
        None,
        calls=[("get_weather", {"x": 42}, None), ("b", {"y": 7}, None)],
    ),
]

# vLLM tests/tool_parsers/test_granite_20b_fc_tool_parser.py (`<function_call>` per call).
_FC_VARIOUS = (
    '<function_call> {\n  "name": "test_function",\n  "arguments": {\n    "string_field": "hello",\n'
    '    "int_field": 42,\n    "float_field": 3.14,\n    "bool_field": true,\n'
    '    "null_field": null,\n    "array_field": ["a", "b", "c"],\n'
    '    "object_field": {"nested": "value"},\n    "empty_array": [],\n    "empty_object": {}\n  }\n}'
)
GRANITE += [
    Case(
        "vllm-20b-fc-single",
        "granite",
        '<function_call> {"name": "get_weather", "arguments": {"city": "Tokyo"}}',
        None,
        calls=[("get_weather", {"city": "Tokyo"}, None)],
    ),
    Case(
        "vllm-20b-fc-parallel",
        "granite",
        '<function_call> {"name": "get_weather", "arguments": {"city": "Tokyo"}}\n'
        '<function_call> {"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}',
        None,
        calls=[
            ("get_weather", {"city": "Tokyo"}, None),
            ("get_time", {"timezone": "Asia/Tokyo"}, None),
        ],
    ),
    Case(
        "vllm-20b-fc-various-types",
        "granite",
        _FC_VARIOUS,
        None,
        calls=[
            (
                "test_function",
                {
                    "string_field": "hello",
                    "int_field": 42,
                    "float_field": 3.14,
                    "bool_field": True,
                    "null_field": None,
                    "array_field": ["a", "b", "c"],
                    "object_field": {"nested": "value"},
                    "empty_array": [],
                    "empty_object": {},
                },
                None,
            )
        ],
    ),
    Case(
        "vllm-20b-fc-empty-args",
        "granite",
        '<function_call> {"name": "refresh", "arguments": {}}',
        None,
        calls=[("refresh", {}, None)],
    ),
    # surrounding_text passes non-streaming in vLLM (xfail streaming only)
    Case(
        "vllm-20b-fc-surrounding-text",
        "granite",
        'Let me check the weather for you.\n<function_call> {"name": "get_weather", "arguments": {"city": "Tokyo"}}',
        None,
        calls=[("get_weather", {"city": "Tokyo"}, None)],
    ),
    Case(
        "vllm-20b-fc-escaped",
        "granite",
        '<function_call> {\n  "name": "test_function",\n  "arguments": {\n'
        '    "quoted": "He said \\"hello\\"",\n    "path": "C:\\\\Users\\\\file.txt",\n'
        '    "newline": "line1\\nline2",\n    "unicode": "emoji: 🎉"\n  }\n}',
        None,
        calls=[
            (
                "test_function",
                {
                    "quoted": 'He said "hello"',
                    "path": "C:\\Users\\file.txt",
                    "newline": "line1\nline2",
                    "unicode": "emoji: 🎉",
                },
                None,
            )
        ],
    ),
]

# vLLM tests/tool_parsers/test_granite4_tool_parser.py: `<tool_call> {…} </tool_call>` between
# text; the content is exactly the text around the calls, and arguments the model wrote as a
# JSON string holding an object are that object.
_COORD = {"coordinates": [[23.54, 43.1], [-12.2, 54.3], [4, 5]], "coordinate_type": "latlong"}
_STOCK = {"symbol": "AAPL", "start_date": "2021-01-01", "end_date": "2021-12-31"}
_G4_CALLS = [
    {"name": "find_bbox", "arguments": json.dumps(_COORD)},
    {"name": "get_stock_price", "arguments": _STOCK},
    {"name": "find_bbox", "arguments": json.dumps(_COORD)},
]
_G4_TEXT = [
    "Here goes the bbox call: \n",
    " Now the stock price call: \n ",
    " Now another bbox call: \n ",
    " See? I'm a helpful assistant.",
]
GRANITE += [
    Case(
        "vllm-granite4-complex",
        "granite",
        "".join(
            t + ("<tool_call> " + json.dumps(c) + " </tool_call>" if i < 3 else "")
            for i, (t, c) in enumerate(zip(_G4_TEXT, [*_G4_CALLS, {}], strict=True))
        ),
        "".join(_G4_TEXT),
        calls=[
            ("find_bbox", _COORD, None),
            ("get_stock_price", _STOCK, None),
            ("find_bbox", _COORD, None),
        ],
    ),
    Case(
        "vllm-granite4-content-between-calls",
        "granite",
        '<tool_call> {"name": "find_bbox", "arguments": {}} </tool_call>'
        'some explanation <tool_call> {"name": "get_stock_price", "arguments": {}} </tool_call>',
        "some explanation",
        calls=[("find_bbox", {}, None), ("get_stock_price", {}, None)],
        strip=True,
    ),
]

# --- Functionary v3.1 -----------------------------------------------------------------------
# llama.cpp tests/test-chat.cpp (classic and peg_tester "meetkai-functionary-medium-v3.1.jinja").
# Left out: the is_partial `…{"arg1": 1}<` case (a call not closed is not presented complete).
FUNCTIONARY_V3_1: list[Case] = [
    Case("llama.cpp-content", "functionary_v3_1", HW, HW, tools=LLAMA_CPP_TOOLS),
    Case(
        "llama.cpp-call",
        "functionary_v3_1",
        '<function=special_function>{"arg1": 1}</function>',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
]

# --- Functionary v3.2 -----------------------------------------------------------------------
# llama.cpp tests/test-chat.cpp (classic and peg_tester "meetkai-functionary-medium-v3.2.jinja").
# The classic parser drops the whitespace after a call's JSON: compared stripped there.
FUNCTIONARY_V3_2: list[Case] = [
    Case(
        "llama.cpp-all-then-call",
        "functionary_v3_2",
        'all\nHello, world!\nnono\nWhat\'s up?>>>special_function\n{"arg1": 1}\n',
        "Hello, world!\nnono\nWhat's up?",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        strip=True,
    ),
    Case(
        "llama.cpp-python-lines",
        "functionary_v3_2",
        "python\n# This is a program:\nprint('hey')",
        calls=[("python", {"code": "# This is a program:\nprint('hey')"}, None)],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-call-trailing-space",
        "functionary_v3_2",
        'special_function\n{"arg1": 1} \n                    ',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        strip=True,
    ),
    Case("llama.cpp-all", "functionary_v3_2", "all\n" + HW, HW, tools=LLAMA_CPP_TOOLS),
    # ik_llama.cpp tests/test-chat.cpp (test_templates: compared exactly, no trimming)
    Case(
        "ik-call-exact",
        "functionary_v3_2",
        'special_function\n{"arg1": 1}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case("llama.cpp-peg-all", "functionary_v3_2", ">>>all\n" + HW, HW, tools=LLAMA_CPP_TOOLS),
    Case(
        "llama.cpp-peg-call",
        "functionary_v3_2",
        '>>>special_function\n{"arg1": 1}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
]

# --- FireFunction v2 ------------------------------------------------------------------------
# llama.cpp tests/test-chat.cpp (classic and peg_tester "fireworks-ai-llama-3-firefunction-v2.jinja")
FIREFUNCTION_V2: list[Case] = [
    Case("llama.cpp-content", "firefunction_v2", HW, HW, tools=LLAMA_CPP_TOOLS),
    Case(
        "llama.cpp-call",
        "firefunction_v2",
        ' functools[{"name": "special_function", "arguments": {"arg1": 1}}]',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
]

# --- llama.cpp generic JSON -----------------------------------------------------------------
# llama.cpp tests/test-chat.cpp (classic "google-gemma-2-2b-it.jinja" block, COMMON_CHAT_FORMAT_GENERIC).
# Left out: the is_partial cases (a cut-off call is not presented as complete; a cut-off
# `{"tool_call": {"name": "t"` that llama.cpp shows as nothing stays content here).
GENERIC: list[Case] = [
    Case(
        "llama.cpp-response",
        "llama_cpp_generic_json",
        '{\n  "response": "Hello, world!\\nWhat\'s up?"\n}',
        HW,
    ),
    Case(
        "llama.cpp-tool-calls-id",
        "llama_cpp_generic_json",
        '{\n  "tool_calls": [\n    {\n      "name": "special_function",\n      "arguments": {\n'
        '        "arg1": 1\n      },\n      "id": "123456789"\n    }\n  ]\n}',
        calls=[("special_function", {"arg1": 1}, "123456789")],
        tools=LLAMA_CPP_TOOLS,
    ),
]

CASES = COMMAND_R7B + GRANITE + FUNCTIONARY_V3_1 + FUNCTIONARY_V3_2 + FIREFUNCTION_V2 + GENERIC


@pytest.mark.parametrize("c", CASES, ids=[f"{c.fmt}-{c.id}" for c in CASES])
def test_peer_case(c: Case) -> None:
    check_ids(c)


# vLLM's malformed inputs (test_granite_tool_parser.py, test_granite_20b_fc_tool_parser.py): the
# peer asserts only that nothing raises; we also hold that no call is presented as complete and
# that nothing is lost (the text comes back as content).
MALFORMED = [
    '<|tool_call|> [{"name": "func", "arguments": {',
    '<|tool_call|> {"name": "func", "arguments": {}}',
    '[{"name": "func", "arguments": "not a dict"}]',
    'Some text [{"name": "func"}]',
    '<function_call> {"name": "func", "arguments": {',
    '<function_call> [{"name": "func", "arguments": {}}]',
    '{"name": "func", "arguments": {}}',
    '<function_call> {"name": 123}',
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_inputs_do_not_raise(text: str) -> None:
    out = gp.parse("granite", text, tools=None, reasoning=True, thinking_forced_open=False)
    s = gp.ToolCallStream("granite", tools=None, reasoning=True, thinking_forced_open=False)
    assert fold(s.push(text) + s.finish()) == out
