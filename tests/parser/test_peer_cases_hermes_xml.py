"""The peers' own test cases for hermes, qwen3_coder, glm45, minimax_m2 and seed_oss.

Each case is a model output from a peer's test file (cited next to its group) with what that peer
asserts: content, reasoning, tool calls (name + arguments compared as parsed JSON). Only cases on
which the peers agree are kept; where a peer trims content (our rule: whitespace is content), the
case compares stripped content and says so. Every case is also streamed in random pieces and the
folded events must equal `parse`.
"""

from __future__ import annotations

import pytest

from tests.parser.peers import Case, check, tool

CASES: list[Case] = []

# --- hermes ---------------------------------------------------------------------------------------
# vllm-project/vllm tests/tool_parsers/test_hermes_tool_parser.py
CASES += [
    Case(
        "vllm-hermes-plain-text",
        "hermes",
        "This is some prior text that has nothing to do with tool calling.",
        [],
        "This is some prior text that has nothing to do with tool calling.",
    ),
    Case(
        "vllm-hermes-bug-19056",
        "hermes",
        '<tool_call>\n{"name": "final_answer", "arguments": {"trigger": true}}\n</tool_call>',
        [("final_answer", {"trigger": True})],
    ),
    Case(
        "vllm-hermes-streaming",
        "hermes",
        '<tool_call>{"name": "get_current_temperature","arguments": {"location":'
        '"San Francisco, California, United States", "unit": "celsius"}}</tool_call>',
        [
            (
                "get_current_temperature",
                {"location": "San Francisco, California, United States", "unit": "celsius"},
            )
        ],
    ),
    Case(
        "vllm-hermes-content-then-call",
        "hermes",
        'Sure, let me check the weather.<tool_call>{"name": "get_weather", '
        '"arguments": {"city": "NYC"}}</tool_call>',
        [("get_weather", {"city": "NYC"})],
        "Sure, let me check the weather.",
    ),
    Case(
        "vllm-hermes-two-calls",
        "hermes",
        '<tool_call>{"name": "search", "arguments": {"q": "cats"}}</tool_call>'
        '<tool_call>{"name": "search", "arguments": {"q": "dogs"}}</tool_call>',
        [("search", {"q": "cats"}), ("search", {"q": "dogs"})],
    ),
    Case(
        "vllm-hermes-serialized-arguments",
        "hermes",
        '<tool_call>\n{"name": "get_db_config", '
        '"arguments": "{\\"param\\": \\"max_connections\\"}"}\n</tool_call>',
        [("get_db_config", {"param": "max_connections"})],
    ),
    Case(
        "vllm-hermes-content-and-call-one-chunk",
        "hermes",
        'Hi!<tool_call>{"name": "f", "arguments": {"x": 1}}</tool_call>',
        [("f", {"x": 1})],
        "Hi!",
    ),
    Case(
        "vllm-hermes-until-eos",
        "hermes",
        '<tool_call>\n{"name": "final_answer", "arguments": {"trigger": true}}',
        [("final_answer", {"trigger": True})],
    ),
    # Left out: "non streaming tool call invalid json" (`{"name": ..., "arguments": {...}` with
    # the object's closing brace and the tag missing at end of output -> no call). Our rule makes
    # it a call: its arguments are whole and only the envelope was cut (see
    # rust_parser/core/tests/hermes.rs cut_call_is_given_back_whole_arguments_are_a_call).
    # Left out: a `"arguments": "hello"` string that is not JSON (llama.cpp passes the string
    # through as the arguments text, vLLM serialises it): the peers disagree.
]

# --- qwen3_coder ----------------------------------------------------------------------------------
# vllm-project/vllm tests/tool_parsers/test_qwen3coder_tool_parser.py
QWEN_TOOLS = [
    tool(
        "get_current_weather",
        {
            "city": {"type": "string"},
            "state": {"type": "string"},
            "unit": {"type": "string", "enum": ["fahrenheit", "celsius"]},
        },
    ),
    tool(
        "calculate_area",
        {
            "shape": {"type": "string"},
            "dimensions": {"type": "object"},
            "precision": {"type": "integer"},
        },
    ),
]
DALLAS = (
    "<tool_call>\n<function=get_current_weather>\n<parameter=city>\nDallas\n</parameter>\n"
    "<parameter=state>\nTX\n</parameter>\n<parameter=unit>\nfahrenheit\n</parameter>\n"
    "</function>\n</tool_call>"
)
DALLAS_ARGS = {"city": "Dallas", "state": "TX", "unit": "fahrenheit"}
CASES += [
    Case(
        "vllm-qwen3coder-no-tools",
        "qwen3_coder",
        "This is a test response without any tool calls",
        [],
        "This is a test response without any tool calls",
        tools=QWEN_TOOLS,
    ),
    Case(
        "vllm-qwen3coder-single",
        "qwen3_coder",
        DALLAS,
        [("get_current_weather", DALLAS_ARGS)],
        tools=QWEN_TOOLS,
    ),
    Case(
        "vllm-qwen3coder-single-with-content",
        "qwen3_coder",
        "Sure! Let me check the weather for you." + DALLAS,
        [("get_current_weather", DALLAS_ARGS)],
        "Sure! Let me check the weather for you.",
        tools=QWEN_TOOLS,
    ),
    Case(
        "vllm-qwen3coder-multiline-param",
        "qwen3_coder",
        "<tool_call>\n<function=calculate_area>\n<parameter=shape>\nrectangle\n</parameter>\n"
        '<parameter=dimensions>\n{"width": 10, \n "height": 20}\n</parameter>\n'
        "<parameter=precision>\n2\n</parameter>\n</function>\n</tool_call>",
        [
            (
                "calculate_area",
                {"shape": "rectangle", "dimensions": {"width": 10, "height": 20}, "precision": 2},
            )
        ],
        tools=QWEN_TOOLS,
    ),
    Case(
        "vllm-qwen3coder-parallel",
        "qwen3_coder",
        DALLAS + "\n" + DALLAS.replace("Dallas", "Orlando").replace("TX", "FL"),
        [
            ("get_current_weather", DALLAS_ARGS),
            ("get_current_weather", {"city": "Orlando", "state": "FL", "unit": "fahrenheit"}),
        ],
        tools=QWEN_TOOLS,
    ),
    Case(
        "vllm-qwen3coder-typed-params",
        "qwen3_coder",
        "Let me calculate that area for you.<tool_call>\n<function=calculate_area>\n"
        "<parameter=shape>\ncircle\n</parameter>\n"
        '<parameter=dimensions>\n{"radius": 15.5}\n</parameter>\n'
        "<parameter=precision>\n3\n</parameter>\n</function>\n</tool_call>",
        [("calculate_area", {"shape": "circle", "dimensions": {"radius": 15.5}, "precision": 3})],
        "Let me calculate that area for you.",
        tools=QWEN_TOOLS,
    ),
    Case(
        "vllm-qwen3coder-type-conversion",
        "qwen3_coder",
        "<tool_call>\n<function=test_types>\n<parameter=int_param>\n42\n</parameter>\n"
        "<parameter=float_param>\n3.14\n</parameter>\n<parameter=bool_param>\ntrue\n</parameter>\n"
        "<parameter=str_param>\nhello world\n</parameter>\n"
        '<parameter=obj_param>\n{"key": "value"}\n</parameter>\n</function>\n</tool_call>',
        [
            (
                "test_types",
                {
                    "int_param": 42,
                    "float_param": 3.14,
                    "bool_param": True,
                    "str_param": "hello world",
                    "obj_param": {"key": "value"},
                },
            )
        ],
        tools=[
            tool(
                "test_types",
                {
                    "int_param": {"type": "integer"},
                    "float_param": {"type": "float"},
                    "bool_param": {"type": "boolean"},
                    "str_param": {"type": "string"},
                    "obj_param": {"type": "object"},
                },
            )
        ],
    ),
    Case(
        "vllm-qwen3coder-anyof",
        "qwen3_coder",
        "<tool_call>\n<function=test_anyof>\n<parameter=anyof_int>\n5\n</parameter>\n"
        "<parameter=anyof_str>\nhello\n</parameter>\n"
        '<parameter=anyof_array>\n["a", "b", "c"]\n</parameter>\n'
        '<parameter=anyof_obj>\n{"key": "value"}\n</parameter>\n'
        "<parameter=type_as_array>\n42\n</parameter>\n"
        "<parameter=multi_non_null>\nsome text\n</parameter>\n</function>\n</tool_call>",
        [
            (
                "test_anyof",
                {
                    "anyof_int": 5,
                    "anyof_str": "hello",
                    "anyof_array": ["a", "b", "c"],
                    "anyof_obj": {"key": "value"},
                    "type_as_array": 42,
                    "multi_non_null": "some text",
                },
            )
        ],
        tools=[
            tool(
                "test_anyof",
                {
                    "anyof_int": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": 5},
                    "anyof_str": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "anyof_array": {
                        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]
                    },
                    "anyof_obj": {"anyOf": [{"type": "object"}, {"type": "null"}]},
                    "type_as_array": {"type": ["integer", "null"]},
                    "multi_non_null": {
                        "anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]
                    },
                },
            )
        ],
    ),
    Case(
        "vllm-qwen3coder-anyof-streaming",
        "qwen3_coder",
        "<tool_call>\n<function=search_web>\n<parameter=query>\nvllm tool parser\n</parameter>\n"
        "<parameter=count>\n10\n</parameter>\n<parameter=verbose>\ntrue\n</parameter>\n"
        "</function>\n</tool_call>",
        [("search_web", {"query": "vllm tool parser", "count": 10, "verbose": True})],
        tools=[
            tool(
                "search_web",
                {
                    "query": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "count": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": 5},
                    "verbose": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
                },
            )
        ],
    ),
    Case(
        "vllm-qwen3coder-anyof-not-double-encoded",
        "qwen3_coder",
        "<tool_call>\n<function=update_record>\n"
        '<parameter=data>{"key": "value", "count": 42}</parameter>\n</function>\n</tool_call>',
        [("update_record", {"data": {"key": "value", "count": 42}})],
        tools=[tool("update_record", {"data": {"anyOf": [{"type": "object"}, {"type": "null"}]}})],
    ),
    Case(
        "vllm-qwen3coder-string-not-double-serialized",
        "qwen3_coder",
        "<tool_call>\n<function=greet>\n<parameter=message>hello world</parameter>\n"
        "</function>\n</tool_call>",
        [("greet", {"message": "hello world"})],
        tools=[tool("greet", {"message": {"type": "string"}})],
    ),
    Case(
        "vllm-qwen3coder-missing-parameter-close",
        "qwen3_coder",
        "Let me check the weather for you:\n<tool_call>\n<function=get_current_weather>\n"
        "<parameter=city>\nDallas\n<parameter=state>\nTX\n</parameter>\n<parameter=unit>\n"
        "fahrenheit\n</parameter>\n</function>\n</tool_call>",
        [("get_current_weather", DALLAS_ARGS)],
        "Let me check the weather for you:\n",
        tools=QWEN_TOOLS,
    ),
    # vLLM only asserts that the valid call is among the calls; the malformed head is content.
    Case(
        "vllm-qwen3coder-malformed-head-then-valid",
        "qwen3_coder",
        "<tool_call>\n<function=bad_func_no_gt\n</function>\n</tool_call>\n<tool_call>\n"
        "<function=get_current_weather>\n<parameter=city>Dallas</parameter>\n"
        "<parameter=state>TX</parameter>\n</function>\n</tool_call>",
        [("get_current_weather", {"city": "Dallas", "state": "TX"})],
        None,
        tools=QWEN_TOOLS,
    ),
    Case(
        "vllm-qwen3coder-incremental",
        "qwen3_coder",
        "I'll check the weather.<tool_call>\n<function=get_current_weather>\n"
        "<parameter=city>\nDallas\n</parameter>\n<parameter=state>\nTX\n</parameter>\n"
        "</function>\n</tool_call>",
        [("get_current_weather", {"city": "Dallas", "state": "TX"})],
        "I'll check the weather.",
        tools=QWEN_TOOLS,
    ),
]

