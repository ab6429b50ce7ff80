"""The format rules behind the last classes of peer cases we failed (issue 19's list, drawn from
llama.cpp's PEG-parser chat tests and SGLang's pythonic streaming tests), each a rule of its
format: checked whole, streamed one character at a time and in random pieces (the folded events
equal `parse`). The outputs follow the shapes those tests and the models' templates write; they
are ours, not copied case for case, so each group says which rule it pins.
"""

# Long literal lines are model output copied as written.
# ruff: noqa: E501
from __future__ import annotations

import pytest

import ggserve_parser as gp
from tests.parser.fold import fold
from tests.parser.peers import IdCall, check_ids, tool
from tests.parser.peers import IdCase as Case

Call = IdCall
HW = "Hello, world!\nWhat's up?"
THINK = "I'm\nthinking"
WEATHER = [tool("get_weather", {"city": {"type": "string"}, "location": {"type": "string"}})]
ECHO = [tool("echo", {"value": {"type": "integer"}})]

# --- Command R7B / Command A / Cohere2: `<|START_TEXT|>…<|END_TEXT|>` wraps the answer ---------
CASES: list[Case] = [
    Case("r7b-text-wrapper", "command_r7b", f"<|START_TEXT|>{HW}<|END_TEXT|>", HW),
    Case(
        "r7b-thinking-then-text",
        "command_r7b",
        f"<|START_THINKING|>{THINK}<|END_THINKING|><|START_TEXT|>{HW}<|END_TEXT|>",
        HW,
        THINK,
    ),
    # The template pre-opens thinking (`…<|START_THINKING|>` ends the prompt).
    Case(
        "r7b-prompt-opened-thinking-then-text",
        "command_r7b",
        "Plan.<|END_THINKING|><|START_TEXT|>Done.<|END_TEXT|><|END_OF_TURN_TOKEN|>",
        "Done.",
        "Plan.",
        forced_open=True,
    ),
    Case(
        "r7b-text-then-action",
        "command_r7b",
        "thought<|END_THINKING|><|START_TEXT|>answer<|END_TEXT|>"
        '<|START_ACTION|>[{"tool_call_id":"7","tool_name":"echo","parameters":{"value":2}}]<|END_ACTION|><|END_OF_TURN_TOKEN|>',
        "answer",
        "thought",
        [("echo", {"value": 2}, "7")],
        tools=ECHO,
        forced_open=True,
    ),
    # reasoning_format none: the thinking block stays as written, the wrapper is still markup.
    Case(
        "r7b-text-wrapper-reasoning-off",
        "command_r7b",
        f"<|START_THINKING|>{THINK}<|END_THINKING|><|START_TEXT|>{HW}<|END_TEXT|>",
        f"<|START_THINKING|>{THINK}<|END_THINKING|>{HW}",
        reasoning_on=False,
    ),
]

# --- Gemma 4: `<channel|>` is markup; an empty thought channel is no reasoning ------------------
# With thinking off the template itself writes the empty channel `<|channel>thought\n<channel|>`;
# models also write it in their output.
GEMMA_CALL = '<|tool_call>call:get_weather{city:<|"|>Bern<|"|>}<tool_call|>'
CASES += [
    Case("gemma4-empty-thought", "gemma4", "<|channel>thought\n<channel|>Hello", "Hello"),
    Case("gemma4-empty-thought-no-newline", "gemma4", "<|channel>thought<channel|>Hello", "Hello"),
    Case(
        "gemma4-empty-thought-then-call",
        "gemma4",
        "<|channel>thought\n<channel|>" + GEMMA_CALL,
        "",
        "",
        [("get_weather", {"city": "Bern"}, None)],
        tools=WEATHER,
    ),
    # The prompt's empty channel, closed again by the model: markup, not the answer's text.
    Case("gemma4-stray-channel-close", "gemma4", "<channel|>Hello", "Hello"),
    Case(
        "gemma4-prompt-opened-thought",
        "gemma4",
        "Plan it.<channel|>Answer",
        "Answer",
        "Plan it.",
        forced_open=True,
    ),
    Case(
        "gemma4-thought-then-answer",
        "gemma4",
        "<|channel>thought\nPlan it.<channel|>Answer",
        "Answer",
        "Plan it.",
    ),
    # Reasoning not extracted: the channel is text as written.
    Case(
        "gemma4-reasoning-off",
        "gemma4",
        "<|channel>thought\n<channel|>Hello",
        "<|channel>thought\n<channel|>Hello",
        reasoning_on=False,
    ),
]

