"""The peers' own test cases for kimi_k2, the DeepSeek family, gpt_oss, mistral and llama3_json,
run through the real `ggserve_parser`: one-shot and folded from random splits.

Only the cases where the peers agree are here. Where a peer trims content the case compares
stripped content and reasoning (`strip=True`): our rule is that whitespace is content. Each
group cites the peer file it comes from; cases we deliberately do not copy are left out (see the
comments). Not copied anywhere: dropping text (the rule is that nothing is lost, so a failed or
unknown call stays content), presenting a cut-off call as complete, generated ids (the service
mints them; only ids the model wrote are compared), and partial (`is_partial`) parses.
"""

# Long literal lines are peer test data copied as written.
# ruff: noqa: E501
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.parser.peers import LLAMA_CPP_TOOLS, STR, IdCall, check_ids, tool
from tests.parser.peers import IdCase as Case

CITY_TOOLS = [tool("get_weather", {"city": STR}), tool("get_tourist_attractions", {"city": STR})]
# (name, arguments as parsed JSON, id or None where the peer does not assert it)
Call = IdCall
HW = "Hello, world!\nWhat's up?"
_SF: list[Call] = [("special_function", {"arg1": 1}, None)]
WEATHER_UNIT = [tool("get_weather", {"city": STR, "unit": STR})]


# --- Kimi-K2 --------------------------------------------------------------------------------
SB, SE = "<|tool_calls_section_begin|>", "<|tool_calls_section_end|>"
TB, TE, AB = "<|tool_call_begin|>", "<|tool_call_end|>", "<|tool_call_argument_begin|>"


def _k(tool_id: str, args: str, sep: str = " ") -> str:
    return f"{TB}{tool_id}{sep}{AB}{args}{TE}"


def _ks(*calls: str) -> str:
    return SB + "".join(calls) + SE


KIMI: list[Case] = [
    # vLLM tests/tool_parsers/test_kimi_k2_tool_parser.py (TestExtractToolCalls, streaming)
    Case("vllm-no-tools", "kimi_k2", "This is a test", "This is a test"),
    Case(
        "vllm-single",
        "kimi_k2",
        "I'll check. " + _ks(_k("functions.get_weather:0", '{"city": "Beijing"}')),
        "I'll check. ",
        calls=[("get_weather", {"city": "Beijing"}, "functions.get_weather:0")],
    ),
    Case(
        "vllm-parallel",
        "kimi_k2",
        "Compare weather. "
        + _ks(
            _k("functions.get_weather:0", '{"city": "Beijing"}'),
            _k("functions.get_weather:1", '{"city": "Shanghai"}'),
        ),
        "Compare weather. ",
        calls=[
            ("get_weather", {"city": "Beijing"}, "functions.get_weather:0"),
            ("get_weather", {"city": "Shanghai"}, "functions.get_weather:1"),
        ],
    ),
    Case(
        "vllm-three",
        "kimi_k2",
        "Multiple tasks. "
        + _ks(
            _k("functions.get_weather:0", '{"city": "New York"}'),
            _k("functions.get_news:1", '{"topic": "technology"}'),
            _k("functions.send_email:2", '{"to": "user@example.com", "subject": "Daily Update"}'),
        ),
        "Multiple tasks. ",
        calls=[
            ("get_weather", {"city": "New York"}, None),
            ("get_news", {"topic": "technology"}, None),
            ("send_email", {"to": "user@example.com", "subject": "Daily Update"}, None),
        ],
    ),
    Case(
        "vllm-angle-brackets",
        "kimi_k2",
        "Process HTML. " + _ks(_k("functions.process_html:0", '{"html": "<div>content</div>"}')),
        "Process HTML. ",
        calls=[("process_html", {"html": "<div>content</div>"}, None)],
    ),
    Case(
        "vllm-multiline-json",
        "kimi_k2",
        "Formatted. "
        + _ks(_k("functions.process_data:0", '{\n  "name": "test",\n  "value": 123\n}')),
        "Formatted. ",
        calls=[("process_data", {"name": "test", "value": 123}, None)],
    ),
    Case(
        "vllm-no-functions-prefix",
        "kimi_k2",
        "No prefix. " + _ks(_k("get_weather:0", '{"city": "Tokyo"}')),
        "No prefix. ",
        calls=[("get_weather", {"city": "Tokyo"}, None)],
    ),
    Case(
        "vllm-empty-args",
        "kimi_k2",
        "Empty args. " + _ks(_k("functions.test:0", "{}")),
        "Empty args. ",
        calls=[("test", {}, None)],
    ),
    # Left out: vLLM's choice of a tool by argument keys for a bare counter id among several
    # tools (the name is needed when the call starts, before the arguments are read).
    Case(
        "vllm-bare-counter",
        "kimi_k2",
        "Let me check. " + _ks(_k("0", '{"city": "Tokyo", "unit": "celsius"}')),
        "Let me check. ",
        calls=[("get_weather", {"city": "Tokyo", "unit": "celsius"}, "0")],
        tools=WEATHER_UNIT,
    ),
    Case(
        "vllm-incremental-args-trailing-space",
        "kimi_k2",
        "Help. " + SB + TB + "functions.get_weather:0 " + AB + '{"city": "Beijing"} ' + TE + SE,
        "Help. ",
        calls=[("get_weather", {"city": "Beijing"}, "functions.get_weather:0")],
    ),
    Case(
        "vllm-invalid-funcall-id-skipped",
        "kimi_k2",
        "Help. "
        + SB
        + _k("functions.invalid.0", '{"city": "Beijing"}')
        + _k("functions.valid:1", '{"city": "Shanghai"}')
        + SE,
        None,
        calls=[("valid", {"city": "Shanghai"}, None)],
    ),
    Case("vllm-empty-section", "kimi_k2", "Reasoning. " + SB + SE, "Reasoning. "),
    # vLLM tests/tool_use/test_kimi_k2_tool_parser.py (whitespace around the markers)
    Case(
        "vllm-spaced-markers",
        "kimi_k2",
        "I'll help you check the weather. <|tool_calls_section_begin|> <|tool_call_begin|>\n"
        'functions.get_weather:0 <|tool_call_argument_begin|> {"city": "Beijing"} <|tool_call_end|> '
        "<|tool_calls_section_end|>",
        "I'll help you check the weather. ",
        calls=[("get_weather", {"city": "Beijing"}, "functions.get_weather:0")],
    ),
    Case(
        "vllm-spaced-markers-two-calls",
        "kimi_k2",
        "I'll help you check the weather. <|tool_calls_section_begin|> <|tool_call_begin|>\n"
        'functions.get_weather:0 <|tool_call_argument_begin|> {"city": "Beijing"} <|tool_call_end|> '
        "<|tool_call_begin|>\n"
        'functions.get_weather:1 <|tool_call_argument_begin|> {"city": "Shanghai"} <|tool_call_end|> '
        "<|tool_calls_section_end|>",
        "I'll help you check the weather. ",
        calls=[
            ("get_weather", {"city": "Beijing"}, "functions.get_weather:0"),
            ("get_weather", {"city": "Shanghai"}, "functions.get_weather:1"),
        ],
    ),
    Case(
        "vllm-concatenated",
        "kimi_k2",
        "First, let me get the weather. "
        + _ks(
            _k("functions.get_weather:0", '{"latitude": 34.0522, "longitude": -118.2437}', sep=""),
            _k("functions.get_news:1", '{"content": "Los Angeles today"}', sep=""),
        ),
        "First, let me get the weather. ",
        calls=[
            (
                "get_weather",
                {"latitude": 34.0522, "longitude": -118.2437},
                "functions.get_weather:0",
            ),
            ("get_news", {"content": "Los Angeles today"}, "functions.get_news:1"),
        ],
    ),
    Case(
        "vllm-mixed-spacing",
        "kimi_k2",
        "Mixed spacing test. <|tool_calls_section_begin|> <|tool_call_begin|> functions.test:0 "
        "<|tool_call_argument_begin|> {} <|tool_call_end|><|tool_call_begin|>functions.test2:1"
        "<|tool_call_argument_begin|>{}<|tool_call_end|> <|tool_calls_section_end|>",
        "Mixed spacing test. ",
        calls=[("test", {}, "functions.test:0"), ("test2", {}, "functions.test2:1")],
    ),
    Case(
        "vllm-formatted-json",
        "kimi_k2",
        "I need to process formatted JSON. "
        + _ks(
            _k(
                "functions.process_data:0",
                '{\n  "name": "test",\n  "value": 123,\n  "nested": {\n    "key": "value"\n  }\n}',
                sep="",
            )
        ),
        "I need to process formatted JSON. ",
        calls=[
            (
                "process_data",
                {"name": "test", "value": 123, "nested": {"key": "value"}},
                "functions.process_data:0",
            )
        ],
    ),
    # SGLang test/srt/test_function_call_parser.py (TestKimiK2Detector)
    Case(
        "sglang-single",
        "kimi_k2",
        _ks(_k("functions.get_weather:0", '{"city": "Paris"}', sep="")),
        calls=[("get_weather", {"city": "Paris"}, None)],
        tools=CITY_TOOLS,
    ),
    Case(
        "sglang-multiple",
        "kimi_k2",
        _ks(
            _k("functions.get_weather:0", '{"city": "Paris"}', sep=""),
            _k("functions.get_tourist_attractions:1", '{"city": "London"}', sep=""),
        ),
        calls=[
            ("get_weather", {"city": "Paris"}, None),
            ("get_tourist_attractions", {"city": "London"}, None),
        ],
        tools=CITY_TOOLS,
    ),
    Case(
        "sglang-invalid-no-call-begin",
        "kimi_k2",
        'invalid_tool:0<|tool_call_argument_begin|>{"city": "Paris"}<|tool_call_end|>'
        "<|tool_calls_section_end|>",
        'invalid_tool:0<|tool_call_argument_begin|>{"city": "Paris"}<|tool_call_end|>'
        "<|tool_calls_section_end|>",
        tools=CITY_TOOLS,
    ),
    # llama.cpp tests/test-chat.cpp (peg_tester "Kimi-K2-Thinking.jinja", "Kimi-K2-Instruct.jinja")
    Case("llama.cpp-content", "kimi_k2", "Hello, world!\nWhat's up?", "Hello, world!\nWhat's up?"),
    Case(
        "llama.cpp-single",
        "kimi_k2",
        _ks(_k("functions.special_function:0", '{"arg1": 1}', sep="")),
        calls=[("special_function", {"arg1": 1}, "functions.special_function:0")],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-single-reasoning",
        "kimi_k2",
        "<think>I'm thinking about this</think>"
        + _ks(_k("functions.special_function:0", '{"arg1": 1}', sep="")),
        reasoning="I'm thinking about this",
        calls=[("special_function", {"arg1": 1}, "functions.special_function:0")],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-content-then-call",
        "kimi_k2",
        "Hello, world!\nWhat's up?"
        + _ks(_k("functions.special_function:0", '{"arg1": 1}', sep="")),
        "Hello, world!\nWhat's up?",
        calls=[("special_function", {"arg1": 1}, "functions.special_function:0")],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-parallel",
        "kimi_k2",
        _ks(
            _k("functions.special_function:0", '{"arg1": 1}', sep=""),
            _k("functions.special_function_with_opt:1", '{"arg1": 1, "arg2": 2}', sep=""),
        ),
        calls=[
            ("special_function", {"arg1": 1}, "functions.special_function:0"),
            (
                "special_function_with_opt",
                {"arg1": 1, "arg2": 2},
                "functions.special_function_with_opt:1",
            ),
        ],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-parallel-reasoning",
        "kimi_k2",
        "<think>I need to call two functions</think>"
        + _ks(
            _k("functions.special_function:0", '{"arg1": 1}', sep=""),
            _k("functions.python:1", '{"code": "print(\'hey\')"}', sep=""),
        ),
        reasoning="I need to call two functions",
        calls=[
            ("special_function", {"arg1": 1}, "functions.special_function:0"),
            ("python", {"code": "print('hey')"}, "functions.python:1"),
        ],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-python-multiline",
        "kimi_k2",
        _ks(
            _k(
                "functions.python:0",
                '{"code": "def hello():\\n    print(\\"Hello, world!\\")\\n\\nhello()"}',
                sep="",
            )
        ),
        calls=[
            (
                "python",
                {"code": 'def hello():\n    print("Hello, world!")\n\nhello()'},
                "functions.python:0",
            )
        ],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-empty-args",
        "kimi_k2",
        _ks(_k("functions.empty_args:0", "{}", sep="")),
        calls=[("empty_args", {}, "functions.empty_args:0")],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-three",
        "kimi_k2",
        _ks(
            _k("functions.special_function:0", '{"arg1": 1}', sep=""),
            _k("functions.python:1", '{"code": "print(1)"}', sep=""),
            _k("functions.html:2", '{"markup": "<p>test</p>"}', sep=""),
        ),
        calls=[
            ("special_function", {"arg1": 1}, "functions.special_function:0"),
            ("python", {"code": "print(1)"}, "functions.python:1"),
            ("html", {"markup": "<p>test</p>"}, "functions.html:2"),
        ],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-calls-inside-think",
        "kimi_k2",
        "<think>I need to call two functions"
        + _ks(
            _k("functions.special_function:0", '{"arg1": 1}', sep=""),
            _k("functions.python:1", '{"code": "print(\'hey\')"}', sep=""),
        ),
        reasoning="I need to call two functions",
        calls=[
            ("special_function", {"arg1": 1}, "functions.special_function:0"),
            ("python", {"code": "print('hey')"}, "functions.python:1"),
        ],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-calls-inside-think-no-markers",
        "kimi_k2",
        "<think>I need to call two functions"
        + TB
        + "functions.special_function:0"
        + AB
        + '{"arg1": 1}'
        + TB
        + "functions.python:1"
        + AB
        + '{"code": "print(\'hey\')"}',
        reasoning="I need to call two functions",
        calls=[
            ("special_function", {"arg1": 1}, "functions.special_function:0"),
            ("python", {"code": "print('hey')"}, "functions.python:1"),
        ],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-execute-command-no-end",
        "kimi_k2",
        TB
        + "functions.execute_command:0"
        + AB
        + '{"command": "ls -lah", "cwd": "/home/jarvis/development/exllamav3", "timeout": 10}',
        calls=[
            (
                "execute_command",
                {"command": "ls -lah", "cwd": "/home/jarvis/development/exllamav3", "timeout": 10},
                "functions.execute_command:0",
            )
        ],
        tools=[
            tool("execute_command", {"command": STR, "cwd": STR, "timeout": {"type": "integer"}})
        ],
    ),
    # vLLM tests/reasoning/test_kimi_k2_reasoning_parser.py (thinking on: the prompt opens it)
    Case(
        "vllm-reasoning-think-tags",
        "kimi_k2",
        "<think>step by step reasoning</think>final answer",
        "final answer",
        "step by step reasoning",
    ),
    Case("vllm-reasoning-empty", "kimi_k2", "<think></think>final answer", "final answer"),
    Case(
        "vllm-reasoning-implicit-start",
        "kimi_k2",
        "implicit reasoning with no tags",
        reasoning="implicit reasoning with no tags",
        forced_open=True,
    ),
]