# --- glm45 ----------------------------------------------------------------------------------------
# vllm-project/vllm tests/tool_parsers/test_glm4_moe_tool_parser.py
GLM_TOOLS = [tool("get_weather", {"city": {"type": "string"}})]


def glm(name: str, *pairs: tuple[str, str], indent: str = "    ") -> str:
    """A GLM-4.5 call laid out as the vLLM cases write it (indented lines)."""
    body = "".join(
        f"\n{indent}<arg_key>{k}</arg_key>\n{indent}<arg_value>{v}</arg_value>" for k, v in pairs
    )
    return f"<tool_call>{name}{body}\n{indent}</tool_call>"


W3 = (("city", "Dallas"), ("state", "TX"), ("unit", "fahrenheit"))
CASES += [
    Case("vllm-glm-no-tools", "glm45", "This is a test", [], "This is a test", tools=GLM_TOOLS),
    Case(
        "vllm-glm-single",
        "glm45",
        glm("get_current_weather", *W3),
        [("get_current_weather", dict(W3))],
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-multiple",
        "glm45",
        glm("get_current_weather", *W3)
        + "\n    "
        + glm("get_current_weather", ("city", "Orlando"), ("state", "FL"), ("unit", "fahrenheit")),
        [
            ("get_current_weather", dict(W3)),
            ("get_current_weather", {"city": "Orlando", "state": "FL", "unit": "fahrenheit"}),
        ],
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-content-before",
        "glm45",
        "I'll help you check the weather. "
        + glm("get_current_weather", ("city", "Seattle"), ("state", "WA"), ("unit", "celsius")),
        [("get_current_weather", {"city": "Seattle", "state": "WA", "unit": "celsius"})],
        "I'll help you check the weather. ",
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-mixed-args",
        "glm45",
        glm("get_current_weather", ("city", "New York"), ("state", "NY"), ("unit", "celsius")),
        [("get_current_weather", {"city": "New York", "state": "NY", "unit": "celsius"})],
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-content-no-space",
        "glm45",
        "I will help you get the weather."
        + glm("get_weather", ("city", "Beijing"), ("date", "2025-08-01")),
        [("get_weather", {"city": "Beijing", "date": "2025-08-01"})],
        "I will help you get the weather.",
        tools=GLM_TOOLS,
    ),
    # vLLM's tool parser alone leaves the think block in content; with reasoning off we do too.
    Case(
        "vllm-glm-thinking-tags-tool-parser-only",
        "glm45",
        "<think>I want to get the weather.</think>\n\nI will help you get the weather.\n"
        + glm("get_weather", ("city", "Beijing"), ("date", "2025-08-01"), indent=""),
        [("get_weather", {"city": "Beijing", "date": "2025-08-01"})],
        "<think>I want to get the weather.</think>\n\nI will help you get the weather.\n",
        tools=GLM_TOOLS,
        reasoning_on=False,
    ),
    Case(
        "vllm-glm-empty-arguments",
        "glm45",
        "<tool_call>get_current_time\n</tool_call>",
        [("get_current_time", {})],
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-special-characters",
        "glm45",
        glm(
            "send_message",
            ("recipient", "Amy"),
            ("message", "It is a nice day"),
            ("priority", "high"),
            indent="",
        ),
        [("send_message", {"recipient": "Amy", "message": "It is a nice day", "priority": "high"})],
        tools=GLM_TOOLS,
    ),
    # vLLM keeps only the text before the first call as content and drops the text between the
    # calls; we keep every byte (whitespace is content), so only the calls are compared.
    Case(
        "vllm-glm-mixed-content",
        "glm45",
        "I will help you get the weather info.\n\n"
        + glm("get_weather", ("city", "Beijing"), ("date", "2025-08-01"), indent="")
        + "\n\nmeaningwhile, I will also check the weather in Shanghai.\n\n"
        + glm("get_weather", ("city", "Shanghai"), ("date", "2025-08-01"), indent=""),
        [
            ("get_weather", {"city": "Beijing", "date": "2025-08-01"}),
            ("get_weather", {"city": "Shanghai", "date": "2025-08-01"}),
        ],
        None,
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-numeric-deserialization-undeclared",
        "glm45",
        "<tool_call>calculate\n<arg_key>operation</arg_key>\n<arg_value>add</arg_value>\n"
        "<arg_key>a</arg_key>\n<arg_value>42</arg_value>\n<arg_key>b</arg_key>\n"
        "<arg_value>3.14</arg_value>\n<arg_key>enabled</arg_key>\n<arg_value>true</arg_value>\n"
        "</tool_call>",
        [("calculate", {"operation": "add", "a": 42, "b": 3.14, "enabled": True})],
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-whitespace-preserved",
        "glm45",
        "<tool_call>apply_diff\n<arg_key>s</arg_key>\n<arg_value>    indented code    "
        "</arg_value>\n</tool_call>",
        [("apply_diff", {"s": "    indented code    "})],
        tools=[tool("apply_diff", {"s": {"type": "string"}})],
    ),
    Case(
        "vllm-glm-malformed-no-close",
        "glm45",
        "<tool_call>   ",
        [],
        "<tool_call>   ",
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-unicode",
        "glm45",
        "<tool_call>send_message\n<arg_key>greeting</arg_key>\n<arg_value>你好世界</arg_value>\n"
        "<arg_key>emoji</arg_key>\n<arg_value>🎉</arg_value>\n</tool_call>",
        [("send_message", {"greeting": "你好世界", "emoji": "🎉"})],
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-json-escape-in-string",
        "glm45",
        '<tool_call>send_message\n<arg_key>message</arg_key><arg_value>Hello "world"\nNew line'
        "</arg_value></tool_call>",
        [("send_message", {"message": 'Hello "world"\nNew line'})],
        tools=[tool("send_message", {"message": {"type": "string"}})],
    ),
    Case(
        "vllm-glm-content-between-calls",
        "glm45",
        "I will check.\n<tool_call>get_weather\n<arg_key>city</arg_key><arg_value>Beijing"
        "</arg_value></tool_call>\nAlso Shanghai.\n<tool_call>get_weather\n<arg_key>city"
        "</arg_key><arg_value>Shanghai</arg_value></tool_call>",
        [("get_weather", {"city": "Beijing"}), ("get_weather", {"city": "Shanghai"})],
        "I will check.\n\nAlso Shanghai.\n",
        tools=GLM_TOOLS,
    ),
    Case(
        "vllm-glm-multi-args-mixed-types",
        "glm45",
        "<tool_call>calculate\n<arg_key>operation</arg_key><arg_value>add</arg_value><arg_key>a"
        "</arg_key><arg_value>42</arg_value><arg_key>b</arg_key><arg_value>3.14</arg_value>"
        "</tool_call>",
        [("calculate", {"operation": "add", "a": 42, "b": 3.14})],
        tools=[
            tool(
                "calculate",
                {"operation": {"type": "string"}, "a": {"type": "number"}, "b": {"type": "number"}},
            )
        ],
    ),
    # Left out: vLLM "incomplete tool call" (no `</tool_call>` at end of output -> no call). Our
    # rule repairs a call whose values are whole at end of output (as vLLM's own Hermes
    # "tool_call_until_eos" case does); the peers disagree, so the case is not encoded.
]

