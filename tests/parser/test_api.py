"""The fixed Python API of ggserve_parser, as DESIGN.md gives it."""

from __future__ import annotations

import gc
import json
import threading

import pytest

import ggserve_parser as gp
from tests.parser.fold import fold

WEATHER = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Tokyo"}}\n</tool_call>'


def test_formats_is_a_tuple_of_names() -> None:
    assert isinstance(gp.FORMATS, tuple)
    assert "hermes" in gp.FORMATS
    assert all(isinstance(f, str) for f in gp.FORMATS)


def test_every_format_constructs_and_parses_plain_text() -> None:
    for fmt in gp.FORMATS:
        out = gp.parse(fmt, "Just an answer.")
        assert out == {"content": "Just an answer.", "reasoning_content": "", "tool_calls": []}, fmt


def test_unknown_format_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unknown tool-call format"):
        gp.ToolCallStream("no_such_format")
    with pytest.raises(ValueError, match="unknown tool-call format"):
        gp.parse("no_such_format", "x")


@pytest.mark.parametrize(
    "tools",
    [
        "not json",
        '{"name": "f"}',
        [{"type": "function", "function": {"description": "no name"}}],
        [{"type": "function", "function": {"name": "f", "parameters": "not an object"}}],
        [{"name": object()}],
    ],
)
def test_malformed_tools_raise_value_error(tools: object) -> None:
    with pytest.raises(ValueError, match="invalid tools"):
        gp.ToolCallStream("hermes", tools=tools)  # type: ignore[arg-type]


def test_tools_as_list_or_json_text_are_equivalent() -> None:
    a = gp.parse("hermes", CALL, tools=WEATHER)
    b = gp.parse("hermes", CALL, tools=json.dumps(WEATHER))
    assert a == b
    assert a["tool_calls"] == [{"id": "", "name": "get_weather", "arguments": '{"city": "Tokyo"}'}]


def test_event_attributes() -> None:
    s = gp.ToolCallStream("hermes", tools=WEATHER)
    events = s.push("Sure. " + CALL) + s.finish()
    kinds = [e.kind for e in events]
    assert kinds == ["content", "tool_call_start", "tool_call_args", "tool_call_end"]
    content, start, args, end = events
    # Whitespace is content, as written.
    assert (content.text, content.index, content.id, content.name) == ("Sure. ", None, "", "")
    assert (start.index, start.id, start.name, start.text) == (0, "", "get_weather", "")
    assert (args.index, args.text) == (0, '{"city": "Tokyo"}')
    assert (end.index, end.status) == (0, "complete")
    assert (content.status, start.status, args.status) == ("", "", "")
    assert start == events[1]
    assert start != end
    assert "get_weather" in repr(start)


def test_parse_equals_fold_of_any_split() -> None:
    text = "<think>plan</think>Answer: " + CALL + " done"
    whole = gp.parse("hermes", text)
    for cut in range(len(text) + 1):
        s = gp.ToolCallStream("hermes")
        assert fold(s.push(text[:cut]) + s.push(text[cut:]) + s.finish()) == whole


def test_reasoning_flags() -> None:
    text = "thinking...</think>answer"
    forced = gp.parse("hermes", text, thinking_forced_open=True)
    assert (forced["reasoning_content"], forced["content"]) == ("thinking...", "answer")
    verbatim = gp.parse("hermes", "<think>x</think>y", reasoning=False)
    assert verbatim["content"] == "<think>x</think>y"


def test_push_after_finish_returns_nothing() -> None:
    s = gp.ToolCallStream("hermes", reasoning=False)
    assert [e.text for e in s.push("hello <")] == ["hello "]
    assert [e.text for e in s.finish()] == ["<"]
    assert s.push("more") == ()
    assert s.finish() == ()


def test_model_output_never_raises() -> None:
    s = gp.ToolCallStream("hermes")
    for piece in ["<tool_call>", "{\x00", "\ud800 lone surrogate", "}}]]", "</tool_call>"]:
        s.push(piece)
    s.finish()


def test_marker_split_across_pieces_is_held_back() -> None:
    s = gp.ToolCallStream("hermes", reasoning=False)
    held = fold(s.push("Hi <tool_"))
    assert held == {"content": "Hi ", "reasoning_content": "", "tool_calls": []}
    assert s.push("ca") == ()
    events = s.push('ll>{"name": "f", "arguments": {}}</tool_call>') + s.finish()
    assert [e.kind for e in events] == ["tool_call_start", "tool_call_args", "tool_call_end"]


def test_hermes_text_before_a_lone_close_is_held_then_decided() -> None:
    # With reasoning on, Qwen3's prompt may have opened the block: text waits for a decision.
    s = gp.ToolCallStream("hermes")
    assert s.push("I think") == ()
    events = s.push("</think>answer") + s.finish()
    assert fold(events) == {"content": "answer", "reasoning_content": "I think", "tool_calls": []}
    # No close by the end: it was the answer.
    s = gp.ToolCallStream("hermes")
    assert s.push("Just text") == ()
    assert fold(s.finish()) == {"content": "Just text", "reasoning_content": "", "tool_calls": []}


def test_non_ascii_arguments_are_byte_identical() -> None:
    args = '{"text": "漢字 😀 \\ud83d\\ude00 caf\\u00e9"}'
    text = '<tool_call>{"name": "say", "arguments": ' + args + "}</tool_call>"
    for step in (1, 2, 3, 7):
        s = gp.ToolCallStream("hermes")
        events: list[gp.Event] = []
        for i in range(0, len(text), step):
            events += s.push(text[i : i + step])
        events += s.finish()
        assert fold(events)["tool_calls"] == [{"id": "", "name": "say", "arguments": args}]