# ik_llama.cpp tests/test-function-calls.cpp (PR #628's Kimi-K2 parser: native tokens and the
# bare `functions.NAME:IDX{json}` shape). That parser strips content; where a case asserts only
# the calls, the content is not compared. Left out: a call without <|tool_call_end|> followed by
# prose (ik: no call; llama.cpp's grammar makes the call end optional).
_IK_TOKENS = (
    "I'll help you with both tasks.\n\n<|tool_calls_section_begin|>\n<|tool_call_begin|>\n"
    'functions.get_weather:0<|tool_call_argument_begin|>\n{"location": "Tokyo"}\n<|tool_call_end|>\n'
    "<|tool_call_begin|>\nfunctions.calculate:1<|tool_call_argument_begin|>\n"
    '{"expression": "15 * 23"}\n<|tool_call_end|>\n<|tool_calls_section_end|>\n\nHere are the results.'
)
KIMI += [
    Case(
        "ik-native-multiple",
        "kimi_k2",
        _IK_TOKENS,
        None,
        calls=[
            ("get_weather", {"location": "Tokyo"}, "functions.get_weather:0"),
            ("calculate", {"expression": "15 * 23"}, "functions.calculate:1"),
        ],
    ),
    Case(
        "ik-simple",
        "kimi_k2",
        'functions.ping:0{"domain": "google.de"}',
        None,
        calls=[("ping", {"domain": "google.de"}, None)],
    ),
    Case(
        "ik-simple-multiple",
        "kimi_k2",
        'functions.calculate:0{"expression": "15 * 23"}functions.ping:1{"domain": "google.com"}',
        None,
        calls=[
            ("calculate", {"expression": "15 * 23"}, None),
            ("ping", {"domain": "google.com"}, None),
        ],
    ),
    Case(
        "ik-mixed-formats",
        "kimi_k2",
        "<|tool_calls_section_begin|>\n<|tool_call_begin|>\nfunctions.get_weather:0<|tool_call_argument_begin|>\n"
        '{"location": "Tokyo"}\n<|tool_call_end|>\n<|tool_calls_section_end|>\nAlso: functions.ping:1{"host": "example.com"}',
        None,
        calls=[
            ("get_weather", {"location": "Tokyo"}, None),
            ("ping", {"host": "example.com"}, None),
        ],
    ),
    Case(
        "ik-unicode",
        "kimi_k2",
        'Testing unicode: 测试 functions.test:0{"message": "こんにちは world 🌍"}',
        None,
        calls=[("test", {"message": "こんにちは world 🌍"}, None)],
    ),
    Case(
        "ik-contamination-ls",
        "kimi_k2",
        "I'll help you examine the workspace. Let me list the current directory contents."
        'functions.LS:1{"path": "/Users/seven/Documents/projects/ai/sequential_thinking"}',
        "I'll help you examine the workspace. Let me list the current directory contents.",
        calls=[("LS", {"path": "/Users/seven/Documents/projects/ai/sequential_thinking"}, None)],
    ),
    Case(
        "ik-contamination-mixed",
        "kimi_k2",
        'Starting task. functions.TASK:1{"id": "test123"} Processing files. functions.LIST:2{"dir": "/workspace"} '
        "Task completed.",
        "Starting task.  Processing files.  Task completed.",
        calls=[("TASK", {"id": "test123"}, None), ("LIST", {"dir": "/workspace"}, None)],
    ),
    *[
        Case(f"ik-no-call-{i}", "kimi_k2", text, None)
        for i, text in enumerate(
            [
                "functions.invalid:0{invalid json}",
                'functions.:0{"param": "value"}',
                'functions.test:0{"key": "value"',
                "functions.test:0{key: value}",
                'functions.test0{"missing": "colon"}',
                'functions.test:0"missing": "brace"',
            ]
        )
    ],
    Case(
        "ik-many-small",
        "kimi_k2",
        "".join(f'functions.{n}:{i}{{"x":{i + 1}}}' for i, n in enumerate("abcde")),
        None,
        calls=[(n, {"x": i + 1}, None) for i, n in enumerate("abcde")],
    ),
]