# --- minimax_m2 -----------------------------------------------------------------------------------
# vllm-project/vllm tests/tool_parsers/test_minimax_m2_tool_parser.py
MM_NULLABLE = [
    tool("update_profile", {"nickname": {"anyOf": [{"type": "string"}, {"type": "null"}]}})
]
CASES += [
    Case("vllm-minimax-plain", "minimax_m2", "Hello world", [], "Hello world"),
    Case(
        "vllm-minimax-content-before",
        "minimax_m2",
        'Let me check. <minimax:tool_call><invoke name="get_weather">'
        '<parameter name="city">Seattle</parameter></invoke></minimax:tool_call>',
        [("get_weather", {"city": "Seattle"})],
        "Let me check. ",
    ),
    # No tools: nothing declares `days`, so it stays the string the model wrote.
    Case(
        "vllm-minimax-multiple-params-no-tools",
        "minimax_m2",
        '<minimax:tool_call><invoke name="get_weather"><parameter name="city">Seattle</parameter>'
        '<parameter name="days">5</parameter></invoke></minimax:tool_call>',
        [("get_weather", {"city": "Seattle", "days": "5"})],
    ),
    Case(
        "vllm-minimax-two-invokes",
        "minimax_m2",
        '<minimax:tool_call><invoke name="search_web"><parameter name="query">OpenAI</parameter>'
        '</invoke><invoke name="search_web"><parameter name="query">Gemini</parameter></invoke>'
        "</minimax:tool_call>",
        [("search_web", {"query": "OpenAI"}), ("search_web", {"query": "Gemini"})],
    ),
    Case(
        "vllm-minimax-different-functions",
        "minimax_m2",
        '<minimax:tool_call><invoke name="get_weather"><parameter name="city">NYC</parameter>'
        '</invoke><invoke name="get_stock"><parameter name="ticker">AAPL</parameter></invoke>'
        "</minimax:tool_call>",
        [("get_weather", {"city": "NYC"}), ("get_stock", {"ticker": "AAPL"})],
    ),
    Case(
        "vllm-minimax-anyof-nullable-string",
        "minimax_m2",
        '<minimax:tool_call><invoke name="update_profile">'
        '<parameter name="nickname">Alice</parameter></invoke></minimax:tool_call>',
        [("update_profile", {"nickname": "Alice"})],
        tools=MM_NULLABLE,
    ),
    Case(
        "vllm-minimax-anyof-nullable-null",
        "minimax_m2",
        '<minimax:tool_call><invoke name="update_profile">'
        '<parameter name="nickname">null</parameter></invoke></minimax:tool_call>',
        [("update_profile", {"nickname": None})],
        tools=MM_NULLABLE,
    ),
    Case(
        "vllm-minimax-anyof-nullable-object",
        "minimax_m2",
        '<minimax:tool_call><invoke name="update_settings">'
        '<parameter name="config">{"theme": "dark", "fontSize": 14}</parameter>'
        "</invoke></minimax:tool_call>",
        [("update_settings", {"config": {"theme": "dark", "fontSize": 14}})],
        tools=[
            tool("update_settings", {"config": {"anyOf": [{"type": "object"}, {"type": "null"}]}})
        ],
    ),
]

# vllm-project/vllm tests/tool_use/test_minimax_m2_tool_parser.py
CASES += [
    Case(
        "vllm-minimax-extra-attributes",
        "minimax_m2",
        '<minimax:tool_call><invoke name="execute_command" description="Run a command">'
        '<parameter name="command" type="string">ls -la</parameter></invoke></minimax:tool_call>',
        [("execute_command", {"command": "ls -la"})],
    ),
    Case(
        "vllm-minimax-parentheses-in-value",
        "minimax_m2",
        '<minimax:tool_call><invoke name="help"><parameter name="topic">commands (e.g. ls -la, '
        "cat file.txt)</parameter></invoke></minimax:tool_call>",
        [("help", {"topic": "commands (e.g. ls -la, cat file.txt)"})],
    ),
    Case(
        "vllm-minimax-extra-attributes-non-streaming",
        "minimax_m2",
        '<minimax:tool_call><invoke name="test_func" extra="ignored">'
        '<parameter name="arg1" type="string">value1</parameter>'
        '<parameter name="arg2" description="(e.g. example)">value2</parameter>'
        "</invoke></minimax:tool_call>",
        [("test_func", {"arg1": "value1", "arg2": "value2"})],
    ),
]

# --- seed_oss -------------------------------------------------------------------------------------
# vllm-project/vllm tests/tool_parsers/test_seed_oss_tool_parser.py
SEED_TOOLS = [tool("get_weather", {"location": {"type": "string"}, "unit": {"type": "string"}})]
SEED_CALL = (
    "<seed:tool_call>\n<function=get_weather>\n<parameter=location>Barcelona, Spain</parameter>\n"
    "</function>\n</seed:tool_call>"
)
SEED_THINK_0 = (
    "<seed:think>\n</seed:cot_budget_reflect>\n</seed:cot_budget_reflect>\n"
    "The current thinking budget is 0, so I will directly start answering the question.\n"
    "</seed:think>\n"
)
CASES += [
    Case(
        "vllm-seed-no-tools",
        "seed_oss",
        "This is a test response without any tool calls",
        [],
        "This is a test response without any tool calls",
        tools=SEED_TOOLS,
    ),
    Case(
        "vllm-seed-call",
        "seed_oss",
        SEED_CALL,
        [("get_weather", {"location": "Barcelona, Spain"})],
        tools=SEED_TOOLS,
    ),
    # vLLM's tool parser alone leaves the think block in content (reasoning off here).
    Case(
        "vllm-seed-think-budget-0-tool-parser-only",
        "seed_oss",
        SEED_THINK_0 + SEED_CALL,
        [("get_weather", {"location": "Barcelona, Spain"})],
        SEED_THINK_0,
        tools=SEED_TOOLS,
        reasoning_on=False,
    ),
]


