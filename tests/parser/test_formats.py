"""Every registered format parses the reference's canonical example the same way through Python,
one-shot and streamed token-sized, with ids where the format carries them."""

from __future__ import annotations

import json
from typing import Any

import pytest

import ggserve_parser as gp
from tests.parser.fold import fold

WEATHER = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"location": {"type": "string"}, "days": {"type": "integer"}},
            },
        },
    }
]
TOKYO = {"location": "Tokyo"}
TOKYO3 = {"location": "Tokyo", "days": 3}

# (format, raw model output, expected content, expected reasoning, [(id, name, arguments)])
CASES: list[tuple[str, str, str, str, list[tuple[str, str, dict[str, Any]]]]] = [
    (
        "hermes",
        '<think>\nNeed weather.\n</think>\n\nLet me check.\n<tool_call>\n{"name": "get_weather", '
        '"arguments": {"location": "Tokyo"}}\n</tool_call>',
        "\n\nLet me check.\n",
        "\nNeed weather.\n",
        [("", "get_weather", TOKYO)],
    ),
    (
        "qwen3_coder",
        "I'll check.\n<tool_call>\n<function=get_weather>\n<parameter=location>\nTokyo\n"
        "</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>",
        "I'll check.\n",
        "",
        [("", "get_weather", TOKYO3)],
    ),
    (
        "kimi_k2",
        "<think>The user wants weather.</think><|tool_calls_section_begin|><|tool_call_begin|>"
        'functions.get_weather:0<|tool_call_argument_begin|>{"location": "Tokyo"}'
        "<|tool_call_end|><|tool_calls_section_end|>",
        "",
        "The user wants weather.",
        [("functions.get_weather:0", "get_weather", TOKYO)],
    ),
    (
        "deepseek_r1",
        "<think>\nNeed the weather.\n</think>\n\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>"
        'function<｜tool▁sep｜>get_weather\n```json\n{"location": "Tokyo"}\n```<｜tool▁call▁end｜>'
        "<｜tool▁calls▁end｜>",
        "",
        "\nNeed the weather.\n",
        [("", "get_weather", TOKYO)],
    ),
    (
        "deepseek_v3",
        "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
        '{"location": "Tokyo"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
        "",
        "",
        [("", "get_weather", TOKYO)],
    ),
    (
        "deepseek_v31",
        "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>"
        '{"location": "Tokyo"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
        "",
        "",
        [("", "get_weather", TOKYO)],
    ),
    (
        "deepseek_v32",
        '<｜DSML｜function_calls>\n<｜DSML｜invoke name="get_weather">\n'
        '<｜DSML｜parameter name="location" string="true">Tokyo</｜DSML｜parameter>\n'
        '<｜DSML｜parameter name="days" string="false">3</｜DSML｜parameter>\n'
        "</｜DSML｜invoke>\n</｜DSML｜function_calls>",
        "",
        "",
        [("", "get_weather", TOKYO3)],
    ),
    (
        "glm45",
        "<think>Check weather.</think>\n<tool_call>get_weather\n<arg_key>location</arg_key>\n"
        "<arg_value>Tokyo</arg_value>\n<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n"
        "</tool_call>",
        "",
        "Check weather.",
        [("", "get_weather", TOKYO3)],
    ),
    (
        "gpt_oss",
        "<|channel|>analysis<|message|>Need to call weather tool.<|end|><|start|>assistant"
        "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
        '{"location":"Tokyo"}<|call|>',
        "",
        "Need to call weather tool.",
        [("", "get_weather", TOKYO)],
    ),
    (
        "mistral",
        '[TOOL_CALLS]get_weather[ARGS]{"location": "Tokyo"}',
        "",
        "",
        [("", "get_weather", TOKYO)],
    ),
    (
        "llama3_json",
        '{"name": "get_weather", "parameters": {"location": "Tokyo"}}',
        "",
        "",
        [("", "get_weather", TOKYO)],
    ),
    (
        "minimax_m2",
        '<minimax:tool_call>\n<invoke name="get_weather">\n<parameter name="location">Tokyo'
        '</parameter>\n<parameter name="days">3</parameter>\n</invoke>\n</minimax:tool_call>',
        "",
        "",
        [("", "get_weather", TOKYO3)],
    ),
    (
        "seed_oss",
        "<seed:think>Weather.</seed:think><seed:tool_call><function=get_weather>"
        "<parameter=location>Tokyo</parameter></function></seed:tool_call>",
        "",
        "Weather.",
        [("", "get_weather", TOKYO)],
    ),
]