# llama.cpp tests/chat-parsers/test-kimi-k2.cpp (test_parser_with_streaming; llama.cpp trims
# content and reasoning: stripped compare). Its ids ("0") differ from the PEG tests' and vLLM's
# ("functions.NAME:IDX"): ids not compared here.
_K_SF = _k("functions.special_function:0", '{"arg1": 1}', sep="")
_EMOJI = "Hello! 👋 🌟 🚀 Testing emojis: 😀😃😄😁 and symbols: ∑∏∆∇"
_FROM_ZERO = {
    "query": '"From Zero" Linkin Park album tracklist complete songs',
    "limit": 3,
    "type": "text",
}
KIMI += [
    Case(
        "llama.cpp-call-then-content",
        "kimi_k2",
        _ks(_K_SF) + HW,
        HW,
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-thoughts-call-then-content",
        "kimi_k2",
        "<think>I'm\nthinking</think>" + _ks(_K_SF) + HW,
        HW,
        "I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-thoughts-content-call",
        "kimi_k2",
        "<think>I'm\nthinking\n</think>" + HW + "\n" + _ks(_K_SF),
        HW,
        "I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        strip=True,
    ),
    Case(
        "llama.cpp-reasoning-none-call",
        "kimi_k2",
        "<think>I'm\nthinking</think>\n\n" + _ks(_K_SF),
        "<think>I'm\nthinking</think>\n\n",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        reasoning_on=False,
    ),
    Case(
        "llama.cpp-thoughts-content-call-newlines",
        "kimi_k2",
        "<think>I'm\nthinking\n</think>\n\n" + HW + "\n\n" + _ks(_K_SF) + "\n",
        HW,
        "I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        strip=True,
    ),
    Case(
        "llama.cpp-multi-tool",
        "kimi_k2",
        "<think>I'm thinking.</think>Let me call multiple tools."
        + _ks(
            _k(
                "functions.read_file:0",
                '{"files":[{"path":"src/app/Partners.tsx","line_ranges":["1-100"]}]}',
                sep="",
            ),
            _k("functions.web_search:1", json.dumps(_FROM_ZERO), sep=""),
            _k(
                "functions.complex_function:2",
                '{"name": "John Doe", "age": 30, "active": true, "score": 95.5}',
                sep="",
            ),
            _k(
                "functions.emoji_function:3",
                json.dumps({"message": _EMOJI}, ensure_ascii=False),
                sep="",
            ),
        ),
        "Let me call multiple tools.",
        "I'm thinking.",
        calls=[
            (
                "read_file",
                {"files": [{"path": "src/app/Partners.tsx", "line_ranges": ["1-100"]}]},
                None,
            ),
            ("web_search", _FROM_ZERO, None),
            (
                "complex_function",
                {"name": "John Doe", "age": 30, "active": True, "score": 95.5},
                None,
            ),
            ("emoji_function", {"message": _EMOJI}, None),
        ],
    ),
]

# ik_llama.cpp tests/test-chat.cpp (classic Kimi-K2 parser): calls made inside the thinking
# block, reasoning resuming after them. Its ids ("") differ from llama.cpp's and vLLM's.
_CF = {"name": "John Doe", "age": 30, "active": True, "score": 95.5}
_CF_CALL = _ks(
    _k(
        "functions.complex_function_in_think:0",
        '{"name": "John Doe", "age": 30, "active": true, "score": 95.5}',
        sep="",
    )
)
KIMI += [
    Case(
        "ik-call-in-think",
        "kimi_k2",
        "<think>I'm thinking" + _CF_CALL,
        reasoning="I'm thinking",
        calls=[("complex_function_in_think", _CF, None)],
    ),
    Case(
        "ik-call-in-think-then-more-thinking",
        "kimi_k2",
        "<think>I'm thinking" + _CF_CALL + "I'm still thinking</think>Hello",
        "Hello",
        "I'm thinkingI'm still thinking",
        calls=[("complex_function_in_think", _CF, None)],
    ),
]

# --- DeepSeek V3 / R1 -----------------------------------------------------------------------
CB, CE = "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>"
B, E, SEP = "<｜tool▁call▁begin｜>", "<｜tool▁call▁end｜>", "<｜tool▁sep｜>"


def _v3(name: str, args: str) -> str:
    return f"{B}function{SEP}{name}\n```json\n{args}\n```{E}"


DEEPSEEK_V3: list[Case] = [
    # vLLM tests/tool_parsers/test_deepseekv3_tool_parser.py (ToolParserTestConfig data)
    Case(
        "vllm-no-calls",
        "deepseek_v3",
        "How can I help you today? I can check weather for you.",
        "How can I help you today? I can check weather for you.",
    ),
    Case(
        "vllm-single",
        "deepseek_v3",
        CB + _v3("get_weather", '{"city": "Tokyo", "unit": "celsius"}') + CE,
        calls=[("get_weather", {"city": "Tokyo", "unit": "celsius"}, None)],
    ),
    Case(
        "vllm-parallel",
        "deepseek_v3",
        CB
        + _v3("get_weather", '{"city": "Tokyo", "unit": "celsius"}')
        + _v3("search_hotels", '{"location": "Tokyo", "check_in": "2025-01-15"}')
        + CE,
        calls=[
            ("get_weather", {"city": "Tokyo", "unit": "celsius"}, None),
            ("search_hotels", {"location": "Tokyo", "check_in": "2025-01-15"}, None),
        ],
    ),
    Case(
        "vllm-various-types",
        "deepseek_v3",
        CB
        + _v3(
            "test_function",
            '{"string_field": "hello", "int_field": 42, "float_field": 3.14, '
            '"bool_field": true, "null_field": null, "array_field": ["a", "b", "c"], '
            '"object_field": {"nested": "value"}, "empty_array": [], "empty_object": {}}',
        )
        + CE,
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
        "deepseek_v3",
        CB + _v3("get_current_time", "{}") + CE,
        calls=[("get_current_time", {}, None)],
    ),
    Case(
        "vllm-surrounding-text",
        "deepseek_v3",
        "Let me check the weather for you." + CB + _v3("get_weather", '{"city": "Paris"}') + CE,
        "Let me check the weather for you.",
        calls=[("get_weather", {"city": "Paris"}, None)],
    ),
    Case(
        "vllm-escaped-strings",
        "deepseek_v3",
        CB
        + _v3(
            "send_message",
            '{"text": "He said \\"hello\\"", "path": "C:\\\\Users\\\\file", "newline": "line1\\nline2"}',
        )
        + CE,
        calls=[
            (
                "send_message",
                {"text": 'He said "hello"', "path": "C:\\Users\\file", "newline": "line1\nline2"},
                None,
            )
        ],
    ),
    # SGLang test/srt/test_function_call_parser.py (TestDeepSeekV3Detector, MTP chunks)
    Case(
        "sglang-two-calls-newline-between",
        "deepseek_v3",
        CB
        + _v3("get_weather", '{"city":"Shanghai"}')
        + "\n"
        + _v3("get_tourist_attractions", '{"city": "Beijing"}')
        + CE,
        calls=[
            ("get_weather", {"city": "Shanghai"}, None),
            ("get_tourist_attractions", {"city": "Beijing"}, None),
        ],
        tools=CITY_TOOLS,
    ),
]

# vLLM tests/reasoning/test_deepseekr1_reasoning_parser.py: the R1 prompt opens the thinking
# block, so these run with thinking_forced_open. vLLM's NEW_LINE cases are left out: its
# streaming and one-shot expectations disagree with each other.
_R1_REASONING = [
    ("simple", "This is a reasoning section</think>This is the rest", "This is a reasoning section", "This is the rest"),
    ("complete", "This is a reasoning section</think>", "This is a reasoning section", ""),
    ("no-end", "This is content", "This is content", ""),
    ("multiple-lines", "This\nThat</think>This is the rest\nThat", "This\nThat", "This is the rest\nThat"),
    ("shortest", "</think>This is the rest", "", "This is the rest"),
    ("with-think", "<think>This is a reasoning section</think>This is the rest", "This is a reasoning section", "This is the rest"),
    ("complete-with-think", "<think>This is a reasoning section</think>", "This is a reasoning section", ""),
    ("multiple-lines-with-think", "<think>This\nThat</think>This is the rest\nThat", "This\nThat", "This is the rest\nThat"),
    ("think-no-end", "<think>This is a reasoning section", "This is a reasoning section", ""),
    ("empty", "", "", ""),
]  # fmt: skip
DEEPSEEK_R1: list[Case] = [
    Case(f"vllm-reasoning-{name}", "deepseek_r1", text, content, reasoning, forced_open=True)
    for name, text, reasoning, content in _R1_REASONING
]