# --- llama.cpp: tests/test-chat.cpp, the per-format parser tests (test_glm_4_5_parser, ------------
# test_minimax_m2_parser, test_seed_oss_parser, test_hermes_2_pro_parser,
# test_qwen3_coder_xml_parser), read in a llama.cpp branch that splits test-chat.cpp by format.
# Their shared messages: content "Hello, world!\nWhat's up?", reasoning "I'm\nthinking", call
# special_function {"arg1": 1}. Where a test passes ignore_whitespace_differences, content and
# reasoning are compared stripped (strip=True).
HELLO = "Hello, world!\nWhat's up?"
THINKING = "I'm\nthinking"
SPECIAL = [
    tool("special_function", {"arg1": {"type": "integer"}}),
    tool("special_function_with_opt", {"arg1": {"type": "integer"}, "arg2": {"type": "integer"}}),
    tool(
        "complex_function",
        {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "active": {"type": "boolean"},
            "score": {"type": "number"},
        },
    ),
    tool(
        "web_search",
        {"query": {"type": "string"}, "limit": {"type": "integer"}, "type": {"type": "string"}},
    ),
    tool("process_data", {"input": {"type": "string"}, "format": {"type": "string"}}),
    tool("python", {"code": {"type": "string"}}),
]
CALL1 = ("special_function", {"arg1": 1})
GLM_CALL1 = (
    "<tool_call>special_function\n<arg_key>arg1</arg_key>\n<arg_value>1</arg_value>\n</tool_call>"
)
MM_CALL1 = (
    '<minimax:tool_call>\n<invoke name="special_function">\n<parameter name="arg1">1</parameter>\n'
    "</invoke>\n</minimax:tool_call>"
)
HERMES_CALL1 = '<tool_call>\n{"name": "special_function", "arguments": {"arg1": 1}}\n</tool_call>'
CASES += [
    # glm45 (test_glm_4_5_parser)
    Case("llamacpp-glm-content", "glm45", HELLO, [], HELLO, tools=SPECIAL),
    Case(
        "llamacpp-glm-thoughts",
        "glm45",
        f"\n<think>{THINKING}</think>\n{HELLO}",
        [],
        HELLO,
        THINKING,
        tools=SPECIAL,
        strip=True,
    ),
    Case("llamacpp-glm-call", "glm45", "\n" + GLM_CALL1, [CALL1], "", tools=SPECIAL, strip=True),
    Case(
        "llamacpp-glm-call-thoughts",
        "glm45",
        f"\n<think>{THINKING}</think>\n" + GLM_CALL1,
        [CALL1],
        "",
        THINKING,
        tools=SPECIAL,
        strip=True,
    ),
    Case(
        "llamacpp-glm-call-content",
        "glm45",
        "\n" + GLM_CALL1 + HELLO,
        [CALL1],
        HELLO,
        tools=SPECIAL,
        strip=True,
    ),
    Case(
        "llamacpp-glm-call-thoughts-content",
        "glm45",
        f"\n<think>{THINKING}</think>{HELLO}\n" + GLM_CALL1,
        [CALL1],
        HELLO,
        THINKING,
        tools=SPECIAL,
        strip=True,
    ),
    Case(
        "llamacpp-glm-call-thoughts-unparsed",
        "glm45",
        f"\n<think>{THINKING}</think>\n\n" + GLM_CALL1,
        [CALL1],
        f"<think>{THINKING}</think>",
        tools=SPECIAL,
        reasoning_on=False,
        strip=True,
    ),
    Case(
        "llamacpp-glm-call-withopt",
        "glm45",
        "\n<think></think>\n<tool_call>special_function_with_opt\n<arg_key>arg1</arg_key>\n"
        "<arg_value>1</arg_value>\n<arg_key>arg2</arg_key>\n<arg_value>2</arg_value>\n</tool_call>\n",
        [("special_function_with_opt", {"arg1": 1, "arg2": 2})],
        "",
        tools=SPECIAL,
        strip=True,
    ),
    Case(
        "llamacpp-glm-complex-function",
        "glm45",
        "<tool_call>complex_function\n<arg_key>name</arg_key>\n<arg_value>John Doe</arg_value>\n"
        "<arg_key>age</arg_key>\n<arg_value>30</arg_value>\n<arg_key>active</arg_key>\n"
        "<arg_value>true</arg_value>\n<arg_key>score</arg_key>\n<arg_value>95.5</arg_value>\n"
        "</tool_call>",
        [("complex_function", {"name": "John Doe", "age": 30, "active": True, "score": 95.5})],
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-glm-web-search-quotes",
        "glm45",
        "<tool_call>web_search\n<arg_key>query</arg_key>\n"
        '<arg_value>"From Zero" Linkin Park album tracklist complete songs</arg_value>\n'
        "<arg_key>limit</arg_key>\n<arg_value>3</arg_value>\n<arg_key>type</arg_key>\n"
        "<arg_value>text</arg_value>\n</tool_call>",
        [
            (
                "web_search",
                {
                    "query": '"From Zero" Linkin Park album tracklist complete songs',
                    "limit": 3,
                    "type": "text",
                },
            )
        ],
        tools=SPECIAL,
    ),
    # minimax_m2 (test_minimax_m2_parser); the template opens the think block in the prompt.
    Case("llamacpp-minimax-content", "minimax_m2", HELLO, [], HELLO, tools=SPECIAL),
    Case(
        "llamacpp-minimax-thoughts",
        "minimax_m2",
        f"{THINKING}</think>{HELLO}",
        [],
        HELLO,
        THINKING,
        tools=SPECIAL,
        forced_open=True,
    ),
    Case("llamacpp-minimax-call", "minimax_m2", MM_CALL1, [CALL1], tools=SPECIAL),
    Case(
        "llamacpp-minimax-call-thoughts",
        "minimax_m2",
        f"{THINKING}</think>" + MM_CALL1,
        [CALL1],
        "",
        THINKING,
        tools=SPECIAL,
        forced_open=True,
    ),
    Case(
        "llamacpp-minimax-call-content",
        "minimax_m2",
        MM_CALL1 + HELLO,
        [CALL1],
        HELLO,
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-minimax-call-thoughts-content",
        "minimax_m2",
        f"{THINKING}</think>" + MM_CALL1 + HELLO,
        [CALL1],
        HELLO,
        THINKING,
        tools=SPECIAL,
        forced_open=True,
    ),
    Case(
        "llamacpp-minimax-stream-thoughts-content",
        "minimax_m2",
        f"{THINKING}\n</think>{HELLO}\n" + MM_CALL1,
        [CALL1],
        HELLO,
        None,
        tools=SPECIAL,
        forced_open=True,
        strip=True,
    ),
    Case(
        "llamacpp-minimax-stream-thoughts-content-blank-lines",
        "minimax_m2",
        f"{THINKING}\n</think>\n\n{HELLO}\n\n" + MM_CALL1 + "\n",
        [CALL1],
        HELLO,
        None,
        tools=SPECIAL,
        forced_open=True,
        strip=True,
    ),
    Case(
        "llamacpp-minimax-withopt",
        "minimax_m2",
        '<minimax:tool_call>\n<invoke name="special_function_with_opt">\n'
        '<parameter name="arg1">1</parameter>\n<parameter name="arg2">2</parameter>\n'
        "</invoke>\n</minimax:tool_call>",
        [("special_function_with_opt", {"arg1": 1, "arg2": 2})],
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-minimax-compact",
        "minimax_m2",
        '<minimax:tool_call><invoke name="special_function"><parameter name="arg1">1</parameter>'
        "</invoke></minimax:tool_call>",
        [CALL1],
        tools=SPECIAL,
    ),
    # seed_oss (test_seed_oss_parser)
    Case(
        "llamacpp-seed-reasoning",
        "seed_oss",
        "<seed:think>I'm thinking about the answer</seed:think>Hello, world!",
        [],
        "Hello, world!",
        "I'm thinking about the answer",
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-seed-budget-reflect",
        "seed_oss",
        "<seed:think>Token usage: 45/1000\nI should continue thinking to find the best solution."
        "</seed:think><seed:cot_budget_reflect>Token usage: 45/1000\nI should continue thinking to "
        "find the best solution.</seed:cot_budget_reflect>I need to calculate this step by step.",
        [],
        "<seed:cot_budget_reflect>Token usage: 45/1000\nI should continue thinking to find "
        "the best solution.</seed:cot_budget_reflect>I need to calculate this step by step.",
        "Token usage: 45/1000\nI should continue thinking to find the best solution.",
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-seed-call",
        "seed_oss",
        "<seed:tool_call>\n<function=special_function>\n<parameter=arg1>\n42\n</parameter>\n"
        "</function>\n</seed:tool_call>",
        [("special_function", {"arg1": 42})],
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-seed-multi-param",
        "seed_oss",
        "<seed:tool_call>\n<function=process_data>\n<parameter=input>\ntest\n</parameter>\n"
        "<parameter=format>\njson\n</parameter>\n</function>\n</seed:tool_call>",
        [("process_data", {"input": "test", "format": "json"})],
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-seed-reasoning-call",
        "seed_oss",
        "<seed:think>I need to call the special function</seed:think><seed:tool_call>\n"
        "<function=special_function>\n<parameter=arg1>\n42\n</parameter>\n</function>\n"
        "</seed:tool_call>",
        [("special_function", {"arg1": 42})],
        "",
        "I need to call the special function",
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-seed-incomplete-reasoning",
        "seed_oss",
        "<seed:think>I was thinking",
        [],
        "",
        "I was thinking",
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-seed-content",
        "seed_oss",
        "This is a simple response without reasoning.",
        [],
        "This is a simple response without reasoning.",
        tools=SPECIAL,
    ),
    # hermes (test_hermes_2_pro_parser)
    Case(
        "llamacpp-hermes-forced-open-call",
        "hermes",
        f"{THINKING}</think>\n"
        '<tool_call>{"name": "special_function", "arguments": {"arg1": 1}}</tool_call>',
        [CALL1],
        "",
        THINKING,
        tools=SPECIAL,
        forced_open=True,
        strip=True,
    ),
    Case("llamacpp-hermes-call", "hermes", HERMES_CALL1, [CALL1], tools=SPECIAL),
    Case(
        "llamacpp-hermes-call-content",
        "hermes",
        HELLO + HERMES_CALL1,
        [CALL1],
        HELLO,
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-hermes-multiple-calls",
        "hermes",
        HERMES_CALL1
        + '\n<tool_call>\n{"name": "python", "arguments": {"code":"print(\'hello\')"}}\n'
        "</tool_call>",
        [CALL1, ("python", {"code": "print('hello')"})],
        tools=SPECIAL,
    ),
    Case("llamacpp-hermes-content", "hermes", HELLO, [], HELLO, tools=SPECIAL),
    Case(
        "llamacpp-hermes-thoughts-unparsed",
        "hermes",
        f"<think>{THINKING}</think>{HELLO}",
        [],
        f"<think>{THINKING}</think>{HELLO}",
        tools=SPECIAL,
        reasoning_on=False,
    ),
    Case(
        "llamacpp-hermes-thoughts",
        "hermes",
        f"<think>{THINKING}</think>{HELLO}",
        [],
        HELLO,
        THINKING,
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-hermes-forced-open-thoughts",
        "hermes",
        f"{THINKING}</think>{HELLO}",
        [],
        HELLO,
        THINKING,
        tools=SPECIAL,
        forced_open=True,
    ),
    # qwen3_coder (test_qwen3_coder_xml_parser). Typed values padded with whitespace parse as
    # their type in every peer; padded *string* values are trimmed by llama.cpp and SGLang but
    # not by vLLM (one newline each side only), so those cases are left out.
    Case(
        "llamacpp-qwen3coder-spaces-around-markup",
        "qwen3_coder",
        " <tool_call>\n<function=special_function> <parameter=arg1>1\n</parameter>\n"
        "</function> </tool_call>\n\n\n",
        [CALL1],
        "",
        tools=SPECIAL,
        strip=True,
    ),
    Case(
        "llamacpp-qwen3coder-indented-int",
        "qwen3_coder",
        "<tool_call>\n  <function=special_function>\n    <parameter=arg1>\n      1\n"
        "    </parameter>\n  </function>\n</tool_call>",
        [CALL1],
        tools=SPECIAL,
    ),
    Case(
        "llamacpp-qwen3coder-compact",
        "qwen3_coder",
        "<tool_call><function=compact_function><parameter=param>value</parameter></function>"
        "</tool_call>",
        [("compact_function", {"param": "value"})],
        tools=[tool("compact_function", {"param": {"type": "string"}})],
    ),
]