# --- gpt-oss harmony: to=assistant is the answer; a built-in call is the model's own business --
CASES += [
    Case(
        "harmony-commentary-to-assistant",
        "gpt_oss",
        "<|channel|>commentary to=assistant<|message|>Hello<|end|>",
        "Hello",
    ),
    Case(
        "harmony-analysis-then-commentary-to-assistant",
        "gpt_oss",
        "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>commentary to=assistant<|message|>Hello<|end|>",
        "Hello",
        "think",
    ),
    Case(
        "harmony-reentry-final",
        "gpt_oss",
        "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>Hi<|return|>",
        "Hi",
        "think",
    ),
    Case(
        "harmony-python-in-analysis-then-text",
        "gpt_oss",
        "<|channel|>analysis to=python code<|message|>print(1)<|call|>The answer",
        "The answer",
        "print(1)",
    ),
    Case(
        "harmony-python-in-analysis-then-final",
        "gpt_oss",
        "<|channel|>analysis to=python code<|message|>print(1)<|call|><|start|>assistant<|channel|>final<|message|>Done<|return|>",
        "Done",
        "print(1)",
    ),
    Case(
        "harmony-browser-in-role-header",
        "gpt_oss",
        '<|channel|>analysis<|message|>x<|end|><|start|>assistant to=browser.search<|channel|>analysis code<|message|>{"q":1}<|call|><|start|>assistant<|channel|>final<|message|>After<|return|>',
        "After",
        'x{"q":1}',
    ),
    Case(
        "harmony-built-in-then-function-call",
        "gpt_oss",
        "<|channel|>analysis to=python code<|message|>print(1)<|call|>"
        '<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"city":"Bern"}<|call|>',
        "",
        "print(1)",
        [("get_weather", {"city": "Bern"}, "")],
        tools=WEATHER,
    ),
]

# --- Granite 3.3: `<response>…</response>` wraps the answer ------------------------------------
CASES += [
    Case("granite-response", "granite", f"<response>{HW}</response>", HW),
    Case(
        "granite-think-response",
        "granite",
        f"<think>{THINK}</think><response>{HW}</response>",
        HW,
        THINK,
    ),
    # Whitespace around the wrapper is the model's text, as written.
    Case(
        "granite-think-newline-response",
        "granite",
        "<think>a</think>\n<response>b</response>",
        "\nb",
        "a",
    ),
    Case(
        "granite-response-then-call",
        "granite",
        '<response>Let me check.</response><tool_call>\n{"name": "get_weather", "arguments": {"city": "Bern"}}\n</tool_call>',
        "Let me check.",
        "",
        [("get_weather", {"city": "Bern"}, "")],
        tools=WEATHER,
    ),
]

# --- LFM2: a bare pythonic list is a call list when tools are declared -------------------------
CASES += [
    Case(
        "lfm2-bare-list",
        "lfm2",
        '[get_weather(city="Bern")]',
        "",
        "",
        [("get_weather", {"city": "Bern"}, "")],
        tools=WEATHER,
    ),
    Case(
        "lfm2-bare-list-parallel",
        "lfm2",
        "[get_weather(city='Bern'), get_weather(location='Oslo')]",
        "",
        "",
        [("get_weather", {"city": "Bern"}, ""), ("get_weather", {"location": "Oslo"}, "")],
        tools=WEATHER,
    ),
    # No tools declared: a list in the answer is text.
    Case(
        "lfm2-bare-list-no-tools",
        "lfm2",
        '[get_weather(city="Bern")]',
        '[get_weather(city="Bern")]',
    ),
    # Not a call list: given back as written.
    Case("lfm2-bare-data-list", "lfm2", "[1, 2, 3]", "[1, 2, 3]", tools=WEATHER),
    Case(
        "lfm2-prose",
        "lfm2",
        "Sure: [get_weather(city='Bern')]",
        "Sure: [get_weather(city='Bern')]",
        tools=WEATHER,
    ),
]