TIER_ONE = [c[0] for c in CASES]

# Tier 2: one reference example per family (the Rust tests hold the peers' tables).
CASES += [
    (
        "pythonic",
        '[get_weather(location="Tokyo", days=3)]',
        "",
        "",
        [("", "get_weather", TOKYO3)],
    ),
    (
        "command_r7b",
        "<|START_THINKING|>Need weather.<|END_THINKING|><|START_ACTION|>[\n"
        '    {"tool_call_id": "0", "tool_name": "get_weather",'
        ' "parameters": {"location": "Tokyo"}}\n'
        "]<|END_ACTION|>",
        "",
        "Need weather.",
        [("0", "get_weather", TOKYO)],
    ),
    (
        "granite",
        '<|tool_call|>[{"name": "get_weather", "arguments": {"location": "Tokyo"}}]',
        "",
        "",
        [("", "get_weather", TOKYO)],
    ),
    (
        "functionary_v3_1",
        'Sure.<function=get_weather>{"location": "Tokyo"}</function>',
        "Sure.",
        "",
        [("", "get_weather", TOKYO)],
    ),
    (
        "functionary_v3_2",
        'all\nSure.>>>get_weather\n{"location": "Tokyo", "days": 3}',
        "Sure.",
        "",
        [("", "get_weather", TOKYO3)],
    ),
    (
        "lfm2",
        '<|tool_call_start|>[get_weather(location="Tokyo")]<|tool_call_end|>',
        "",
        "",
        [("", "get_weather", TOKYO)],
    ),
    (
        "gemma4",
        "<|channel>thought\nNeed weather.<channel|><|tool_call>call:get_weather"
        '{location:<|"|>Tokyo<|"|>,days:3}<tool_call|>',
        "",
        "Need weather.",
        [("", "get_weather", TOKYO3)],
    ),
    (
        "nemotron_v2",
        "<think>Need weather.</think>"
        '<TOOLCALL>[{"name": "get_weather", "arguments": {"location": "Tokyo"}}]</TOOLCALL>',
        "",
        "Need weather.",
        [("", "get_weather", TOKYO)],
    ),
    (
        "apertus",
        "<|inner_prefix|>Need weather.<|inner_suffix|>"
        '<|tools_prefix|>[{"get_weather": {"location": "Tokyo"}}]<|tools_suffix|>',
        "",
        "Need weather.",
        [("", "get_weather", TOKYO)],
    ),
    (
        "firefunction_v2",
        ' functools[{"name": "get_weather", "arguments": {"location": "Tokyo"}}]',
        "",
        "",
        [("", "get_weather", TOKYO)],
    ),
    (
        "llama_cpp_generic_json",
        '{"tool_call": {"name": "get_weather", "arguments": {"location": "Tokyo", "days": 3}}}',
        "",
        "",
        [("", "get_weather", TOKYO3)],
    ),
]
ALL_FORMATS = [c[0] for c in CASES]


def test_the_registry_has_every_tier_one_format() -> None:
    assert set(TIER_ONE) <= set(gp.FORMATS)


def test_every_registered_format_has_a_reference_example() -> None:
    assert set(ALL_FORMATS) == set(gp.FORMATS)


@pytest.mark.parametrize(("fmt", "text", "content", "reasoning", "calls"), CASES, ids=ALL_FORMATS)
def test_reference_example(
    fmt: str,
    text: str,
    content: str,
    reasoning: str,
    calls: list[tuple[str, str, dict[str, Any]]],
) -> None:
    out = gp.parse(fmt, text, tools=WEATHER)
    assert out["content"] == content
    assert out["reasoning_content"] == reasoning
    got = [(c["id"], c["name"], json.loads(c["arguments"])) for c in out["tool_calls"]]
    assert got == calls
    for size in (1, 3):
        s = gp.ToolCallStream(fmt, tools=WEATHER)
        events = [e for i in range(0, len(text), size) for e in s.push(text[i : i + size])]
        assert fold([*events, *s.finish()]) == out


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_cut_output_still_yields_valid_json_arguments(fmt: str) -> None:
    text = next(c[1] for c in CASES if c[0] == fmt)
    for cut in range(len(text) + 1):
        for call in gp.parse(fmt, text[:cut], tools=WEATHER)["tool_calls"]:
            json.loads(call["arguments"])