# --- SGLang: test/srt/test_function_call_parser.py ------------------------------------------------
SG_QWEN_TOOLS = QWEN_TOOLS
SG_GLM_TOOLS = [tool("get_weather", {"city": {"type": "string"}, "date": {"type": "string"}})]
SG_GLM_1 = (
    "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Beijing</arg_value>\n"
    "<arg_key>date</arg_key>\n<arg_value>2024-06-27</arg_value>\n</tool_call>"
)
SG_GLM_2 = SG_GLM_1.replace("Beijing", "Shanghai").replace("06-27", "06-28")
CASES += [
    # TestQwen3CoderDetector
    Case(
        "sglang-qwen3coder-no-tools",
        "qwen3_coder",
        "This is a test response without any tool calls",
        [],
        "This is a test response without any tool calls",
    ),
    Case(
        "sglang-qwen3coder-single",
        "qwen3_coder",
        DALLAS,
        [("get_current_weather", DALLAS_ARGS)],
        tools=SG_QWEN_TOOLS,
    ),
    Case(
        "sglang-qwen3coder-with-content",
        "qwen3_coder",
        "Sure! Let me check the weather for you." + DALLAS,
        [("get_current_weather", DALLAS_ARGS)],
        "Sure! Let me check the weather for you.",
        tools=SG_QWEN_TOOLS,
    ),
    # SGLang returns the "\n" between the two calls as content, vLLM returns none: not compared.
    Case(
        "sglang-qwen3coder-parallel",
        "qwen3_coder",
        DALLAS + "\n" + DALLAS.replace("Dallas", "Orlando").replace("TX", "FL"),
        [
            ("get_current_weather", DALLAS_ARGS),
            ("get_current_weather", {"city": "Orlando", "state": "FL", "unit": "fahrenheit"}),
        ],
        None,
        tools=SG_QWEN_TOOLS,
    ),
    Case(
        "sglang-qwen3coder-streaming-simple",
        "qwen3_coder",
        "Sure! Let me check the weather.<tool_call>\n<function=get_current_weather>\n"
        "<parameter=city>\nDallas\n</parameter>\n<parameter=state>\nTX\n</parameter>\n"
        "</function>\n</tool_call>",
        [("get_current_weather", {"city": "Dallas", "state": "TX"})],
        "Sure! Let me check the weather.",
        tools=SG_QWEN_TOOLS,
    ),
    Case(
        "sglang-qwen3coder-no-parameters",
        "qwen3_coder",
        "<tool_call>\n<function=get_current_weather>\n</function>\n</tool_call>",
        [("get_current_weather", {})],
        tools=SG_QWEN_TOOLS,
    ),
    Case(
        "sglang-qwen3coder-special-chars",
        "qwen3_coder",
        "<tool_call>\n<function=get_current_weather>\n<parameter=city>\nDallas->TX\n</parameter>\n"
        "</function>\n</tool_call>",
        [("get_current_weather", {"city": "Dallas->TX"})],
        tools=SG_QWEN_TOOLS,
    ),
    # TestGlm4MoeDetector
    Case(
        "sglang-glm-single",
        "glm45",
        SG_GLM_1,
        [("get_weather", {"city": "Beijing", "date": "2024-06-27"})],
        tools=SG_GLM_TOOLS,
    ),
    Case(
        "sglang-glm-multiple",
        "glm45",
        SG_GLM_1 + SG_GLM_2,
        [
            ("get_weather", {"city": "Beijing", "date": "2024-06-27"}),
            ("get_weather", {"city": "Shanghai", "date": "2024-06-28"}),
        ],
        tools=SG_GLM_TOOLS,
    ),
    Case(
        "sglang-glm-array-argument",
        "glm45",
        "<tool_call>todo_write\n<arg_key>todos</arg_key>\n"
        '<arg_value>[{"id": "1", "task": "Check for hard-coded issues in the backend code", '
        '"status": "in_progress"}, {"id": "2", "task": "Generate a rectification proposal '
        'report", "status": "pending"}]</arg_value>\n</tool_call>',
        [
            (
                "todo_write",
                {
                    "todos": [
                        {
                            "id": "1",
                            "task": "Check for hard-coded issues in the backend code",
                            "status": "in_progress",
                        },
                        {
                            "id": "2",
                            "task": "Generate a rectification proposal report",
                            "status": "pending",
                        },
                    ]
                },
            )
        ],
        tools=[tool("todo_write", {"todos": {"type": "array"}})],
    ),
]

# --- vLLM reasoning parsers: tests/reasoning/ ----------------------------------------------------
# test_qwen3_reasoning_parser.py: the prompt opens the think block (Qwen3-Thinking / Qwen3.5), so
# these run with thinking_forced_open; a `<tool_call>` ends an unclosed think (Qwen3.5).
QWEN_BASH = (
    "<tool_call>\n<function=bash>\n<parameter=command>\ncat /etc/hosts\n</parameter>\n"
    "</function>\n</tool_call>"
)
BASH_TOOLS = [tool("bash", {"command": {"type": "string"}})]
for fmt in ("hermes", "qwen3_coder"):
    CASES += [
        Case(
            f"vllm-qwen3-reasoning-without-start-{fmt}",
            fmt,
            "This is a reasoning section</think>This is the rest",
            [],
            "This is the rest",
            "This is a reasoning section",
            forced_open=True,
        ),
        Case(
            f"vllm-qwen3-reasoning-complete-without-start-{fmt}",
            fmt,
            "This is a reasoning section</think>",
            [],
            "",
            "This is a reasoning section",
            forced_open=True,
        ),
        Case(
            f"vllm-qwen3-reasoning-with-think-{fmt}",
            fmt,
            "<think>This is a reasoning section</think>This is the rest",
            [],
            "This is the rest",
            "This is a reasoning section",
        ),
        Case(
            f"vllm-qwen3-reasoning-with-think-forced-{fmt}",
            fmt,
            "<think>This is a reasoning section</think>This is the rest",
            [],
            "This is the rest",
            "This is a reasoning section",
            forced_open=True,
        ),
        Case(
            f"vllm-qwen3-reasoning-truncated-{fmt}",
            fmt,
            "This is the rest",
            [],
            "",
            "This is the rest",
            forced_open=True,
        ),
        Case(
            f"vllm-qwen3-reasoning-multiline-{fmt}",
            fmt,
            "<think>This is a reasoning\nsection</think>This is the rest\nThat",
            [],
            "This is the rest\nThat",
            "This is a reasoning\nsection",
        ),
        Case(
            f"vllm-qwen3-reasoning-only-open-tag-{fmt}",
            fmt,
            "<think>This is a reasoning section",
            [],
            "",
            "This is a reasoning section",
        ),
        Case(
            f"vllm-qwen3-reasoning-thinking-disabled-{fmt}",
            fmt,
            "This is plain content",
            [],
            "This is plain content",
        ),
    ]