# --- Whitespace between a closed reasoning block and a call is glue ----------------------------
R1_CALL = (
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
    '```json\n{"city": "Bern"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>'
)
H_CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Bern"}}\n</tool_call>'
BERN: list[Call] = [("get_weather", {"city": "Bern"}, "")]
CASES += [
    Case(
        "glue-r1-think-calls",
        "deepseek_r1",
        f"<think>{THINK}</think>\n\n{R1_CALL}",
        "",
        THINK,
        BERN,
        tools=WEATHER,
    ),
    Case(
        "glue-r1-prompt-opened",
        "deepseek_r1",
        f"{THINK}</think>\n\n{R1_CALL}",
        "",
        THINK,
        BERN,
        tools=WEATHER,
        forced_open=True,
    ),
    Case(
        "glue-hermes-think-call",
        "hermes",
        f"<think>{THINK}</think>\n\n{H_CALL}",
        "",
        THINK,
        BERN,
        tools=WEATHER,
    ),
    # Text after the block keeps its whitespace; so does the end of the output.
    Case("glue-hermes-think-text", "hermes", f"<think>{THINK}</think>\n\n{HW}", f"\n\n{HW}", THINK),
    Case("glue-hermes-think-end", "hermes", f"<think>{THINK}</think>\n\n", "\n\n", THINK),
    # A marker given back as text: the whitespace was text too.
    Case(
        "glue-hermes-think-broken-marker",
        "hermes",
        f"<think>{THINK}</think>\n<tool_call>oops",
        "\n<tool_call>oops",
        THINK,
        tools=WEATHER,
    ),
    Case(
        "glue-glm45",
        "glm45",
        "<think>Check.</think>\n<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Bern</arg_value>\n</tool_call>",
        "",
        "Check.",
        BERN,
        tools=WEATHER,
    ),
]


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_rule_case(c: Case) -> None:
    check_ids(c)
    s = gp.ToolCallStream(
        c.fmt, tools=c.tools, reasoning=c.reasoning_on, thinking_forced_open=c.forced_open
    )
    events = [e for ch in c.text for e in s.push(ch)]
    whole = gp.parse(
        c.fmt, c.text, tools=c.tools, reasoning=c.reasoning_on, thinking_forced_open=c.forced_open
    )
    assert fold([*events, *s.finish()]) == whole


def _stream(
    fmt: str, pieces: list[str], tools: list[dict[str, object]]
) -> list[tuple[gp.Event, ...]]:
    s = gp.ToolCallStream(fmt, tools=tools)
    return [s.push(p) for p in pieces]


@pytest.mark.parametrize(
    ("fmt", "head"), [("pythonic", ""), ("lfm2", "<|tool_call_start|>"), ("lfm2", "")]
)
def test_pythonic_calls_stream_before_the_closing_bracket(fmt: str, head: str) -> None:
    # SGLang's pythonic streaming cases: each call starts, and its arguments arrive, as the
    # model writes them, long before the list closes.
    pieces = [head + "[get_weather(", 'city="Be', 'rn"), get_weather(', "location='Os", "lo')", "]"]
    got = _stream(fmt, pieces, WEATHER)
    kinds = [[(e.kind, e.text, e.name) for e in events] for events in got]
    assert kinds[0] == [("tool_call_start", "", "get_weather"), ("tool_call_args", "{", "")]
    assert kinds[1] == [("tool_call_args", '"city": "Be', "")]
    assert kinds[2][:2] == [("tool_call_args", 'rn"}', ""), ("tool_call_end", "", "")]
    assert kinds[2][2][0] == "tool_call_start"
    assert kinds[3] == [("tool_call_args", '"location": "Os', "")]
    assert [k for k, _, _ in kinds[4]] == ["tool_call_args", "tool_call_end"]
    assert kinds[5] == []


# SGLang's PythonicDetector unit tests, the `parse_streaming_increment` cases: the peer's own
# chunks; the folded stream must hold the call (and the text before it).
SGLANG_CHUNKS = [
    (["[get_", "weather(city=", "'Tokyo'", ")]"], ""),
    (["Sure, let me check. ", "[get_weather(city=", "'Tokyo')]"], None),
    (["<|python_start|>[get_", "weather(city='Tokyo')]<|python_end|>"], ""),
]


@pytest.mark.parametrize(("chunks", "content"), SGLANG_CHUNKS)
def test_sglang_pythonic_streaming_chunks(chunks: list[str], content: str | None) -> None:
    s = gp.ToolCallStream("pythonic", tools=WEATHER)
    events = [e for chunk in chunks for e in s.push(chunk)]
    out = fold([*events, *s.finish()])
    if content is None:
        # Text before a bare list: the list is text too (only a list that starts the output is
        # a call list; SGLang takes one anywhere): nothing is lost.
        assert out == {"content": "".join(chunks), "reasoning_content": "", "tool_calls": []}
        return
    call = {"id": "", "name": "get_weather", "arguments": '{"city": "Tokyo"}'}
    assert out == {"content": content, "reasoning_content": "", "tool_calls": [call]}


def test_sglang_pythonic_incomplete_call_streams_its_start() -> None:
    # SGLang holds an incomplete call back entirely; we start it (the name is known) and
    # stream its arguments, and nothing of it is content.
    s = gp.ToolCallStream("pythonic", tools=WEATHER)
    events = s.push("[get_weather(city=")
    assert [(e.kind, e.name) for e in events] == [
        ("tool_call_start", "get_weather"),
        ("tool_call_args", ""),
    ]
    assert not [e for e in events if e.kind == "content"]