def test_heal_json_examples() -> None:
    assert gp.heal_json('{"a": "hel') == '{"a": "hel"}'
    assert gp.heal_json('{"a": -') == "{}"
    assert gp.heal_json("[t") == "[]"
    assert gp.heal_json('{"a": "x\\ud83d') == '{"a": "x"}'
    assert gp.heal_json('{"a": "x\\u00') == '{"a": "x"}'
    assert json.loads(gp.heal_json('[{"a": [{"b": [{')) == [{"a": [{"b": [{}]}]}]


def test_detect_format() -> None:
    template = "{% for m in messages %}<tool_call>{% endfor %}"
    assert gp.detect_format(chat_template=template) == "hermes"
    assert gp.detect_format(model_name="Qwen2.5-7B-Instruct") == "hermes"
    assert gp.detect_format(chat_template="plain", model_name="SmolLM2-135M") is None
    assert gp.detect_format() is None


def test_broken_calls_end_with_their_status_and_come_back_as_content() -> None:
    invalid = 'Hi <tool_call>{"name": "f", "arguments": {"a": 1 oops}}</tool_call>'
    truncated = 'Hi <tool_call>{"name": "f", "arguments": {"a": "hel'
    for text, status in ((invalid, "invalid"), (truncated, "truncated")):
        for cut in range(len(text) + 1):
            s = gp.ToolCallStream("hermes")
            events = s.push(text[:cut]) + s.push(text[cut:]) + s.finish()
            ends = [e for e in events if e.kind == "tool_call_end"]
            assert [e.status for e in ends] == [status]
            # The raw text follows the end event: nothing is lost, and it is no call.
            after = events[events.index(ends[0]) + 1 :]
            assert after
            assert after[0].kind == "content"
            assert fold(events) == {"content": text, "reasoning_content": "", "tool_calls": []}
            assert gp.parse("hermes", text) == fold(events)
    # Whole arguments with the closing markers missing: a call.
    whole = gp.parse("hermes", '<tool_call>{"name": "f", "arguments": {"a": 1}}')
    assert whole["tool_calls"] == [{"id": "", "name": "f", "arguments": '{"a": 1}'}]


def test_events_are_not_tracked_by_the_garbage_collector() -> None:
    # Events refer to nothing but strings: a consumer keeping a long stream's events must not
    # make every collection walk them.
    s = gp.ToolCallStream("hermes")
    events = s.push('Hi <tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>') + s.finish()
    assert {e.kind for e in events} == {
        "content",
        "tool_call_start",
        "tool_call_args",
        "tool_call_end",
    }
    assert not any(gc.is_tracked(e) for e in events)


def test_push_results_are_untracked_tuples() -> None:
    # A client recording a stream keeps every push's result: a tracked container per push
    # would make every collection scan them all (superlinear in the stream's length).
    s = gp.ToolCallStream("hermes", reasoning=False)
    one = s.push("Hi")
    many = s.push(' <tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>')
    held = s.push("<tool_")
    end = s.finish()
    assert (len(one), len(many), len(end)) == (1, 4, 1)
    for result in (one, many, held, end):
        assert type(result) is tuple
        assert not gc.is_tracked(result)
    # Nothing happened: the interpreter's shared empty tuple, no allocation.
    empty: tuple[()] = ()
    assert held is empty
    assert s.push("after the end") is empty


def test_an_event_whose_text_is_the_whole_piece_shares_it() -> None:
    # Inside prose or a long argument most pushes return one event whose text is exactly the
    # piece: it is the caller's str, not a copy. Anything else (a str subclass, part of a piece)
    # is a new, exact str.
    class Tagged(str):
        pass

    s = gp.ToolCallStream("hermes", reasoning=False)
    piece = "".join(["plain ", "prose"])
    (event,) = s.push(piece)
    assert event.text is piece
    (event,) = s.push(Tagged(" more"))
    assert type(event.text) is str
    assert event.text == " more"
    events = s.push(" end <tool_call>")
    assert [(e.kind, e.text) for e in events] == [("content", " end ")]
    assert type(events[0].text) is str
    s = gp.ToolCallStream("hermes")
    s.push('<tool_call>{"name": "w", "arguments": {"c": "')
    piece = "".join(["x\\n", "é"])  # an escape and non-ASCII text, as the model wrote them
    (event,) = s.push(piece)
    assert (event.kind, event.text) == ("tool_call_args", piece)
    assert event.text is piece


def test_a_stream_moves_between_threads() -> None:
    # A caller may make a stream on one thread and feed it on another (work handed to a thread
    # pool): a stream is not tied to the thread that made it, and keeps its state across.
    s = gp.ToolCallStream("hermes", reasoning=False)
    first = s.push('Hi <tool_call>{"name": "f", "arguments": {"a": "')
    pushed: list[tuple[gp.Event, ...]] = []
    worker = threading.Thread(target=lambda: pushed.append(s.push("xy")))
    worker.start()
    worker.join()
    events = first + pushed[0] + s.push('"}}</tool_call>') + s.finish()
    assert [(e.kind, e.text) for e in pushed[0]] == [("tool_call_args", "xy")]
    whole = 'Hi <tool_call>{"name": "f", "arguments": {"a": "xy"}}</tool_call>'
    assert fold(events) == gp.parse("hermes", whole, reasoning=False)