CASES += [
    Case(
        "vllm-qwen3-reasoning-tool-call-no-think-end",
        "qwen3_coder",
        "I need to read the file.\n\n" + QWEN_BASH,
        [("bash", {"command": "cat /etc/hosts"})],
        "",
        "I need to read the file.\n\n",
        tools=BASH_TOOLS,
        forced_open=True,
    ),
    Case(
        "vllm-qwen3-reasoning-tool-call-with-think-no-end",
        "qwen3_coder",
        "<think>I need to read the file.\n\n" + QWEN_BASH,
        [("bash", {"command": "cat /etc/hosts"})],
        "",
        "I need to read the file.\n\n",
        tools=BASH_TOOLS,
    ),
    Case(
        "vllm-qwen3-reasoning-thinking-disabled-tool-call",
        "qwen3_coder",
        "I need to read the file.\n\n" + QWEN_BASH,
        [("bash", {"command": "cat /etc/hosts"})],
        "I need to read the file.\n\n",
        tools=BASH_TOOLS,
    ),
]
# test_qwen3_tool_call_recovery.py: a call made inside `<think>` counts when the thinking (closed
# or not) and the output end with it. Left out: the two cases with an answer after `</think>`
# (vLLM moves the call to content there too): our rule reads a call followed by more output as
# quoted, because a model that quotes the call in its thinking and then makes it would otherwise
# run it twice (rust_parser/core/tests/reasoning_rules.rs).
FINISH = (
    "<tool_call>\n<function=Finish>\n<parameter=answer>\n204\n</parameter>\n</function>\n"
    "</tool_call>"
)
CASES += [
    Case(
        "vllm-qwen3-recovery-call-inside-think",
        "qwen3_coder",
        "<think>The verification confirms my solution:\n- s = 2.5 km/h\n- t = 24 minutes\n"
        "- Total time at speed 3 km/h = 204 minutes\n\n" + FINISH + "\n</think>",
        [("Finish", {"answer": "204"})],
        "",
        "The verification confirms my solution:\n- s = 2.5 km/h\n- t = 24 minutes\n"
        "- Total time at speed 3 km/h = 204 minutes\n\n",
    ),
    Case(
        "vllm-qwen3-recovery-truncated",
        "qwen3_coder",
        "verify result\n" + FINISH,
        [("Finish", {"answer": "204"})],
        "",
        "verify result\n",
        forced_open=True,
    ),
    Case(
        "vllm-qwen3-recovery-normal-reasoning",
        "qwen3_coder",
        "<think>Let me think about this carefully.\nThe answer is 42.</think>The answer is 42.",
        [],
        "The answer is 42.",
        "Let me think about this carefully.\nThe answer is 42.",
    ),
    Case(
        "vllm-qwen3-recovery-post-think-content",
        "qwen3_coder",
        "<think>some reasoning</think>plain response text",
        [],
        "plain response text",
        "some reasoning",
    ),
]
# test_glm4_moe_reasoning_parser.py (GLM-4.5: the think block is in the output, not the prompt)
CASES += [
    Case(
        "vllm-glm-reasoning-with-think",
        "glm45",
        "<think>This is a reasoning section</think>This is the rest",
        [],
        "This is the rest",
        "This is a reasoning section",
    ),
    Case("vllm-glm-reasoning-without-think", "glm45", "This is the rest", [], "This is the rest"),
    Case(
        "vllm-glm-reasoning-complete",
        "glm45",
        "<think>This is a reasoning section</think>",
        [],
        "",
        "This is a reasoning section",
    ),
    Case(
        "vllm-glm-reasoning-multiline",
        "glm45",
        "<think>This is a reasoning\nsection</think>This is the rest\nThat",
        [],
        "This is the rest\nThat",
        "This is a reasoning\nsection",
    ),
    Case(
        "vllm-glm-reasoning-empty-think",
        "glm45",
        "<think></think>This is the rest",
        [],
        "This is the rest",
    ),
    Case("vllm-glm-reasoning-empty-think-no-content", "glm45", "<think></think>", [], ""),
]
# test_minimax_m2_reasoning_parser.py (the prompt opens the think block)
CASES += [
    Case(
        f"vllm-minimax-reasoning-{i}",
        "minimax_m2",
        text,
        [],
        content,
        reasoning,
        forced_open=True,
    )
    for i, (text, reasoning, content) in enumerate(
        [
            (
                "This is a reasoning section</think>This is the rest",
                "This is a reasoning section",
                "This is the rest",
            ),
            ("This is a reasoning section</think>", "This is a reasoning section", ""),
            ("This is reasoning in progress", "This is reasoning in progress", ""),
            (
                "First line\nSecond line</think>Response first line\nResponse second",
                "First line\nSecond line",
                "Response first line\nResponse second",
            ),
            ("</think>This is the response", "", "This is the response"),
            ("", "", ""),
            (
                "Let me think... 1+1=2, right?</think>Yes, 1+1=2.",
                "Let me think... 1+1=2, right?",
                "Yes, 1+1=2.",
            ),
            (
                "```python\nprint('hello')\n```</think>Here is the code.",
                "```python\nprint('hello')\n```",
                "Here is the code.",
            ),
        ]
    )
]
# test_seedoss_reasoning_parser.py (the prompt opens the think block)
CASES += [
    Case(
        f"vllm-seed-reasoning-{i}",
        "seed_oss",
        text,
        [],
        content,
        reasoning,
        forced_open=True,
    )
    for i, (text, reasoning, content) in enumerate(
        [
            (
                "This is a reasoning section</seed:think>This is the rest",
                "This is a reasoning section",
                "This is the rest",
            ),
            ("This is a reasoning section</seed:think>", "This is a reasoning section", ""),
            ("This is content", "This is content", ""),
            (
                "This\nThat</seed:think>This is the rest\nThat",
                "This\nThat",
                "This is the rest\nThat",
            ),
            (
                "<seed:think>This is a reasoning section</seed:think>This is the rest",
                "This is a reasoning section",
                "This is the rest",
            ),
            ("Some reasoning</seed:think>This is the rest", "Some reasoning", "This is the rest"),
            (
                "Some reasoning content</seed:think>Final answer",
                "Some reasoning content",
                "Final answer",
            ),
        ]
    )
]


# --- vLLM: tests/tool_parsers/test_qwen3_xml_coder_shared.py (both vLLM Qwen3 XML parsers) -------
WRITE_TOOLS = [tool("write_file", {"path": {"type": "string"}, "content": {"type": "string"}})]
WEATHER_CITY = [tool("get_weather", {"city": {"type": "string"}})]
XML_TAGS_IN_CONTENT = (
    "char_deltas = [\n"
    '    "<tool_call>\\n",\n'
    '    "<parameter=query>\\n",\n'
    '    "\\n</parameter>\\n",\n'
    '    "</function>\\n",\n'
    "]\n"
)
PARAM_LIKE_LINES = (
    'TOOL_CALL_TEMPLATE = """\n</parameter>\n<parameter=new_string>\n#!/usr/bin/env python3\n'
    '</parameter>\n"""\n'
)
REAL_PARAM_NAME_LITERAL = 'doc = """\n<parameter=path>\nliteral/value\n</parameter>\n"""\n'
TWO_CALLS_ONE_CHUNK = (
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n"
    "</function>\n</tool_call>\n<tool_call>\n<function=get_weather>\n<parameter=city>\nLondon\n"
    "</parameter>\n</function>\n</tool_call>"
)


def write_file(path: str, content: str) -> str:
    """A qwen3_coder write_file call whose content value is written verbatim."""
    return (
        "<tool_call>\n<function=write_file>\n"
        f"<parameter=path>\n{path}\n</parameter>\n"
        f"<parameter=content>\n{content}</parameter>\n"
        "</function>\n</tool_call>"
    )


TEST_TYPES = [
    tool(
        "test_types",
        {
            "int_param": {"type": "integer"},
            "float_param": {"type": "float"},
            "bool_param": {"type": "boolean"},
            "str_param": {"type": "string"},
            "obj_param": {"type": "object"},
        },
    )
]
CASES += [
    Case(
        "vllm-shared-qwen3coder-python-repr-object",
        "qwen3_coder",
        "<tool_call>\n<function=test_types>\n<parameter=obj_param>\n{'key': 'value'}\n"
        "</parameter>\n</function>\n</tool_call>",
        [("test_types", {"obj_param": {"key": "value"}})],
        tools=TEST_TYPES,
    ),
    Case(
        "vllm-shared-qwen3coder-multi-param-one-chunk",
        "qwen3_coder",
        "<tool_call>\n<function=get_current_weather>\n<parameter=city>\nDallas\n</parameter>\n"
        "<parameter=state>\nTX\n</parameter>\n<parameter=unit>\nfahrenheit\n</parameter>\n"
        "</function>\n</tool_call>",
        [("get_current_weather", DALLAS_ARGS)],
        tools=QWEN_TOOLS,
    ),
    Case(
        "vllm-shared-qwen3coder-anyof-string-keeps-42",
        "qwen3_coder",
        "<tool_call>\n<function=set_code>\n<parameter=code>42</parameter>\n</function>\n"
        "</tool_call>",
        [("set_code", {"code": "42"})],
        tools=[tool("set_code", {"code": {"anyOf": [{"type": "string"}, {"type": "null"}]}})],
    ),
    Case(
        "vllm-shared-qwen3coder-anyof-int-42",
        "qwen3_coder",
        "<tool_call>\n<function=set_count>\n<parameter=count>42</parameter>\n</function>\n"
        "</tool_call>",
        [("set_count", {"count": 42})],
        tools=[tool("set_count", {"count": {"anyOf": [{"type": "integer"}, {"type": "null"}]}})],
    ),
    Case(
        "vllm-shared-qwen3coder-xml-tags-in-content",
        "qwen3_coder",
        write_file("test.py", XML_TAGS_IN_CONTENT) + "\n",
        [("write_file", {"path": "test.py", "content": XML_TAGS_IN_CONTENT.rstrip("\n")})],
        tools=WRITE_TOOLS,
    ),
    Case(
        "vllm-shared-qwen3coder-param-like-lines",
        "qwen3_coder",
        write_file("test_template.py", PARAM_LIKE_LINES) + "\n",
        [("write_file", {"path": "test_template.py", "content": PARAM_LIKE_LINES.rstrip("\n")})],
        tools=WRITE_TOOLS,
    ),
    Case(
        "vllm-shared-qwen3coder-array-json-bool",
        "qwen3_coder",
        '<tool_call>\n<function=pick>\n<parameter=items>\n["a", "b", 1, true]\n</parameter>\n'
        "</function>\n</tool_call>",
        [("pick", {"items": ["a", "b", 1, True]})],
        tools=[tool("pick", {"items": {"type": "array"}})],
    ),
    Case(
        "vllm-shared-qwen3coder-two-calls-one-chunk",
        "qwen3_coder",
        TWO_CALLS_ONE_CHUNK,
        [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "London"})],
        tools=WEATHER_CITY,
    ),
    Case(
        "vllm-shared-qwen3coder-two-calls-trailing-text",
        "qwen3_coder",
        TWO_CALLS_ONE_CHUNK + "\nAll done!",
        [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "London"})],
        "\nAll done!",
        tools=WEATHER_CITY,
    ),
    Case(
        "vllm-shared-qwen3coder-trailing-text-after-close",
        "qwen3_coder",
        "<tool_call>\n<function=get_weather>\n<parameter=city>Paris</parameter>\n</function>"
        "\n</tool_call>\nI hope this helps!",
        [("get_weather", {"city": "Paris"})],
        "\nI hope this helps!",
        tools=WEATHER_CITY,
    ),
    Case(
        "vllm-shared-qwen3coder-real-param-name-literal",
        "qwen3_coder",
        write_file("fixture.py", REAL_PARAM_NAME_LITERAL),
        [("write_file", {"path": "fixture.py", "content": REAL_PARAM_NAME_LITERAL.rstrip("\n")})],
        tools=WRITE_TOOLS,
    ),
    Case(
        "vllm-shared-qwen3coder-inline-empty-tool-call",
        "qwen3_coder",
        "I'll show: <tool_call>example</tool_call>. Now real:\n<tool_call>\n<function=log>\n"
        "<parameter=msg>\nhi\n</parameter>\n</function>\n</tool_call>",
        [("log", {"msg": "hi"})],
        None,
        tools=[tool("log", {"msg": {"type": "string"}})],
    ),
    Case(
        "vllm-shared-qwen3coder-anyof-string-null-literal",
        "qwen3_coder",
        "<tool_call>\n<function=set_value>\n<parameter=optional>null</parameter>\n</function>\n"
        "</tool_call>",
        [("set_value", {"optional": None})],
        tools=[tool("set_value", {"optional": {"anyOf": [{"type": "string"}, {"type": "null"}]}})],
    ),
    # Left out, the peers disagree: "double-encoded object" (a JSON string holding a Python repr;
    # SGLang keeps the string), Python `None` for a nullable parameter (SGLang keeps "None"),
    # "string null kept" (SGLang turns any `null` into null), and the two nested literal
    # `<tool_call>` cases (SGLang and llama.cpp end the call at the first `</tool_call>`).
]