# llama.cpp tests/test-chat.cpp (peg_tester "llama-cpp-deepseek-r1.jinja", "DeepSeek-R1-Distill-*"):
# the prompt ends inside <think>; reasoning_format none keeps it in content.
DEEPSEEK_R1 += [
    Case(
        "llama.cpp-forced-open-no-reasoning-format",
        "deepseek_r1",
        HW,
        HW,
        reasoning_on=False,
        forced_open=True,
    ),
    Case(
        "llama.cpp-forced-open-thoughts",
        "deepseek_r1",
        "I'm\nthinking</think>" + HW,
        HW,
        "I'm\nthinking",
        forced_open=True,
    ),
    Case(
        "llama.cpp-forced-open-call-reasoning-none",
        "deepseek_r1",
        CB + B + "function" + SEP + 'special_function\n```json\n{"arg1": 1}\n```' + E + CE,
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        reasoning_on=False,
        forced_open=True,
    ),
    Case(
        "llama.cpp-call-fence-without-newline",
        "deepseek_r1",
        CB + B + "function" + SEP + 'special_function\n```json\n{"arg1": 1}```' + E + CE,
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
]

# ik_llama.cpp tests/test-chat.cpp (classic common_chat_parse, "llama-cpp-deepseek-r1.jinja" and
# "DeepSeek-R1-Distill-Llama-8B.jinja"). llama.cpp drops the "\n\n" between `</think>` and the
# calls (stripped compare). Left out: forced-open output that repeats `<think>` (llama.cpp keeps
# the tag in reasoning, vLLM strips it), and `I'm thinking</think>...` without forced open
# (llama.cpp: all content; vLLM and SGLang's R1 parsers always start inside reasoning).
_R1_CALL = CB + B + "function" + SEP + 'special_function\n```json\n{"arg1": 1}\n```' + E + CE
DEEPSEEK_R1 += [
    Case(
        "ik-reasoning-none",
        "deepseek_r1",
        "<think>I'm\nthinking</think>" + HW,
        "<think>I'm\nthinking</think>" + HW,
        reasoning_on=False,
    ),
    Case("ik-thoughts", "deepseek_r1", "<think>I'm\nthinking</think>" + HW, HW, "I'm\nthinking"),
    Case(
        "ik-markers-inside-forced-reasoning",
        "deepseek_r1",
        "I need to remember the correct syntax. It starts with <｜tool▁calls▁begin｜> and ends with",
        reasoning="I need to remember the correct syntax. It starts with <｜tool▁calls▁begin｜> and ends with",
        forced_open=True,
    ),
    Case(
        "ik-call-reasoning-none",
        "deepseek_r1",
        "<think>I'm\nthinking</think>\n\n" + _R1_CALL,
        "<think>I'm\nthinking</think>\n\n",
        calls=_SF,
        reasoning_on=False,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "ik-short-section-opener",
        "deepseek_r1",
        "<｜tool▁calls｜>function" + SEP + 'special_function\n```json\n{"arg1": 1}\n```' + E + CE,
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "ik-thoughts-then-call",
        "deepseek_r1",
        "<think>I'm\nthinking</think>\n\n" + _R1_CALL,
        "",
        "I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        strip=True,
    ),
    Case("ik-plain", "deepseek_r1", HW, HW, tools=LLAMA_CPP_TOOLS),
]

# SGLang test/srt/test_reasoning_parser.py (DeepSeekR1Detector: force_reasoning=True)
_X3 = "I need to solve this step by step. The given equation is x + 2 = 5, so x = 5 - 2 = 3."
DEEPSEEK_R1 += [
    Case(
        "sglang-forced",
        "deepseek_r1",
        "I need to think about this. The answer is 42.",
        reasoning="I need to think about this. The answer is 42.",
        forced_open=True,
    ),
    Case(
        "sglang-end-token",
        "deepseek_r1",
        "I think this is the answer</think>The final answer is 42.",
        "The final answer is 42.",
        "I think this is the answer",
        forced_open=True,
    ),
    Case(
        "sglang-r1-0528-start-token",
        "deepseek_r1",
        "<think>I need to think about this.</think>The answer is 42.",
        "The answer is 42.",
        "I need to think about this.",
        forced_open=True,
    ),
    Case(
        "sglang-complete-response",
        "deepseek_r1",
        _X3 + "</think>The answer is x = 3.",
        "The answer is x = 3.",
        _X3,
        forced_open=True,
    ),
]

# llama.cpp tests/chat-parsers/test-deepseek-r1.cpp (server-test output with surrounding blanks,
# no section end; llama.cpp trims content: stripped compare)
DEEPSEEK_R1 += [
    Case(
        "llama.cpp-server-output",
        "deepseek_r1",
        " \n                    "
        + CB
        + B
        + "function"
        + SEP
        + 'test\n```json\n{ "success" : true } \n```'
        + E
        + " ",
        "",
        calls=[("test", {"success": True}, None)],
        tools=[tool("test", {"success": {"type": "boolean", "const": True}})],
        strip=True,
    ),
    Case(
        "llama.cpp-indented-call",
        "deepseek_r1",
        "                    "
        + CB
        + B
        + "function"
        + SEP
        + 'special_function\n```json\n{"arg1": 1}\n```'
        + E
        + CE
        + "\n",
        "",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
        strip=True,
    ),
]

# --- DeepSeek V3.1 --------------------------------------------------------------------------
DEEPSEEK_V31: list[Case] = [
    # vLLM tests/tool_parsers/test_deepseekv31_tool_parser.py
    Case(
        "vllm-with-tool",
        "deepseek_v31",
        "normal text" + CB + B + "foo" + SEP + '{"x":1}' + E + CE,
        "normal text",
        calls=[("foo", {"x": 1}, None)],
    ),
    Case(
        "vllm-multiple",
        "deepseek_v31",
        "some prefix text"
        + CB
        + B
        + "foo"
        + SEP
        + '{"x":1}'
        + E
        + B
        + "bar"
        + SEP
        + '{"y":2}'
        + E
        + CE,
        "some prefix text",
        calls=[("foo", {"x": 1}, None), ("bar", {"y": 2}, None)],
    ),
    # llama.cpp tests/test-chat.cpp (peg_tester "deepseek-ai-DeepSeek-V3.1.jinja", thinking on)
    Case(
        "llama.cpp-thoughts",
        "deepseek_v31",
        "I'm\nthinking</think>" + HW,
        HW,
        "I'm\nthinking",
        forced_open=True,
    ),
    Case(
        "vllm-cut-off-block",
        "deepseek_v31",
        "Let me look that up." + CB + "get_weather",
        "Let me look that up." + CB + "get_weather",
    ),
]


# llama.cpp tests/chat-parsers/test-deepseek-v3-1.cpp (classic parser; the template opens the
# thinking block). Left out: forced-open reasoning that ends with complete calls and no
# `</think>` (llama.cpp moves the reasoning text to content afterwards; our output is
# append-only, the calls still count), and partial parses.
def _v31(name: str, args: str) -> str:
    return f"{B}{name}{SEP}{args}{E}"


DEEPSEEK_V31 += [
    Case(
        "llama.cpp-forced-thoughts",
        "deepseek_v31",
        "I'm\nthinking</think>" + HW,
        HW,
        "I'm\nthinking",
        forced_open=True,
    ),
    Case(
        "llama.cpp-forced-reasoning-none",
        "deepseek_v31",
        "REASONING</think>ok",
        "REASONING</think>ok",
        reasoning_on=False,
        forced_open=True,
    ),
    Case(
        "llama.cpp-happy-path",
        "deepseek_v31",
        CB + _v31("get_time", '{"city": "Tokyo"}') + CE,
        calls=[("get_time", {"city": "Tokyo"}, None)],
    ),
    Case(
        "llama.cpp-forced-thoughts-call",
        "deepseek_v31",
        "REASONING</think>" + CB + _v31("get_time", '{"city": "Tokyo"}') + CE,
        reasoning="REASONING",
        calls=[("get_time", {"city": "Tokyo"}, None)],
        forced_open=True,
    ),
    Case(
        "llama.cpp-content-two-calls",
        "deepseek_v31",
        "CONTENT"
        + CB
        + _v31("get_time", '{"city": "Paris"}')
        + _v31("get_weather", '{"city": "Paris"}')
        + CE,
        "CONTENT",
        calls=[("get_time", {"city": "Paris"}, None), ("get_weather", {"city": "Paris"}, None)],
    ),
    Case(
        "llama.cpp-call-markup-in-reasoning",
        "deepseek_v31",
        "REASONING"
        + CB
        + _v31("get_time2", '{"city": "Tokyo2"}')
        + CE
        + "REASONING</think>"
        + CB
        + _v31("get_time", '{"city": "Tokyo"}')
        + CE,
        reasoning="REASONING" + CB + _v31("get_time2", '{"city": "Tokyo2"}') + CE + "REASONING",
        calls=[("get_time", {"city": "Tokyo"}, None)],
        forced_open=True,
    ),
    Case("llama.cpp-content-only", "deepseek_v31", "CONTENT", "CONTENT"),
]

# SGLang test/srt/function_call/test_deepseekv31_detector.py. Left out: unknown tools dropped
# (SGLang filters by the tool list, vLLM and llama.cpp do not), stray end markers scrubbed from
# plain text (SGLang only; we keep the text).
_V31_TOOLS = [tool("get_weather", {"city": STR, "unit": STR}), tool("search_web", {"query": STR})]
DEEPSEEK_V31 += [
    Case(
        "sglang-plain",
        "deepseek_v31",
        "Hello, this is a plain answer.",
        "Hello, this is a plain answer.",
        tools=_V31_TOOLS,
    ),
    Case(
        "sglang-single",
        "deepseek_v31",
        CB + _v31("get_weather", '{"city": "Tokyo"}') + CE,
        calls=[("get_weather", {"city": "Tokyo"}, None)],
        tools=_V31_TOOLS,
    ),
    Case(
        "sglang-prefix-stripped",
        "deepseek_v31",
        "Sure, I'll check.   " + CB + _v31("get_weather", '{"city": "Paris"}') + CE,
        "Sure, I'll check.",
        calls=[("get_weather", {"city": "Paris"}, None)],
        tools=_V31_TOOLS,
        strip=True,
    ),
    Case(
        "sglang-reverse-order",
        "deepseek_v31",
        CB
        + _v31("search_web", '{"query": "hotels"}')
        + _v31("get_weather", '{"city": "Tokyo"}')
        + CE,
        calls=[("search_web", {"query": "hotels"}, None), ("get_weather", {"city": "Tokyo"}, None)],
        tools=_V31_TOOLS,
    ),
    Case(
        "sglang-invalid-json-is-text",
        "deepseek_v31",
        CB + _v31("get_weather", '{"city": "Tokyo"') + CE,
        CB + _v31("get_weather", '{"city": "Tokyo"') + CE,
        tools=_V31_TOOLS,
    ),
    Case(
        "sglang-unicode",
        "deepseek_v31",
        CB + _v31("search_web", '{"query": "东京 天气"}') + CE,
        calls=[("search_web", {"query": "东京 天气"}, None)],
        tools=_V31_TOOLS,
    ),
]

# --- DeepSeek V3.2 (DSML) -------------------------------------------------------------------
FC, FC_END = "<｜DSML｜function_calls>", "</｜DSML｜function_calls>"
INV, INV_END = '<｜DSML｜invoke name="', "</｜DSML｜invoke>"
PAR, PAR_END = '<｜DSML｜parameter name="', "</｜DSML｜parameter>"


def _dsml(name: str, params: list[tuple[str, str, str]]) -> str:
    body = "".join(f'{PAR}{k}" string="{is_str}">{v}{PAR_END}\n' for k, is_str, v in params)
    return f'{INV}{name}">\n{body}{INV_END}\n'


def _dsml_block(*invokes: str) -> str:
    return f"{FC}\n{''.join(invokes)}{FC_END}"


def _schematool(name: str, **props: Any) -> dict[str, Any]:
    return tool(name, props)


INT, BOOL, NUM = {"type": "integer"}, {"type": "boolean"}, {"type": "number"}
DEEPSEEK_V32: list[Case] = [
    # vLLM tests/tool_parsers/test_deepseekv32_tool_parser.py (TestExtractToolCalls). Left out:
    # unwrapping a lone "arguments"/"input" parameter (vLLM-only repair), and `string="true"`
    # values coerced to the schema's type (vLLM does, SGLang's DeepSeekV32Detector keeps the
    # string; we type in-band, as the template says), and `null` for a string schema (vLLM:
    # "null", SGLang: None).
    Case("vllm-no-call", "deepseek_v32", "just some text", "just some text"),
    Case(
        "vllm-no-params",
        "deepseek_v32",
        _dsml_block(f'{INV}get_time">\n{INV_END}\n'),
        calls=[("get_time", {}, None)],
    ),
    Case(
        "vllm-with-params",
        "deepseek_v32",
        _dsml_block(
            _dsml("get_weather", [("location", "true", "SF"), ("date", "true", "2024-01-16")])
        ),
        calls=[("get_weather", {"location": "SF", "date": "2024-01-16"}, None)],
    ),
    Case(
        "vllm-content-before",
        "deepseek_v32",
        "Sure, let me check! " + _dsml_block(_dsml("get_weather", [("location", "true", "NYC")])),
        "Sure, let me check! ",
        calls=[("get_weather", {"location": "NYC"}, None)],
    ),
    Case(
        "vllm-multiple",
        "deepseek_v32",
        _dsml_block(
            _dsml("get_weather", [("location", "true", "SF")]),
            _dsml("get_weather", [("location", "true", "NYC")]),
        ),
        calls=[
            ("get_weather", {"location": "SF"}, None),
            ("get_weather", {"location": "NYC"}, None),
        ],
    ),
    Case(
        "vllm-type-conversion",
        "deepseek_v32",
        _dsml_block(_dsml("toggle", [("enabled", "false", "true"), ("count", "false", "42")])),
        calls=[("toggle", {"enabled": True, "count": 42}, None)],
        tools=[_schematool("toggle", enabled=BOOL, count=INT)],
    ),
    Case(
        "vllm-string-false-schema",
        "deepseek_v32",
        _dsml_block(_dsml("score", [("value", "false", "42")])),
        calls=[("score", {"value": 42}, None)],
        tools=[_schematool("score", value=INT)],
    ),
    Case(
        "vllm-composed-schema",
        "deepseek_v32",
        _dsml_block(
            _dsml(
                "set_timer",
                [
                    ("wait", "false", '{"type":"for","minutes":2880}'),
                    ("patches", "false", '[{"op":"replace","path":"/schedule","value":"quiet"}]'),
                ],
            )
        ),
        calls=[
            (
                "set_timer",
                {
                    "wait": {"type": "for", "minutes": 2880},
                    "patches": [{"op": "replace", "path": "/schedule", "value": "quiet"}],
                },
                None,
            )
        ],
        tools=[
            _schematool(
                "set_timer",
                wait={"anyOf": [{"type": "object"}, {"type": "object"}]},
                patches={
                    "oneOf": [{"type": "array", "items": {"type": "object"}}, {"type": "null"}]
                },
            )
        ],
    ),
    Case(
        "vllm-object-and-array",
        "deepseek_v32",
        _dsml_block(
            _dsml("update", [("tags", "false", '["a", "b"]'), ("meta", "false", '{"k": 1}')])
        ),
        calls=[("update", {"tags": ["a", "b"], "meta": {"k": 1}}, None)],
        tools=[_schematool("update", tags={"type": "array"}, meta={"type": "object"})],
    ),
    Case(
        "vllm-number",
        "deepseek_v32",
        _dsml_block(_dsml("measure", [("ratio", "false", "3.14"), ("whole", "false", "5.0")])),
        calls=[("measure", {"ratio": 3.14, "whole": 5}, None)],
        tools=[_schematool("measure", ratio=NUM, whole=NUM)],
    ),
    Case(
        "vllm-multi-typed",
        "deepseek_v32",
        _dsml_block(_dsml("set_val", [("count", "false", "42"), ("label", "false", "hello")])),
        calls=[("set_val", {"count": 42, "label": "hello"}, None)],
        tools=[
            _schematool(
                "set_val", count={"type": ["integer", "null"]}, label={"type": ["string", "null"]}
            )
        ],
    ),
    Case(
        "vllm-multi-typed-null",
        "deepseek_v32",
        _dsml_block(_dsml("clear", [("value", "false", "null")])),
        calls=[("clear", {"value": None}, None)],
        tools=[_schematool("clear", value={"type": ["integer", "null"]})],
    ),
    Case(
        "vllm-no-schema",
        "deepseek_v32",
        _dsml_block(_dsml("unknown_fn", [("count", "false", "42"), ("flag", "false", "true")])),
        calls=[("unknown_fn", {"count": 42, "flag": True}, None)],
    ),
    # vLLM tests/tool_use/test_deepseek_v32_tool_parser.py
    Case(
        "vllm-end-of-sentence",
        "deepseek_v32",
        _dsml_block(
            _dsml("get_weather", [("location", "true", "Hangzhou"), ("date", "true", "2024-01-16")])
        )
        + "<｜end▁of▁sentence｜>",
        calls=[("get_weather", {"location": "Hangzhou", "date": "2024-01-16"}, None)],
    ),
    Case(
        "vllm-no-newlines",
        "deepseek_v32",
        FC
        + f'{INV}get_current_weather">'
        + f'{PAR}location" string="true">北京{PAR_END}'
        + f'{PAR}time" string="true">2025-03-21{PAR_END}'
        + INV_END
        + f'{INV}get_current_weather">'
        + f'{PAR}location" string="true">北京{PAR_END}'
        + INV_END
        + " "
        + FC_END,
        calls=[
            ("get_current_weather", {"location": "北京", "time": "2025-03-21"}, None),
            ("get_current_weather", {"location": "北京"}, None),
        ],
    ),
]

# SGLang test/srt/test_function_call_parser.py (TestDeepSeekV32Detector; SGLang strips content).
# Left out: a JSON object as the invoke body instead of parameters, and tag spellings without
# `｜DSML｜` (SGLang-only extensions; that text stays content here).
_SF_SPOT = "get_favorite_tourist_spot"
DEEPSEEK_V32 += [
    Case(
        "sglang-indented-blocks",
        "deepseek_v32",
        "I'll help you with information about San Francisco and get its favorite tourist spot for you.\n\n\n"
        f"        {FC}\n\n"
        f'            {INV}{_SF_SPOT}">\n\n'
        f'                {PAR}city" string="true">San Francisco{PAR_END}\n\n'
        f"            {INV_END}\n\n"
        f'            {INV}search">\n'
        f'                {PAR}query" string="true">WebNav benchmark{PAR_END}\n'
        f'                {PAR}topn" string="false">10{PAR_END}\n'
        f'                {PAR}source" string="true">web{PAR_END}\n'
        f"            {INV_END}\n"
        f"        {FC_END}\n        ",
        "I'll help you with information about San Francisco and get its favorite tourist spot for you.",
        calls=[
            (_SF_SPOT, {"city": "San Francisco"}, None),
            ("search", {"query": "WebNav benchmark", "topn": 10, "source": "web"}, None),
        ],
        strip=True,
    ),
    Case(
        "sglang-mixed-types",
        "deepseek_v32",
        f"{FC}\n"
        f'            {INV}{_SF_SPOT}">\n'
        f'                {PAR}city" string="true">San Francisco{PAR_END}\n'
        f'                {PAR}another_city" string="true">London{PAR_END}\n'
        f'                {PAR}topn" string="false">10{PAR_END}\n'
        f'                {PAR}obj" string="false">{{"name": "John", "age": 30}}{PAR_END}\n'
        f"            {INV_END}\n"
        f"        {FC_END}",
        calls=[
            (
                _SF_SPOT,
                {
                    "city": "San Francisco",
                    "another_city": "London",
                    "topn": 10,
                    "obj": {"name": "John", "age": 30},
                },
                None,
            )
        ],
    ),
    Case(
        "sglang-no-parameters",
        "deepseek_v32",
        f'Let me get the current date for you.\n\n{FC}\n{INV}get_date">\n\n{INV_END}\n{FC_END}',
        "Let me get the current date for you.",
        calls=[("get_date", {}, None)],
        strip=True,
    ),
]

# --- Mistral --------------------------------------------------------------------------------
MISTRAL: list[Case] = [
    # SGLang test/srt/test_function_call_parser.py (TestMistralDetector)
    Case(
        "sglang-nested-brackets",
        "mistral",
        '[TOOL_CALLS] [{"name":"make_next_step_decision", "arguments":{"decision":"","content":"```\\n'
        "TOOL: Access a weather API or service\\nANSWER: [City Name] - [Weather Conditions] - "
        '[Temperature]\\n```"}}]',
        calls=[
            (
                "make_next_step_decision",
                {
                    "decision": "",
                    "content": "```\nTOOL: Access a weather API or service\nANSWER: [City Name] - "
                    "[Weather Conditions] - [Temperature]\n```",
                },
                None,
            )
        ],
    ),
    Case(
        "sglang-simple",
        "mistral",
        '[TOOL_CALLS] [{"name":"make_next_step_decision", "arguments":{"decision":"TOOL", '
        '"content":"Use weather API"}}]',
        calls=[
            ("make_next_step_decision", {"decision": "TOOL", "content": "Use weather API"}, None)
        ],
    ),
    Case(
        "sglang-no-calls",
        "mistral",
        "This is just normal text without any tool calls.",
        "This is just normal text without any tool calls.",
    ),
    Case(
        "sglang-text-before",
        "mistral",
        'Here is some text before the tool call: [TOOL_CALLS] [{"name":"make_next_step_decision", '
        '"arguments":{"decision":"ANSWER", "content":"The answer is 42"}}]',
        "Here is some text before the tool call:",
        calls=[
            ("make_next_step_decision", {"decision": "ANSWER", "content": "The answer is 42"}, None)
        ],
        strip=True,
    ),
]

# vLLM tests/tool_parsers/test_mistral_tool_parser.py. vLLM's generated 9-character ids are not
# compared (the service mints them). Left out: a call cut off inside its JSON (vLLM returns it
# as a call; a call that is not whole is never complete here), `[TOOL_CALLS]` followed by junk or
# by a bare name (vLLM drops the marker), several `[TOOL_CALLS]` arrays (vLLM raises), and the
# one-shot trailing-text case (vLLM drops the text one-shot but streams it; we keep it).
_WEATHER_SF = {"city": "San Francisco", "state": "CA", "unit": "celsius"}
_BASH = {"command": "print(\"hello world!\")\nre.compile(r'{}')"}
MISTRAL += [
    Case("vllm-no-tools", "mistral", "This is a test", "This is a test"),
    Case(
        "vllm-pre-v11-add",
        "mistral",
        '[TOOL_CALLS][{"name": "add", "arguments":{"a": 3.5, "b": 4}}]',
        calls=[("add", {"a": 3.5, "b": 4}, None)],
    ),
    Case(
        "vllm-pre-v11-weather",
        "mistral",
        '[TOOL_CALLS] [{"name": "get_current_weather", "arguments":'
        + json.dumps(_WEATHER_SF)
        + "}]",
        calls=[("get_current_weather", _WEATHER_SF, None)],
    ),
    Case(
        "vllm-pre-v11-arguments-before-name",
        "mistral",
        '[TOOL_CALLS] [{"arguments":'
        + json.dumps(_WEATHER_SF)
        + ', "name": "get_current_weather"}]',
        calls=[("get_current_weather", _WEATHER_SF, None)],
    ),
    Case(
        "vllm-pre-v11-name-in-arguments",
        "mistral",
        '[TOOL_CALLS] [{"arguments":{"name": "John Doe"}, "name": "get_age"}]',
        calls=[("get_age", {"name": "John Doe"}, None)],
    ),
    Case(
        "vllm-pre-v11-multiple",
        "mistral",
        '[TOOL_CALLS] [{"name": "add", "arguments": {"a": 3.5, "b": 4}}, {"name": "get_current_weather", '
        '"arguments":' + json.dumps(_WEATHER_SF) + "}]",
        calls=[("add", {"a": 3.5, "b": 4}, None), ("get_current_weather", _WEATHER_SF, None)],
    ),
    Case(
        "vllm-pre-v11-content-before",
        "mistral",
        'Hello[TOOL_CALLS] [{"name": "add", "arguments":{"a": 1, "b": 2}}]',
        "Hello",
        calls=[("add", {"a": 1, "b": 2}, None)],
    ),
    Case(
        "vllm-pre-v11-spaces",
        "mistral",
        '[TOOL_CALLS]  [ {"name":"add" , "arguments" : {"a": 3, "b": 4} } ]',
        calls=[("add", {"a": 3, "b": 4}, None)],
    ),
    Case(
        "vllm-pre-v11-string-args",
        "mistral",
        '[TOOL_CALLS] [{"name": "add", "arguments":{"a": "3", "b": "4"}}]',
        calls=[("add", {"a": "3", "b": "4"}, None)],
    ),
    Case(
        "vllm-pre-v11-trailing-data-streamed",
        "mistral",
        '[TOOL_CALLS] [{"name": "get_current_weather", "arguments":{"city": "Dallas", "state": "TX", '
        '"unit": "fahrenheit"}}]\nextra trailing data',
        "\nextra trailing data",
        calls=[
            ("get_current_weather", {"city": "Dallas", "state": "TX", "unit": "fahrenheit"}, None)
        ],
    ),
    # v11 as vLLM sees it with [ARGS] detokenized away: NAME{json}
    Case(
        "vllm-v11-add",
        "mistral",
        '[TOOL_CALLS]add_this_and_that{"a": 3.5, "b": 4}',
        calls=[("add_this_and_that", {"a": 3.5, "b": 4}, None)],
    ),
    Case(
        "vllm-v11-weather",
        "mistral",
        "[TOOL_CALLS]get_current_weather" + json.dumps(_WEATHER_SF),
        calls=[("get_current_weather", _WEATHER_SF, None)],
    ),
    Case(
        "vllm-v11-multiple",
        "mistral",
        '[TOOL_CALLS]add{"a": 3.5, "b": 4}[TOOL_CALLS]multiply{"a": 3, "b": 6}',
        calls=[("add", {"a": 3.5, "b": 4}, None), ("multiply", {"a": 3, "b": 6}, None)],
    ),
    Case(
        "vllm-v11-content-before",
        "mistral",
        'bla[TOOL_CALLS]add_this_and_that{"a": 3.5, "b": 4}',
        "bla",
        calls=[("add_this_and_that", {"a": 3.5, "b": 4}, None)],
    ),
    Case(
        "vllm-v11-braces-in-content-and-args",
        "mistral",
        "hi{hi[TOOL_CALLS]bash" + json.dumps(_BASH, ensure_ascii=False),
        "hi{hi",
        calls=[("bash", _BASH, None)],
    ),
]

# vLLM tests/reasoning/test_mistral_reasoning_parser.py: Magistral's prompt opens [THINK].
_MISTRAL_REASONING = [
    ("simple", "This is a reasoning section[/THINK]This is the rest", "This is a reasoning section", "This is the rest"),
    ("complete", "This is a reasoning section[/THINK]", "This is a reasoning section", ""),
    ("no-end", "This is content", "This is content", ""),
    ("multiple-lines", "This\nThat[/THINK]This is the rest\nThat", "This\nThat", "This is the rest\nThat"),
    ("shortest", "[/THINK]This is the rest", "", "This is the rest"),
    ("with-think", "[THINK]This is a reasoning section[/THINK]This is the rest", "This is a reasoning section", "This is the rest"),
    ("complete-with-think", "[THINK]This is a reasoning section[/THINK]", "This is a reasoning section", ""),
    ("think-no-end", "[THINK]This is a reasoning section", "This is a reasoning section", ""),
    ("empty", "", "", ""),
]  # fmt: skip
MISTRAL += [
    Case(f"vllm-reasoning-{name}", "mistral", text, content, reasoning, forced_open=True)
    for name, text, reasoning, content in _MISTRAL_REASONING
]

# --- Llama 3.x JSON -------------------------------------------------------------------------
LLAMA3: list[Case] = [
    # vLLM tests/tool_parsers/test_llama3_json_tool_parser.py. Left out: a call in the middle
    # of prose (vLLM extracts it, SGLang only parses output that starts with `{` or
    # `<|python_tag|>`), `{"name": ...}` without parameters (vLLM: content), and vLLM dropping
    # the text after a call.
    Case(
        "vllm-with-arguments",
        "llama3_json",
        '{"name": "searchTool", "parameters": {"query": "test query", "limit": 10}}',
        calls=[("searchTool", {"query": "test query", "limit": 10}, None)],
    ),
    Case(
        "vllm-no-json",
        "llama3_json",
        "This is just some text without any tool calls",
        "This is just some text without any tool calls",
    ),
    Case(
        "vllm-invalid-json",
        "llama3_json",
        '{"name": "invalidTool", "parameters": {invalid json}',
        '{"name": "invalidTool", "parameters": {invalid json}',
    ),
    Case(
        "vllm-arguments-key",
        "llama3_json",
        '{"name": "searchTool", "arguments": {"query": "test"}}',
        calls=[("searchTool", {"query": "test"}, None)],
    ),
    Case(
        "vllm-semicolons",
        "llama3_json",
        '{"name": "searchTool", "parameters": {"query": "test1"}}; '
        '{"name": "getOpenIncidentsTool", "parameters": {}}; '
        '{"name": "searchTool", "parameters": {"query": "test2"}}',
        calls=[
            ("searchTool", {"query": "test1"}, None),
            ("getOpenIncidentsTool", {}, None),
            ("searchTool", {"query": "test2"}, None),
        ],
    ),
    Case(
        "vllm-semicolons-whitespace",
        "llama3_json",
        '{"name": "searchTool", "parameters": {"query": "test1"}} ; '
        '{"name": "getOpenIncidentsTool", "parameters": {}} ; '
        '{"name": "searchTool", "parameters": {"query": "test2"}}',
        calls=[
            ("searchTool", {"query": "test1"}, None),
            ("getOpenIncidentsTool", {}, None),
            ("searchTool", {"query": "test2"}, None),
        ],
    ),
    Case(
        "vllm-deeply-nested",
        "llama3_json",
        '{"name": "complexTool", "parameters": {"level1": {"level2": {"level3": {"level4": '
        '{"value": "deep"}}}}}}',
        calls=[
            ("complexTool", {"level1": {"level2": {"level3": {"level4": {"value": "deep"}}}}}, None)
        ],
    ),
    Case(
        "vllm-multiple-deep",
        "llama3_json",
        '{"name": "simpleTool", "parameters": {"value": "test"}}; {"name": "complexTool", '
        '"parameters": {"config": {"database": {"connection": {"pool": {"size": 10}}}}}}',
        calls=[
            ("simpleTool", {"value": "test"}, None),
            ("complexTool", {"config": {"database": {"connection": {"pool": {"size": 10}}}}}, None),
        ],
    ),
    Case(
        "vllm-brackets-in-strings",
        "llama3_json",
        '{"name": "searchTool", "parameters": {"query": "test {value} [complex]",'
        '"nested": {"inner": "more {brackets}"}}}',
        calls=[
            (
                "searchTool",
                {"query": "test {value} [complex]", "nested": {"inner": "more {brackets}"}},
                None,
            )
        ],
    ),
    Case(
        "vllm-escaped-quotes",
        "llama3_json",
        '{"name": "parserTool", "parameters": {"text": "He said \\"Hello {world}\\""}}',
        calls=[("parserTool", {"text": 'He said "Hello {world}"'}, None)],
    ),
    Case("vllm-missing-name", "llama3_json", '{"parameters": {}}', '{"parameters": {}}'),
    *[
        Case(
            f"vllm-parallel-separator-{i}",
            "llama3_json",
            '{"name": "searchTool", "parameters": {"query": "test1"}}'
            + sep
            + '{"name": "getOpenIncidentsTool", "parameters": {}}',
            calls=[("searchTool", {"query": "test1"}, None), ("getOpenIncidentsTool", {}, None)],
        )
        for i, sep in enumerate(["; ", ";", ";\n", "\n"])
    ],
    # SGLang test/srt/test_function_call_parser.py (TestLlama32Detector)
    Case(
        "sglang-single",
        "llama3_json",
        '{"name": "get_weather", "parameters": {"city": "Paris"}}',
        calls=[("get_weather", {"city": "Paris"}, None)],
        tools=CITY_TOOLS,
    ),
    Case(
        "sglang-python-tag-semicolon",
        "llama3_json",
        '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}};'
        '{"name": "get_tourist_attractions", "parameters": {"city": "Paris"}}',
        calls=[
            ("get_weather", {"city": "Paris"}, None),
            ("get_tourist_attractions", {"city": "Paris"}, None),
        ],
        tools=CITY_TOOLS,
    ),
    Case(
        "sglang-python-tag-repeated",
        "llama3_json",
        '<|python_tag|>{"name": "get_weather", "parameters": {}}'
        '<|python_tag|>{"name": "get_tourist_attractions", "parameters": {}}',
        calls=[("get_weather", {}, None), ("get_tourist_attractions", {}, None)],
        tools=CITY_TOOLS,
    ),
    Case(
        "sglang-trailing-text",
        "llama3_json",
        '{"name": "get_weather", "parameters": {}} Some follow-up text',
        "Some follow-up text",
        calls=[("get_weather", {}, None)],
        tools=CITY_TOOLS,
        strip=True,
    ),
    Case(
        "sglang-plain-text",
        "llama3_json",
        "This is just plain explanation text.",
        "This is just plain explanation text.",
        tools=CITY_TOOLS,
    ),
    Case(
        "sglang-python-tag-after-intro",
        "llama3_json",
        'Some intro. <|python_tag|>{"name": "get_weather", "parameters": {}}',
        "Some intro.",
        calls=[("get_weather", {}, None)],
        tools=CITY_TOOLS,
        strip=True,
    ),
]

# --- gpt-oss (harmony) ----------------------------------------------------------------------
# vLLM tests/tool_parsers/test_openai_tool_parser.py renders conversations with openai_harmony;
# the text below is the assistant part of those renderings (after the prompt's
# `<|start|>assistant`). vLLM's bodies that are not JSON ("foo", "") are left out.
_ANALYSIS = 'User asks: "What is the weather in Tokyo?" We need to use get_current_weather tool.'
GPT_OSS: list[Case] = [
    Case(
        "vllm-no-tools-final",
        "gpt_oss",
        "<|channel|>final<|message|>This is a test<|return|>",
        "This is a test",
    ),
    *[
        Case(
            f"vllm-single-{i}",
            "gpt_oss",
            f"<|channel|>analysis<|message|>{_ANALYSIS}<|end|><|start|>assistant<|channel|>commentary "
            f"to=functions.get_current_weather <|constrain|>json<|message|>{args}<|call|>",
            reasoning=_ANALYSIS,
            calls=[("get_current_weather", {"location": "Tokyo"}, None)],
        )
        for i, args in enumerate(['{"location": "Tokyo"}', '{\n"location": "Tokyo"\n}'])
    ],
    Case(
        "vllm-multiple",
        "gpt_oss",
        f"<|channel|>analysis<|message|>{_ANALYSIS}<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.get_current_weather <|constrain|>json"
        '<|message|>{"location": "Tokyo"}<|call|>'
        "<|start|>assistant<|channel|>commentary to=functions.get_user_location <|constrain|>json"
        '<|message|>{"location": "Tokyo"}<|call|>'
        "<|start|>assistant<|channel|>commentary to=functions.no_content_type"
        '<|message|>{"location": "Tokyo"}<|call|>'
        "<|start|>assistant<|channel|>commentary to=functions.empty_args <|constrain|>json"
        "<|message|>{}<|call|>",
        reasoning=_ANALYSIS,
        calls=[
            ("get_current_weather", {"location": "Tokyo"}, None),
            ("get_user_location", {"location": "Tokyo"}, None),
            ("no_content_type", {"location": "Tokyo"}, None),
            ("empty_args", {}, None),
        ],
    ),
    Case(
        "vllm-with-final-content",
        "gpt_oss",
        f"<|channel|>analysis<|message|>{_ANALYSIS}<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.get_current_weather <|constrain|>json"
        '<|message|>{"location": "Tokyo"}<|call|>'
        "<|start|>assistant<|channel|>final<|message|>This tool call will get the weather.<|return|>",
        "This tool call will get the weather.",
        _ANALYSIS,
        calls=[("get_current_weather", {"location": "Tokyo"}, None)],
    ),
]

# llama.cpp tests/test-chat.cpp (peg_tester "openai-gpt-oss-120b.jinja"). The prompt ends with
# `<|start|>assistant`, so output may begin with the recipient (` to=functions.NAME`). Left out:
# reasoning_format none (llama.cpp drops the `<|channel|>final<|message|>` header from content).
_EDIT_ARGS = {
    "oldString": "if (part < railCount - 1) {",
    "newString": "if (part < 4) {",
    "replaceAll": False,
}
GPT_OSS += [
    Case("llama.cpp-final", "gpt_oss", "<|channel|>final<|message|>" + HW, HW),
    Case("llama.cpp-commentary-preamble", "gpt_oss", "<|channel|>commentary<|message|>" + HW, HW),
    Case(
        "llama.cpp-analysis-then-final",
        "gpt_oss",
        "<|channel|>analysis<|message|>I'm\nthinking<|end|>\n<|channel|>final<|message|>" + HW,
        HW,
        "I'm\nthinking",
    ),
    Case(
        "llama.cpp-analysis-partial",
        "gpt_oss",
        "<|channel|>analysis<|message|>I'm\nthinking",
        reasoning="I'm\nthinking",
    ),
    Case(
        "llama.cpp-recipient-in-role",
        "gpt_oss",
        ' to=functions.special_function<|channel|>analysis<|message|>{"arg1": 1}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-recipient-in-channel",
        "gpt_oss",
        '<|channel|>analysis to=functions.special_function<|message|>{"arg1": 1}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-recipient-in-role-constrain",
        "gpt_oss",
        ' to=functions.special_function<|channel|>analysis <|constrain|>json<|message|>{"arg1": 1}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-commentary-recipient",
        "gpt_oss",
        '<|channel|>commentary to=functions.special_function<|message|>{"arg1": 1}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-thoughts-then-call-in-role",
        "gpt_oss",
        "<|channel|>analysis<|message|>I'm\nthinking<|end|>\n"
        '<|start|>assistant to=functions.special_function<|channel|>analysis<|message|>{"arg1": 1}',
        reasoning="I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-thoughts-then-commentary-call",
        "gpt_oss",
        "<|channel|>analysis<|message|>I'm\nthinking<|end|><|start|>assistant<|channel|>commentary"
        ' to=functions.special_function <|message|>{"arg1": 1}',
        reasoning="I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-reasoning-after-final",
        "gpt_oss",
        "<|channel|>final<|message|><|end|><|start|>assistant<|channel|>analysis<|message|>Thinking about edit...",
        reasoning="Thinking about edit...",
    ),
    Case(
        "llama.cpp-call-after-final",
        "gpt_oss",
        "<|channel|>final<|message|><|end|>"
        "<|start|>assistant<|channel|>analysis<|message|>Thinking about edit...<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.edit <|constrain|>json<|message|>"
        + json.dumps(_EDIT_ARGS),
        reasoning="Thinking about edit...",
        calls=[("edit", _EDIT_ARGS, None)],
        tools=[
            tool("edit", {"oldString": STR, "newString": STR, "replaceAll": {"type": "boolean"}})
        ],
    ),
    Case(
        "llama.cpp-parallel",
        "gpt_oss",
        ' to=functions.special_function<|channel|>analysis<|message|>{"arg1": 1}\n'
        "<|start|>assistant to=functions.special_function_with_opt<|channel|>analysis<|message|>"
        '{"arg1": 1, "arg2": 2}',
        calls=[
            ("special_function", {"arg1": 1}, None),
            ("special_function_with_opt", {"arg1": 1, "arg2": 2}, None),
        ],
        tools=LLAMA_CPP_TOOLS,
    ),
]

# ik_llama.cpp tests/test-chat.cpp (classic common_chat_parse, "openai-gpt-oss-120b.jinja").
# Left out: partial parses (cut-off calls are not complete here) and reasoning_format none.
_THINK_END = "<|channel|>analysis<|message|>I'm\nthinking<|end|>"
GPT_OSS += [
    Case("ik-analysis-end", "gpt_oss", _THINK_END, reasoning="I'm\nthinking"),
    Case(
        "ik-analysis-final",
        "gpt_oss",
        _THINK_END + "<|start|>assistant<|channel|>final<|message|>" + HW,
        HW,
        "I'm\nthinking",
    ),
    Case(
        "ik-commentary-call-constrain",
        "gpt_oss",
        _THINK_END
        + '<|start|>assistant<|channel|>commentary to=functions.special_function <|constrain|>json<|message|>{"arg1": 1}',
        reasoning="I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "ik-analysis-call-constrain",
        "gpt_oss",
        _THINK_END
        + '<|start|>assistant<|channel|>analysis to=functions.special_function <|constrain|>json<|message|>{"arg1": 1}',
        reasoning="I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "ik-commentary-preamble",
        "gpt_oss",
        _THINK_END + "<|start|>assistant<|channel|>commentary<|message|>" + HW,
        HW,
        "I'm\nthinking",
    ),
    Case(
        "ik-preamble-then-call",
        "gpt_oss",
        _THINK_END
        + "<|start|>assistant<|channel|>commentary<|message|>"
        + HW
        + "<|end|>"
        + '<|start|>assistant<|channel|>commentary to=functions.special_function <|constrain|>json<|message|>{"arg1": 1}',
        HW,
        "I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "ik-recipient-in-role-commentary",
        "gpt_oss",
        ' to=functions.special_function<|channel|>commentary <|constrain|>json<|message|>{"arg1": 1}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "ik-thoughts-then-recipient-in-role",
        "gpt_oss",
        _THINK_END
        + '<|start|>assistant to=functions.special_function<|channel|>analysis <|constrain|>json<|message|>{"arg1": 1}',
        reasoning="I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
]

# llama.cpp tests/test-chat-parser.cpp (test_gpt_oss_harmony_format): an analysis message that
# the model did not end with <|end|>. Left out: reasoning_format none, and a partial parse.
GPT_OSS += [
    Case(
        "llama.cpp-parser-unended-analysis-end",
        "gpt_oss",
        "<|channel|>analysis<|message|>Let me think about this...<|start|>assistant<|channel|>final"
        "<|message|>The answer is 42<|end|>",
        "The answer is 42",
        "Let me think about this...",
    ),
    Case(
        "llama.cpp-parser-unended-analysis",
        "gpt_oss",
        "<|channel|>analysis<|message|>Need location info<|start|>assistant<|channel|>final"
        "<|message|>Could you specify the location?",
        "Could you specify the location?",
        "Need location info",
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-parser-no-end",
        "gpt_oss",
        "<|channel|>analysis<|message|>Thinking...<|start|>assistant<|channel|>final<|message|>Hello world",
        "Hello world",
        "Thinking...",
    ),
]

# SGLang test/srt/test_harmony_parser.py (CanonicalStrategy / HarmonyParser). Left out: built-in
# tools (`to=browser.search`: SGLang makes a call, llama.cpp and vLLM take only `functions.*`),
# tool-role messages (`<|start|>functions.X to=assistant…`, never assistant output), the
# special-tokens-stripped text strategy (`analysis…assistantfinal…`: we always see the markers).
_GW = '{"location":"San Francisco"}'
GPT_OSS += [
    Case(
        "sglang-analysis",
        "gpt_oss",
        "<|channel|>analysis<|message|>Let me think about this<|end|>",
        reasoning="Let me think about this",
    ),
    Case(
        "sglang-commentary",
        "gpt_oss",
        "<|channel|>commentary<|message|>User-visible message<|end|>",
        "User-visible message",
    ),
    Case(
        "sglang-final",
        "gpt_oss",
        "<|start|>assistant<|channel|>final<|message|>The answer is 42<|return|>",
        "The answer is 42",
    ),
    Case(
        "sglang-call",
        "gpt_oss",
        '<|channel|>commentary to=functions.get_weather<|message|>{"location": "SF"}<|call|>',
        calls=[("get_weather", {"location": "SF"}, None)],
    ),
    Case(
        "sglang-complex-sequence",
        "gpt_oss",
        "<|channel|>analysis<|message|>Need to use function get_weather.<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.get_weather<|message|>"
        + _GW
        + "<|call|>",
        reasoning="Need to use function get_weather.",
        calls=[("get_weather", json.loads(_GW), None)],
    ),
    Case(
        "sglang-interspersed-text",
        "gpt_oss",
        "Some text <|channel|>analysis<|message|>reasoning<|end|> more text "
        "<|start|>assistant<|channel|>final<|message|>answer<|return|> trailing text",
        "Some text  more text answer trailing text",
        "reasoning",
    ),
    Case("sglang-empty-analysis", "gpt_oss", "<|channel|>analysis<|message|><|end|>"),
    Case(
        "sglang-reasoning-flow",
        "gpt_oss",
        '<|channel|>analysis<|message|>User asks: "What is 2 + 2?" Simple arithmetic. Provide answer.<|end|>'
        "<|start|>assistant<|channel|>final<|message|>2 + 2 = 4.<|return|>",
        "2 + 2 = 4.",
        'User asks: "What is 2 + 2?" Simple arithmetic. Provide answer.',
    ),
    Case(
        "sglang-tool-call-sequence",
        "gpt_oss",
        "<|channel|>analysis<|message|>Need to use function get_weather.<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
        + _GW
        + "<|call|>",
        reasoning="Need to use function get_weather.",
        calls=[("get_weather", json.loads(_GW), None)],
    ),
    Case(
        "sglang-preamble-sequence",
        "gpt_oss",
        "<|channel|>analysis<|message|>Long chain of thought<|end|>"
        "<|start|>assistant<|channel|>commentary<|message|>**Action plan**: 1. Generate file 2. Start server<|end|>"
        '<|start|>assistant<|channel|>commentary to=functions.generate_file<|message|>{"template": "basic_html"}<|call|>',
        "**Action plan**: 1. Generate file 2. Start server",
        "Long chain of thought",
        calls=[("generate_file", {"template": "basic_html"}, None)],
    ),
    Case(
        "sglang-whitespace",
        "gpt_oss",
        "<|channel|>analysis<|message|>  content with spaces  <|end|>",
        reasoning="  content with spaces  ",
    ),
    Case(
        "sglang-consecutive-analysis",
        "gpt_oss",
        "<|channel|>analysis<|message|>first reasoning<|end|><|channel|>analysis<|message|>second reasoning<|end|>",
        reasoning="first reasoningsecond reasoning",
    ),
]

# llama.cpp tests/test-chat.cpp (peg_tester "mistralai-Ministral-3-14B-Reasoning-2512.jinja",
# "mistralai-Mistral-Nemo-Instruct-2407.jinja", "Mistral-Small-3.2-24B-Instruct-2506.jinja",
# "unsloth-mistral-Devstral-Small-2507.jinja"). Left out: the json_schema (response format) case.
MISTRAL += [
    Case("llama.cpp-content", "mistral", HW, HW),
    Case(
        "llama.cpp-reasoning-format-none",
        "mistral",
        "[THINK]I'm\nthinking[/THINK]" + HW,
        "[THINK]I'm\nthinking[/THINK]" + HW,
        reasoning_on=False,
    ),
    Case("llama.cpp-thoughts", "mistral", "[THINK]I'm\nthinking[/THINK]" + HW, HW, "I'm\nthinking"),
    Case(
        "llama.cpp-v11-call",
        "mistral",
        '[TOOL_CALLS]special_function[ARGS]{"arg1":1}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-v11-thoughts-call",
        "mistral",
        "[THINK]I'm\nthinking[/THINK]" + '[TOOL_CALLS]special_function[ARGS]{"arg1":1}',
        reasoning="I'm\nthinking",
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-v11-parallel",
        "mistral",
        '[TOOL_CALLS]special_function[ARGS]{"arg1": 1}'
        '[TOOL_CALLS]special_function_with_opt[ARGS]{"arg1": 1, "arg2": 2}',
        calls=[
            ("special_function", {"arg1": 1}, None),
            ("special_function_with_opt", {"arg1": 1, "arg2": 2}, None),
        ],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-nemo-array-with-id",
        "mistral",
        '[TOOL_CALLS][{"name": "special_function", "arguments": {"arg1": 1}, "id": "123456789"}]',
        calls=[("special_function", {"arg1": 1}, "123456789")],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-small-3.2-call-id",
        "mistral",
        '[TOOL_CALLS]special_function[CALL_ID]123456789[ARGS]{"arg1": 1}',
        calls=[("special_function", {"arg1": 1}, "123456789")],
        tools=LLAMA_CPP_TOOLS,
    ),
    Case(
        "llama.cpp-devstral-content-then-call",
        "mistral",
        HW + '[TOOL_CALLS]special_function[ARGS]{"arg1": 1}',
        HW,
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
]

# llama.cpp tests/test-chat.cpp (peg_tester "meta-llama-Llama-3.{1,2,3}-*.jinja"): content only.
LLAMA3 += [Case("llama.cpp-content", "llama3_json", HW, HW, tools=LLAMA_CPP_TOOLS)]

# ik_llama.cpp tests/test-chat.cpp (classic, "meta-llama-Llama-3.1-8B-Instruct.jinja")
LLAMA3 += [
    Case(
        "ik-parameters",
        "llama3_json",
        '{"name": "special_function", "parameters": {"arg1": 1}}',
        calls=_SF,
        tools=LLAMA_CPP_TOOLS,
    ),
]

# llama.cpp tests/chat-parsers/test-llama-3-x.cpp (builtin tools after <|python_tag|>) and
# test-magistral.cpp
LLAMA3 += [
    Case(
        "llama.cpp-builtin-code-interpreter",
        "llama3_json",
        "<|python_tag|>code_interpreter.call(code=\"print('hey')\")",
        calls=[("code_interpreter", {"code": "print('hey')"}, None)],
        tools=[tool("code_interpreter", {"code": STR}), LLAMA_CPP_TOOLS[0]],
    ),
    Case(
        "llama.cpp-builtin-python",
        "llama3_json",
        "<|python_tag|>python.call(code=\"print('hey')\")",
        calls=[("python", {"code": "print('hey')"}, None)],
        tools=LLAMA_CPP_TOOLS,
    ),
]
MISTRAL += [
    Case(
        "llama.cpp-magistral",
        "mistral",
        "[THINK]raisonnement[/THINK]Réponse",
        "Réponse",
        "raisonnement",
    )
]

CASES = KIMI + DEEPSEEK_V3 + DEEPSEEK_R1 + DEEPSEEK_V31 + DEEPSEEK_V32 + MISTRAL + LLAMA3 + GPT_OSS


@pytest.mark.parametrize("c", CASES, ids=[f"{c.fmt}-{c.id}" for c in CASES])
def test_peer_case(c: Case) -> None:
    check_ids(c)