# --- SGLang: test/srt/test_reasoning_parser.py (Qwen3Detector, BaseReasoningFormatDetector) -------
for fmt in ("hermes", "qwen3_coder", "glm45"):
    CASES += [
        Case(
            f"sglang-reasoning-qwen3-{fmt}",
            fmt,
            "<think>Let me think about this problem</think>The answer is 42.",
            [],
            "The answer is 42.",
            "Let me think about this problem",
        ),
        Case(
            f"sglang-reasoning-no-thinking-{fmt}",
            fmt,
            "Direct answer without thinking.",
            [],
            "Direct answer without thinking.",
        ),
        Case(
            f"sglang-reasoning-truncated-{fmt}",
            fmt,
            "<think>This is reasoning",
            [],
            "",
            "This is reasoning",
        ),
        Case(
            f"sglang-reasoning-empty-block-{fmt}",
            fmt,
            "<think></think>Just the answer.",
            [],
            "Just the answer.",
        ),
        Case(f"sglang-reasoning-partial-end-tag-{fmt}", fmt, "</answer", [], "</answer"),
        Case(
            f"sglang-reasoning-partial-start-tag-{fmt}", fmt, "<this is text", [], "<this is text"
        ),
        Case(f"sglang-reasoning-random-tag-{fmt}", fmt, "</random>", [], "</random>"),
        Case(
            f"sglang-reasoning-partial-end-in-reasoning-{fmt}",
            fmt,
            "<think>some reasoning</think>normal text",
            [],
            "normal text",
            "some reasoning",
        ),
    ]
for fmt in ("hermes", "qwen3_coder"):
    CASES += [
        Case(
            f"sglang-reasoning-qwen3-forced-{fmt}",
            fmt,
            "I need to think about this step by step.</think>The answer is 42.",
            [],
            "The answer is 42.",
            "I need to think about this step by step.",
            forced_open=True,
        ),
        Case(
            f"sglang-reasoning-qwen3-forced-with-start-{fmt}",
            fmt,
            "<think>I need to think about this.</think>The answer is 42.",
            [],
            "The answer is 42.",
            "I need to think about this.",
            forced_open=True,
        ),
    ]


# --- ik_llama.cpp: tests/test-function-calls.cpp (Qwen3 `<tool_call>` JSON, PR #628) -------------
# Its content assertions are substring checks after its own content cleaning; only the calls
# are compared. Left out: "incomplete closing tag" (`</tool_cal` at the end of output -> no
# call): our rule makes a call whose JSON object is whole a complete call when output ends
# (vLLM's own "tool_call_until_eos" case), and an emitted call is never retracted.
CASES += [
    Case(
        "ik-qwen3-single",
        "hermes",
        "I'll help you check the weather for Tokyo.\n\n<tool_call>\n"
        '{"name": "get_weather", "arguments": {"location": "Tokyo", "units": "celsius"}}\n'
        "</tool_call>\n\nLet me fetch that information for you.",
        [("get_weather", {"location": "Tokyo", "units": "celsius"})],
        None,
    ),
    Case(
        "ik-qwen3-multiple",
        "hermes",
        "I'll help you with both tasks.\n\n<tool_call>\n"
        '{"name": "get_weather", "arguments": {"location": "Tokyo"}}\n</tool_call>\n\n'
        '<tool_call>\n{"name": "calculate", "arguments": {"expression": "15 * 23"}}\n'
        "</tool_call>\n\nHere are the results.",
        [("get_weather", {"location": "Tokyo"}), ("calculate", {"expression": "15 * 23"})],
        None,
    ),
    Case(
        "ik-qwen3-malformed-json",
        "hermes",
        "I'll try to help but this has bad JSON.\n\n<tool_call>\n"
        '{"name": "test", "arguments": {bad json}}\n</tool_call>\n\nSorry about that.',
        [],
        None,
    ),
    Case(
        "ik-qwen3-missing-fields",
        "hermes",
        'Testing missing required fields.\n\n<tool_call>\n{"arguments": {"param": "value"}}\n'
        '</tool_call>\n\n<tool_call>\n{"name": "", "arguments": {"param": "value"}}\n</tool_call>',
        [],
        None,
    ),
    Case(
        "ik-qwen3-empty-arguments",
        "hermes",
        'Testing empty arguments.\n\n<tool_call>\n{"name": "empty_test", "arguments": {}}\n'
        "</tool_call>",
        [("empty_test", {})],
        None,
    ),
    Case(
        "ik-qwen3-string-arguments",
        "hermes",
        "Testing string arguments format.\n\n<tool_call>\n"
        '{"name": "string_args", "arguments": "{\\"key\\": \\"value\\"}"}\n</tool_call>',
        [("string_args", {"key": "value"})],
        None,
    ),
    Case(
        "ik-qwen3-nested-json",
        "hermes",
        "Testing complex nested JSON.\n\n<tool_call>\n"
        '{"name": "complex", "arguments": {"config": {"nested": {"deep": {"value": 42}}, '
        '"array": [1, 2, 3]}, "metadata": {"enabled": true, "null_field": null}}}\n</tool_call>',
        [
            (
                "complex",
                {
                    "config": {"nested": {"deep": {"value": 42}}, "array": [1, 2, 3]},
                    "metadata": {"enabled": True, "null_field": None},
                },
            )
        ],
        None,
    ),
    Case(
        "ik-qwen3-unicode",
        "hermes",
        "Testing unicode content with Japanese characters.\n\n<tool_call>\n"
        '{"name": "translate", "arguments": {"text": "こんにちは世界", "from": "ja", "to": "en"}}\n'
        "</tool_call>\n\nTranslation completed.",
        [("translate", {"text": "こんにちは世界", "from": "ja", "to": "en"})],
        None,
    ),
    Case(
        "ik-qwen3-whitespace-variations",
        "hermes",
        "Testing whitespace handling.\n\n<tool_call>\n"
        '   {"name": "whitespace_test", "arguments": {"param": "value"}}   \n</tool_call>\n\n'
        '<tool_call>\n{"name":"no_spaces","arguments":{"compact":true}}\n</tool_call>',
        [("whitespace_test", {"param": "value"}), ("no_spaces", {"compact": True})],
        None,
    ),
    Case(
        "ik-qwen3-no-tool-calls",
        "hermes",
        "This is just regular content without any XML tool calls. It should be parsed normally.",
        [],
        "This is just regular content without any XML tool calls. It should be parsed normally.",
    ),
]


# --- vLLM: tests/tool_parsers/test_glm47_moe_tool_parser.py (GLM-4.7: no newlines) ---------------
GLM47_TOOLS = [
    {"type": "function", "function": {"name": "get_current_date", "parameters": {}}},
    tool("get_weather", {"city": {"type": "string"}, "date": {"type": "string"}}),
]
CASES += [
    Case(
        "vllm-glm47-no-call",
        "glm45",
        "This is a plain response.",
        [],
        "This is a plain response.",
        tools=GLM47_TOOLS,
    ),
    Case(
        "vllm-glm47-zero-arg-inline",
        "glm45",
        "<tool_call>get_current_date</tool_call>",
        [("get_current_date", {})],
        tools=GLM47_TOOLS,
    ),
    Case(
        "vllm-glm47-zero-arg-newline",
        "glm45",
        "<tool_call>get_current_date\n</tool_call>",
        [("get_current_date", {})],
        tools=GLM47_TOOLS,
    ),
    Case(
        "vllm-glm47-args-same-line",
        "glm45",
        "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Beijing</arg_value></tool_call>",
        [("get_weather", {"city": "Beijing"})],
        tools=GLM47_TOOLS,
    ),
    Case(
        "vllm-glm47-args-with-newlines",
        "glm45",
        "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Beijing</arg_value>\n"
        "</tool_call>",
        [("get_weather", {"city": "Beijing"})],
        tools=GLM47_TOOLS,
    ),
    Case(
        "vllm-glm47-content-before",
        "glm45",
        "Checking.<tool_call>get_current_date</tool_call>",
        [("get_current_date", {})],
        "Checking.",
        tools=GLM47_TOOLS,
    ),
    Case(
        "vllm-glm47-multiple",
        "glm45",
        "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Beijing</arg_value></tool_call>"
        "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Shanghai</arg_value></tool_call>",
        [("get_weather", {"city": "Beijing"}), ("get_weather", {"city": "Shanghai"})],
        tools=GLM47_TOOLS,
    ),
    # vLLM gives whitespace-only content as none: compared stripped.
    Case(
        "vllm-glm47-whitespace-content",
        "glm45",
        "  \n  <tool_call>get_current_date</tool_call>",
        [("get_current_date", {})],
        "",
        tools=GLM47_TOOLS,
        strip=True,
    ),
]


# --- llama.cpp: tests/test-chat.cpp, Qwen3.5 (Qwen3.5-4B.jinja) and Qwen3-Coder blocks (v0.5.0) --
# (L2164-L2480 and L3559-L3720, as quoted verbatim with those line ranges by a public fixture
# importer). These run through the templated parser, which drops the newlines the template puts
# around a call: content and reasoning are compared stripped there.
L_TOOLS = [
    tool("special_function", {"arg1": {"type": "integer"}}),
    tool("special_function_with_opt", {"arg1": {"type": "integer"}, "arg2": {"type": "integer"}}),
    tool("empty_args", {}),
    tool("python", {"code": {"type": "string"}}),
    tool("html", {"markup": {"type": "string"}}),
    tool("todo_list", {"todos": {"type": "array"}}),
    tool(
        "edit",
        {
            "filename": {"type": "string"},
            "oldString": {"type": "string"},
            "newString": {"type": "string"},
        },
    ),
    tool("run_in_terminal", {"command": {"type": "string"}}),
]
Q_SPECIAL = (
    "<tool_call>\n<function=special_function>\n<parameter=arg1>\n1\n</parameter>\n</function>\n"
    "</tool_call>"
)
Q_OPT = (
    "<tool_call>\n<function=special_function_with_opt>\n<parameter=arg1>\n1\n</parameter>\n"
    "<parameter=arg2>\n2\n</parameter>\n</function>\n</tool_call>"
)
Q_PWD = (
    "<tool_call>\n<function=run_in_terminal>\n<parameter=command>\npwd\n</parameter>\n</function>\n"
    "</tool_call>"
)
PWD = ("run_in_terminal", {"command": "pwd"})
OPT12 = ("special_function_with_opt", {"arg1": 1, "arg2": 2})
CASES += [
    Case(
        "llamacpp-q35-reasoning-then-call",
        "qwen3_coder",
        "I'm\nthinking\n</think>\n\n" + Q_SPECIAL,
        [CALL1],
        "",
        THINKING,
        tools=L_TOOLS,
        forced_open=True,
        strip=True,
    ),
    Case(
        "llamacpp-q35-parallel-no-think",
        "qwen3_coder",
        Q_SPECIAL + "\n" + Q_OPT,
        [CALL1, OPT12],
        "",
        tools=L_TOOLS,
        strip=True,
    ),
    Case(
        "llamacpp-q35-python-multiline",
        "qwen3_coder",
        "<tool_call>\n<function=python>\n<parameter=code>\n"
        'def hello():\n    print("Hello, world!")\n\nhello()\n'
        "</parameter>\n</function>\n</tool_call>",
        [("python", {"code": 'def hello():\n    print("Hello, world!")\n\nhello()'})],
        tools=L_TOOLS,
    ),
    Case(
        "llamacpp-q35-value-trailing-newline",
        "qwen3_coder",
        "<tool_call>\n<function=edit>\n<parameter=filename>\nfoo.c\n</parameter>\n"
        "<parameter=oldString>\n#iclunde\n</parameter>\n<parameter=newString>\n#include\n\n"
        "</parameter>\n</function>\n</tool_call>",
        [("edit", {"filename": "foo.c", "oldString": "#iclunde", "newString": "#include\n"})],
        tools=L_TOOLS,
    ),
    Case(
        "llamacpp-q35-code-leading-indent",
        "qwen3_coder",
        "<tool_call>\n<function=python>\n<parameter=code>\n"
        '    print("Hello, world!")\n</parameter>\n</function>\n</tool_call>',
        [("python", {"code": '    print("Hello, world!")'})],
        tools=L_TOOLS,
    ),
    Case(
        "llamacpp-q35-call-inside-think",
        "qwen3_coder",
        "Need to inspect the current directory.\n" + Q_PWD,
        [PWD],
        "",
        "Need to inspect the current directory.",
        tools=L_TOOLS,
        forced_open=True,
        strip=True,
    ),
    Case(
        "llamacpp-q35-empty-args",
        "qwen3_coder",
        "<tool_call>\n<function=empty_args>\n</function>\n</tool_call>",
        [("empty_args", {})],
        tools=L_TOOLS,
    ),
    Case(
        "llamacpp-q35-reasoning-content-call",
        "qwen3_coder",
        "I should inspect the directory.\n</think>\n\nLet me inspect it now.\n" + Q_PWD,
        [PWD],
        "Let me inspect it now.",
        "I should inspect the directory.",
        tools=L_TOOLS,
        forced_open=True,
        strip=True,
    ),
    Case(
        "llamacpp-coder-bare-function",
        "qwen3_coder",
        "<function=special_function>\n<parameter=arg1>\n1\n</parameter>\n</function>\n</tool_call>",
        [CALL1],
        "",
        tools=L_TOOLS,
        strip=True,
    ),
    Case(
        "llamacpp-coder-bare-function-parallel",
        "qwen3_coder",
        "<function=special_function>\n<parameter=arg1>\n1\n</parameter>\n</function>\n</tool_call>\n"
        + Q_OPT,
        [CALL1, OPT12],
        "",
        tools=L_TOOLS,
        strip=True,
    ),
    Case(
        "llamacpp-coder-unicode-cjk",
        "qwen3_coder",
        "<tool_call>\n<function=python>\n<parameter=code>\n格\n</parameter>\n</function>\n</tool_call>",
        [("python", {"code": "格"})],
        tools=L_TOOLS,
    ),
    Case(
        "llamacpp-coder-html-value",
        "qwen3_coder",
        "<tool_call>\n<function=html>\n<parameter=markup>\n<html>\n <head>\n"
        "  <title>Hello!</title>\n </head>\n</html>\n</parameter>\n</function>\n</tool_call>",
        [("html", {"markup": "<html>\n <head>\n  <title>Hello!</title>\n </head>\n</html>"})],
        tools=L_TOOLS,
    ),
    Case(
        "llamacpp-coder-array-of-objects",
        "qwen3_coder",
        "<tool_call>\n<function=todo_list>\n<parameter=todos>\n"
        '[{"item": "Check stuff", "selected": false}, '
        '{"item": "Prepare stuff", "selected": true}]\n'
        "</parameter>\n</function>\n</tool_call>",
        [
            (
                "todo_list",
                {
                    "todos": [
                        {"item": "Check stuff", "selected": False},
                        {"item": "Prepare stuff", "selected": True},
                    ]
                },
            )
        ],
        tools=L_TOOLS,
    ),
]

# --- vLLM: tests/tool_parsers/test_seed_oss_tool_parser.py, the thinking-budget cases ------------
# vLLM runs its tool parser alone there and expects the whole `<seed:think>` block as content with
# only the call after it, even when the thinking quotes a call. Served with a reasoning parser,
# that block is the reasoning: encoded with reasoning on (our reasoning-off mode does not track
# thinking blocks, so a call quoted in one would be made).
SEED_BUDGET_512 = (
    "The user's current thinking budget is 512.</seed:cot_budget_reflect>\nLet me analyze the "
    "question. \n<seed:cot_budget_reflect>I have used 131 tokens, and there are 381 tokens "
    "remaining for use.</seed:cot_budget_reflect>\n The unit parameter can be omitted since "
    "it's optional."
)
SEED_UNLIMITED = (
    "\nGot it, let's see. Let me format the function call correctly. The format is "
    "<seed:tool_call>\n<function=get_weather>\n<parameter=location>Barcelona, Spain</parameter>"
    "\n<parameter=unit>celsius</parameter>\n</function>\n</seed:tool_call>. Wait, but does the "
    'unit parameter accept "celsius"? Let me go with that.'
)
CASES += [
    Case(
        "vllm-seed-think-budget-512",
        "seed_oss",
        f"<seed:think>{SEED_BUDGET_512}</seed:think>\n" + SEED_CALL,
        [("get_weather", {"location": "Barcelona, Spain"})],
        "\n",
        SEED_BUDGET_512,
        tools=SEED_TOOLS,
        # vLLM keeps the newline between `</seed:think>` and the call as content; llama.cpp and
        # we read whitespace between a closed reasoning block and a call as glue.
        strip=True,
    ),
    Case(
        "vllm-seed-think-unlimited-quotes-a-call",
        "seed_oss",
        f"<seed:think>{SEED_UNLIMITED}</seed:think><seed:tool_call>\n<function=get_weather>\n"
        "<parameter=location>Barcelona, Spain</parameter>\n<parameter=unit>celsius</parameter>\n"
        "</function>\n</seed:tool_call>",
        [("get_weather", {"location": "Barcelona, Spain", "unit": "celsius"})],
        "",
        SEED_UNLIMITED,
        tools=SEED_TOOLS,
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_peer_case(case: Case) -> None:
    check(case)
